export * from './features.js';
export * from './embedders.js';
export * from './reward.js';
export * from './dataset.js';

export * from './scoring.js';
export * from './train.js';
export * from './monotonicity.js';

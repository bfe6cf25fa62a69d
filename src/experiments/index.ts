export * from './run-config.js';
export * from './run-store.js';
export * from './train.js';
export * from './evaluate.js';
export * from './baselines.js';
export * from './demo.js';
export * from './base-policies.js';

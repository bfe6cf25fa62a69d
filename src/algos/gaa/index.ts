export * from './config.js';
export * from './coefficients.js';
export * from './greedy.js';
export * from './objective.js';
export * from './env-probe.js';
export * from './trainer.js';

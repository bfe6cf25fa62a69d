/** Goodhart: train against a proxy reward, watch the true reward, and regularise the gap. */
export * from './nn/index.js';
export * from './envs/index.js';
export * from './algos/index.js';
export * from './policies/actor-critic.js';
export * from './experiments/index.js';
export { Rng } from './util/rng.js';
export { meanSe, type MeanSe } from './util/stats.js';
export * from './lm/tasks/index.js';
export * from './rewards/index.js';
export * as lm from './lm/index.js';
export { createDashboard, type Dashboard, type DashboardOptions } from './dashboard/index.js';

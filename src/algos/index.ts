export * from './ppo/config.js';
export * from './ppo/gae.js';
export * from './ppo/loss.js';
export * from './ppo/rollout.js';
export * from './ppo/trainer.js';
export * from './orpo/index.js';
export * from './bc/index.js';
export * from './gaa/index.js';

export * from './divergences.js';
export * from './discriminator.js';
export * from './action-divergence.js';
export * from './config.js';
export * from './trainer.js';

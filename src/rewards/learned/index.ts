/** Learned reward models: architectures, training by regression, saving, and the learned-reward environment wrapper. */
export * from './model.js';
export * from './forward-js.js';
export * from './data.js';
export * from './train.js';
export * from './store.js';
export * from './env.js';

export * from './types.js';
export * from './spaces.js';
export * from './vector.js';
export * from './registry.js';
export * from './checker.js';
export * from './builtin.js';
export * as tomato from './tomato/index.js';
export { TomatoEnv, type TomatoConfig } from './tomato/index.js';
export * as glucose from './glucose/index.js';

/** Controllers registry; importing this module registers the built-in controllers. */
export * from './registry.js';
export { tomatoWaterNearest } from './tomato.js';

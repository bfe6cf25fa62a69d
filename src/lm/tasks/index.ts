/** The instruction task suite: a small synthetic world, seeded prompts with reference answers, AlpacaFarm files. */
export * from './types.js';
export * from './world.js';
export * from './template.js';
export * from './families.js';
export * from './suite.js';
export * from './format.js';

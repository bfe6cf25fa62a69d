/** Text rewards for the language-model tasks: gold, white-box (RER), honeypot, and their common types. */
export * from './types.js';
export * from './text.js';
export * from './examples.js';
export * from './pair.js';
export * from './gold/index.js';
export * from './whitebox/index.js';
export * from './honeypot/index.js';

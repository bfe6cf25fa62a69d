/** LoRA: low-rank adapters on the transformer's projections, trained alone, saved apart, merged on request. */
export * from './config.js';
export * from './adapters.js';
export * from './io.js';

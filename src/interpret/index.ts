/** Interpreting reward models: saliency methods, counterfactual probes, and heat-map figures. */
export * from './saliency.js';
export * from './counterfactual.js';
export * from './figures.js';

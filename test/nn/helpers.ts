/** The nn and algos tests use the shared helpers. */
export * from '../helpers.js';

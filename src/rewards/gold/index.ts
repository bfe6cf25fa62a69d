export * from './gold.js';
export * from './checks.js';

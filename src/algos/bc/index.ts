export * from './bc.js';

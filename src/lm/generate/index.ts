export { generate, type GenerateOptions, type Generation } from './generate.js';
export { chooseToken, argmax, logSoftmaxAt, type SamplingOptions, type TokenChoice } from './sampling.js';

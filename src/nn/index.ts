export { tf, initBackend, currentBackend, BACKENDS, type BackendName, type Tensor, type Tensor1D, type Tensor2D } from './backend.js';
export { ParamSet, type NamedArray } from './params.js';
export { Mlp, ACTIVATIONS, type Activation, type MlpConfig } from './mlp.js';
export { dense } from './dense.js';
export { initWeight, initBias, type Initializer } from './init.js';
export { Adam, clipByGlobalNorm, globalNorm, valueAndGrads, type AdamConfig, type AdamState, type Grads } from './optim.js';
export { Categorical, DiagGaussian, Beta, makeDistribution, DIST_KINDS, type ActionDistribution, type DistKind, type DistSpec } from './distributions.js';
export { lgamma, digamma, lbeta, lgammaScalar, digammaScalar } from './special.js';
export { saveModel, loadModel, saveTensors, loadTensors } from './serialize.js';

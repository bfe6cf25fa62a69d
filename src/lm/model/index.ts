export { DEFAULT_LM_CONFIG, HIDDEN_ACTS, makeLmConfig, configFromHf, configToHf, headSize, rotaryDims, type GptNeoXConfig, type HiddenAct } from './config.js';
export { paramSpecs, initParams, layerPrefix, type ParamSpec, type ModelParts } from './params.js';
export { GptNeoX, type LmInput, type ForwardOptions, type ForwardOutput } from './transformer.js';
export { KvCache } from './kv-cache.js';
export { rotaryInvFreq, rotaryFullTables, rotateHalfMatrix, applyRotary } from './rotary.js';
export { layerNorm, activation, embeddingLookup } from './ops.js';

export { packPromptResponse, type PackedBatch } from './batch.js';
export { responseLogProbs, scoreResponses, sequenceLogProbs, type ResponseLogProbOptions, type ResponseLogProbs } from './logprobs.js';
export { trainSft, sftLoss, withAdapterTraining, resolveSftConfig, type SftExample, type SftConfig, type SftConfigInput, type SftStepInfo, type SftResult } from './sft.js';
export { lastTokenColumns, hiddenAt, unfrozenParamNames, valueAndGradsFor } from './helpers.js';

export { LmTokenizer, type EncodeOptions } from './tokenizer.js';
export { trainBpe, tokenizerJson, DEFAULT_SPECIAL_TOKENS, type BpeTrainOptions, type TokenizerJson } from './bpe-trainer.js';
export { BYTE_TO_CHAR, CHAR_TO_BYTE, GPT2_SPLIT, byteLevelWords } from './byte-level.js';

/** Language models: the GPT-NeoX transformer, tokenizer, safetensors I/O, generation and SFT. */
export * from './model/index.js';
export * from './tokenizer/index.js';
export * from './io/index.js';
export * from './generate/index.js';
export * from './train/index.js';
export * from './chat-format.js';
export * from './lora/index.js';

/**
 * The configuration of a GPT-NeoX decoder (the architecture of the Pythia models), with the fields
 * of Hugging Face's GPTNeoXConfig in camelCase, and conversion to and from its `config.json`.
 *
 * The default size is what trains in minutes on two CPU cores (docs/lm.md has the measured speeds):
 * 4 layers of width 128 with 4 heads of 32 dimensions, a 512-wide MLP, rotary embeddings on a
 * quarter of each head (Pythia's rotary_pct) and a 1024-token vocabulary (our own byte-level BPE;
 * the vocabulary size follows the tokenizer in use).
 */
import { ConfigError, parseConfig, z } from '../../util/validate.js';

export const HIDDEN_ACTS = ['gelu', 'gelu_new', 'gelu_fast', 'gelu_pytorch_tanh', 'relu'] as const;
export type HiddenAct = (typeof HIDDEN_ACTS)[number];

export interface GptNeoXConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  /** Fraction of each head's dimensions that are rotated (the rest pass through unchanged). */
  rotaryPct: number;
  rotaryEmbBase: number;
  maxPositionEmbeddings: number;
  layerNormEps: number;
  /** x + attn(ln1(x)) + mlp(ln2(x)) when true; x' = x + attn(ln1(x)), x' + mlp(ln2(x')) when false. */
  useParallelResidual: boolean;
  /** Pythia unties them; tied embeddings are rejected (we never share a tensor between two names). */
  tieWordEmbeddings: false;
  /** 'gelu' is the exact (erf) GELU that Pythia uses; the tanh approximations are accepted too. */
  hiddenAct: HiddenAct;
  /** Whether query_key_value and dense carry biases (Pythia: true). */
  attentionBias: boolean;
  initializerRange: number;
  bosTokenId: number;
  eosTokenId: number;
}

/** The default small model (see the file comment); vocabSize is replaced by the tokenizer's. */
export const DEFAULT_LM_CONFIG: Readonly<GptNeoXConfig> = Object.freeze({
  vocabSize: 1024,
  hiddenSize: 128,
  numHiddenLayers: 4,
  numAttentionHeads: 4,
  intermediateSize: 512,
  rotaryPct: 0.25,
  rotaryEmbBase: 10000,
  maxPositionEmbeddings: 512,
  layerNormEps: 1e-5,
  useParallelResidual: true,
  tieWordEmbeddings: false,
  hiddenAct: 'gelu',
  attentionBias: true,
  initializerRange: 0.02,
  bosTokenId: 0,
  eosTokenId: 0,
});

const positiveInt = z.number().int().positive();

const schema = z
  .object({
    vocabSize: positiveInt,
    hiddenSize: positiveInt,
    numHiddenLayers: positiveInt,
    numAttentionHeads: positiveInt,
    intermediateSize: positiveInt,
    rotaryPct: z.number().min(0).max(1),
    rotaryEmbBase: z.number().positive(),
    maxPositionEmbeddings: positiveInt,
    layerNormEps: z.number().positive(),
    useParallelResidual: z.boolean(),
    tieWordEmbeddings: z.literal(false, { message: 'tied input and output embeddings are not supported (Pythia unties them)' }),
    hiddenAct: z.enum(HIDDEN_ACTS),
    attentionBias: z.boolean(),
    initializerRange: z.number().positive(),
    bosTokenId: z.number().int().nonnegative(),
    eosTokenId: z.number().int().nonnegative(),
  })
  .strict();

/** The default config with `overrides` applied, validated (head size must divide the width, and so on). */
export function makeLmConfig(overrides: Partial<GptNeoXConfig> = {}): GptNeoXConfig {
  const cfg = parseConfig(schema, { ...DEFAULT_LM_CONFIG, ...overrides }, 'lm config') as GptNeoXConfig;
  if (cfg.hiddenSize % cfg.numAttentionHeads !== 0) {
    throw new ConfigError(`invalid lm config: hiddenSize ${cfg.hiddenSize} is not divisible by numAttentionHeads ${cfg.numAttentionHeads}`);
  }
  return cfg;
}

export function headSize(cfg: GptNeoXConfig): number {
  return cfg.hiddenSize / cfg.numAttentionHeads;
}

/** Rotated dimensions per head: int(head_size · rotary_pct), as Hugging Face computes it (always even in practice). */
export function rotaryDims(cfg: GptNeoXConfig): number {
  const r = Math.floor(headSize(cfg) * cfg.rotaryPct);
  return r - (r % 2);
}

/** Hugging Face `config.json` key for each field (older and newer spellings are read, the classic one written). */
const HF_KEYS: Record<keyof GptNeoXConfig, string[]> = {
  vocabSize: ['vocab_size'],
  hiddenSize: ['hidden_size'],
  numHiddenLayers: ['num_hidden_layers'],
  numAttentionHeads: ['num_attention_heads'],
  intermediateSize: ['intermediate_size'],
  rotaryPct: ['rotary_pct', 'partial_rotary_factor'],
  rotaryEmbBase: ['rotary_emb_base', 'rope_theta'],
  maxPositionEmbeddings: ['max_position_embeddings'],
  layerNormEps: ['layer_norm_eps'],
  useParallelResidual: ['use_parallel_residual'],
  tieWordEmbeddings: ['tie_word_embeddings'],
  hiddenAct: ['hidden_act'],
  attentionBias: ['attention_bias'],
  initializerRange: ['initializer_range'],
  bosTokenId: ['bos_token_id'],
  eosTokenId: ['eos_token_id'],
};

/** Reads a Hugging Face GPTNeoX `config.json` object; missing optional fields take Hugging Face's defaults. */
export function configFromHf(json: unknown): GptNeoXConfig {
  if (json === null || typeof json !== 'object') throw new ConfigError('config.json: expected a JSON object');
  const src = json as Record<string, unknown>;
  const modelType = src['model_type'];
  if (modelType !== undefined && modelType !== 'gpt_neox') {
    throw new ConfigError(`config.json: model_type "${String(modelType)}" is not supported (only "gpt_neox", the Pythia architecture)`);
  }
  // Hugging Face's own defaults for fields a file may omit.
  const hfDefaults: Partial<GptNeoXConfig> = {
    rotaryPct: 0.25,
    rotaryEmbBase: 10000,
    layerNormEps: 1e-5,
    useParallelResidual: true,
    tieWordEmbeddings: false,
    hiddenAct: 'gelu',
    attentionBias: true,
    initializerRange: 0.02,
    bosTokenId: 0,
    eosTokenId: 2,
    maxPositionEmbeddings: 2048,
  };
  const out: Record<string, unknown> = { ...hfDefaults };
  for (const [field, keys] of Object.entries(HF_KEYS)) {
    for (const key of keys) {
      if (src[key] !== undefined && src[key] !== null) {
        out[field] = src[key];
        break;
      }
    }
  }
  if (out['intermediateSize'] === undefined && typeof out['hiddenSize'] === 'number') out['intermediateSize'] = 4 * out['hiddenSize'];
  return makeLmConfig(out as Partial<GptNeoXConfig>);
}

/** The Hugging Face `config.json` object for a config (loadable by transformers' GPTNeoXForCausalLM). */
export function configToHf(cfg: GptNeoXConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: ['GPTNeoXForCausalLM'],
    model_type: 'gpt_neox',
    torch_dtype: 'float32',
    use_cache: true,
    attention_dropout: 0,
    hidden_dropout: 0,
  };
  for (const [field, keys] of Object.entries(HF_KEYS)) out[keys[0]!] = cfg[field as keyof GptNeoXConfig];
  return out;
}

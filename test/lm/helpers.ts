/** Shared by the lm tests: a small random checkpoint written the way a Pythia checkpoint is laid out. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NamedArray } from '../../src/nn/index.js';
import { writeSafetensors } from '../../src/lm/io/safetensors.js';
import { Rng } from '../../src/util/rng.js';
import type { RefConfig } from './reference.js';

export * from '../helpers.js';

export function tempDir(prefix = 'goodhart-lm-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Random weights in PyTorch's layout with Pythia's names, listed here by hand ([out, in] linear
 * weights, layer norms near 1). Scales are large enough that every part of the network matters.
 */
export function randomPythiaWeights(cfg: RefConfig, seed: number): Map<string, NamedArray> {
  const rng = new Rng(seed);
  const out = new Map<string, NamedArray>();
  const add = (name: string, shape: number[], scale: number, centre = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    out.set(name, { shape, data: Float32Array.from({ length: n }, () => centre + scale * rng.normal()) });
  };
  const d = cfg.hidden;
  add('gpt_neox.embed_in.weight', [cfg.vocab, d], 1);
  for (let l = 0; l < cfg.layers; l++) {
    const p = `gpt_neox.layers.${l}`;
    for (const ln of ['input_layernorm', 'post_attention_layernorm']) {
      add(`${p}.${ln}.weight`, [d], 0.2, 1);
      add(`${p}.${ln}.bias`, [d], 0.2);
    }
    add(`${p}.attention.query_key_value.weight`, [3 * d, d], 0.5);
    add(`${p}.attention.query_key_value.bias`, [3 * d], 0.2);
    add(`${p}.attention.dense.weight`, [d, d], 0.4);
    add(`${p}.attention.dense.bias`, [d], 0.2);
    add(`${p}.mlp.dense_h_to_4h.weight`, [cfg.inter, d], 0.4);
    add(`${p}.mlp.dense_h_to_4h.bias`, [cfg.inter], 0.2);
    add(`${p}.mlp.dense_4h_to_h.weight`, [d, cfg.inter], 0.3);
    add(`${p}.mlp.dense_4h_to_h.bias`, [d], 0.2);
  }
  add('gpt_neox.final_layer_norm.weight', [d], 0.2, 1);
  add('gpt_neox.final_layer_norm.bias', [d], 0.2);
  add('embed_out.weight', [cfg.vocab, d], 0.5);
  return out;
}

/** The Hugging Face config.json of a RefConfig, written by hand in transformers' spelling. */
export function hfConfigJson(cfg: RefConfig): Record<string, unknown> {
  return {
    architectures: ['GPTNeoXForCausalLM'],
    model_type: 'gpt_neox',
    vocab_size: cfg.vocab,
    hidden_size: cfg.hidden,
    num_hidden_layers: cfg.layers,
    num_attention_heads: cfg.heads,
    intermediate_size: cfg.inter,
    rotary_pct: cfg.rotaryPct,
    rotary_emb_base: cfg.base,
    max_position_embeddings: 64,
    layer_norm_eps: cfg.eps,
    use_parallel_residual: cfg.parallel,
    tie_word_embeddings: false,
    hidden_act: 'gelu',
    bos_token_id: 0,
    eos_token_id: 0,
    torch_dtype: 'float16',
  };
}

/** A checkpoint directory (config.json + model.safetensors) like a downloaded Pythia one. */
export function writeCheckpoint(cfg: RefConfig, seed: number): { dir: string; weights: Map<string, NamedArray> } {
  const dir = tempDir();
  const weights = randomPythiaWeights(cfg, seed);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(hfConfigJson(cfg)));
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(weights, { format: 'pt' }));
  return { dir, weights };
}

export const TINY: RefConfig = { hidden: 8, heads: 2, layers: 2, inter: 16, vocab: 13, rotaryPct: 0.5, base: 10000, eps: 1e-5, parallel: true };

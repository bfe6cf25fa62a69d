/**
 * Parameter names and shapes of a GPT-NeoX model, exactly as Pythia checkpoints name them.
 *
 * One deliberate difference from PyTorch: the weights of linear layers (query_key_value, dense,
 * dense_h_to_4h, dense_4h_to_h, embed_out) are held transposed, [in, out], because that is the
 * layout nn's dense() multiplies natively; safetensors files keep PyTorch's [out, in] and the
 * conversion happens when reading and writing (lm/io/pretrained.ts). The fused query_key_value
 * output keeps the NeoX per-head interleaved order: for head h its columns are
 * [q_h (head size) | k_h | v_h], heads one after the other.
 */
import { ParamSet } from '../../nn/index.js';
import { Rng } from '../../util/rng.js';
import type { GptNeoXConfig } from './config.js';

export interface ParamSpec {
  name: string;
  /** Shape as held in the ParamSet. */
  shape: number[];
  /** Normal(0, initializerRange) for weights; ones or zeros otherwise. */
  init: 'normal' | 'ones' | 'zeros';
  /** Held as [in, out] while PyTorch stores [out, in]. */
  transposed: boolean;
}

export interface ModelParts {
  /** Include embed_out (a language model); without it the trunk serves reward and value models. */
  lmHead: boolean;
}

export const layerPrefix = (i: number): string => `gpt_neox.layers.${i}`;

export function paramSpecs(cfg: GptNeoXConfig, parts: ModelParts = { lmHead: true }): ParamSpec[] {
  const d = cfg.hiddenSize;
  const specs: ParamSpec[] = [];
  const norm = (name: string) => {
    specs.push({ name: `${name}.weight`, shape: [d], init: 'ones', transposed: false });
    specs.push({ name: `${name}.bias`, shape: [d], init: 'zeros', transposed: false });
  };
  const linear = (name: string, inDim: number, outDim: number, bias: boolean) => {
    specs.push({ name: `${name}.weight`, shape: [inDim, outDim], init: 'normal', transposed: true });
    if (bias) specs.push({ name: `${name}.bias`, shape: [outDim], init: 'zeros', transposed: false });
  };
  specs.push({ name: 'gpt_neox.embed_in.weight', shape: [cfg.vocabSize, d], init: 'normal', transposed: false });
  for (let i = 0; i < cfg.numHiddenLayers; i++) {
    const p = layerPrefix(i);
    norm(`${p}.input_layernorm`);
    norm(`${p}.post_attention_layernorm`);
    linear(`${p}.attention.query_key_value`, d, 3 * d, cfg.attentionBias);
    linear(`${p}.attention.dense`, d, d, cfg.attentionBias);
    linear(`${p}.mlp.dense_h_to_4h`, d, cfg.intermediateSize, true);
    linear(`${p}.mlp.dense_4h_to_h`, cfg.intermediateSize, d, true);
  }
  norm('gpt_neox.final_layer_norm');
  if (parts.lmHead) linear('embed_out', d, cfg.vocabSize, false);
  return specs;
}

/** A freshly initialised ParamSet (Hugging Face's GPT-NeoX initialisation), deterministic in `seed`. */
export function initParams(cfg: GptNeoXConfig, seed: number, parts: ModelParts = { lmHead: true }): ParamSet {
  const rng = new Rng(seed);
  const params = new ParamSet();
  for (const spec of paramSpecs(cfg, parts)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init === 'normal') for (let i = 0; i < n; i++) data[i] = rng.normal() * cfg.initializerRange;
    params.add(spec.name, spec.shape, data);
  }
  return params;
}

/**
 * A GPT-NeoX forward pass in plain float64 JS loops, written from the architecture's description
 * (not from src/lm), for checking the TensorFlow.js model. Weights are read in PyTorch's layout
 * ([out, in] for linear layers), as a safetensors file of a Pythia checkpoint holds them.
 */
import type { NamedArray } from '../../src/nn/index.js';

export interface RefConfig {
  hidden: number;
  heads: number;
  layers: number;
  inter: number;
  vocab: number;
  rotaryPct: number;
  base: number;
  eps: number;
  parallel: boolean;
}

/** erf by its Maclaurin series (|x| < 3) or continued fraction; |error| < 1e-12 in the range the tests use. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc continued fraction (Lentz), accurate for larger |x|.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

function layerNorm(v: number[], w: Float32Array, b: Float32Array, eps: number): number[] {
  const n = v.length;
  const mean = v.reduce((a, c) => a + c, 0) / n;
  const variance = v.reduce((a, c) => a + (c - mean) ** 2, 0) / n;
  return v.map((c, i) => ((c - mean) / Math.sqrt(variance + eps)) * w[i]! + b[i]!);
}

/** y = W·v + b with W [out, in] row-major (PyTorch's nn.Linear). */
function linear(v: number[], w: NamedArray, b: NamedArray | null): number[] {
  const [out, inn] = w.shape as [number, number];
  const y = new Array<number>(out).fill(0);
  for (let o = 0; o < out; o++) {
    let s = b ? b.data[o]! : 0;
    for (let i = 0; i < inn; i++) s += w.data[o * inn + i]! * v[i]!;
    y[o] = s;
  }
  return y;
}

/** Logits [T][vocab] of one unpadded sequence. */
export function referenceLogits(cfg: RefConfig, weights: ReadonlyMap<string, NamedArray>, ids: number[]): number[][] {
  const W = (name: string) => {
    const t = weights.get(name);
    if (!t) throw new Error(`reference: no tensor ${name}`);
    return t;
  };
  const d = cfg.hidden;
  const hd = d / cfg.heads;
  const rd = Math.floor(hd * cfg.rotaryPct);
  const T = ids.length;
  const emb = W('gpt_neox.embed_in.weight');
  let x = ids.map((id) => Array.from(emb.data.subarray(id * d, (id + 1) * d)));
  for (let l = 0; l < cfg.layers; l++) {
    const p = `gpt_neox.layers.${l}`;
    const rot = (vec: number[], pos: number) => {
      const out = vec.slice();
      for (let i = 0; i < rd / 2; i++) {
        const theta = Math.pow(cfg.base, (-2 * i) / rd);
        const c = Math.cos(pos * theta);
        const s = Math.sin(pos * theta);
        out[i] = vec[i]! * c - vec[i + rd / 2]! * s;
        out[i + rd / 2] = vec[i + rd / 2]! * c + vec[i]! * s;
      }
      return out;
    };
    const q: number[][][] = []; // [t][head][hd]
    const k: number[][][] = [];
    const v: number[][][] = [];
    for (let t = 0; t < T; t++) {
      const h = layerNorm(x[t]!, W(`${p}.input_layernorm.weight`).data, W(`${p}.input_layernorm.bias`).data, cfg.eps);
      const qkv = linear(h, W(`${p}.attention.query_key_value.weight`), W(`${p}.attention.query_key_value.bias`));
      q.push([]);
      k.push([]);
      v.push([]);
      for (let head = 0; head < cfg.heads; head++) {
        const base = head * 3 * hd; // NeoX: each head's q, k, v are adjacent
        q[t]!.push(rot(qkv.slice(base, base + hd), t));
        k[t]!.push(rot(qkv.slice(base + hd, base + 2 * hd), t));
        v[t]!.push(qkv.slice(base + 2 * hd, base + 3 * hd));
      }
    }
    const next: number[][] = [];
    for (let t = 0; t < T; t++) {
      const ctx: number[] = [];
      for (let head = 0; head < cfg.heads; head++) {
        const scores: number[] = [];
        for (let u = 0; u <= t; u++) {
          let s = 0;
          for (let i = 0; i < hd; i++) s += q[t]![head]![i]! * k[u]![head]![i]!;
          scores.push(s / Math.sqrt(hd));
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let i = 0; i < hd; i++) {
          let s = 0;
          for (let u = 0; u <= t; u++) s += (e[u]! / z) * v[u]![head]![i]!;
          ctx.push(s);
        }
      }
      const attn = linear(ctx, W(`${p}.attention.dense.weight`), W(`${p}.attention.dense.bias`));
      const mlpIn = cfg.parallel ? x[t]! : x[t]!.map((c, i) => c + attn[i]!);
      const h2 = layerNorm(mlpIn, W(`${p}.post_attention_layernorm.weight`).data, W(`${p}.post_attention_layernorm.bias`).data, cfg.eps);
      const up = linear(h2, W(`${p}.mlp.dense_h_to_4h.weight`), W(`${p}.mlp.dense_h_to_4h.bias`)).map((c) => 0.5 * c * (1 + erf(c / Math.SQRT2)));
      const mlp = linear(up, W(`${p}.mlp.dense_4h_to_h.weight`), W(`${p}.mlp.dense_4h_to_h.bias`));
      next.push(cfg.parallel ? x[t]!.map((c, i) => c + attn[i]! + mlp[i]!) : mlpIn.map((c, i) => c + mlp[i]!));
    }
    x = next;
  }
  return x.map((row) => linear(layerNorm(row, W('gpt_neox.final_layer_norm.weight').data, W('gpt_neox.final_layer_norm.bias').data, cfg.eps), W('embed_out.weight'), null));
}

/**
 * The reward model's forward pass in plain JavaScript over its saved weights, for one transition
 * at a time inside an environment step (a wrapper env predicts a reward on every step, where
 * creating tensors would cost more than the arithmetic). It mirrors RewardModel.apply exactly.
 */
import type { NamedArray } from '../../nn/index.js';
import type { RewardModelConfig } from './model.js';

type Weights = ReadonlyMap<string, NamedArray>;

function get(w: Weights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reward model weights: missing "${name}"`);
  return t.data;
}

/** out[j] = Σ_i x[i]·W[i, j] + b[j] (W row-major [in, out]). */
function affine(x: Float64Array, W: Float32Array, b: Float32Array | null, outDim: number): Float64Array {
  const out = new Float64Array(outDim);
  if (b) for (let j = 0; j < outDim; j++) out[j] = b[j]!;
  const inDim = x.length;
  for (let i = 0; i < inDim; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * outDim;
    for (let j = 0; j < outDim; j++) out[j]! += xi * W[row + j]!;
  }
  return out;
}

/** 3×3 'same' convolution of a [H, W, C] board into `out` [H, W, F] (accumulating). */
function convInto(x: ArrayLike<number>, H: number, Wd: number, C: number, W: Float32Array, F: number, out: Float64Array): void {
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < Wd; c++) {
      const o = (r * Wd + c) * F;
      for (let dr = -1; dr <= 1; dr++) {
        const rr = r + dr;
        if (rr < 0 || rr >= H) continue;
        for (let dc = -1; dc <= 1; dc++) {
          const cc = c + dc;
          if (cc < 0 || cc >= Wd) continue;
          const slot = ((dr + 1) * 3 + (dc + 1)) * C;
          const xi = (rr * Wd + cc) * C;
          for (let ch = 0; ch < C; ch++) {
            const v = x[xi + ch]!;
            if (v === 0) continue;
            const wr = (slot + ch) * F;
            for (let f = 0; f < F; f++) out[o + f]! += v * W[wr + f]!;
          }
        }
      }
    }
  }
}

function activate(x: Float64Array, act: 'tanh' | 'relu'): void {
  for (let i = 0; i < x.length; i++) x[i] = act === 'tanh' ? Math.tanh(x[i]!) : Math.max(0, x[i]!);
}

export type RewardFn = (s: ArrayLike<number>, next: ArrayLike<number>) => number;

/** A function computing the model's reward for one transition from its weights. */
export function jsRewardFunction(config: RewardModelConfig, weights: Weights): RewardFn {
  const { height: H, width: W, channels: C } = config.board;
  const planes = config.input === 'transition' ? 2 : 1;
  const obsDim = H * W * C;
  return (s, next) => {
    if (next.length !== obsDim || (planes === 2 && s.length !== obsDim)) throw new RangeError(`reward model: observations must have ${obsDim} entries`);
    let h: Float64Array;
    if (config.arch === 'mlp') {
      h = new Float64Array(planes * obsDim);
      if (planes === 2) {
        for (let i = 0; i < obsDim; i++) h[i] = s[i]!;
        for (let i = 0; i < obsDim; i++) h[obsDim + i] = next[i]!;
      } else for (let i = 0; i < obsDim; i++) h[i] = next[i]!;
    } else {
      let channels = C;
      let F = config.filters[0]!;
      h = new Float64Array(H * W * F);
      const b0 = get(weights, 'conv0.bias');
      for (let i = 0; i < H * W; i++) for (let f = 0; f < F; f++) h[i * F + f] = b0[f]!;
      convInto(next, H, W, channels, get(weights, 'conv0.next.weight'), F, h);
      if (planes === 2) convInto(s, H, W, channels, get(weights, 'conv0.s.weight'), F, h);
      activate(h, config.activation);
      channels = F;
      for (let i = 1; i < config.filters.length; i++) {
        F = config.filters[i]!;
        const out = new Float64Array(H * W * F);
        const b = get(weights, `conv${i}.bias`);
        for (let k = 0; k < H * W; k++) for (let f = 0; f < F; f++) out[k * F + f] = b[f]!;
        convInto(h, H, W, channels, get(weights, `conv${i}.weight`), F, out);
        activate(out, config.activation);
        h = out;
        channels = F;
      }
    }
    config.hidden.forEach((width, i) => {
      h = affine(h, get(weights, `dense${i}.weight`), get(weights, `dense${i}.bias`), width);
      activate(h, config.activation);
    });
    const out = affine(h, get(weights, 'out.weight'), config.outputBias ? get(weights, 'out.bias') : null, 1);
    return out[0]!;
  };
}

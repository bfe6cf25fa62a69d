/**
 * Attribution methods for a scalar model of one or more flat inputs (a reward model of s and
 * s'): gradient saliency, integrated gradients, and perturbation saliency (occlusion, and
 * Greydanus et al.'s blur perturbation that the learned-reward paper used on Atari, §4.4).
 *
 * Gradient methods need the model as tensors; perturbation methods only need a batched
 * evaluation function, so they work on any black box.
 */
import { tf, type Tensor1D, type Tensor2D } from '../nn/index.js';

export interface DifferentiableModel {
  /** Entries of each input (e.g. [obsDim, obsDim] for (s, s')). */
  readonly inputSizes: readonly number[];
  /** Outputs [N] from inputs of shape [N, size] each. */
  apply(inputs: Tensor2D[]): Tensor1D;
}

/** Outputs for `n` examples given as flat row-major arrays, one per input. */
export type BatchFn = (inputs: Float32Array[], n: number) => Float32Array;

export function batchFnOf(model: DifferentiableModel): BatchFn {
  return (inputs, n) => tf.tidy(() => model.apply(inputs.map((x, i) => tf.tensor2d(x, [n, model.inputSizes[i]!]))).dataSync() as Float32Array);
}

function checkInputs(model: { inputSizes: readonly number[] }, inputs: readonly ArrayLike<number>[]): void {
  if (inputs.length !== model.inputSizes.length) throw new RangeError(`saliency: expected ${model.inputSizes.length} inputs, got ${inputs.length}`);
  inputs.forEach((x, i) => {
    if (x.length !== model.inputSizes[i]) throw new RangeError(`saliency: input ${i} has ${x.length} entries, expected ${model.inputSizes[i]}`);
  });
}

/** ∂f/∂x for every row of a batch: inputs [n·size] each, returns gradients of the same shapes. */
function batchGradients(model: DifferentiableModel, inputs: Float32Array[], n: number): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs.map((x, i) => tf.tensor2d(x, [n, model.inputSizes[i]!]));
    // Rows are independent, so the gradient of the sum is every row's own gradient.
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(model.apply(args as Tensor2D[])))(xs);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

/** Signed gradient ∂f/∂x of one example (take |·| for the paper's "Saliency" maps). */
export function gradientSaliency(model: DifferentiableModel, inputs: ArrayLike<number>[]): Float32Array[] {
  checkInputs(model, inputs);
  return batchGradients(model, inputs.map((x) => Float32Array.from(x)), 1);
}

export interface IntegratedGradientsOptions {
  /** Points on the straight path from the baseline (default 64; midpoint rule). */
  steps?: number;
  /** Baselines per input (default all zeros). */
  baselines?: ArrayLike<number>[];
}

/**
 * Integrated gradients (Sundararajan et al.): (x − x₀) ⊙ ∫₀¹ ∇f(x₀ + α(x − x₀)) dα by the
 * midpoint rule. Attributions sum to f(x) − f(x₀) up to the quadrature error (completeness).
 */
export function integratedGradients(model: DifferentiableModel, inputs: ArrayLike<number>[], opts: IntegratedGradientsOptions = {}): Float32Array[] {
  checkInputs(model, inputs);
  const steps = opts.steps ?? 64;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`integratedGradients: steps must be a positive integer, got ${steps}`);
  const baselines = opts.baselines ?? inputs.map((x) => new Float32Array(x.length));
  checkInputs(model, baselines);
  const path = inputs.map((x, i) => {
    const size = x.length;
    const out = new Float32Array(steps * size);
    const b = baselines[i]!;
    for (let k = 0; k < steps; k++) {
      const alpha = (k + 0.5) / steps;
      for (let j = 0; j < size; j++) out[k * size + j] = b[j]! + alpha * (x[j]! - b[j]!);
    }
    return out;
  });
  const grads = batchGradients(model, path, steps);
  return inputs.map((x, i) => {
    const size = x.length;
    const g = grads[i]!;
    const b = baselines[i]!;
    const attr = new Float32Array(size);
    for (let j = 0; j < size; j++) {
      let mean = 0;
      for (let k = 0; k < steps; k++) mean += g[k * size + j]!;
      attr[j] = ((x[j]! - b[j]!) * mean) / steps;
    }
    return attr;
  });
}

/** Layout of a board input: height × width × channels, row-major, channel fastest. */
export interface Board {
  height: number;
  width: number;
  channels: number;
}

export interface OcclusionOptions {
  /** Value written into an occluded entry (default 0). */
  fill?: number;
  /** Occlude all channels of a cell together (default) or each channel on its own. */
  perChannel?: boolean;
}

/**
 * Occlusion saliency: f(x) − f(x with one cell (or one cell's channel) set to `fill`), for every
 * cell of every input. Returns per input an array of H·W (or H·W·C with perChannel) differences.
 */
export function occlusionSaliency(fn: BatchFn, inputs: ArrayLike<number>[], boards: readonly Board[], opts: OcclusionOptions = {}): Float32Array[] {
  const fill = opts.fill ?? 0;
  const base = inputs.map((x) => Float32Array.from(x));
  const f0 = fn(base, 1)[0]!;
  return base.map((x, which) => {
    const { height: H, width: W, channels: C } = boards[which]!;
    const units = opts.perChannel ? H * W * C : H * W;
    const batch = base.map((other) => {
      const out = new Float32Array(units * other.length);
      for (let u = 0; u < units; u++) out.set(other, u * other.length);
      return out;
    });
    const target = batch[which]!;
    for (let u = 0; u < units; u++) {
      if (opts.perChannel) target[u * x.length + u] = fill;
      else for (let c = 0; c < C; c++) target[u * x.length + u * C + c] = fill;
    }
    const values = fn(batch, units);
    return Float32Array.from(values, (v) => f0 - v);
  });
}

/** Separable Gaussian blur of every channel of a board (zero outside the board, renormalised at the edges). */
export function blurBoard(x: ArrayLike<number>, board: Board, sigma: number): Float32Array {
  const { height: H, width: W, channels: C } = board;
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const pass = (src: ArrayLike<number>, horizontal: boolean): Float32Array => {
    const out = new Float32Array(H * W * C);
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++)
        for (let ch = 0; ch < C; ch++) {
          let s = 0;
          let wsum = 0;
          for (let k = -radius; k <= radius; k++) {
            const rr = horizontal ? r : r + k;
            const cc = horizontal ? c + k : c;
            if (rr < 0 || cc < 0 || rr >= H || cc >= W) continue;
            const w = kernel[k + radius]!;
            s += w * src[(rr * W + cc) * C + ch]!;
            wsum += w;
          }
          out[(r * W + c) * C + ch] = s / wsum;
        }
    return out;
  };
  return pass(pass(x, true), false);
}

export interface BlurSaliencyOptions {
  /** σ of the Gaussian mask around each probed cell (the paper's radius r; default 1 cell). */
  maskSigma?: number;
  /** σ of the blur that replaces the board under the mask (default 1 cell; the paper blurs 84×84 frames with σ 3). */
  blurSigma?: number;
  /** Probe every `stride`-th cell (default 1). */
  stride?: number;
}

/**
 * Greydanus et al.'s perturbation saliency as used by the learned-reward paper: for each probed
 * cell, blend the board with its blurred copy under a Gaussian mask centred there and score
 * ½(f(perturbed) − f(x))². Returns per input an H·W map (cells not probed are 0), normalised
 * by nothing (callers scale for display).
 */
export function blurSaliency(fn: BatchFn, inputs: ArrayLike<number>[], boards: readonly Board[], opts: BlurSaliencyOptions = {}): Float32Array[] {
  const maskSigma = opts.maskSigma ?? 1;
  const blurSigma = opts.blurSigma ?? 1;
  const stride = opts.stride ?? 1;
  const base = inputs.map((x) => Float32Array.from(x));
  const f0 = fn(base, 1)[0]!;
  return base.map((x, which) => {
    const board = boards[which]!;
    const { height: H, width: W, channels: C } = board;
    const blurred = blurBoard(x, board, blurSigma);
    const centres: [number, number][] = [];
    for (let r = 0; r < H; r += stride) for (let c = 0; c < W; c += stride) centres.push([r, c]);
    const batch = base.map((other) => {
      const out = new Float32Array(centres.length * other.length);
      for (let u = 0; u < centres.length; u++) out.set(other, u * other.length);
      return out;
    });
    const target = batch[which]!;
    centres.forEach(([r0, c0], u) => {
      // The paper's mask is a disk blurred to a Gaussian and normalised to a maximum of 1.
      for (let r = 0; r < H; r++)
        for (let c = 0; c < W; c++) {
          const m = Math.exp(-((r - r0) ** 2 + (c - c0) ** 2) / (2 * maskSigma * maskSigma));
          for (let ch = 0; ch < C; ch++) {
            const i = (r * W + c) * C + ch;
            target[u * x.length + i] = x[i]! * (1 - m) + blurred[i]! * m;
          }
        }
    });
    const values = fn(batch, centres.length);
    const map = new Float32Array(H * W);
    centres.forEach(([r, c], u) => (map[r * W + c] = 0.5 * (values[u]! - f0) ** 2));
    return map;
  });
}

/** Splits a board-shaped attribution (H·W·C) into one H·W map per channel. */
export function perChannel(values: ArrayLike<number>, board: Board): Float32Array[] {
  const { height: H, width: W, channels: C } = board;
  return Array.from({ length: C }, (_, ch) => Float32Array.from({ length: H * W }, (_, k) => values[k * C + ch]!));
}

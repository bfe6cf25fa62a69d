/**
 * Fused kernels for transformer blocks on the wasm backend: layer normalisation and the split of
 * a GPT-NeoX fused query/key/value projection into per-role tensors; each one kernel forward and
 * one backward instead of the 5–15 TensorFlow.js kernels (and as many passes over memory) that the
 * textbook expressions cost. Measured (CPU time, [2048, 128] rows): layer norm forward and backward
 * 7–12 ms against 20 ms; the split and its gradient 10–24 ms against 25–33 ms. For the small language models of the RLHF lab
 * the block is dominated by these elementwise passes and by per-kernel overhead, not by the
 * products. Registered with the native kernels (nn/native.ts) and used only when they are active;
 * otherwise the TensorFlow.js expressions below run as before. Rows are reduced in float64 in a
 * fixed order, so results are deterministic.
 */
import { tf, type Tensor, type Tensor1D, type Tensor2D } from './backend.js';
import { activeNative } from './native.js';

const LAYER_NORM = 'GoodhartLayerNorm';
const LAYER_NORM_GRAD = 'GoodhartLayerNormGrad';
const SPLIT_QKV = 'GoodhartSplitQkv';
const MERGE_QKV = 'GoodhartMergeQkv';

interface Heap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}
interface Args {
  inputs: Record<string, tf.TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

function fused(...ts: Tensor[]): boolean {
  return activeNative() !== null && ts.every((t) => t.dtype === 'float32');
}

// ---------------------------------------------------------------------------------------------
// Layer normalisation over the last axis of x [rows, n]: (x − mean)/sqrt(var + eps)·gamma + beta.

function rowStats(x: Float32Array, base: number, n: number, eps: number): [number, number] {
  let mean = 0;
  for (let j = 0; j < n; j++) mean += x[base + j]!;
  mean /= n;
  let v = 0;
  for (let j = 0; j < n; j++) {
    const c = x[base + j]! - mean;
    v += c * c;
  }
  return [mean, 1 / Math.sqrt(v / n + eps)];
}

function layerNormForward({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const b = backend as Heap;
  const [rows, n] = inputs['x']!.shape as [number, number];
  const eps = Number(attrs!['eps']);
  const out = b.makeOutput([rows, n], 'float32');
  const x = b.typedArrayFromHeap(inputs['x']!);
  const g = b.typedArrayFromHeap(inputs['gamma']!);
  const be = b.typedArrayFromHeap(inputs['beta']!);
  const o = b.typedArrayFromHeap(out);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const [mean, rstd] = rowStats(x, base, n, eps);
    for (let j = 0; j < n; j++) o[base + j] = (x[base + j]! - mean) * rstd * g[j]! + be[j]!;
  }
  return out;
}

function layerNormBackward({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const b = backend as Heap;
  const [rows, n] = inputs['x']!.shape as [number, number];
  const eps = Number(attrs!['eps']);
  const dxOut = b.makeOutput([rows, n], 'float32');
  const dgOut = b.makeOutput([n], 'float32');
  const dbOut = b.makeOutput([n], 'float32');
  const x = b.typedArrayFromHeap(inputs['x']!);
  const g = b.typedArrayFromHeap(inputs['gamma']!);
  const dy = b.typedArrayFromHeap(inputs['dy']!);
  const dx = b.typedArrayFromHeap(dxOut);
  const dg = new Float64Array(n);
  const db = new Float64Array(n);
  const xhat = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const [mean, rstd] = rowStats(x, base, n, eps);
    // dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·gamma.
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < n; j++) {
      const xh = (x[base + j]! - mean) * rstd;
      xhat[j] = xh;
      const gh = dy[base + j]! * g[j]!;
      sumG += gh;
      sumGX += gh * xh;
      dg[j]! += dy[base + j]! * xh;
      db[j]! += dy[base + j]!;
    }
    sumG /= n;
    sumGX /= n;
    for (let j = 0; j < n; j++) dx[base + j] = rstd * (dy[base + j]! * g[j]! - sumG - xhat[j]! * sumGX);
  }
  b.typedArrayFromHeap(dgOut).set(dg);
  b.typedArrayFromHeap(dbOut).set(db);
  return [dxOut, dgOut, dbOut];
}

/** Layer normalisation of the rows of x [rows, n] (biased variance, as PyTorch). */
export function layerNorm(x: Tensor2D, gamma: Tensor1D, beta: Tensor1D, eps: number): Tensor2D {
  if (fused(x, gamma, beta) && x.rank === 2) {
    return tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { eps }) as Tensor2D;
  }
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta) as Tensor2D;
  });
}

// ---------------------------------------------------------------------------------------------
// GELU, exact: x/2·(1 + erf(x/√2)). Left to TensorFlow.js: a JS kernel here measured about 3×
// slower than the wasm backend's Erf plus three multiplies (Math.exp dominates), forward and backward.

/** The exact GELU, x/2·(1 + erf(x/√2)), elementwise. */
export function gelu(x: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

// ---------------------------------------------------------------------------------------------
// GPT-NeoX's fused query/key/value output [rows, heads·3·hd] (per head: q, k, v) split into
// q, k and v [rows, heads·hd] each (head-major), and the inverse for the gradient.

function splitQkvForward({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const b = backend as Heap;
  const [rows, width] = inputs['x']!.shape as [number, number];
  const heads = Number(attrs!['heads']);
  const hd = width / 3 / heads;
  const d = heads * hd;
  const outs = [0, 1, 2].map(() => b.makeOutput([rows, d], 'float32'));
  const x = b.typedArrayFromHeap(inputs['x']!);
  const o = outs.map((t) => b.typedArrayFromHeap(t));
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads; h++) {
      const src = r * width + h * 3 * hd;
      const dst = r * d + h * hd;
      for (let part = 0; part < 3; part++) o[part]!.set(x.subarray(src + part * hd, src + (part + 1) * hd), dst);
    }
  }
  return outs;
}

function mergeQkvForward({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const b = backend as Heap;
  const [rows, d] = inputs['q']!.shape as [number, number];
  const heads = Number(attrs!['heads']);
  const hd = d / heads;
  const width = 3 * d;
  const out = b.makeOutput([rows, width], 'float32');
  const parts = ['q', 'k', 'v'].map((k) => b.typedArrayFromHeap(inputs[k]!));
  const o = b.typedArrayFromHeap(out);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads; h++) {
      const dst = r * width + h * 3 * hd;
      const src = r * d + h * hd;
      for (let part = 0; part < 3; part++) o.set(parts[part]!.subarray(src, src + hd), dst + part * hd);
    }
  }
  return out;
}

/** Splits x [rows, heads·3·hd] (per head [q | k | v]) into q, k, v [rows, heads·hd]. */
export function splitQkv(x: Tensor2D, heads: number): [Tensor2D, Tensor2D, Tensor2D] {
  const [rows, width] = x.shape;
  if (width % (3 * heads) !== 0) throw new RangeError(`splitQkv: width ${width} is not 3 × ${heads} heads × head size`);
  if (fused(x)) return tf.engine().runKernel(SPLIT_QKV, { x }, { heads }) as [Tensor2D, Tensor2D, Tensor2D];
  return tf.tidy(() => {
    const hd = width / 3 / heads;
    const parts = tf.split(tf.reshape(x, [rows, heads, 3 * hd]), 3, -1);
    return parts.map((p) => tf.reshape(p, [rows, heads * hd])) as [Tensor2D, Tensor2D, Tensor2D];
  });
}

// ---------------------------------------------------------------------------------------------

function register(kernelName: string, kernelFunc: (args: Args) => tf.TensorInfo | tf.TensorInfo[]): void {
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

let gradientsRegistered = false;

/** Registers the kernels for the wasm backend (their gradients once per process). */
export function registerTransformerKernels(): void {
  register(LAYER_NORM, layerNormForward);
  register(LAYER_NORM_GRAD, layerNormBackward);
  register(SPLIT_QKV, splitQkvForward);
  register(MERGE_QKV, mergeQkvForward);
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: LAYER_NORM,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved as [Tensor, Tensor];
      // All three at once, here: the engine calls each input's closure inside its own tidy.
      const [dx, dg, db] = tf.engine().runKernel(LAYER_NORM_GRAD, { dy: dy as Tensor, x, gamma }, attrs as unknown as tf.NamedAttrMap) as Tensor[];
      return { x: () => dx!, gamma: () => dg!, beta: () => db! };
    },
  });
  tf.registerGradient({
    kernelName: SPLIT_QKV,
    inputsToSave: [],
    gradFunc: (dys, _saved, attrs) => {
      // An output without a gradient (e.g. v unused) arrives as zeros from the engine.
      const [dq, dk, dv] = dys as Tensor[];
      const dx = tf.engine().runKernel(MERGE_QKV, { q: dq!, k: dk!, v: dv! }, attrs as unknown as tf.NamedAttrMap) as Tensor;
      return { x: () => dx };
    },
  });
}

export function unregisterTransformerKernels(): void {
  for (const name of [LAYER_NORM, LAYER_NORM_GRAD, SPLIT_QKV, MERGE_QKV]) tf.unregisterKernel(name, 'wasm');
}

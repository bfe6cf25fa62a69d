/**
 * The fused transformer kernels (src/nn/transformer-kernels.ts) against the TensorFlow.js
 * expressions they replace: values and gradients. Skipped when the native addon is not built
 * (then only the TensorFlow.js path exists, and the lm tests cover it).
 */
import { test, before } from 'node:test';
import { initBackend, tf } from '../../src/nn/backend.js';
import { installNativeKernels, uninstallNativeKernels, loadNative, nativeStatus } from '../../src/nn/native.js';
import { layerNorm, gelu, splitQkv } from '../../src/nn/transformer-kernels.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose } from './helpers.js';

const native = loadNative();
const skip = native ? false : `native addon unavailable: ${nativeStatus().reason ?? ''}`;

before(async () => {
  await initBackend('wasm');
});

function random(shape: number[], seed: number, scale = 1, centre = 0): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => centre + scale * rng.normal()), shape, 'float32');
}

/** Value and gradients of Σ w ⊙ f(inputs) with the fused kernels on, then off. */
function bothWays(f: (...xs: tf.Tensor[]) => tf.Tensor[], inputs: tf.Tensor[], seed: number): { fused: Float32Array[]; plain: Float32Array[] } {
  const run = () => {
    const outs = f(...inputs);
    const weights = outs.map((o, i) => random(o.shape, seed + i));
    const g = tf.grads((...xs: tf.Tensor[]) => tf.addN(f(...xs).map((o, i) => tf.sum(tf.mul(o, weights[i]!)))) as tf.Scalar)(inputs);
    return [...outs, ...g].map((t) => t.dataSync() as Float32Array);
  };
  installNativeKernels();
  const fused = run();
  uninstallNativeKernels();
  const plain = run();
  installNativeKernels();
  return { fused, plain };
}

test('fused layer norm: values and gradients (x, gamma, beta) equal the TensorFlow.js expression', { skip }, () => {
  const { fused, plain } = bothWays((x, g, b) => [layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5)], [random([7, 24], 1, 3, 0.5), random([24], 2, 0.3, 1), random([24], 3, 0.3)], 10);
  fused.forEach((f, i) => assertAllClose(f, plain[i]!, 2e-5, 1e-4, `tensor ${i}`));
});

test('fused exact GELU: values and gradient equal the TensorFlow.js expression, and exact values', { skip }, () => {
  // Inside the interpolated range and beyond it (|x| ≥ 8).
  const x = tf.concat([tf.reshape(random([5, 40], 4, 2.5), [200]), tf.tensor1d([-9, -8, -7.99, 0, 7.99, 8, 12])]);
  const { fused, plain } = bothWays((v) => [gelu(v)], [x], 20);
  fused.forEach((f, i) => assertAllClose(f, plain[i]!, 1e-6, 1e-6, `tensor ${i}`));
  // x·Φ(x) at a few points, computed independently with Python's math.erf.
  installNativeKernels();
  assertAllClose(gelu(tf.tensor1d([1, -1, 3, 0.5])).dataSync(), [0.8413447460685429, -0.15865525393145707, 2.99595030590511, 0.34573123063700656], 1e-7, 1e-7);
});

test('fused query/key/value split: values and gradient equal slicing', { skip }, () => {
  // 3 rows, 2 heads of size 4: per head 12 columns [q | k | v].
  const { fused, plain } = bothWays((x) => splitQkv(x as tf.Tensor2D, 2), [random([3, 24], 5)], 30);
  fused.forEach((f, i) => assertAllClose(f, plain[i]!, 0, 0, `tensor ${i}`));
  // Column 4 of row 0 (head 0, first k dim) is k's column 0; column 12 (head 1, first q dim) is q's column 4.
  const x = tf.tensor2d([Array.from({ length: 24 }, (_, j) => j)]);
  const [q, k, v] = splitQkv(x, 2);
  assertAllClose(q.dataSync(), [0, 1, 2, 3, 12, 13, 14, 15], 0);
  assertAllClose(k.dataSync(), [4, 5, 6, 7, 16, 17, 18, 19], 0);
  assertAllClose(v.dataSync(), [8, 9, 10, 11, 20, 21, 22, 23], 0);
});

/**
 * The elementwise and lookup pieces of the transformer, differentiable on every backend we use
 * (layer norm and the exact GELU are nn's fused kernels when the native kernels are active).
 */
export { layerNorm } from '../../nn/index.js';
import { gelu, tf, type Tensor, type Tensor2D } from '../../nn/index.js';
import type { HiddenAct } from './config.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The MLP activation; 'gelu' is exact: x/2 · (1 + erf(x/√2)). */
export function activation(x: Tensor, act: HiddenAct): Tensor {
  return tf.tidy(() => {
    switch (act) {
      case 'gelu':
        return gelu(x);
      case 'gelu_new':
      case 'gelu_fast':
      case 'gelu_pytorch_tanh': {
        const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
      }
      case 'relu':
        return tf.relu(x);
    }
  });
}

/**
 * Rows `ids` of `table` [vocab, width]. The gradient is a scatter-add done in plain JS: the wasm
 * backend has no UnsortedSegmentSum kernel (what tf.gather's gradient needs), and the copy is cheap
 * next to the matrix products.
 */
export function embeddingLookup(table: Tensor2D, ids: Int32Array): Tensor2D {
  const [vocab, width] = table.shape;
  for (const id of ids) {
    if (!(id >= 0 && id < vocab)) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${vocab})`);
  }
  const lookup = tf.customGrad((...args: unknown[]) => {
    const t = args[0] as Tensor2D;
    const value = tf.tidy(() => tf.gather(t, tf.tensor1d(ids, 'int32')));
    const gradFunc = (dy: Tensor) => {
      const g = dy.dataSync() as Float32Array;
      const out = new Float32Array(vocab * width);
      for (let i = 0; i < ids.length; i++) {
        const dst = ids[i]! * width;
        const src = i * width;
        for (let j = 0; j < width; j++) out[dst + j]! += g[src + j]!;
      }
      return [tf.tensor2d(out, [vocab, width])];
    };
    return { value, gradFunc };
  });
  return lookup(table) as Tensor2D;
}

const zeroCache = new Map<number, Tensor>();

/** A cached all-zeros bias of length n (for products without a bias through dense()). */
export function zeroBias(n: number): tf.Tensor1D {
  let z = zeroCache.get(n);
  if (!z || z.isDisposed) {
    z = tf.keep(tf.zeros([n]));
    zeroCache.set(n, z);
  }
  return z as tf.Tensor1D;
}

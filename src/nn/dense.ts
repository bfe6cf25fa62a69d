/**
 * Dense (affine) layers, optionally with their activation fused.
 *
 * With the native kernels (nn/native.ts) a layer is one kernel forward and one backward, whatever
 * its activation. Without them it is TensorFlow.js's matMul + add (+ activation) with a
 * hand-written gradient: the wasm backend multiplies plain matrices about ten times faster than it
 * multiplies with a transposed operand, and the default MatMul gradient uses the transposed forms,
 * so transposing explicitly first is far cheaper there.
 */
import { tf, type Tensor2D, type Tensor1D } from './backend.js';
import { activeNative, DENSE_KERNEL, NATIVE_ACT } from './native.js';

export type DenseActivation = 'tanh' | 'relu' | 'leaky_relu' | 'linear';

const denseOp = tf.customGrad((...args: unknown[]) => {
  const [x, w, b, save] = args as [Tensor2D, Tensor2D, Tensor1D, (ts: tf.Tensor[]) => void];
  save([x, w]);
  const value = tf.add(tf.matMul(x, w), b) as Tensor2D;
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [xs, ws] = saved as [Tensor2D, Tensor2D];
    const dy2 = dy as Tensor2D;
    return [tf.matMul(dy2, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy2), tf.sum(dy2, 0)];
  };
  return { value, gradFunc };
});

export function applyActivation(x: Tensor2D, activation: DenseActivation, leakySlope = 0.01): Tensor2D {
  switch (activation) {
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'leaky_relu':
      return tf.leakyRelu(x, leakySlope);
    case 'linear':
      return x;
  }
}

/** x [batch, in] · w [in, out] + b [out]. */
export function dense(x: Tensor2D, w: Tensor2D, b: Tensor1D): Tensor2D {
  return denseAct(x, w, b, 'linear');
}

/** activation(x · w + b), fused into one kernel when the native kernels are active. */
export function denseAct(x: Tensor2D, w: Tensor2D, b: Tensor1D, activation: DenseActivation, leakySlope = 0.01): Tensor2D {
  if (activeNative() && x.dtype === 'float32') {
    return tf.engine().runKernel(DENSE_KERNEL, { x, w, b }, { act: NATIVE_ACT[activation], alpha: activation === 'leaky_relu' ? leakySlope : 0 }) as Tensor2D;
  }
  return applyActivation(denseOp(x, w, b) as Tensor2D, activation, leakySlope);
}

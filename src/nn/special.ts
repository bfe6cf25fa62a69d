/**
 * Special functions that TensorFlow.js lacks (log-gamma and digamma), as differentiable tensor
 * expressions and as plain numbers for tests and sampling code. Both shift the argument up by 6
 * with the recurrence and then use the asymptotic (Stirling) series, accurate to float32 for x > 0.
 */
import { tf, type Tensor } from './backend.js';

const SHIFT = 6;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function lgammaScalar(x: number): number {
  let acc = 0;
  let z = x;
  for (let k = 0; k < SHIFT; k++) {
    acc -= Math.log(z);
    z += 1;
  }
  const z2 = z * z;
  return acc + (z - 0.5) * Math.log(z) - z + HALF_LOG_2PI + 1 / (12 * z) - 1 / (360 * z * z2) + 1 / (1260 * z * z2 * z2);
}

export function digammaScalar(x: number): number {
  let acc = 0;
  let z = x;
  for (let k = 0; k < SHIFT; k++) {
    acc -= 1 / z;
    z += 1;
  }
  const inv2 = 1 / (z * z);
  return acc + Math.log(z) - 0.5 / z - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 / 252));
}

/** log Γ(x) elementwise, for x > 0. */
export function lgamma(x: Tensor): Tensor {
  return tf.tidy(() => {
    // Product x(x+1)...(x+5) in one log keeps the op count low.
    let prod: Tensor = x;
    for (let k = 1; k < SHIFT; k++) prod = tf.mul(prod, tf.add(x, k));
    const z = tf.add(x, SHIFT);
    const zInv = tf.reciprocal(z);
    const zInv2 = tf.square(zInv);
    const series = tf.mul(zInv, tf.sub(1 / 12, tf.mul(zInv2, tf.sub(1 / 360, tf.mul(zInv2, 1 / 1260)))));
    const stirling = tf.add(tf.sub(tf.mul(tf.sub(z, 0.5), tf.log(z)), z), tf.add(series, HALF_LOG_2PI));
    return tf.sub(stirling, tf.log(prod));
  });
}

/** ψ(x) = d/dx log Γ(x) elementwise, for x > 0. */
export function digamma(x: Tensor): Tensor {
  return tf.tidy(() => {
    let acc: Tensor = tf.reciprocal(x);
    for (let k = 1; k < SHIFT; k++) acc = tf.add(acc, tf.reciprocal(tf.add(x, k)));
    const z = tf.add(x, SHIFT);
    const zInv = tf.reciprocal(z);
    const zInv2 = tf.square(zInv);
    const series = tf.mul(zInv2, tf.sub(1 / 12, tf.mul(zInv2, tf.sub(1 / 120, tf.mul(zInv2, 1 / 252)))));
    return tf.sub(tf.sub(tf.sub(tf.log(z), tf.mul(zInv, 0.5)), series), acc);
  });
}

/** log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). */
export function lbeta(a: Tensor, b: Tensor): Tensor {
  return tf.tidy(() => tf.sub(tf.add(lgamma(a), lgamma(b)), lgamma(tf.add(a, b))));
}

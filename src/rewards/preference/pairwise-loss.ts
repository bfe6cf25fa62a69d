/**
 * The reward-model objective of Open-Assistant used by Coste et al. and Laidlaw et al.
 * (specs/rlhf.md §1.2): for a preferred response scored r_w and a rejected one scored r_l,
 *   loss = −log σ(r_w − r_l) + β·½(r_w² + r_l²),   β = 0.001,
 * averaged over pairs. The small L2 keeps scores centred, since only their differences are learned.
 */
import { tf, type Tensor, type Tensor1D } from '../../nn/index.js';

export const SCORE_L2 = 0.001;

/** Numerically stable −log σ(x) = softplus(−x). */
export function negLogSigmoid(x: number): number {
  return x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
}

export function pairwiseLoss(chosen: ArrayLike<number>, rejected: ArrayLike<number>, l2 = SCORE_L2): number {
  if (chosen.length !== rejected.length) throw new RangeError(`pairwiseLoss: ${chosen.length} chosen scores but ${rejected.length} rejected`);
  let s = 0;
  for (let i = 0; i < chosen.length; i++) {
    const w = chosen[i]!;
    const l = rejected[i]!;
    s += negLogSigmoid(w - l) + 0.5 * l2 * (w * w + l * l);
  }
  return chosen.length ? s / chosen.length : 0;
}

export function pairwiseLossT(chosen: Tensor1D, rejected: Tensor1D, l2 = SCORE_L2): Tensor {
  const margin = tf.softplus(tf.sub(rejected, chosen));
  const reg = tf.mul(0.5 * l2, tf.add(tf.square(chosen), tf.square(rejected)));
  return tf.mean(tf.add(margin, reg));
}

/** Fraction of pairs the scores order correctly (ties count half). */
export function pairAccuracy(chosen: ArrayLike<number>, rejected: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < chosen.length; i++) ok += chosen[i]! > rejected[i]! ? 1 : chosen[i]! === rejected[i]! ? 0.5 : 0;
  return chosen.length ? ok / chosen.length : 0;
}

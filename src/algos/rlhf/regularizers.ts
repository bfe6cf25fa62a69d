/**
 * The sequence-level regularizers of RLHF with χ² regularization (specs/rlhf.md §1.4), written
 * twice: over plain numbers (for logging and tests) and over tensors (inside the loss, where
 * gradients flow through log π_θ only).
 *
 * For a response y to prompt x, L = Σ_t mask_t·(log π_θ(y_t|·) − log π_ref(y_t|·)) is the
 * sequence log-ratio. With the exponentials linearised beyond |L| > 10 (so one wild sample cannot
 * overflow the batch):
 *   KL̂   = mean[L + (e^{−L} − 1)]              Schulman's k3, never negative
 *   χ̂²   = mean[(e^{L} − 1) + (e^{−L} − 1)]     E_π[π/π_ref] − 1 plus a zero-mean control variate
 *   √χ²  = sqrt(max(χ̂², 1e-4))
 */
import { tf, type Tensor, type Tensor1D } from '../../nn/index.js';

/** Where the exponentials switch to their tangent line. */
export const EXP_CLIP = 10;
/** Floor under χ̂² before the square root, so its gradient stays finite at π = π_ref. */
export const CHI2_FLOOR = 1e-4;

export type SequenceRegularizer = 'none' | 'kl' | 'sqrt_chi2';
export const SEQUENCE_REGULARIZERS: readonly SequenceRegularizer[] = ['none', 'kl', 'sqrt_chi2'];

/** e^L − 1 for L < c, else its tangent at c: e^c·(1 + L − c) − 1. */
export function expm1Clipped(L: number, c = EXP_CLIP): number {
  return L < c ? Math.expm1(L) : Math.exp(c) * (1 + L - c) - 1;
}

/** e^{−L} − 1 for L > −c, else e^c·(1 − L − c) − 1. */
export function invExpm1Clipped(L: number, c = EXP_CLIP): number {
  return L > -c ? Math.expm1(-L) : Math.exp(c) * (1 - L - c) - 1;
}

/** Sequence log-ratios from per-token log-probabilities [n × T] and a response mask. */
export function sequenceLogRatios(logp: ArrayLike<number>, refLogp: ArrayLike<number>, mask: ArrayLike<number>, n: number, T: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < T; t++) {
      const k = i * T + t;
      if (mask[k]) s += logp[k]! - refLogp[k]!;
    }
    out[i] = s;
  }
  return out;
}

export interface RegularizerStats {
  kl: number;
  chi2: number;
  sqrtChi2: number;
  /** Fractions of sequences whose exponential was linearised (L > 10, and L < −10). */
  ratioClipFrac: number;
  invRatioClipFrac: number;
}

export function regularizerStats(L: ArrayLike<number>): RegularizerStats {
  const n = L.length;
  if (n === 0) return { kl: 0, chi2: 0, sqrtChi2: Math.sqrt(CHI2_FLOOR), ratioClipFrac: 0, invRatioClipFrac: 0 };
  let kl = 0;
  let chi2 = 0;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const l = L[i]!;
    const inv = invExpm1Clipped(l);
    kl += l + inv;
    chi2 += expm1Clipped(l) + inv;
    if (l > EXP_CLIP) hi++;
    if (l < -EXP_CLIP) lo++;
  }
  kl /= n;
  chi2 /= n;
  return { kl, chi2, sqrtChi2: Math.sqrt(Math.max(chi2, CHI2_FLOOR)), ratioClipFrac: hi / n, invRatioClipFrac: lo / n };
}

/**
 * Tensor e^L − 1 with the linear tail beyond EXP_CLIP, written as exp(min(L, c)) − 1 + e^c·relu(L − c)
 * (equal to the piecewise form, and built only from ops with gradients).
 */
function expm1ClippedT(L: Tensor1D): Tensor1D {
  const c = EXP_CLIP;
  return tf.add(tf.sub(tf.exp(tf.minimum(L, c)), 1), tf.mul(Math.exp(c), tf.relu(tf.sub(L, c)))) as Tensor1D;
}

/** The regularizer term added to the loss, from sequence log-ratios L that carry gradients. */
export function regularizerLoss(kind: SequenceRegularizer, L: Tensor1D, coeff: number): Tensor {
  if (kind === 'none' || coeff === 0) return tf.scalar(0);
  const inv = expm1ClippedT(tf.neg(L) as Tensor1D);
  if (kind === 'kl') return tf.mul(coeff, tf.mean(tf.add(L, inv)));
  const chi2 = tf.mean(tf.add(expm1ClippedT(L), inv));
  return tf.mul(coeff, tf.sqrt(tf.maximum(chi2, CHI2_FLOOR)));
}

/** Per-token k1 penalty −β·ℓ_t for the in-reward KL path (trlX's standard shaping). */
export function perTokenKlPenalty(logp: ArrayLike<number>, refLogp: ArrayLike<number>, beta: number): Float64Array {
  const out = new Float64Array(logp.length);
  for (let i = 0; i < out.length; i++) out[i] = -beta * (logp[i]! - refLogp[i]!);
  return out;
}

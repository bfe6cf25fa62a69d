/**
 * Action distributions parameterised by a network's output rows. Each family offers, as tensors for
 * the loss, log-probabilities, entropies and the KL divergence between two members; and, on plain
 * arrays, seeded sampling and the mode for acting.
 *
 * Conventions follow RLlib so that settings carry over: Gaussian heads output [mean, log std];
 * Beta heads output two raw vectors mapped to α, β = softplus(·) + 1 and the sample is rescaled to
 * [low, high]. Multi-dimensional log-probs, entropies and KLs are summed over action dimensions.
 */
import { tf, type Tensor2D, type Tensor1D } from './backend.js';
import { digamma, lbeta } from './special.js';
import { activeNative } from './native.js';
import { CATEGORICAL_ENTROPY, CATEGORICAL_KL, CATEGORICAL_LOGP } from './fused.js';
import type { Rng } from '../util/rng.js';

export type DistKind = 'categorical' | 'diag_gaussian' | 'beta';
export const DIST_KINDS: readonly DistKind[] = ['categorical', 'diag_gaussian', 'beta'];

export interface ActionDistribution {
  readonly kind: DistKind;
  /** Number of entries in a flat action (1 for categorical). */
  readonly actionDim: number;
  /** Number of network outputs that parameterise one distribution. */
  readonly paramDim: number;
  /** log π(a) per row; `actions` is [batch, actionDim] (categorical: the index as a float). */
  logProb(params: Tensor2D, actions: Tensor2D): Tensor1D;
  entropy(params: Tensor2D): Tensor1D;
  /** KL(p ‖ q) per row. */
  kl(p: Tensor2D, q: Tensor2D): Tensor1D;
  /** Draws one action from row `row` of `params` (flat [batch × paramDim]) into `out` at `outOffset`. */
  sampleInto(params: Float32Array, row: number, rng: Rng, out: Float32Array, outOffset: number): void;
  /** The most likely action (argmax; Gaussian mean; Beta mode). */
  modeInto(params: Float32Array, row: number, out: Float32Array, outOffset: number): void;
}

export class Categorical implements ActionDistribution {
  readonly kind = 'categorical';
  readonly actionDim = 1;
  constructor(readonly n: number) {}
  get paramDim(): number {
    return this.n;
  }

  // With the native kernels each of logProb, entropy and kl is one fused kernel (nn/fused.ts).
  private fused(logits: Tensor2D, ...others: Tensor2D[]): boolean {
    return activeNative() !== null && logits.dtype === 'float32' && others.every((t) => t.dtype === 'float32');
  }

  logProb(logits: Tensor2D, actions: Tensor2D): Tensor1D {
    if (this.fused(logits, actions) && actions.rank === 2) return tf.engine().runKernel(CATEGORICAL_LOGP, { logits, actions }, {}) as Tensor1D;
    return tf.tidy(() => {
      const idx = tf.cast(tf.reshape(actions, [-1]), 'int32') as Tensor1D;
      return tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(idx, this.n)), 1) as Tensor1D;
    });
  }

  entropy(logits: Tensor2D): Tensor1D {
    if (this.fused(logits)) return tf.engine().runKernel(CATEGORICAL_ENTROPY, { logits }, {}) as Tensor1D;
    return tf.tidy(() => {
      const logp = tf.logSoftmax(logits);
      return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as Tensor1D;
    });
  }

  kl(p: Tensor2D, q: Tensor2D): Tensor1D {
    if (this.fused(p, q) && p.rank === 2 && q.rank === 2 && p.shape[0] === q.shape[0] && p.shape[1] === q.shape[1]) {
      return tf.engine().runKernel(CATEGORICAL_KL, { p, q }, {}) as Tensor1D;
    }
    return tf.tidy(() => {
      const logp = tf.logSoftmax(p);
      return tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, tf.logSoftmax(q))), 1) as Tensor1D;
    });
  }

  /** Probabilities of one row, computed stably in float64. */
  probs(params: Float32Array, row: number, out = new Float64Array(this.n)): Float64Array {
    const base = row * this.n;
    let max = -Infinity;
    for (let i = 0; i < this.n; i++) max = Math.max(max, params[base + i]!);
    let total = 0;
    for (let i = 0; i < this.n; i++) {
      const e = Math.exp(params[base + i]! - max);
      out[i] = e;
      total += e;
    }
    for (let i = 0; i < this.n; i++) out[i]! /= total;
    return out;
  }

  sampleInto(params: Float32Array, row: number, rng: Rng, out: Float32Array, outOffset: number): void {
    out[outOffset] = rng.categorical(this.probs(params, row));
  }

  modeInto(params: Float32Array, row: number, out: Float32Array, outOffset: number): void {
    const base = row * this.n;
    let best = 0;
    for (let i = 1; i < this.n; i++) if (params[base + i]! > params[base + best]!) best = i;
    out[outOffset] = best;
  }
}

const LOG_2PI = Math.log(2 * Math.PI);

export class DiagGaussian implements ActionDistribution {
  readonly kind = 'diag_gaussian';
  constructor(readonly actionDim: number) {}
  get paramDim(): number {
    return 2 * this.actionDim;
  }

  private split(params: Tensor2D): [Tensor2D, Tensor2D] {
    return tf.split(params, 2, 1) as [Tensor2D, Tensor2D];
  }

  logProb(params: Tensor2D, actions: Tensor2D): Tensor1D {
    return tf.tidy(() => {
      const [mean, logStd] = this.split(params);
      const z = tf.div(tf.sub(actions, mean), tf.exp(logStd));
      const per = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(logStd, 0.5 * LOG_2PI));
      return tf.sum(per, 1) as Tensor1D;
    });
  }

  entropy(params: Tensor2D): Tensor1D {
    return tf.tidy(() => {
      const [, logStd] = this.split(params);
      return tf.sum(tf.add(logStd, 0.5 * (LOG_2PI + 1)), 1) as Tensor1D;
    });
  }

  kl(p: Tensor2D, q: Tensor2D): Tensor1D {
    return tf.tidy(() => {
      const [m1, s1] = this.split(p);
      const [m2, s2] = this.split(q);
      const num = tf.add(tf.exp(tf.mul(s1, 2)), tf.square(tf.sub(m1, m2)));
      const per = tf.sub(tf.add(tf.sub(s2, s1), tf.div(num, tf.mul(tf.exp(tf.mul(s2, 2)), 2))), 0.5);
      return tf.sum(per, 1) as Tensor1D;
    });
  }

  sampleInto(params: Float32Array, row: number, rng: Rng, out: Float32Array, outOffset: number): void {
    const base = row * this.paramDim;
    for (let i = 0; i < this.actionDim; i++) {
      out[outOffset + i] = params[base + i]! + Math.exp(params[base + this.actionDim + i]!) * rng.normal();
    }
  }

  modeInto(params: Float32Array, row: number, out: Float32Array, outOffset: number): void {
    const base = row * this.paramDim;
    for (let i = 0; i < this.actionDim; i++) out[outOffset + i] = params[base + i]!;
  }
}

/** Beta on [low, high]^actionDim with α, β = softplus(raw) + 1 (so both are at least 1). */
export class Beta implements ActionDistribution {
  readonly kind = 'beta';
  constructor(
    readonly actionDim: number,
    readonly low = 0,
    readonly high = 1,
    /** Actions are clamped to this range before log-probs, as the glucose and traffic models do. */
    readonly clampLow = low,
    readonly clampHigh = high,
  ) {
    if (!(high > low)) throw new RangeError(`beta: high (${high}) must exceed low (${low})`);
  }
  get paramDim(): number {
    return 2 * this.actionDim;
  }

  concentrations(params: Tensor2D): [Tensor2D, Tensor2D] {
    const [a, b] = tf.split(params, 2, 1) as [Tensor2D, Tensor2D];
    return [tf.add(tf.softplus(a), 1), tf.add(tf.softplus(b), 1)];
  }

  logProb(params: Tensor2D, actions: Tensor2D): Tensor1D {
    return tf.tidy(() => {
      const [a, b] = this.concentrations(params);
      const clamped = tf.clipByValue(actions, this.clampLow, this.clampHigh);
      const eps = 1e-6;
      const x = tf.clipByValue(tf.div(tf.sub(clamped, this.low), this.high - this.low), eps, 1 - eps);
      const per = tf.sub(
        tf.add(tf.mul(tf.sub(a, 1), tf.log(x)), tf.mul(tf.sub(b, 1), tf.log1p(tf.neg(x)))),
        lbeta(a, b),
      );
      return tf.sum(per, 1) as Tensor1D;
    });
  }

  entropy(params: Tensor2D): Tensor1D {
    return tf.tidy(() => {
      const [a, b] = this.concentrations(params);
      const ab = tf.add(a, b);
      const per = tf.add(
        tf.sub(tf.sub(lbeta(a, b), tf.mul(tf.sub(a, 1), digamma(a))), tf.mul(tf.sub(b, 1), digamma(b))),
        tf.mul(tf.sub(ab, 2), digamma(ab)),
      );
      return tf.sum(per, 1) as Tensor1D;
    });
  }

  kl(p: Tensor2D, q: Tensor2D): Tensor1D {
    return tf.tidy(() => {
      const [a1, b1] = this.concentrations(p);
      const [a2, b2] = this.concentrations(q);
      const s1 = tf.add(a1, b1);
      const per = tf.add(
        tf.add(tf.sub(lbeta(a2, b2), lbeta(a1, b1)), tf.mul(tf.sub(a1, a2), digamma(a1))),
        tf.add(tf.mul(tf.sub(b1, b2), digamma(b1)), tf.mul(tf.sub(tf.add(a2, b2), s1), digamma(s1))),
      );
      return tf.sum(per, 1) as Tensor1D;
    });
  }

  private alphaBeta(params: Float32Array, row: number, i: number): [number, number] {
    const base = row * this.paramDim;
    return [softplus(params[base + i]!) + 1, softplus(params[base + this.actionDim + i]!) + 1];
  }

  sampleInto(params: Float32Array, row: number, rng: Rng, out: Float32Array, outOffset: number): void {
    for (let i = 0; i < this.actionDim; i++) {
      const [a, b] = this.alphaBeta(params, row, i);
      out[outOffset + i] = this.low + (this.high - this.low) * rng.beta(a, b);
    }
  }

  modeInto(params: Float32Array, row: number, out: Float32Array, outOffset: number): void {
    for (let i = 0; i < this.actionDim; i++) {
      const [a, b] = this.alphaBeta(params, row, i);
      // With α, β ≥ 1 the mode is (α−1)/(α+β−2); at α = β = 1 every point is a mode and we take the middle.
      const m = a + b > 2 ? (a - 1) / (a + b - 2) : 0.5;
      out[outOffset + i] = this.low + (this.high - this.low) * m;
    }
  }
}

export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export interface DistSpec {
  kind: DistKind;
  /** Categorical: number of choices. Others: action dimensions. */
  size: number;
  low?: number;
  high?: number;
  clampLow?: number;
  clampHigh?: number;
}

export function makeDistribution(spec: DistSpec): ActionDistribution {
  switch (spec.kind) {
    case 'categorical':
      return new Categorical(spec.size);
    case 'diag_gaussian':
      return new DiagGaussian(spec.size);
    case 'beta':
      return new Beta(spec.size, spec.low ?? 0, spec.high ?? 1, spec.clampLow ?? spec.low ?? 0, spec.clampHigh ?? spec.high ?? 1);
    default:
      throw new RangeError(`distribution: "${String((spec as DistSpec).kind)}" is not one of ${DIST_KINDS.join(', ')}`);
  }
}

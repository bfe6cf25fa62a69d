/**
 * Action-distribution (AD) divergences D(π_current(·|s) ‖ π_base(·|s)) in closed form, per row of
 * distribution parameters (specs/orpo.md §1.5). The AD regulariser adds
 * (1/(1−γ))·coeff·mean D to the PPO loss; ORPO logs these whatever regulariser is active.
 *
 * χ² of a product distribution is Π(1 + χ²ᵢ) − 1 over independent action dimensions. Where the
 * closed form diverges (a base much narrower than the current policy), we fall back to KL as the
 * published code does for non-finite values.
 */
import { tf, lbeta, type ActionDistribution, type Beta, type Tensor1D, type Tensor2D } from '../../nn/index.js';

export type AdDivergence = 'kl' | 'chi2' | 'sqrt_chi2';
export const AD_DIVERGENCES: readonly AdDivergence[] = ['kl', 'chi2', 'sqrt_chi2'];

/** Largest log(1 + χ²) we exponentiate; beyond it a row counts as divergent (float32 overflows near 88). */
const MAX_LOG_RATIO = 80;

/** 1 where x > 0, else 0; its gradient is zero, so masks built from it never poison gradients. */
function positive(x: Tensor2D): Tensor2D {
  return tf.step(x, 0) as Tensor2D;
}

/** m·x + (1 − m)·1: x where the mask is set, a harmless 1 elsewhere (so logs and lbeta stay finite). */
function orOne(x: Tensor2D, mask: Tensor2D): Tensor2D {
  return tf.add(tf.mul(x, mask), tf.sub(1, mask)) as Tensor2D;
}

/**
 * χ²(p ‖ q) per row where it exists, and a 0/1 `valid` mask per row. Invalid rows hold a finite
 * placeholder whose gradient is finite too, so callers can blend in a fallback with the mask
 * without NaN gradients (a `where` over a NaN branch would still propagate NaN).
 */
export function chi2Divergence(dist: ActionDistribution, p: Tensor2D, q: Tensor2D): { value: Tensor1D; valid: Tensor1D } {
  return tf.tidy(() => {
    let logRatio: Tensor2D;
    let mask: Tensor2D;
    switch (dist.kind) {
      case 'categorical': {
        const pp = tf.softmax(p);
        const qq = tf.softmax(q);
        const value = tf.sum(tf.div(tf.square(tf.sub(pp, qq)), qq), 1) as Tensor1D;
        return { value, valid: tf.onesLike(value) };
      }
      case 'diag_gaussian': {
        // ∫p²/q = σq² / (σp·sqrt(2σq² − σp²)) · exp((μp − μq)² / (2σq² − σp²)), finite when 2σq² > σp².
        const [m1, s1] = tf.split(p, 2, 1) as [Tensor2D, Tensor2D];
        const [m2, s2] = tf.split(q, 2, 1) as [Tensor2D, Tensor2D];
        const v1 = tf.exp(tf.mul(s1, 2));
        const v2 = tf.exp(tf.mul(s2, 2));
        const denom = tf.sub(tf.mul(v2, 2), v1) as Tensor2D;
        mask = positive(denom);
        const safe = orOne(denom, mask);
        logRatio = tf.add(tf.sub(tf.sub(tf.log(v2), s1), tf.mul(tf.log(safe), 0.5)), tf.div(tf.square(tf.sub(m1, m2)), safe)) as Tensor2D;
        break;
      }
      case 'beta': {
        // ∫p²/q = B(2a₁−a₂, 2b₁−b₂)·B(a₂, b₂) / B(a₁, b₁)², finite when 2a₁ > a₂ and 2b₁ > b₂.
        const beta = dist as Beta;
        const [a1, b1] = beta.concentrations(p);
        const [a2, b2] = beta.concentrations(q);
        const a3 = tf.sub(tf.mul(a1, 2), a2) as Tensor2D;
        const b3 = tf.sub(tf.mul(b1, 2), b2) as Tensor2D;
        mask = tf.mul(positive(a3), positive(b3)) as Tensor2D;
        logRatio = tf.sub(tf.add(lbeta(orOne(a3, mask), orOne(b3, mask)), lbeta(a2, b2)), tf.mul(lbeta(a1, b1), 2)) as Tensor2D;
        break;
      }
    }
    // Product over action dimensions: log(1 + χ²) adds up. Rows are valid when every dimension is.
    const total = tf.sum(tf.mul(logRatio, mask), 1);
    const valid = tf.mul(tf.min(mask, 1), positive(tf.sub(MAX_LOG_RATIO, total) as unknown as Tensor2D) as unknown as Tensor1D) as Tensor1D;
    const value = tf.sub(tf.exp(tf.minimum(total, MAX_LOG_RATIO)), 1) as Tensor1D;
    return { value, valid };
  });
}

/** D(p ‖ q) per row for the chosen divergence, falling back to KL where χ² does not exist (as published). */
export function adDivergence(type: AdDivergence, dist: ActionDistribution, p: Tensor2D, q: Tensor2D): Tensor1D {
  return tf.tidy(() => {
    const kl = dist.kl(p, q);
    if (type === 'kl') return kl;
    const { value, valid } = chi2Divergence(dist, p, q);
    const chi2 = tf.add(tf.mul(value, valid), tf.mul(kl, tf.sub(1, valid))) as Tensor1D;
    if (type === 'chi2') return chi2;
    return tf.sqrt(tf.maximum(chi2, 1e-4)) as Tensor1D;
  });
}

/** Mean KL, χ² and √χ² between current and base action distributions over a batch (for logging). */
export function adEstimates(dist: ActionDistribution, current: Tensor2D, base: Tensor2D): { adKl: number; adChi2: number; adSqrtChi2: number } {
  const v = tf.tidy(() =>
    tf.stack([tf.mean(adDivergence('kl', dist, current, base)), tf.mean(adDivergence('chi2', dist, current, base)), tf.mean(adDivergence('sqrt_chi2', dist, current, base))]).dataSync(),
  );
  return { adKl: v[0]!, adChi2: v[1]!, adSqrtChi2: v[2]! };
}

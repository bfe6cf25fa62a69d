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

/** χ²(p ‖ q) per row, or NaN/Infinity where it does not exist. */
export function chi2Divergence(dist: ActionDistribution, p: Tensor2D, q: Tensor2D): Tensor1D {
  return tf.tidy(() => {
    switch (dist.kind) {
      case 'categorical': {
        const pp = tf.softmax(p);
        const qq = tf.softmax(q);
        return tf.sum(tf.div(tf.square(tf.sub(pp, qq)), qq), 1) as Tensor1D;
      }
      case 'diag_gaussian': {
        // ∫p²/q = σq² / (σp·sqrt(2σq² − σp²)) · exp((μp − μq)² / (2σq² − σp²)), finite when 2σq² > σp².
        const [m1, s1] = tf.split(p, 2, 1) as [Tensor2D, Tensor2D];
        const [m2, s2] = tf.split(q, 2, 1) as [Tensor2D, Tensor2D];
        const v1 = tf.exp(tf.mul(s1, 2));
        const v2 = tf.exp(tf.mul(s2, 2));
        const denom = tf.sub(tf.mul(v2, 2), v1);
        const logRatio = tf.add(
          tf.sub(tf.sub(tf.log(v2), s1), tf.mul(tf.log(denom), 0.5)),
          tf.div(tf.square(tf.sub(m1, m2)), denom),
        );
        return tf.sub(tf.exp(tf.sum(logRatio, 1)), 1) as Tensor1D;
      }
      case 'beta': {
        // ∫p²/q = B(2a₁−a₂, 2b₁−b₂)·B(a₂, b₂) / B(a₁, b₁)², finite when 2a₁ > a₂ and 2b₁ > b₂.
        const beta = dist as Beta;
        const [a1, b1] = beta.concentrations(p);
        const [a2, b2] = beta.concentrations(q);
        const a3 = tf.sub(tf.mul(a1, 2), a2);
        const b3 = tf.sub(tf.mul(b1, 2), b2);
        const valid = tf.logicalAnd(tf.greater(a3, 0), tf.greater(b3, 0));
        const safeA3 = tf.where(valid, a3, tf.onesLike(a3));
        const safeB3 = tf.where(valid, b3, tf.onesLike(b3));
        const logRatio = tf.sub(tf.add(lbeta(safeA3, safeB3), lbeta(a2, b2)), tf.mul(lbeta(a1, b1), 2));
        const perDim = tf.where(valid, logRatio, tf.fill(logRatio.shape, Infinity));
        return tf.sub(tf.exp(tf.sum(perDim, 1)), 1) as Tensor1D;
      }
    }
  });
}

/** D(p ‖ q) per row for the chosen divergence, with the published fallbacks. */
export function adDivergence(type: AdDivergence, dist: ActionDistribution, p: Tensor2D, q: Tensor2D): Tensor1D {
  return tf.tidy(() => {
    if (type === 'kl') return dist.kl(p, q);
    const kl = dist.kl(p, q);
    const raw = chi2Divergence(dist, p, q);
    const chi2 = tf.where(tf.isFinite(raw), raw, kl) as Tensor1D;
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

/**
 * Occupancy-measure divergences estimated with a discriminator (specs/orpo.md §1.3–1.4).
 *
 * The discriminator d(s, a) is trained to separate the current policy's samples from a base
 * policy's. For the logistic family its optimum is log(μ_π / μ_base), so per-step "distances" of the
 * current policy's samples estimate KL (d), χ² (e^d − 1) and the gradient direction of √χ².
 * Each distance, scaled by −coeff, is added to the reward before advantages are computed.
 */

export type OmDivergence = 'kl' | 'chi2' | 'sqrt_chi2' | 'tv' | 'wasserstein';
export const OM_DIVERGENCES: readonly OmDivergence[] = ['kl', 'chi2', 'sqrt_chi2', 'tv', 'wasserstein'];

/** Which discriminator loss a divergence is estimated with. */
export type DiscriminatorLoss = 'logistic' | 'tv' | 'wasserstein';

export function lossFamily(type: OmDivergence): DiscriminatorLoss {
  return type === 'tv' ? 'tv' : type === 'wasserstein' ? 'wasserstein' : 'logistic';
}

/** Per-sample discriminator loss terms for a current-policy sample (c) and a base sample (b), in plain numbers (for tests and docs). */
export function discriminatorLossTerms(family: DiscriminatorLoss, d: number): { current: number; base: number } {
  switch (family) {
    case 'logistic':
      // Cross-entropy with current samples labelled 1: softplus(−d) and softplus(d).
      return { current: softplus(-d), base: softplus(d) };
    case 'tv':
      return { current: Math.tanh(-d) + 0.01 * d * d, base: Math.tanh(d) + 0.01 * d * d };
    case 'wasserstein':
      return { current: -d, base: d };
  }
}

function softplus(x: number): number {
  return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
}

/**
 * The 1%-trimmed mean of `values` as the published code computes it: sort, then drop ⌊0.01·n⌋
 * values from each end with a Python slice `[k:-k]`. For n < 100, k = 0 and `[0:-0]` is empty, so
 * the mean is NaN (which later zeroes every sqrt_chi2 distance). We reproduce that on purpose.
 */
export function publishedTrimmedMean(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const k = Math.floor(0.01 * sorted.length);
  if (k === 0) return NaN;
  let sum = 0;
  for (let i = k; i < sorted.length - k; i++) sum += sorted[i]!;
  const count = sorted.length - 2 * k;
  return count > 0 ? sum / count : NaN;
}

export interface DistanceOptions {
  /** Wasserstein only: subtract the mean score of the base batch (off by default, as published). */
  baseScores?: ArrayLike<number>;
  subtractMeanBaseScore?: boolean;
}

/** Per-step distances for the current policy's samples, given their discriminator scores d. */
export function perStepDistances(type: OmDivergence, scores: ArrayLike<number>, opts: DistanceOptions = {}): Float64Array {
  const n = scores.length;
  const out = new Float64Array(n);
  switch (type) {
    case 'kl':
      for (let i = 0; i < n; i++) out[i] = scores[i]!;
      return out;
    case 'chi2':
      for (let i = 0; i < n; i++) out[i] = Math.expm1(scores[i]!);
      return out;
    case 'sqrt_chi2': {
      for (let i = 0; i < n; i++) out[i] = Math.expm1(scores[i]!);
      const t = publishedTrimmedMean(out);
      // "If T ≤ 0, no division": a NaN T is not ≤ 0, so it divides and every distance becomes NaN.
      if (!(t <= 0)) {
        const s = Math.sqrt(t);
        for (let i = 0; i < n; i++) out[i]! /= s;
      }
      return out;
    }
    case 'tv':
      for (let i = 0; i < n; i++) out[i] = Math.sign(scores[i]!);
      return out;
    case 'wasserstein': {
      let shift = 0;
      if (opts.subtractMeanBaseScore) {
        const b = opts.baseScores;
        if (!b || b.length === 0) throw new Error('wasserstein: subtracting the mean base score needs the base batch scores');
        for (let i = 0; i < b.length; i++) shift += b[i]!;
        shift /= b.length;
      }
      for (let i = 0; i < n; i++) out[i] = scores[i]! - shift;
      return out;
    }
  }
}

/**
 * pen_t = clip(−Σ_k coeff_k · dist_k(t), −clip, +clip). Non-finite distances count as 0, and a
 * base policy with coefficient 0 contributes nothing (its distances may be anything).
 */
export function omPenalty(distances: readonly Float64Array[], coeffs: readonly number[], clip: number): Float64Array {
  if (distances.length !== coeffs.length) throw new RangeError(`omPenalty: ${distances.length} distance arrays for ${coeffs.length} coefficients`);
  const n = distances[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let k = 0; k < distances.length; k++) {
    const c = coeffs[k]!;
    if (c === 0) continue;
    const dist = distances[k]!;
    if (dist.length !== n) throw new RangeError('omPenalty: distance arrays differ in length');
    for (let i = 0; i < n; i++) {
      const v = dist[i]!;
      if (Number.isFinite(v)) out[i]! -= c * v;
    }
  }
  for (let i = 0; i < n; i++) out[i] = Math.min(clip, Math.max(-clip, out[i]!));
  return out;
}

/** Batch estimates logged every iteration, whatever regulariser is active (specs/orpo.md §5). */
export function omEstimates(scores: ArrayLike<number>): { omKl: number; omChi2: number; omSqrtChi2: number } {
  let kl = 0;
  let chi2 = 0;
  for (let i = 0; i < scores.length; i++) {
    kl += scores[i]!;
    chi2 += Math.expm1(scores[i]!);
  }
  const n = Math.max(scores.length, 1);
  kl /= n;
  chi2 /= n;
  return { omKl: kl, omChi2: chi2, omSqrtChi2: Math.sqrt(Math.max(chi2, 0)) };
}

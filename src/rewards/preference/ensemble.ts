/**
 * Combining an ensemble of reward models (Coste et al., specs/rlhf.md §1.1): the mean; the
 * worst-case optimisation (WCO), the minimum over members; and uncertainty-weighted optimisation
 * (UWO), the mean minus λ times the members' variance (λ = 0.1 for PPO, 0.5 for best-of-n).
 */

export type EnsembleRule = 'mean' | 'wco' | 'uwo';
export const ENSEMBLE_RULES: readonly EnsembleRule[] = ['mean', 'wco', 'uwo'];
export const UWO_LAMBDA = 0.1;

/** `scores[m][i]`: member m's score of sample i. Returns one combined score per sample. */
export function combineEnsemble(scores: readonly ArrayLike<number>[], rule: EnsembleRule, lambda = UWO_LAMBDA): Float64Array {
  const m = scores.length;
  if (m === 0) throw new RangeError('combineEnsemble: the ensemble has no members');
  const n = scores[0]!.length;
  for (const s of scores) if (s.length !== n) throw new RangeError(`combineEnsemble: members scored ${s.length} and ${n} samples`);
  if (!ENSEMBLE_RULES.includes(rule)) throw new RangeError(`ensemble rule: "${rule}"; allowed: ${ENSEMBLE_RULES.join(', ')}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let min = Infinity;
    for (let k = 0; k < m; k++) {
      const v = scores[k]![i]!;
      sum += v;
      if (v < min) min = v;
    }
    const mean = sum / m;
    if (rule === 'mean') out[i] = mean;
    else if (rule === 'wco') out[i] = min;
    else {
      // Population variance over members (the spec does not say which; with 5 members the unbiased one is 1.25x larger).
      let v = 0;
      for (let k = 0; k < m; k++) v += (scores[k]![i]! - mean) ** 2;
      out[i] = mean - lambda * (v / m);
    }
  }
  return out;
}

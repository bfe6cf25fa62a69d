/**
 * Pairwise win rate of a candidate against a baseline on the same prompts: a win counts 1, a tie
 * ½, a loss 0 (AlpacaEval's convention), with a Wilson score interval for the rate. Ties make the
 * count of "successes" fractional; the Wilson formula is applied to the rate as it stands, which
 * is the usual approximation (a tie has the variance of a coin flip's mean at most).
 */

export interface WinRate {
  n: number;
  wins: number;
  ties: number;
  losses: number;
  /** (wins + ties/2) / n. */
  rate: number;
  /** Wilson score interval at confidence `level`. */
  low: number;
  high: number;
  level: number;
}

/** Wilson score interval for a proportion p from n trials; z from the two-sided level (0.95 → 1.95996). */
export function wilsonInterval(p: number, n: number, level = 0.95): [number, number] {
  if (n <= 0) return [0, 1];
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Compares candidate[i] with baseline[i] (higher is better); |difference| ≤ tieTolerance is a tie.
 */
export function winRate(candidate: ArrayLike<number>, baseline: ArrayLike<number>, options: { tieTolerance?: number; level?: number } = {}): WinRate {
  if (candidate.length !== baseline.length) throw new RangeError(`winRate: ${candidate.length} candidate scores for ${baseline.length} baseline scores`);
  const tol = options.tieTolerance ?? 1e-9;
  const level = options.level ?? 0.95;
  let wins = 0;
  let ties = 0;
  let losses = 0;
  for (let i = 0; i < candidate.length; i++) {
    const d = candidate[i]! - baseline[i]!;
    if (Math.abs(d) <= tol) ties++;
    else if (d > 0) wins++;
    else losses++;
  }
  const n = candidate.length;
  const rate = n ? (wins + ties / 2) / n : NaN;
  const [low, high] = n ? wilsonInterval(rate, n, level) : [NaN, NaN];
  return { n, wins, ties, losses, rate, low, high, level };
}

/** Standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - lowTail) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

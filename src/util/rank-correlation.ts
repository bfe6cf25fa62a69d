/**
 * Spearman's rank correlation with its p-value, for the monotonicity evaluation of reverse reward
 * engineering (do the proxy and the gold reward rank a series of checkpoints alike?).
 *
 * Ties get the average of the ranks they span (the usual "fractional" ranking), and ρ is the
 * Pearson correlation of those ranks, so the shortcut 1 − 6Σd²/(n(n²−1)), which assumes no ties,
 * is not used. Two p-values, both two-sided for H0 "no association":
 *  - `pValue`: Student's t with n − 2 degrees of freedom on t = ρ·√((n−2)/(1−ρ²)) (what
 *    scipy.stats.spearmanr reports by default, and so what the RER evaluation script printed);
 *  - `pExact`: the share of all n! pairings of the ranks with |ρ| at least the observed one
 *    (for n ≤ 10; the t approximation is poor for the 10 checkpoints of the protocol).
 */

/** Average ranks, 1-based: tied values share the mean of the positions they occupy. */
export function averageRanks(values: readonly number[]): number[] {
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`averageRanks: values must be finite, got ${v}`);
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const shared = (start + 1 + end) / 2; // mean of the 1-based positions start+1 … end
    for (let k = start; k < end; k++) ranks[order[k]!] = shared;
    start = end;
  }
  return ranks;
}

/** Pearson correlation; NaN when either side is constant (the correlation is undefined). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`pearson: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  // Rounding can push a perfect correlation a hair past ±1.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export interface SpearmanResult {
  rho: number;
  n: number;
  /** Two-sided, Student-t approximation (scipy's default); NaN when ρ is undefined or n < 3. */
  pValue: number;
  /** Two-sided exact permutation p-value; null when n > EXACT_MAX_N. */
  pExact: number | null;
}

export const EXACT_MAX_N = 10;

export function spearman(x: readonly number[], y: readonly number[]): SpearmanResult {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const rho = pearson(rx, ry);
  let pValue = NaN;
  if (Number.isFinite(rho) && n >= 3) {
    const df = n - 2;
    pValue = Math.abs(rho) === 1 ? 0 : studentTTwoSided(rho * Math.sqrt(df / (1 - rho * rho)), df);
  }
  const pExact = Number.isFinite(rho) && n <= EXACT_MAX_N ? exactPermutationP(rx, ry) : n <= EXACT_MAX_N ? NaN : null;
  return { rho, n, pValue, pExact };
}

/**
 * P(|ρ_perm| ≥ |ρ_obs|) over every permutation of ry. The mean and spread of the ranks do not change
 * under permutation, so comparing Σ (rx_i − mean)·ry_π(i) is the same as comparing ρ.
 */
function exactPermutationP(rx: readonly number[], ry: readonly number[]): number {
  const n = rx.length;
  const mean = (n + 1) / 2;
  const cx = rx.map((r) => r - mean);
  const stat = (perm: readonly number[]) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += cx[i]! * perm[i]!;
    return Math.abs(s);
  };
  const perm = [...ry];
  const observed = stat(perm);
  const tol = 1e-9 * Math.max(1, observed);
  let hits = 0;
  let total = 0;
  // Heap's algorithm, iterative: visits all n! orderings by single swaps.
  const c = new Array<number>(n).fill(0);
  const visit = () => {
    total++;
    if (stat(perm) >= observed - tol) hits++;
  };
  visit();
  for (let i = 1; i < n; ) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      const t = perm[j]!;
      perm[j] = perm[i]!;
      perm[i] = t;
      visit();
      c[i]!++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return hits / total;
}

/** Two-sided tail of Student's t: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2). */
export function studentTTwoSided(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`studentTTwoSided: degrees of freedom must be positive, got ${df}`);
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const coef = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = coef[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += coef[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** I_x(a, b), by the continued fraction (modified Lentz), using the symmetry where it converges faster. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
  return (front * betaContinuedFraction(x, a, b)) / a;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    // Even step.
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    // Odd step.
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return f;
}

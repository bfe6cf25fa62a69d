import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, pearson, spearman, studentTTwoSided, regularizedIncompleteBeta, logGamma } from '../../src/util/rank-correlation.js';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('tied values share the mean of the ranks they span', () => {
  assert.deepEqual(averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4]);
  assert.deepEqual(averageRanks([3, 1, 3, 3, 2]), [4, 1, 4, 4, 2]);
  assert.deepEqual(averageRanks([5]), [1]);
  assert.throws(() => averageRanks([1, NaN]), /finite/);
});

test('without ties rho equals 1 - 6 sum d^2 / (n (n^2 - 1))', () => {
  // d = (1, -1, 1, -1, 0): sum d^2 = 4, rho = 1 - 24/120 = 0.8.
  const r = spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]);
  close(r.rho, 0.8, 1e-12);
  assert.equal(r.n, 5);
  // Exact: 8 of the 120 orderings have sum d^2 <= 4 (identity, 4 adjacent swaps, 3 double swaps), 8 mirror them.
  close(r.pExact!, 16 / 120, 1e-12, 'exact p');
  // Reversal flips the sign; a monotone transform of either side changes nothing.
  close(spearman([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]).rho, -1);
  close(spearman([1, 4, 9, 16, 25], [Math.exp(2), Math.exp(1), 100, 50, 1e6]).rho, 0.8, 1e-12);
});

test('ties: rho is the Pearson correlation of the average ranks', () => {
  // y ranks (1.5, 1.5, 3.5, 3.5); centred x ranks (-1.5, -0.5, 0.5, 1.5), centred y (-1, -1, 1, 1): 4 / sqrt(5 * 4).
  const r = spearman([1, 2, 3, 4], [7, 7, 9, 9]);
  close(r.rho, 4 / Math.sqrt(20), 1e-12);
  // Of the 6 distinct placements of the two high ranks, {3,4} and {1,2} reach |sum| = 4: p = 2/6.
  close(r.pExact!, 1 / 3, 1e-12, 'exact p with ties');
  // Ties on both sides: x ranks (1.5, 1.5, 3, 4), y ranks (1, 2.5, 2.5, 4).
  const both = spearman([1, 1, 2, 3], [1, 2, 2, 3]);
  close(both.rho, pearson([1.5, 1.5, 3, 4], [1, 2.5, 2.5, 4]), 1e-12);
  // Centred (-1, -1, 0.5, 1.5) and (-1.5, 0, 0, 1.5): 3.75 / sqrt(4.5 * 4.5).
  close(both.rho, 3.75 / 4.5, 1e-12);
});

test('t-distribution p-values match closed forms and table values', () => {
  // df = 1 is the Cauchy distribution: P(|T| >= t) = 1 - (2/pi) atan t.
  for (const t of [0.5, 1, 3, 12.706]) close(studentTTwoSided(t, 1), 1 - (2 / Math.PI) * Math.atan(t), 1e-12, `df 1, t ${t}`);
  // df = 2: P(|T| >= t) = 1 - t / sqrt(2 + t^2).
  for (const t of [0.3, 2, 4.303]) close(studentTTwoSided(t, 2), 1 - t / Math.sqrt(2 + t * t), 1e-12, `df 2, t ${t}`);
  // Two-sided 5% critical values from the t table.
  close(studentTTwoSided(2.306, 8), 0.05, 5e-4, 'df 8');
  close(studentTTwoSided(3.182, 3), 0.05, 5e-4, 'df 3');
  close(studentTTwoSided(0, 5), 1, 1e-12);
  // I_x(1, 1) = x and I_x(a, 1) = x^a; Gamma(5) = 24, Gamma(1/2) = sqrt(pi).
  close(regularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-12);
  close(regularizedIncompleteBeta(0.7, 3, 1), 0.343, 1e-12);
  close(logGamma(5), Math.log(24), 1e-12);
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
});

test('the p-value of rho uses t = rho sqrt((n-2)/(1-rho^2)) with n-2 degrees of freedom', () => {
  const r = spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]);
  close(r.pValue, studentTTwoSided(0.8 * Math.sqrt(3 / 0.36), 3), 1e-12);
  close(r.pValue, 0.1040880387, 1e-8, 'scipy.stats.spearmanr gives 0.10408803866182788');
  const perfect = spearman([1, 2, 3, 4], [10, 20, 30, 40]);
  assert.equal(perfect.rho, 1);
  assert.equal(perfect.pValue, 0);
  close(perfect.pExact!, 2 / 24, 1e-12);
});

test('a constant series has no rank correlation, and long series skip the exact test', () => {
  const flat = spearman([1, 2, 3], [4, 4, 4]);
  assert.ok(Number.isNaN(flat.rho) && Number.isNaN(flat.pValue));
  const long = spearman(Array.from({ length: 12 }, (_, i) => i), Array.from({ length: 12 }, (_, i) => (i * 7) % 12));
  assert.equal(long.pExact, null);
  assert.ok(Number.isFinite(long.pValue));
  assert.throws(() => spearman([1, 2], [1]), /2 x values but 1 y values/);
});

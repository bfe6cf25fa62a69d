/**
 * Per-step occupancy-measure distances and the reward penalty (specs/orpo.md §1.2 step 4, §1.4),
 * checked against values computed by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perStepDistances, publishedTrimmedMean, omPenalty, omEstimates, lossFamily, discriminatorLossTerms } from '../../src/algos/orpo/divergences.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose, assertClose, softplus } from './helpers.js';

/** Shuffled copy (so the code must sort, not rely on the input order). */
function shuffled(xs: number[], seed: number): number[] {
  const out = [...xs];
  new Rng(seed).shuffle(out);
  return out;
}

test('publishedTrimmedMean: drops ⌊0.01·n⌋ from each end after a numeric sort', () => {
  // n = 100 → k = 1: values 0..99 lose 0 and 99, mean of 1..98 is 49.5.
  assert.equal(publishedTrimmedMean(shuffled(Array.from({ length: 100 }, (_, i) => i), 1)), 49.5);
  // n = 199 → k = 1 (⌊1.99⌋): the two outliers go, 197 ones remain.
  assert.equal(publishedTrimmedMean(shuffled([1000, -1000, ...new Array<number>(197).fill(1)], 2)), 1);
  // n = 200 → k = 2; negative numbers and magnitudes that a lexicographic sort would misorder
  // (e.g. "-5" < "-50" < "10" < "9" as strings).
  const vals = [-50, -5, 9, 10, ...new Array<number>(196).fill(3)];
  assert.equal(publishedTrimmedMean(shuffled(vals, 3)), 3);
  // n = 250 → k = 2: drop 0, 1 and 248, 249 from 0..249; mean of 2..247 = 124.5.
  assert.equal(publishedTrimmedMean(shuffled(Array.from({ length: 250 }, (_, i) => i), 4)), 124.5);
  // Float32Array input works like an array.
  assert.equal(publishedTrimmedMean(Float32Array.from({ length: 100 }, (_, i) => i)), 49.5);
});

test('publishedTrimmedMean: n < 100 gives NaN (the published [0:-0] slice is empty)', () => {
  assert.ok(Number.isNaN(publishedTrimmedMean([])));
  assert.ok(Number.isNaN(publishedTrimmedMean([1, 2, 3])));
  assert.ok(Number.isNaN(publishedTrimmedMean(new Array<number>(99).fill(2))));
  assert.equal(publishedTrimmedMean(new Array<number>(100).fill(2)), 2);
});

test('perStepDistances kl: the score itself', () => {
  const d = [-2, -0.5, 0, 0.25, 3];
  assert.deepEqual(Array.from(perStepDistances('kl', d)), d);
});

test('perStepDistances chi2: e^d − 1', () => {
  const d = [-2, -0.5, 0, 0.25, 3, 1e-9];
  assertAllClose(perStepDistances('chi2', d), d.map((x) => Math.exp(x) - 1), 1e-15, 1e-14, 'chi2');
  // expm1 keeps precision for tiny scores.
  assertClose(perStepDistances('chi2', [1e-12])[0]!, 1e-12, 0, 1e-9, 'tiny score');
});

test('perStepDistances sqrt_chi2: (e^d − 1)/√T with T the 1%-trimmed mean of 200 values', () => {
  // e^d − 1 values: 1..196, plus two huge and two ≈ −1 outliers. n = 200 → k = 2, so exactly the
  // four outliers are dropped and T = mean(1..196) = 98.5.
  const raw = [...Array.from({ length: 196 }, (_, i) => Math.log1p(i + 1)), 12, 10, -40, -45];
  const scores = shuffled(raw, 5);
  const T = 98.5;
  const got = perStepDistances('sqrt_chi2', scores);
  assert.equal(got.length, 200);
  assertAllClose(
    got,
    scores.map((d) => Math.expm1(d) / Math.sqrt(T)),
    1e-12,
    1e-9,
    'sqrt_chi2',
  );
  // Without trimming the mean would be dominated by e^12: make sure that is not what happened.
  const untrimmed = raw.reduce((a, d) => a + Math.expm1(d), 0) / 200;
  assert.ok(untrimmed > 1000 && Math.abs(got[scores.indexOf(Math.log1p(1))]! - 1 / Math.sqrt(98.5)) < 1e-9);
});

test('perStepDistances sqrt_chi2: T ≤ 0 means no division', () => {
  // All scores negative → every e^d − 1 < 0 → T < 0 → distances are e^d − 1 unscaled.
  const neg = Array.from({ length: 200 }, (_, i) => -0.01 * (i + 1));
  assertAllClose(perStepDistances('sqrt_chi2', neg), neg.map(Math.expm1), 1e-15, 1e-12, 'T < 0');
  // T = 0 exactly (all scores 0) → no division (not 0/0).
  const zeros = perStepDistances('sqrt_chi2', new Array<number>(150).fill(0));
  assert.ok(zeros.every((v) => v === 0));
});

test('perStepDistances sqrt_chi2: n < 100 gives NaN distances, which omPenalty counts as 0', () => {
  const scores = Array.from({ length: 99 }, (_, i) => 0.01 * i);
  const dist = perStepDistances('sqrt_chi2', scores);
  assert.equal(dist.length, 99);
  assert.ok(dist.every(Number.isNaN), 'every distance is NaN');
  const pen = omPenalty([dist], [5], 1000);
  assert.ok(pen.every((v) => v === 0), 'the penalty is 0 everywhere');
  // At n = 100 the normaliser exists again (k = 1).
  const d100 = perStepDistances('sqrt_chi2', Array.from({ length: 100 }, (_, i) => 0.01 * i));
  assert.ok(d100.every(Number.isFinite));
});

test('perStepDistances tv: sign(d)', () => {
  assert.deepEqual(Array.from(perStepDistances('tv', [-3, -1e-8, 0, 1e-8, 2])), [-1, -1, 0, 1, 1]);
});

test('perStepDistances wasserstein: d, optionally minus the mean base score', () => {
  const d = [0.5, -1, 2];
  assert.deepEqual(Array.from(perStepDistances('wasserstein', d)), d);
  // Base scores given but subtraction off (the published default): unchanged.
  assert.deepEqual(Array.from(perStepDistances('wasserstein', d, { baseScores: [10, 20], subtractMeanBaseScore: false })), d);
  // Mean base score = (1 + 2 + 6)/3 = 3.
  assertAllClose(perStepDistances('wasserstein', d, { baseScores: [1, 2, 6], subtractMeanBaseScore: true }), [-2.5, -4, -1], 1e-15, 0, 'shifted');
  assert.throws(() => perStepDistances('wasserstein', d, { subtractMeanBaseScore: true }), /base/);
  assert.throws(() => perStepDistances('wasserstein', d, { baseScores: [], subtractMeanBaseScore: true }), /base/);
});

test('lossFamily maps each divergence to its discriminator loss', () => {
  assert.equal(lossFamily('kl'), 'logistic');
  assert.equal(lossFamily('chi2'), 'logistic');
  assert.equal(lossFamily('sqrt_chi2'), 'logistic');
  assert.equal(lossFamily('tv'), 'tv');
  assert.equal(lossFamily('wasserstein'), 'wasserstein');
});

test('discriminatorLossTerms: the §1.3 per-sample terms', () => {
  for (const d of [-3, -0.2, 0, 0.7, 4]) {
    const lg = discriminatorLossTerms('logistic', d);
    assertClose(lg.current, softplus(-d), 1e-14, 1e-12, 'logistic current');
    assertClose(lg.base, softplus(d), 1e-14, 1e-12, 'logistic base');
    const tv = discriminatorLossTerms('tv', d);
    assertClose(tv.current, Math.tanh(-d) + 0.01 * d * d, 1e-15, 0, 'tv current');
    assertClose(tv.base, Math.tanh(d) + 0.01 * d * d, 1e-15, 0, 'tv base');
    const w = discriminatorLossTerms('wasserstein', d);
    assert.equal(w.current, -d);
    assert.equal(w.base, d);
  }
});

test('omPenalty: −Σ coeff·dist, clipped to ±clip', () => {
  const dist = Float64Array.from([0.5, -2, 10, -10, 0]);
  assertAllClose(omPenalty([dist], [0.2], 1000), [-0.1, 0.4, -2, 2, 0], 1e-15, 0, 'unclipped');
  // clip = 1.5: −2 → −1.5 and 2 → 1.5.
  assertAllClose(omPenalty([dist], [0.2], 1.5), [-0.1, 0.4, -1.5, 1.5, 0], 1e-15, 0, 'clipped');
  // The clip applies to the summed penalty, not to each term.
  const a = Float64Array.from([1, 1]);
  const b = Float64Array.from([1, -1]);
  assertAllClose(omPenalty([a, b], [1, 1], 1.5), [-1.5, 0], 1e-15, 0, 'clip of the sum');
});

test('omPenalty: several base policies are summed', () => {
  const d1 = Float64Array.from([1, 2, 3]);
  const d2 = Float64Array.from([-1, 0.5, 4]);
  // −(0.5·d1 + 2·d2)
  assertAllClose(omPenalty([d1, d2], [0.5, 2], 1000), [-(0.5 - 2), -(1 + 1), -(1.5 + 8)], 1e-15, 0, 'sum');
});

test('omPenalty: non-finite distances are ignored; a zero coefficient ignores its distances entirely', () => {
  const d1 = Float64Array.from([NaN, 1, Infinity, -Infinity]);
  assertAllClose(omPenalty([d1], [2], 1000), [0, -2, 0, 0], 0, 0, 'non-finite → 0');
  // Coefficient 0 with NaN distances (e.g. sqrt_chi2 on a small batch): contributes exactly 0.
  const nanDist = new Float64Array(4).fill(NaN);
  const d2 = Float64Array.from([1, 2, 3, 4]);
  const pen = omPenalty([nanDist, d2], [0, 0.5], 1000);
  assertAllClose(pen, [-0.5, -1, -1.5, -2], 0, 0, 'zero coefficient');
  assert.ok(omPenalty([nanDist], [0], 1000).every((v) => Object.is(v, 0)), 'all zero (and not −0)');
});

test('omPenalty: a negative coefficient regularises away (positive penalty for positive distances)', () => {
  const dist = Float64Array.from([0.3, 2, -1]);
  assertAllClose(omPenalty([dist], [-0.5], 1000), [0.15, 1, -0.5], 1e-15, 0, 'away');
  // Mixed signs across base policies: towards the first, away from the second.
  assertAllClose(omPenalty([dist, dist], [1, -1], 1000), [0, 0, 0], 1e-15, 0, 'cancel');
});

test('omPenalty: argument checks', () => {
  assert.throws(() => omPenalty([Float64Array.from([1])], [1, 2], 1), RangeError);
  assert.throws(() => omPenalty([Float64Array.from([1]), Float64Array.from([1, 2])], [1, 1], 1), RangeError);
  assert.equal(omPenalty([], [], 1).length, 0);
});

test('omEstimates: mean d, mean (e^d − 1) and its square root', () => {
  const d = [Math.log(2), Math.log(0.5), 0, Math.log(3)];
  const est = omEstimates(d);
  assertClose(est.omKl, (Math.log(2) + Math.log(0.5) + Math.log(3)) / 4, 1e-15, 0, 'kl');
  const chi2 = (1 - 0.5 + 0 + 2) / 4;
  assertClose(est.omChi2, chi2, 1e-15, 1e-12, 'chi2');
  assertClose(est.omSqrtChi2, Math.sqrt(chi2), 1e-15, 1e-12, 'sqrt chi2');
  // A negative χ² estimate is floored at 0 under the root.
  assert.equal(omEstimates([-1, -2]).omSqrtChi2, 0);
});

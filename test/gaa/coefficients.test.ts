/**
 * GAA's per-minibatch numbers (specs/rlhf.md §3.2): a and b at the four corners, η and σ on a batch
 * worked out by hand, the clamps, and the normalisations the published code applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gaaCoefficients,
  etaSigma,
  scaleEta,
  scaleSigma,
  meanStd,
  normaliseGreedyAdvantages,
  normaliseGreedyRewards,
} from '../../src/algos/gaa/coefficients.js';
import { assertClose, assertAllClose } from '../helpers.js';

/** The spec's formula, literally, to check the rearranged implementation against. */
function literal(eta: number, sigma: number): { a: number; b: number } {
  return {
    a: (1 - eta) * (sigma + 1) + eta * (1 - sigma) ** 10,
    b: (1 - eta) * -sigma + eta * ((1 - sigma) ** 10 - 1),
  };
}

test('a and b at the four corners of the spec', () => {
  // Case 1: no advantage gap, greedy action unlikely: plain PPO.
  assert.deepEqual(gaaCoefficients(0, 0), { a: 1, b: 0 });
  // Case 2: no gap, greedy action certain: plain PPO as well.
  assert.deepEqual(gaaCoefficients(1, 0), { a: 1, b: 0 });
  // Case 3: large gap, greedy action unlikely: 2∇J − ∇J_greedy.
  assert.deepEqual(gaaCoefficients(0, 1), { a: 2, b: -1 });
  // Case 4: large gap, greedy action certain (mode collapse): −∇J_greedy only.
  assert.deepEqual(gaaCoefficients(1, 1), { a: 0, b: -1 });
});

test('a and b between the corners follow the spec formula; σ′ = 0 is exactly (1, 0) for every η′', () => {
  for (const eta of [0, 0.1, 0.3, 0.37, 0.5, 0.7, 0.9, 1]) {
    for (const sigma of [0, 0.05, 0.25, 0.5, 0.8, 1]) {
      const got = gaaCoefficients(eta, sigma);
      const want = literal(eta, sigma);
      assertClose(got.a, want.a, 1e-12, 0, `a(${eta}, ${sigma})`);
      assertClose(got.b, want.b, 1e-12, 0, `b(${eta}, ${sigma})`);
    }
    const zero = gaaCoefficients(eta, 0);
    assert.ok(Object.is(zero.a, 1) && Object.is(zero.b, 0), `σ′ = 0, η′ = ${eta}: (${zero.a}, ${zero.b})`);
  }
  // A hand value: η′ = 0.5, σ′ = 0.5: a = 0.5·1.5 + 0.5·0.5^10, b = −0.25 + 0.5·(0.5^10 − 1).
  const mid = gaaCoefficients(0.5, 0.5);
  assertClose(mid.a, 0.75 + 0.5 / 1024, 1e-15);
  assertClose(mid.b, -0.25 + 0.5 * (1 / 1024 - 1), 1e-15);
  // The decay exponent is a setting (the spec's is 10).
  assertClose(gaaCoefficients(1, 0.5, 2).a, 0.25, 1e-15);
});

test('a and b reject inputs outside [0, 1] (they must be scaled and clamped first)', () => {
  assert.throws(() => gaaCoefficients(1.2, 0), /eta′ must be in \[0, 1\], got 1.2/);
  assert.throws(() => gaaCoefficients(0.5, -0.1), /sigma′ must be in \[0, 1\], got -0.1/);
  assert.throws(() => gaaCoefficients(NaN, 0.1), /eta′/);
  assert.throws(() => gaaCoefficients(0.5, 0.5, 0), /decayPower/);
});

test('scaling and clamps: η′ = min(xEta·η, 1), σ′ = clamp(xSig·σ, 0, 1)', () => {
  assert.equal(scaleEta(0.5, 1.25), 0.625);
  assert.equal(scaleEta(0.9, 1.25), 1);
  assert.equal(scaleEta(0.3, 0), 0);
  assertClose(scaleSigma(0.2, 3), 0.6, 1e-15);
  assert.equal(scaleSigma(0.5, 3), 1);
  assert.equal(scaleSigma(-0.4, 3), 0, 'a greedy action worse than the sampled one is not penalised');
  assert.ok(Object.is(scaleSigma(-0.4, 0), 0), 'no negative zero');
  assert.ok(Object.is(scaleSigma(0.7, 0), 0), 'xSig = 0 turns GAA off');
});

test('η and σ on a hand-made minibatch', () => {
  // Four steps. Sampled advantages A = [1, −1, 2, 0]: mean 0.5, sample variance
  // (0.25 + 2.25 + 2.25 + 0.25)/3 = 5/3, std √(5/3) = 1.2909944487358056, so σ = 0.75/(1.2909944 + 1e-5) ≈ 0.580943.
  // Greedy advantages A* = [2, 0, 2, 1]: A* − A = [1, 1, 0, 1], mean 0.75.
  const mb = { greedyProbs: [0.5, 0.25, 1.0, 0.25], greedyAdvantages: [2, 0, 2, 1], advantages: [1, -1, 2, 0] };
  const std = 1.2909944487358056;
  const sigma = 0.75 / (std + 1e-5);
  const plain = etaSigma(mb, { xEta: 1, xSig: 1 });
  assertClose(plain.eta, 0.5, 1e-15, 0, 'η = mean greedy probability');
  assertClose(plain.sigma, sigma, 1e-12, 0, 'σ');
  assertClose(plain.sigma, 0.580943, 1e-6, 0, 'σ ≈ 0.580943');
  assertClose(plain.etaScaled, 0.5, 1e-15);
  assertClose(plain.sigmaScaled, sigma, 1e-12);
  // The capped experiment's scales (x_eta 1.25, x_sig 3): η′ = 0.625, σ′ = min(1.74…, 1) = 1,
  // so a = 0.375·2 + 0.625·0 = 0.75 and b = 0.375·(−1) + 0.625·(0 − 1) = −1.
  const capped = etaSigma(mb, { xEta: 1.25, xSig: 3 });
  assertClose(capped.etaScaled, 0.625, 1e-15);
  assert.equal(capped.sigmaScaled, 1);
  const ab = gaaCoefficients(capped.etaScaled, capped.sigmaScaled);
  assertClose(ab.a, 0.75, 1e-15);
  assertClose(ab.b, -1, 1e-15);
  // Unscaled: a = 0.5·(1 + σ) + 0.5·(1 − σ)^10, b = −0.5·σ + 0.5·((1 − σ)^10 − 1).
  const ab1 = gaaCoefficients(plain.etaScaled, plain.sigmaScaled);
  assertClose(ab1.a, 0.5 * (1 + sigma) + 0.5 * (1 - sigma) ** 10, 1e-12);
  assertClose(ab1.b, -0.5 * sigma + 0.5 * ((1 - sigma) ** 10 - 1), 1e-12);
  // A greedy action that is worse on average gives σ < 0 and is clamped to σ′ = 0 (plain PPO).
  const worse = etaSigma({ ...mb, greedyAdvantages: [0, -2, 2, -1] }, { xEta: 1, xSig: 1 });
  assertClose(worse.sigma, -0.75 / (std + 1e-5), 1e-12);
  assert.equal(worse.sigmaScaled, 0);
  assert.deepEqual(gaaCoefficients(worse.etaScaled, worse.sigmaScaled), { a: 1, b: 0 });
});

test('η and σ check their inputs', () => {
  assert.throws(() => etaSigma({ greedyProbs: [0.5], greedyAdvantages: [1, 2], advantages: [1] }, { xEta: 1, xSig: 1 }), /greedyAdvantages has 2 entries, greedyProbs has 1/);
  assert.throws(() => etaSigma({ greedyProbs: [], greedyAdvantages: [], advantages: [] }, { xEta: 1, xSig: 1 }), /empty minibatch/);
  // One step: the sample std is 0, so σ is the gap over the 1e-5 epsilon.
  assertClose(etaSigma({ greedyProbs: [1], greedyAdvantages: [1e-5], advantages: [0] }, { xEta: 1, xSig: 1 }).sigma, 1, 1e-12);
});

test('the published normalisations: greedy advantages by the sampled statistics, greedy rewards z-scored and clamped', () => {
  assert.deepEqual(meanStd([1, -1, 2, 0]), { mean: 0.5, std: Math.sqrt(5 / 3) });
  const std = Math.sqrt(5 / 3);
  assertAllClose(normaliseGreedyAdvantages([2, 0, 2, 1], [1, -1, 2, 0]), [1.5 / std, -0.5 / std, 1.5 / std, 0.5 / std], 1e-6);
  const z = normaliseGreedyRewards([1, 0.5, 10, -10], 0.5, 0.25);
  assertAllClose(z, [0.5 / (0.25 + 1e-5), 0, 3, -3], 1e-12);
});

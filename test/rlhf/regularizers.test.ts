import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, type Tensor1D } from '../../src/nn/index.js';
import { expm1Clipped, invExpm1Clipped, regularizerStats, regularizerLoss, sequenceLogRatios, perTokenKlPenalty, EXP_CLIP } from '../../src/algos/rlhf/regularizers.js';
import { AdaptiveKlController, FixedKlController, makeKlController } from '../../src/algos/rlhf/kl-controller.js';
import { tokenRewards, tokenGae, whitenMasked } from '../../src/algos/rlhf/token-gae.js';
import { pairwiseLoss, pairwiseLossT, pairAccuracy, negLogSigmoid } from '../../src/rewards/preference/pairwise-loss.js';
import { combineEnsemble } from '../../src/rewards/preference/ensemble.js';
import { assertClose, assertAllClose } from '../helpers.js';

before(async () => {
  await initBackend();
});

test('sequence log-ratios sum the masked token differences', () => {
  const logp = [-1, -2, -3, -0.5, -0.5, -9];
  const ref = [-1.5, -1, -3, -1, -0.25, 0];
  const mask = [1, 1, 0, 1, 1, 0];
  assertAllClose([...sequenceLogRatios(logp, ref, mask, 2, 3)], [0.5 - 1, 0.5 - 0.25], 1e-12);
});

test('the clipped exponentials are exact inside ±10 and tangent lines outside', () => {
  assertClose(expm1Clipped(2), Math.E ** 2 - 1, 1e-12);
  assertClose(invExpm1Clipped(2), Math.E ** -2 - 1, 1e-12);
  const e10 = Math.exp(10);
  assertClose(expm1Clipped(12), e10 * (1 + 12 - 10) - 1, 1e-6);
  assertClose(invExpm1Clipped(-13), e10 * (1 + 13 - 10) - 1, 1e-6);
  // Continuous at the switch.
  assertClose(expm1Clipped(EXP_CLIP - 1e-9), expm1Clipped(EXP_CLIP + 1e-9), 1e-3);
});

test('KL (k3) and chi2 batch estimates against hand computation', () => {
  const L = [0.5, -0.2, 0, 1];
  const kl = L.reduce((s, l) => s + l + Math.exp(-l) - 1, 0) / 4;
  const chi2 = L.reduce((s, l) => s + Math.exp(l) + Math.exp(-l) - 2, 0) / 4;
  const st = regularizerStats(L);
  assertClose(st.kl, kl, 1e-12);
  assertClose(st.chi2, chi2, 1e-12);
  assertClose(st.sqrtChi2, Math.sqrt(chi2), 1e-12);
  assert.ok(st.kl >= 0 && st.chi2 >= 0);
  // Identical policies: both vanish and the square root sits on its floor.
  const zero = regularizerStats([0, 0, 0]);
  assert.equal(zero.kl, 0);
  assertClose(zero.sqrtChi2, 0.01, 1e-12);
  const clipped = regularizerStats([11, -12, 0, 0]);
  assert.equal(clipped.ratioClipFrac, 0.25);
  assert.equal(clipped.invRatioClipFrac, 0.25);
});

test('the tensor losses equal the number versions and their gradients have the right sign', () => {
  const L = [0.5, -0.2, 12, 1];
  const st = regularizerStats(L);
  const kl = tf.tidy(() => regularizerLoss('kl', tf.tensor1d(L) as Tensor1D, 2).dataSync()[0]!);
  const sq = tf.tidy(() => regularizerLoss('sqrt_chi2', tf.tensor1d(L) as Tensor1D, 3).dataSync()[0]!);
  assertClose(kl, 2 * st.kl, 1e-3 * Math.abs(st.kl) + 1e-5);
  assertClose(sq, 3 * st.sqrtChi2, 1e-3 * st.sqrtChi2);
  assert.equal(tf.tidy(() => regularizerLoss('none', tf.tensor1d(L) as Tensor1D, 3).dataSync()[0]), 0);
  // d/dL of L + e^{-L} - 1 is 1 - e^{-L}: positive for L > 0 (the penalty pushes L back to 0).
  const g = tf.tidy(() => tf.grad((x: tf.Tensor) => regularizerLoss('kl', x as Tensor1D, 1))(tf.tensor1d([0.5, -0.5])).dataSync());
  assert.ok(g[0]! > 0 && g[1]! < 0);
  const gc = tf.tidy(() => tf.grad((x: tf.Tensor) => regularizerLoss('sqrt_chi2', x as Tensor1D, 1))(tf.tensor1d([0.5, -0.5])).dataSync());
  assert.ok(gc[0]! > 0 && gc[1]! < 0);
});

test('per-token KL penalty is -beta times the log-ratio', () => {
  assertAllClose([...perTokenKlPenalty([-1, -2], [-1.5, -1], 0.1)], [-0.05, 0.1], 1e-12);
});

test('fixed and adaptive KL controllers', () => {
  const f = new FixedKlController(0.3);
  f.update();
  assert.equal(f.value, 0.3);
  const a = new AdaptiveKlController(0.1, 6, 10_000);
  a.update(12, 256); // error clipped to +0.2
  assertClose(a.value, 0.1 * (1 + (0.2 * 256) / 10_000), 1e-15);
  a.update(5.7, 256); // error -0.05
  assertClose(a.value, 0.1 * (1 + (0.2 * 256) / 10_000) * (1 - (0.05 * 256) / 10_000), 1e-15);
  assert.ok(makeKlController(0.2, null) instanceof FixedKlController);
  assert.throws(() => new AdaptiveKlController(0.1, 0, 1), /kl\.target/);
});

test('token rewards put the clipped score at the last response token; GAE with gamma 1', () => {
  const mask = [1, 1, 1, 0, 1, 0, 0, 0];
  const r = tokenRewards({ n: 2, T: 4, mask, scores: [3, -20], scoreClip: 10, perToken: [-0.1, -0.1, -0.1, 0, 0.2, 0, 0, 0] });
  assertAllClose([...r], [-0.1, -0.1, 2.9, 0, -9.8, 0, 0, 0], 1e-12);
  const values = [1, 2, 3, 0, 0.5, 0, 0, 0];
  const { advantages, returns } = tokenGae(r, values, mask, 2, 4, 1, 0.5);
  // Sequence 0, backwards: d2 = 2.9 - 3 = -0.1; d1 = -0.1 + 3 - 2 = 0.9; d0 = -0.1 + 2 - 1 = 0.9.
  const a2 = -0.1;
  const a1 = 0.9 + 0.5 * a2;
  const a0 = 0.9 + 0.5 * a1;
  assertAllClose([...advantages.subarray(0, 3)], [a0, a1, a2], 1e-6);
  assertAllClose([...returns.subarray(0, 3)], [a0 + 1, a1 + 2, a2 + 3], 1e-6);
  assertClose(advantages[4]!, -9.8 - 0.5, 1e-6);
  assert.equal(advantages[3], 0);
  const w = whitenMasked(advantages, mask);
  const on = [...w].filter((_, k) => mask[k]);
  assertClose(on.reduce((a, b) => a + b, 0) / on.length, 0, 1e-6);
  assert.equal(w[3], 0);
});

test('pairwise loss: value, stable -log sigmoid, and the gradient raises the chosen score', () => {
  assertClose(negLogSigmoid(0), Math.log(2), 1e-12);
  assertClose(negLogSigmoid(-800), 800, 1e-9);
  const chosen = [1, 0.2];
  const rejected = [0.5, 0.4];
  const expected = (Math.log1p(Math.exp(-0.5)) + 0.0005 * (1 + 0.25) + Math.log1p(Math.exp(0.2)) + 0.0005 * (0.04 + 0.16)) / 2;
  assertClose(pairwiseLoss(chosen, rejected), expected, 1e-12);
  const lossT = tf.tidy(() => pairwiseLossT(tf.tensor1d(chosen) as Tensor1D, tf.tensor1d(rejected) as Tensor1D).dataSync()[0]!);
  assertClose(lossT, expected, 1e-6);
  const [gc, gr] = tf.tidy(() => tf.grads((c: tf.Tensor, r: tf.Tensor) => pairwiseLossT(c as Tensor1D, r as Tensor1D))([tf.tensor1d(chosen), tf.tensor1d(rejected)]).map((g) => [...g.dataSync()]));
  assert.ok(gc!.every((g) => g < 0), 'descending the loss raises chosen scores');
  assert.ok(gr!.every((g) => g > 0), 'and lowers rejected ones');
  assert.equal(pairAccuracy(chosen, rejected), 0.5);
});

test('ensemble rules: mean, worst case, and mean minus lambda times variance', () => {
  const s = [
    [1, 4],
    [3, 4],
    [2, 1],
  ];
  assertAllClose([...combineEnsemble(s, 'mean')], [2, 3], 1e-12);
  assertAllClose([...combineEnsemble(s, 'wco')], [1, 1], 1e-12);
  assertAllClose([...combineEnsemble(s, 'uwo', 0.5)], [2 - 0.5 * (2 / 3), 3 - 0.5 * 2], 1e-12);
  assert.throws(() => combineEnsemble(s, 'median' as never), /allowed: mean, wco, uwo/);
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/nn/backend.js';
import { valueAndGrads } from '../../src/nn/optim.js';
import { ActorCritic } from '../../src/policies/actor-critic.js';
import { ppoLoss, LOSS_STAT_NAMES, type LossCoefficients, type Minibatch } from '../../src/algos/ppo/loss.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, assertAllClose, logSoftmax, mean } from '../nn/helpers.js';

before(async () => {
  await initBackend();
});

const B = 5;
const OBS_DIM = 3;
const N_ACTIONS = 4;
const ADV = [1, -1, 2, -2, 0.5];
const ACTIONS = [0, 3, 1, 2, 3];

function makePolicy(): ActorCritic {
  return new ActorCritic(OBS_DIM, { kind: 'categorical', size: N_ACTIONS }, { hidden: [8], activation: 'tanh', vfShareLayers: false }, new Rng(0));
}

function obsData(): Float32Array {
  const rng = new Rng(1);
  return Float32Array.from({ length: B * OBS_DIM }, () => rng.normal());
}

/** The current policy's outputs on the fixed batch, as plain arrays. */
function current(policy: ActorCritic) {
  return tf.tidy(() => {
    const { distParams, values } = policy.forward(tf.tensor2d(obsData(), [B, OBS_DIM]));
    const logp = policy.dist.logProb(distParams, tf.tensor2d(ACTIONS, [B, 1]));
    return { distParams: Array.from(distParams.dataSync()), values: Array.from(values.dataSync()), logp: Array.from(logp.dataSync()) };
  });
}

function minibatch(
  policy: ActorCritic,
  opts: { logpShift?: number; advantages?: number[]; targetOffsets?: number[]; oldDistParams?: number[] } = {},
): Minibatch {
  const cur = current(policy);
  return {
    obs: tf.tensor2d(obsData(), [B, OBS_DIM]),
    actions: tf.tensor2d(ACTIONS, [B, 1]),
    // ratio = exp(logp − oldLogp), so oldLogp = logp + shift gives ratio e^{−shift}.
    oldLogp: tf.tensor1d(cur.logp.map((l) => l + (opts.logpShift ?? 0))),
    oldDistParams: tf.tensor2d(opts.oldDistParams ?? cur.distParams, [B, N_ACTIONS]),
    advantages: tf.tensor1d(opts.advantages ?? ADV),
    valueTargets: tf.tensor1d(cur.values.map((v, i) => v + (opts.targetOffsets?.[i] ?? 0))),
  };
}

function disposeMb(mb: Minibatch): void {
  for (const t of Object.values(mb)) (t as tf.Tensor).dispose();
}

const COEFFS: LossCoefficients = { clipParam: 0.2, vfLossCoeff: 0.5, vfClipParam: 10, entropyCoeff: 0.01, klCoeff: 0.3 };

function evalLoss(policy: ActorCritic, mb: Minibatch, c: LossCoefficients, extra?: Parameters<typeof ppoLoss>[3]) {
  return tf.tidy(() => {
    const { total, stats } = ppoLoss(policy, mb, c, extra);
    const s = stats.dataSync();
    return { total: total.dataSync()[0]!, policyLoss: s[0]!, vfLoss: s[1]!, kl: s[2]!, entropy: s[3]! };
  });
}

test('stats are named policyLoss, vfLoss, kl, entropy in that order', () => {
  assert.deepEqual([...LOSS_STAT_NAMES], ['policyLoss', 'vfLoss', 'kl', 'entropy']);
});

test('with policy = old policy (ratio 1) the policy loss is −mean(A), KL 0, vf loss 0', () => {
  const policy = makePolicy();
  const mb = minibatch(policy);
  const r = evalLoss(policy, mb, COEFFS);
  assertClose(r.policyLoss, -mean(ADV), 1e-6, 0, 'policy loss'); // −0.1
  assertClose(r.kl, 0, 1e-6, 0, 'kl');
  assertClose(r.vfLoss, 0, 1e-10, 0, 'vf loss');
  // Entropy is the mean categorical entropy of the current logits.
  const cur = current(policy);
  const ent = mean(
    Array.from({ length: B }, (_, i) => {
      const lp = logSoftmax(cur.distParams.slice(i * N_ACTIONS, (i + 1) * N_ACTIONS));
      return -lp.reduce((s, v) => s + Math.exp(v) * v, 0);
    }),
  );
  assertClose(r.entropy, ent, 1e-5, 0, 'entropy');
  // total = policy + c_vf·vf − β_ent·H + β_kl·KL
  assertClose(r.total, r.policyLoss + 0.5 * r.vfLoss - 0.01 * r.entropy + 0.3 * r.kl, 1e-5, 0, 'total');
  disposeMb(mb);
  policy.dispose();
});

test('clipping engages when the ratio exceeds 1 + ε (positive A clipped, negative A not)', () => {
  const policy = makePolicy();
  const mb = minibatch(policy, { logpShift: -0.5 }); // ratio = e^{0.5} ≈ 1.6487 > 1.2
  const r = evalLoss(policy, mb, COEFFS);
  const ratio = Math.exp(0.5);
  const surrogate = ADV.map((a) => Math.min(a * ratio, a * Math.min(Math.max(ratio, 0.8), 1.2)));
  // A > 0: 1.2·A; A < 0: ratio·A.
  assertAllClose(
    surrogate.map((s, i) => s / ADV[i]!),
    ADV.map((a) => (a > 0 ? 1.2 : ratio)),
    1e-12,
    0,
    'effective ratio per row',
  );
  assertClose(r.policyLoss, -mean(surrogate), 1e-5, 0, 'clipped policy loss');
  // Unclipped would be −ratio·mean(A); make sure that is distinguishable.
  assert.ok(Math.abs(-mean(surrogate) - -ratio * mean(ADV)) > 0.1);
  disposeMb(mb);
  policy.dispose();
});

test('clipping engages when the ratio falls below 1 − ε (negative A clipped, positive A not)', () => {
  const policy = makePolicy();
  const mb = minibatch(policy, { logpShift: 0.5 }); // ratio = e^{−0.5} ≈ 0.6065 < 0.8
  const r = evalLoss(policy, mb, COEFFS);
  const ratio = Math.exp(-0.5);
  const surrogate = ADV.map((a) => (a > 0 ? a * ratio : a * 0.8));
  assertClose(r.policyLoss, -mean(surrogate), 1e-5, 0, 'clipped policy loss');
  disposeMb(mb);
  policy.dispose();
});

test('a clipped objective (A > 0, ratio > 1 + ε) has zero policy gradient; an unclipped one does not', () => {
  const policy = makePolicy();
  const onlyPolicy: LossCoefficients = { clipParam: 0.2, vfLossCoeff: 0, vfClipParam: null, entropyCoeff: 0, klCoeff: 0 };
  const posAdv = [1, 2, 0.5, 1.5, 3];
  const piGradNorm = (shift: number) => {
    const mb = minibatch(policy, { logpShift: shift, advantages: posAdv });
    const { grads } = valueAndGrads(policy.params, () => ppoLoss(policy, mb, onlyPolicy).total);
    let sq = 0;
    for (const [name, g] of grads) {
      if (name.startsWith('pi.')) for (const v of g.dataSync()) sq += v * v;
      g.dispose();
    }
    disposeMb(mb);
    return Math.sqrt(sq);
  };
  assert.equal(piGradNorm(-0.5), 0, 'clipped: no gradient');
  assert.ok(piGradNorm(0) > 1e-4, 'ratio 1: gradient flows');
  policy.dispose();
});

test('vf loss caps the squared error at vfClipParam; null disables the cap', () => {
  const policy = makePolicy();
  const offsets = [0.1, 5, -3, 0.5, 2]; // squared errors [0.01, 25, 9, 0.25, 4]
  const mb = minibatch(policy, { targetOffsets: offsets });
  const capped = evalLoss(policy, mb, { ...COEFFS, vfClipParam: 1 });
  assertClose(capped.vfLoss, (0.01 + 1 + 1 + 0.25 + 1) / 5, 1e-5, 0, 'capped at 1'); // 0.652
  const mid = evalLoss(policy, mb, { ...COEFFS, vfClipParam: 10 });
  assertClose(mid.vfLoss, (0.01 + 10 + 9 + 0.25 + 4) / 5, 1e-4, 0, 'capped at 10'); // 4.652
  const none = evalLoss(policy, mb, { ...COEFFS, vfClipParam: null });
  assertClose(none.vfLoss, (0.01 + 25 + 9 + 0.25 + 4) / 5, 1e-4, 0, 'uncapped'); // 7.652
  assertClose(none.total - capped.total, 0.5 * (none.vfLoss - capped.vfLoss), 1e-4, 0, 'vf coefficient applied');
  disposeMb(mb);
  policy.dispose();
});

test('kl stat is mean KL(π_old ‖ π) and enters the total only with its coefficient; extra terms are added', () => {
  const policy = makePolicy();
  const cur = current(policy);
  const old = [0.5, -0.2, 0.1, 0.9, 0, 0, 0, 0, -1, 1, 0.3, 0.2, 2, 0, 0, -2, 0.4, 0.4, -0.4, 0];
  const mb = minibatch(policy, { oldDistParams: old });
  const want = mean(
    Array.from({ length: B }, (_, i) => {
      const lp = logSoftmax(old.slice(i * 4, i * 4 + 4));
      const lq = logSoftmax(cur.distParams.slice(i * 4, i * 4 + 4));
      return lp.reduce((s, v, j) => s + Math.exp(v) * (v - lq[j]!), 0);
    }),
  );
  const withKl = evalLoss(policy, mb, COEFFS);
  assertClose(withKl.kl, want, 1e-5, 0, 'mean KL(old‖new)');
  const noKl = evalLoss(policy, mb, { ...COEFFS, klCoeff: 0 });
  assertClose(withKl.total - noKl.total, 0.3 * want, 1e-5, 0, 'β_kl·KL');
  const extra = evalLoss(policy, mb, COEFFS, () => tf.scalar(1.25));
  assertClose(extra.total - withKl.total, 1.25, 1e-5, 0, 'extra term');
  assertAllClose([withKl.policyLoss, withKl.vfLoss], [noKl.policyLoss, noKl.vfLoss], 1e-7, 0, 'other stats unchanged');
  disposeMb(mb);
  policy.dispose();
});

/**
 * ORPO on the tomato gridworld with tiny settings (specs/orpo.md §1.2): the penalty reaches the
 * rewards before GAE, a zero coefficient leaves the current policy exactly as plain PPO trains it,
 * the action-distribution term enters the loss with weight coeff/(1−γ), and runs are reproducible.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, type Tensor, type Tensor1D, type Tensor2D } from '../../src/nn/index.js';
import { ORPO, type OrpoOptions } from '../../src/algos/orpo/trainer.js';
import { resolveOrpoConfig } from '../../src/algos/orpo/config.js';
import { perStepDistances, omPenalty } from '../../src/algos/orpo/divergences.js';
import { discriminatorFeatures } from '../../src/algos/orpo/discriminator.js';
import { PPO, distSpecFor, type IterationMetrics } from '../../src/algos/ppo/trainer.js';
import { resolvePpoConfig, type PpoConfig } from '../../src/algos/ppo/config.js';
import { computeGae, standardize } from '../../src/algos/ppo/gae.js';
import type { RolloutBatch } from '../../src/algos/ppo/rollout.js';
import { ActorCritic } from '../../src/policies/actor-critic.js';
import { makeEnv } from '../../src/envs/registry.js';
import { flatDim } from '../../src/envs/spaces.js';
import '../../src/envs/builtin.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose, assertClose, mean, softmax } from './helpers.js';

before(async () => {
  await initBackend();
});

const tomato = () => makeEnv('tomato');
const TINY = { numEnvs: 4, rolloutFragmentLength: 50, model: { hidden: [16] }, sgdMinibatchSize: 64, numSgdIter: 1 };

function ppoConfig(extra: Record<string, unknown> = {}): PpoConfig {
  return resolvePpoConfig('tomato', { ...TINY, ...extra });
}

/** A fresh base policy, built the way the trainer builds its own policy, with its own seed. */
function basePolicy(config: PpoConfig, seed: number): ActorCritic {
  const probe = tomato();
  return new ActorCritic(flatDim(probe.observationSpace), distSpecFor(probe.actionSpace), config.model, new Rng(seed));
}

/** ORPO that records what flows through its hooks. */
class SpyOrpo extends ORPO {
  batches: RolloutBatch[] = [];
  shaped: Float64Array[] = [];
  advantages: Float32Array[] = [];
  valueTargets: Float32Array[] = [];
  extra: { value: number | null; distParams: Float32Array; indices: Int32Array }[] = [];

  protected override beforeLearn(batch: RolloutBatch): Record<string, number> {
    this.batches.push(batch);
    return super.beforeLearn(batch);
  }

  protected override shapeRewards(batch: RolloutBatch): Float64Array {
    const r = super.shapeRewards(batch);
    this.shaped.push(Float64Array.from(r));
    return r;
  }

  override learn(batch: RolloutBatch, advantages: Float32Array, valueTargets: Float32Array) {
    this.advantages.push(Float32Array.from(advantages));
    this.valueTargets.push(Float32Array.from(valueTargets));
    return super.learn(batch, advantages, valueTargets);
  }

  protected override extraLoss(distParams: Tensor2D, indices: Tensor1D): Tensor | null {
    const t = super.extraLoss(distParams, indices);
    this.extra.push({ value: t ? t.dataSync()[0]! : null, distParams: distParams.dataSync() as Float32Array, indices: indices.dataSync() as Int32Array });
    return t;
  }
}

interface Setup {
  seed?: number;
  orpo?: Record<string, unknown>;
  ppo?: Record<string, unknown>;
  baseSeed?: number;
}

function makeOrpo(s: Setup): { trainer: SpyOrpo; base: ActorCritic } {
  const config = ppoConfig(s.ppo);
  const orpo = resolveOrpoConfig('tomato', s.orpo ?? {}, 1);
  const base = basePolicy(config, s.baseSeed ?? 99);
  const opts: OrpoOptions = {
    makeEnv: tomato,
    config,
    reward: 'proxy',
    seed: s.seed ?? 1,
    orpo,
    basePolicies: [base],
    omCoeffs: orpo.omDivergenceCoeffs.map((c) => c * (orpo.coeffScale === 'auto' ? 1 : orpo.coeffScale)),
    adCoeff: orpo.actionDistDivergenceCoeff * (orpo.coeffScale === 'auto' ? 1 : orpo.coeffScale),
  };
  return { trainer: new SpyOrpo(opts), base };
}

function dispose(...xs: { dispose(): void }[]): void {
  for (const x of xs) x.dispose();
}

/** Recomputes the penalty ORPO should have added, from its (already trained) discriminator. */
function expectedPenalty(trainer: ORPO, batch: RolloutBatch): Float64Array {
  const n = batch.length * batch.num;
  const { features } = discriminatorFeatures(batch.obs, batch.obsDim, batch.actions, trainer.env.actionSpace, n, trainer.orpo.useActionForDisc);
  const scores = trainer.discriminators[0]!.scores(features, n);
  const dist = perStepDistances(trainer.orpo.omDivergenceType[0]!, scores);
  return omPenalty([dist], trainer.omCoeffs, trainer.orpo.discriminatorRewardClip);
}

function gaeOf(batch: RolloutBatch, rewards: Float64Array, config: PpoConfig) {
  return computeGae({
    length: batch.length,
    num: batch.num,
    rewards,
    values: batch.values,
    terminated: batch.terminated,
    truncated: batch.truncated,
    truncationValues: batch.truncationValues,
    lastValues: batch.lastValues,
    gamma: config.gamma,
    lambda: config.lambda,
  });
}

const WALL_CLOCK = new Set(['iterationSec', 'envStepsPerSec', 'learnerSamplesPerSec', 'orpoSec']);

function deterministic(m: IterationMetrics): Record<string, number | null> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !WALL_CLOCK.has(k)));
}

test('ORPO: the clipped penalty −coeff·dist is added to the rewards, and GAE runs on the penalised rewards', () => {
  const { trainer, base } = makeOrpo({ orpo: { omDivergenceCoeffs: [0.5], omDivergenceType: ['kl'] }, ppo: { standardizeAdvantages: false } });
  try {
    assert.equal(trainer.env.num, 2, 'half of the 4 copies run the current policy');
    assert.equal(trainer.baseEnvs[0]!.num, 2);
    const m = trainer.trainIteration();
    const batch = trainer.batches[0]!;
    assert.equal(batch.length * batch.num, 100);
    const pen = expectedPenalty(trainer, batch);
    assert.ok(pen.some((v) => v !== 0), 'the penalty is not trivially 0');
    const raw = Float64Array.from(batch.proxy, (r) => r * trainer.config.rewardScale);
    const shaped = trainer.shaped[0]!;
    assertAllClose(shaped, Array.from(raw, (r, i) => r + pen[i]!), 1e-12, 0, 'shaped = raw + penalty');
    assertClose(m['omPenaltyMean']!, mean(pen), 1e-12, 1e-9, 'omPenaltyMean');
    // The advantages PPO learns from are GAE of the shaped rewards (not of the raw ones).
    const gae = gaeOf(batch, shaped, trainer.config);
    assert.deepEqual(trainer.advantages[0], gae.advantages);
    assert.deepEqual(trainer.valueTargets[0], gae.valueTargets);
    assert.notDeepEqual(trainer.advantages[0], gaeOf(batch, raw, trainer.config).advantages);
  } finally {
    dispose(trainer, base);
  }
});

test('ORPO: standardised advantages of the penalised rewards; the penalty is clipped to ±discriminatorRewardClip', () => {
  const clip = 0.004;
  const { trainer, base } = makeOrpo({ orpo: { omDivergenceCoeffs: [0.5], omDivergenceType: ['kl'], discriminator_reward_clip: clip } });
  try {
    trainer.trainIteration();
    const batch = trainer.batches[0]!;
    const diff = Array.from(trainer.shaped[0]!, (s, i) => s - batch.proxy[i]!);
    assert.ok(diff.every((d) => Math.abs(d) <= clip + 1e-15), 'every penalty within ±clip');
    assert.ok(diff.some((d) => Math.abs(Math.abs(d) - clip) < 1e-15), 'some penalties are clipped');
    assertAllClose(diff, expectedPenalty(trainer, batch), 1e-15, 0, 'penalty');
    assert.deepEqual(trainer.advantages[0], standardize(gaeOf(batch, trainer.shaped[0]!, trainer.config).advantages));
  } finally {
    dispose(trainer, base);
  }
});

test('ORPO: changing only the coefficient changes the advantages by the GAE of the penalty (added before GAE, not to A)', () => {
  const run = (coeff: number) => makeOrpo({ orpo: { omDivergenceCoeffs: [coeff], omDivergenceType: ['kl'] }, ppo: { standardizeAdvantages: false } });
  const a = run(0);
  const b = run(2);
  try {
    a.trainer.trainIteration();
    b.trainer.trainIteration();
    const ba = a.trainer.batches[0]!;
    const bb = b.trainer.batches[0]!;
    // Everything but the coefficient is equal: same current rollouts and discriminator.
    assert.deepEqual(ba.obs, bb.obs);
    assert.deepEqual(ba.proxy, bb.proxy);
    assert.deepEqual(ba.values, bb.values);
    assert.deepEqual(a.trainer.discriminators[0]!.params.read(), b.trainer.discriminators[0]!.params.read());
    assert.deepEqual(a.trainer.shaped[0], Float64Array.from(ba.proxy), 'coefficient 0: rewards untouched');
    const pen = expectedPenalty(b.trainer, bb);
    const advA = a.trainer.advantages[0]!;
    const advB = b.trainer.advantages[0]!;
    assert.notDeepEqual(advA, advB);
    // GAE is linear in the rewards: A(r + pen) − A(r) = GAE of pen with all values 0.
    const n = bb.length * bb.num;
    const penGae = computeGae({
      length: bb.length,
      num: bb.num,
      rewards: pen,
      values: new Float32Array(n),
      terminated: bb.terminated,
      truncated: bb.truncated,
      truncationValues: new Float32Array(n),
      lastValues: new Float32Array(bb.num),
      gamma: b.trainer.config.gamma,
      lambda: b.trainer.config.lambda,
    }).advantages;
    assertAllClose(
      Array.from(advB, (v, i) => v - advA[i]!),
      penGae,
      1e-4,
      1e-4,
      'A(r+pen) − A(r)',
    );
    // …which is a discounted sum of future penalties, not the per-step penalty itself.
    assert.ok(Array.from(penGae).some((v, i) => Math.abs(v - pen[i]!) > 1e-3));
    assertAllClose(
      Array.from(b.trainer.valueTargets[0]!, (v, i) => v - a.trainer.valueTargets[0]![i]!),
      penGae,
      1e-4,
      1e-4,
      'value targets shift by the same amount',
    );
  } finally {
    dispose(a.trainer, a.base, b.trainer, b.base);
  }
});

test('ORPO with coefficient 0 and AD coefficient 0 trains the current policy exactly as plain PPO on the current share of copies', () => {
  const seed = 17;
  const { trainer, base } = makeOrpo({ seed, orpo: { omDivergenceCoeffs: [0], omDivergenceType: ['sqrt_chi2'] } });
  const ppo = new PPO({ makeEnv: tomato, config: ppoConfig({ numEnvs: 2 }), reward: 'proxy', seed });
  try {
    // timesteps differs on purpose: ORPO counts the base policies' steps too, as RLlib does.
    const keys = ['iteration', 'episodes', 'proxyReturnMean', 'trueReturnMean', 'episodeLenMean', 'episodesThisIter', 'policyLoss', 'vfLoss', 'kl', 'entropy', 'klCoeff', 'entropyCoeff', 'gradNorm'];
    for (let it = 0; it < 2; it++) {
      const mo = trainer.trainIteration();
      const mp = ppo.trainIteration();
      assert.deepEqual(
        Object.fromEntries(keys.map((k) => [k, mo[k]])),
        Object.fromEntries(keys.map((k) => [k, mp[k]])),
        `iteration ${it + 1} metrics`,
      );
      // ORPO still trains and reports its discriminator (for logging) even at coefficient 0.
      assert.ok(Number.isFinite(mo['discLoss']!) && Number.isFinite(mo['omKl']!) && Number.isFinite(mo['adKl']!));
      assert.equal(mo['omPenaltyMean'], 0);
    }
    assert.ok(trainer.iteration === 2 && (ppo as PPO).iteration === 2);
    assert.deepEqual(trainer.policy.params.read(), ppo.policy.params.read(), 'policy weights');
    assert.deepEqual(trainer.getState().rngs, ppo.getState().rngs, 'action and SGD generators');
  } finally {
    dispose(trainer, base, ppo);
  }
});

test('ORPO: the AD coefficient adds (1/(1−γ))·coeff·mean KL(π_cur ‖ π_base) over the minibatch to the loss', () => {
  const coeff = 0.3;
  const { trainer, base } = makeOrpo({ orpo: { omDivergenceCoeffs: [0], action_dist_kl_coeff: coeff, actionDistDivergenceType: 'kl' } });
  const plain = makeOrpo({ orpo: { omDivergenceCoeffs: [0] } });
  try {
    assert.equal(trainer.adCoeff, coeff);
    const m = trainer.trainIteration();
    plain.trainer.trainIteration();
    const batch = trainer.batches[0]!;
    assert.equal(trainer.extra.length, 1, 'one minibatch (100 samples, size 64)');
    const { value, distParams, indices } = trainer.extra[0]!;
    assert.equal(indices.length, 64);
    const A = trainer.env.actionSpace.kind === 'discrete' ? trainer.env.actionSpace.n : 0;
    // The current distribution parameters given to the term are the minibatch rows' (before the
    // first update they equal the behaviour parameters recorded in the rollout).
    const behaviour = Array.from(indices).flatMap((r) => Array.from(batch.distParams.subarray(r * A, (r + 1) * A)));
    assertAllClose(distParams, behaviour, 1e-6, 0, 'current params at the minibatch rows');
    // The base policy's logits on the same observations, computed independently.
    const obsRows = new Float32Array(indices.length * batch.obsDim);
    indices.forEach((r, j) => obsRows.set(batch.obs.subarray(r * batch.obsDim, (r + 1) * batch.obsDim), j * batch.obsDim));
    const baseLogits = tf.tidy(() => Array.from(base.distParams(tf.tensor2d(obsRows, [indices.length, batch.obsDim])).dataSync()));
    let klSum = 0;
    for (let j = 0; j < indices.length; j++) {
      const p = softmax(Array.from(distParams.subarray(j * A, (j + 1) * A)));
      const q = softmax(baseLogits.slice(j * A, (j + 1) * A));
      klSum += p.reduce((s, pk, k) => s + pk * Math.log(pk / q[k]!), 0);
    }
    const expected = (coeff / (1 - trainer.config.gamma)) * (klSum / indices.length);
    assert.ok(value !== null);
    assertClose(value, expected, 1e-6, 1e-4, 'AD loss term');
    assert.ok(expected > 0);
    // Logged AD KL is over the whole batch, before the update.
    assert.ok(Number.isFinite(m['adKl']!) && m['adKl']! > 0);
    // Without the coefficient there is no term (the fused PPO step may skip extraLoss altogether),
    // and the weights after the update differ.
    assert.ok(plain.trainer.extra.every((e) => e.value === null));
    assert.notDeepEqual(trainer.policy.params.read(), plain.trainer.policy.params.read());
  } finally {
    dispose(trainer, base, plain.trainer, plain.base);
  }
});

test('ORPO: the AD χ² term for a categorical policy is (1/(1−γ))·coeff·mean Σ(p−q)²/q', () => {
  const coeff = 0.05;
  const { trainer, base } = makeOrpo({ seed: 3, orpo: { omDivergenceCoeffs: [0], action_dist_divergence_coeff: coeff, actionDistDivergenceType: 'chi2' } });
  try {
    trainer.trainIteration();
    const batch = trainer.batches[0]!;
    const { value, distParams, indices } = trainer.extra[0]!;
    const A = 4;
    const obsRows = new Float32Array(indices.length * batch.obsDim);
    indices.forEach((r, j) => obsRows.set(batch.obs.subarray(r * batch.obsDim, (r + 1) * batch.obsDim), j * batch.obsDim));
    const baseLogits = tf.tidy(() => Array.from(base.distParams(tf.tensor2d(obsRows, [indices.length, batch.obsDim])).dataSync()));
    let sum = 0;
    for (let j = 0; j < indices.length; j++) {
      const p = softmax(Array.from(distParams.subarray(j * A, (j + 1) * A)));
      const q = softmax(baseLogits.slice(j * A, (j + 1) * A));
      sum += p.reduce((s, pk, k) => s + (pk - q[k]!) ** 2 / q[k]!, 0);
    }
    assertClose(value!, (coeff / (1 - trainer.config.gamma)) * (sum / indices.length), 1e-6, 1e-4, 'AD chi2 term');
    assert.ok(trainer.policy.params.read().get('pi.0.weight')!.data.every(Number.isFinite));
  } finally {
    dispose(trainer, base);
  }
});

test('ORPO rejects impossible environment splits and mismatched base policies', () => {
  const config = ppoConfig({ numEnvs: 1 });
  const orpo = resolveOrpoConfig('tomato', {}, 1);
  const base = basePolicy(config, 1);
  const wrong = new ActorCritic(5, { kind: 'categorical', size: 4 }, config.model, new Rng(1));
  try {
    assert.throws(() => new ORPO({ makeEnv: tomato, config, reward: 'proxy', seed: 0, orpo, basePolicies: [base], omCoeffs: [0], adCoeff: 0 }), /ppo\.numEnvs/);
    assert.throws(() => new ORPO({ makeEnv: tomato, config: ppoConfig(), reward: 'proxy', seed: 0, orpo, basePolicies: [wrong], omCoeffs: [0], adCoeff: 0 }), /base policy 0/);
  } finally {
    dispose(base, wrong);
  }
});

test('ORPO: the same seed gives bit-identical metrics and weights over 2 iterations; another seed differs', () => {
  const setup = (seed: number): Setup => ({
    seed,
    orpo: { omDivergenceCoeffs: [0.05], omDivergenceType: ['sqrt_chi2'], action_dist_kl_coeff: 0.01, actionDistDivergenceType: 'sqrt_chi2' },
  });
  const runs = [makeOrpo(setup(4)), makeOrpo(setup(4)), makeOrpo(setup(5))];
  try {
    const metrics = runs.map((r) => [r.trainer.trainIteration(), r.trainer.trainIteration()].map(deterministic));
    const [a, b, c] = metrics as [Record<string, number | null>[], Record<string, number | null>[], Record<string, number | null>[]];
    for (const k of ['discLoss', 'omKl', 'omChi2', 'omSqrtChi2', 'omPenaltyMean', 'adKl', 'adChi2', 'adSqrtChi2', 'policyLoss']) {
      assert.ok(k in a[0]!, `metric ${k} is reported`);
    }
    assert.ok(a[1]!['omPenaltyMean'] !== 0, 'the penalty is active');
    assert.deepEqual(b, a);
    assert.notDeepEqual(c, a);
    assert.deepEqual(runs[1]!.trainer.policy.params.read(), runs[0]!.trainer.policy.params.read());
    assert.deepEqual(runs[1]!.trainer.discriminators[0]!.params.read(), runs[0]!.trainer.discriminators[0]!.params.read());
  } finally {
    for (const r of runs) dispose(r.trainer, r.base);
  }
});

test('ORPO with sqrt_chi2 on fewer than 100 current samples: the published normaliser is NaN, so the penalty is 0', () => {
  // numEnvs 2 → 1 current copy × 50 steps = 50 samples.
  const { trainer, base } = makeOrpo({ ppo: { numEnvs: 2 }, orpo: { omDivergenceCoeffs: [1], omDivergenceType: ['sqrt_chi2'] } });
  try {
    const m = trainer.trainIteration();
    assert.equal(m['omPenaltyMean'], 0);
    assert.deepEqual(trainer.shaped[0], Float64Array.from(trainer.batches[0]!.proxy));
  } finally {
    dispose(trainer, base);
  }
});

test('ORPO tv: the penalty is −coeff·sign(d)', () => {
  const c = 0.2;
  const { trainer, base } = makeOrpo({ orpo: { omDivergenceCoeffs: [c], omDivergenceType: ['tv'] } });
  try {
    trainer.trainIteration();
    const batch = trainer.batches[0]!;
    const diff = Array.from(trainer.shaped[0]!, (s, i) => s - batch.proxy[i]!);
    assert.ok(diff.every((d) => d === 0 || Math.abs(Math.abs(d) - c) < 1e-12), 'penalties in {−c, 0, c}');
    assertAllClose(diff, expectedPenalty(trainer, batch), 1e-12, 0, 'tv penalty');
  } finally {
    dispose(trainer, base);
  }
});

test('ORPO wasserstein: weights clamped to ±wganGradClip after each iteration (no gradient penalty)', () => {
  const { trainer, base } = makeOrpo({ orpo: { omDivergenceCoeffs: [0.1], omDivergenceType: ['wasserstein'], wgan_grad_clip: 0.02 } });
  try {
    trainer.trainIteration();
    for (const [name, v] of trainer.discriminators[0]!.params.read()) {
      assert.ok(v.data.every((u) => Math.abs(u) <= 0.02 + 1e-9), `${name} within ±0.02`);
    }
  } finally {
    dispose(trainer, base);
  }
});

test('ORPO wasserstein with a gradient penalty and subtract-mean: trains (no clamping) and shifts distances by a constant', () => {
  const c = 0.1;
  const { trainer, base } = makeOrpo({
    orpo: { omDivergenceCoeffs: [c], omDivergenceType: ['wasserstein'], wgan_grad_penalty_weight: 10, wasserstein_distance_subtract_mean_safe_policy_score: true },
  });
  try {
    const m = trainer.trainIteration();
    assert.ok(Number.isFinite(m['discLoss']!));
    const w = trainer.discriminators[0]!.params.read();
    assert.ok([...w.values()].some((v) => v.data.some((u) => Math.abs(u) > 0.01)), 'not clamped when the gradient penalty is used');
    // shaped − raw = −c·(d − m̄_base): so d + (shaped − raw)/c is the same constant m̄_base everywhere.
    const batch = trainer.batches[0]!;
    const n = batch.length * batch.num;
    const { features } = discriminatorFeatures(batch.obs, batch.obsDim, batch.actions, trainer.env.actionSpace, n, true);
    const d = trainer.discriminators[0]!.scores(features, n);
    const shift = Array.from(trainer.shaped[0]!, (s, i) => d[i]! + (s - batch.proxy[i]!) / c);
    for (const v of shift) assertClose(v, shift[0]!, 1e-5, 0, 'constant base mean');
    assert.ok(Math.abs(shift[0]!) > 1e-6, 'a non-zero base mean was subtracted');
  } finally {
    dispose(trainer, base);
  }
});

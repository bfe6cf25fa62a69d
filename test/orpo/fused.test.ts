/**
 * ORPO with the fused native steps (the PPO minibatch and the discriminator's MLP, nn/fused-*.ts)
 * against the same run built from TensorFlow.js ops: every weight of the policy and of the
 * discriminator and every logged number agree bit for bit, for each discriminator loss family.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, nativeStatus, setFusedPpoEnabled } from '../../src/nn/index.js';
import { ORPO, type OrpoOptions } from '../../src/algos/orpo/trainer.js';
import { resolveOrpoConfig } from '../../src/algos/orpo/config.js';
import { distSpecFor } from '../../src/algos/ppo/trainer.js';
import { resolvePpoConfig } from '../../src/algos/ppo/config.js';
import { ActorCritic } from '../../src/policies/actor-critic.js';
import { makeEnv } from '../../src/envs/registry.js';
import { flatDim } from '../../src/envs/spaces.js';
import '../../src/envs/builtin.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend();
});

after(() => setFusedPpoEnabled(true));

const TIMING = new Set(['envStepsPerSec', 'learnerSamplesPerSec', 'iterationSec']);

function run(fused: boolean, orpoOverrides: Record<string, unknown>) {
  setFusedPpoEnabled(fused);
  const config = resolvePpoConfig('tomato', { numEnvs: 4, rolloutFragmentLength: 40, model: { hidden: [16] }, sgdMinibatchSize: 32, numSgdIter: 2 });
  const orpo = resolveOrpoConfig('tomato', { discriminatorWidth: 32, ...orpoOverrides }, 1);
  const probe = makeEnv('tomato');
  const base = new ActorCritic(flatDim(probe.observationSpace), distSpecFor(probe.actionSpace), config.model, new Rng(99));
  const opts: OrpoOptions = { makeEnv: () => makeEnv('tomato'), config, reward: 'proxy', seed: 4, orpo, basePolicies: [base], omCoeffs: orpo.omDivergenceCoeffs, adCoeff: orpo.actionDistDivergenceCoeff };
  const trainer = new ORPO(opts);
  try {
    const metrics = [trainer.trainIteration(), trainer.trainIteration()].map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => !TIMING.has(k) && !k.endsWith('Sec'))));
    return { metrics, policy: trainer.policy.params.read(), disc: trainer.discriminators[0]!.params.read() };
  } finally {
    trainer.dispose();
    base.dispose();
  }
}

for (const [name, overrides] of [
  ['sqrt_chi2 (logistic discriminator)', { omDivergenceCoeffs: [0.2], omDivergenceType: ['sqrt_chi2'] }],
  ['tv', { omDivergenceCoeffs: [0.1], omDivergenceType: ['tv'] }],
  ['wasserstein with weight clipping', { omDivergenceCoeffs: [0.1], omDivergenceType: ['wasserstein'] }],
  ['wasserstein with the gradient penalty (no fused discriminator step)', { omDivergenceCoeffs: [0.1], omDivergenceType: ['wasserstein'], wganGradPenaltyWeight: 1 }],
] as const) {
  test(`ORPO ${name}: fused native steps give the TensorFlow.js run's numbers bit for bit`, { skip: !nativeStatus().loaded && 'native kernels not built' }, () => {
    const a = run(false, overrides);
    const b = run(true, overrides);
    assert.deepEqual(b.metrics, a.metrics);
    assert.deepEqual(b.policy, a.policy);
    assert.deepEqual(b.disc, a.disc);
  });
}

/**
 * Copies stepped in worker threads (WorkerVectorEnv) give exactly what VectorEnv gives in this
 * thread: observations, rewards, flags, final observations, finished episodes with their
 * statistics, and states that either can resume from; and PPO trains to the same weights.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/nn/index.js';
import { makeEnv } from '../../src/envs/registry.js';
import '../../src/envs/builtin.js';
import { VectorEnv, type VectorEnvLike, type VectorStep } from '../../src/envs/vector.js';
import { WorkerVectorEnv } from '../../src/envs/parallel/worker-vector-env.js';
import { PPO } from '../../src/algos/ppo/trainer.js';
import { resolvePpoConfig } from '../../src/algos/ppo/config.js';
import { Rng } from '../../src/util/rng.js';
import { sumoAvailable } from '../../src/envs/traffic/sumo-process.js';

before(async () => {
  await initBackend();
});

function randomActions(env: VectorEnvLike, rng: Rng): Float32Array {
  const a = new Float32Array(env.num * env.actionDim);
  const space = env.actionSpace;
  for (let i = 0; i < a.length; i++) a[i] = space.kind === 'discrete' ? rng.int(space.n) : rng.uniform() * 0.05;
  return a;
}

function assertSameStep(a: VectorStep, b: VectorStep, at: string): void {
  assert.deepEqual(b.obs, a.obs, `${at}: observations`);
  assert.deepEqual(b.proxy, a.proxy, `${at}: proxy rewards`);
  assert.deepEqual(b.true, a.true, `${at}: true rewards`);
  assert.deepEqual(b.terminated, a.terminated, `${at}: terminated`);
  assert.deepEqual(b.truncated, a.truncated, `${at}: truncated`);
  assert.deepEqual(b.finalObs, a.finalObs, `${at}: final observations`);
}

/** Steps both vectors with the same actions; returns how many episodes finished. */
function stepBoth(ref: VectorEnvLike, par: VectorEnvLike, steps: number, rng: Rng, label: string): number {
  let episodes = 0;
  for (let t = 0; t < steps; t++) {
    const actions = randomActions(ref, rng);
    assertSameStep(ref.step(actions), par.step(actions), `${label} step ${t}`);
    const done = ref.drainEpisodes();
    assert.deepEqual(par.drainEpisodes(), done, `${label} step ${t}: finished episodes`);
    episodes += done.length;
  }
  return episodes;
}

for (const [name, envConfig, steps] of [
  ['tomato', undefined, 260],
  ['glucose', { horizon: 40 }, 90],
] as const) {
  test(`${name}: copies in worker threads step exactly as in this thread, and resume from each other's state`, () => {
    const num = 5;
    const ref = new VectorEnv(() => makeEnv(name, envConfig), num);
    const par = new WorkerVectorEnv({ env: name, ...(envConfig ? { envConfig } : {}), num, workers: 2 });
    try {
      assert.equal(par.workers, 2);
      assert.deepEqual(par.reset(7), ref.reset(7));
      const rng = new Rng(3);
      const episodes = stepBoth(ref, par, steps, rng, name);
      assert.ok(episodes > num, `episodes ended during the test (${episodes})`);
      // A state taken from the workers resumes an in-thread vector, and the reverse.
      const state = par.getState();
      assert.deepEqual(state, ref.getState());
      const resumed = new VectorEnv(() => makeEnv(name, envConfig), num);
      resumed.setState(state);
      par.setState(ref.getState());
      stepBoth(resumed, par, 30, new Rng(8), `${name} after resume`);
      resumed.close();
    } finally {
      ref.close();
      par.close();
    }
  });
}

test('an error inside a worker reaches the caller with its message', () => {
  const par = new WorkerVectorEnv({ env: 'tomato', num: 2, workers: 2 });
  try {
    par.reset(0);
    assert.throws(() => par.setState({ envs: [{}, {}], obs: [], proxyAcc: [0, 0], trueAcc: [0, 0], lenAcc: [0, 0] }), /environment worker \d failed during setState/);
  } finally {
    par.close();
  }
  assert.throws(() => new WorkerVectorEnv({ env: 'tomato', num: 2, workers: 0 }), /numEnvWorkers: must be a positive integer/);
});

test('PPO with its copies in two worker threads trains to the same weights as in one thread', () => {
  const run = (workers: number) => {
    const config = resolvePpoConfig('tomato', { numEnvs: 4, numEnvWorkers: workers, rolloutFragmentLength: 50, sgdMinibatchSize: 64, numSgdIter: 2, model: { hidden: [16] } });
    const ppo = new PPO({ makeEnv: () => makeEnv('tomato'), envSpec: { name: 'tomato' }, config, reward: 'proxy', seed: 5 });
    try {
      const metrics = [ppo.trainIteration(), ppo.trainIteration()].map(({ envStepsPerSec, learnerSamplesPerSec, iterationSec, ...rest }) => rest);
      return { metrics, weights: ppo.policy.params.read(), env: ppo.env.getState(), evaluation: ppo.evaluate(() => makeEnv('tomato'), 6, 1) };
    } finally {
      ppo.dispose();
    }
  };
  const a = run(0);
  const b = run(2);
  assert.deepEqual(b.metrics, a.metrics);
  assert.deepEqual(b.weights, a.weights);
  assert.deepEqual(b.env, a.env);
  assert.deepEqual(b.evaluation, a.evaluation, 'evaluation episodes');
});

test('traffic (SUMO through TraCI) also runs in worker threads, with the same rewards', { skip: !sumoAvailable() && 'SUMO is not installed' }, () => {
  const num = 2;
  const ref = new VectorEnv(() => makeEnv('traffic'), num);
  const par = new WorkerVectorEnv({ env: 'traffic', num, workers: 2 });
  try {
    assert.deepEqual(par.reset(3), ref.reset(3));
    stepBoth(ref, par, 40, new Rng(2), 'traffic');
  } finally {
    ref.close();
    par.close();
  }
});

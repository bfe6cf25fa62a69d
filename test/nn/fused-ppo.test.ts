/**
 * The fused native PPO step (nn/fused-ppo.ts, native/src/ppo.cc) against the TensorFlow.js loss:
 * whole training runs must agree bit for bit (every parameter, every optimiser slot, every logged
 * number) across the loss's options and both value-network layouts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, nativeStatus, setFusedPpoEnabled, type DistSpec, type Tensor1D, type Tensor2D, type Tensor } from '../../src/nn/index.js';
import { ActorCritic, type ActorCriticConfig } from '../../src/policies/actor-critic.js';
import { Rng } from '../../src/util/rng.js';
import { PPO, type IterationMetrics } from '../../src/algos/ppo/trainer.js';
import { resolvePpoConfig } from '../../src/algos/ppo/config.js';
import { makeEnv } from '../../src/envs/registry.js';
import '../../src/envs/builtin.js';

before(async () => {
  await initBackend();
});

after(() => setFusedPpoEnabled(true));

/** Counts the minibatches that went through the TensorFlow.js loss (extraLoss runs once per minibatch there). */
class CountingPpo extends PPO {
  tfjsMinibatches = 0;
  protected override usesExtraLoss(): boolean {
    return false;
  }
  protected override extraLoss(_d: Tensor2D, _i: Tensor1D): Tensor | null {
    this.tfjsMinibatches += 1;
    return null;
  }
}

function train(fused: boolean, overrides: Record<string, unknown>, iterations: number): { ppo: CountingPpo; metrics: IterationMetrics[] } {
  setFusedPpoEnabled(fused);
  const config = resolvePpoConfig('tomato', { numEnvs: 3, rolloutFragmentLength: 40, sgdMinibatchSize: 32, numSgdIter: 3, ...overrides });
  const ppo = new CountingPpo({ makeEnv: () => makeEnv('tomato'), config, reward: 'proxy', seed: 11 });
  const metrics: IterationMetrics[] = [];
  for (let i = 0; i < iterations; i++) metrics.push(ppo.trainIteration());
  return { ppo, metrics };
}

const TIMING = new Set(['envStepsPerSec', 'learnerSamplesPerSec', 'iterationSec']);

function assertSameRuns(a: ReturnType<typeof train>, b: ReturnType<typeof train>): void {
  for (let i = 0; i < a.metrics.length; i++) {
    for (const [k, v] of Object.entries(a.metrics[i]!)) {
      if (!TIMING.has(k)) assert.ok(Object.is(v, b.metrics[i]![k]), `iteration ${i + 1}: ${k} ${v} vs ${b.metrics[i]![k]}`);
    }
  }
  const pa = a.ppo.policy.params.read();
  const pb = b.ppo.policy.params.read();
  for (const [name, { data }] of pa) assert.deepEqual(Buffer.from(data.buffer), Buffer.from(pb.get(name)!.data.buffer), `parameter ${name} differs`);
  const oa = a.ppo.optimizer.getState();
  const ob = b.ppo.optimizer.getState();
  assert.equal(oa.step, ob.step);
  for (const [name, { data }] of oa.v) assert.deepEqual(Buffer.from(data.buffer), Buffer.from(ob.v.get(name)!.data.buffer), `Adam slot v of ${name} differs`);
}

const CASES: [string, Record<string, unknown>][] = [
  ['separate value MLP, tanh, KL penalty, value cap', { model: { hidden: [24, 16], activation: 'tanh', vfShareLayers: false }, klCoeff: 0.2, vfClipParam: 10 }],
  ['shared trunk, relu, no KL penalty, no value cap', { model: { hidden: [16], activation: 'relu', vfShareLayers: true }, klCoeff: 0, vfClipParam: null, entropyCoeff: 0.05 }],
  ['shared trunk, leaky relu, no gradient clipping', { model: { hidden: [12, 12], activation: 'leaky_relu', vfShareLayers: true }, gradClip: null, clipParam: 0.1 }],
  // Large enough that, with two or more threads, the policy and value networks run on separate threads.
  ['separate value MLP large enough to run on two threads', { model: { hidden: [256, 256], activation: 'tanh', vfShareLayers: false }, sgdMinibatchSize: 64, numSgdIter: 2 }],
];

for (const [name, overrides] of CASES) {
  test(`fused PPO step equals the TensorFlow.js loss bit for bit: ${name}`, { skip: !nativeStatus().loaded && 'native kernels not built' }, () => {
    const reference = train(false, overrides, 3);
    const fused = train(true, overrides, 3);
    try {
      assert.ok(reference.ppo.tfjsMinibatches > 0, 'the reference run used the TensorFlow.js loss');
      assert.equal(fused.ppo.tfjsMinibatches, 0, 'the fused run never built the TensorFlow.js loss');
      assertSameRuns(reference, fused);
    } finally {
      reference.ppo.dispose();
      fused.ppo.dispose();
    }
  });
}

test('the native forward pass on plain arrays equals the TensorFlow.js one bit for bit (categorical, Beta and Gaussian heads)', { skip: !nativeStatus().loaded && 'native kernels not built' }, () => {
  const specs: [DistSpec, ActorCriticConfig][] = [
    [{ kind: 'categorical', size: 4 }, { hidden: [32, 32], activation: 'tanh', vfShareLayers: false }],
    [{ kind: 'beta', size: 2, low: 0, high: 1 }, { hidden: [16], activation: 'relu', vfShareLayers: true }],
    [{ kind: 'diag_gaussian', size: 3 }, { hidden: [300, 300], activation: 'tanh', vfShareLayers: false }],
  ];
  for (const [dist, config] of specs) {
    const obsDim = 7;
    const rows = 50;
    const obs = Float32Array.from({ length: rows * obsDim }, (_, i) => Math.sin(i * 0.37) * 2);
    const run = (native: boolean) => {
      setFusedPpoEnabled(native);
      const policy = new ActorCritic(obsDim, dist, config, new Rng(5));
      try {
        return { ...policy.act(obs, rows, new Rng(9)), v: policy.values(obs, rows) };
      } finally {
        policy.dispose();
      }
    };
    const a = run(false);
    const b = run(true);
    for (const key of ['actions', 'distParams', 'values', 'v'] as const) {
      assert.deepEqual(Buffer.from(b[key].buffer), Buffer.from(a[key].buffer), `${dist.kind}: ${key}`);
    }
  }
});

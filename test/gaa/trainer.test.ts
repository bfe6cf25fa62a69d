/**
 * GAA-PPO on the tomato gridworld with tiny settings: σ′ = 0 trains exactly as plain PPO; the
 * greedy action's advantage comes from the successor state that the greedy move would reach; the
 * coefficients in the log are those of each minibatch's η and σ.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, type Tensor, type Tensor1D, type Tensor2D } from '../../src/nn/index.js';
import { PPO, type IterationMetrics } from '../../src/algos/ppo/trainer.js';
import { resolvePpoConfig, type PpoConfig } from '../../src/algos/ppo/config.js';
import type { RolloutBatch } from '../../src/algos/ppo/rollout.js';
import { GAA, type GaaOptions, type GreedyBatch } from '../../src/algos/gaa/trainer.js';
import { resolveGaaConfig } from '../../src/algos/gaa/config.js';
import { etaSigma, gaaCoefficients } from '../../src/algos/gaa/coefficients.js';
import { StateRecordingEnv, probeSuccessors } from '../../src/algos/gaa/env-probe.js';
import { resolveRunConfig } from '../../src/experiments/run-config.js';
import { makeEnv } from '../../src/envs/registry.js';
import type { Env } from '../../src/envs/types.js';
import { TomatoEnv, type TomatoState } from '../../src/envs/tomato/tomato-env.js';
import '../../src/envs/builtin.js';
import { ConfigError } from '../../src/util/validate.js';
import { assertClose, assertSameWeightsAndAdam } from '../helpers.js';

before(async () => {
  await initBackend();
});

const tomato = () => makeEnv('tomato');
const TINY = { numEnvs: 4, rolloutFragmentLength: 50, model: { hidden: [16] }, sgdMinibatchSize: 64, numSgdIter: 2 };

function ppoConfig(extra: Record<string, unknown> = {}): PpoConfig {
  return resolvePpoConfig('tomato', { ...TINY, ...extra });
}

/** GAA that keeps what passes through its hooks. */
class SpyGaa extends GAA {
  batches: RolloutBatch[] = [];
  greedyLog: GreedyBatch[] = [];
  minibatchIndices: Int32Array[] = [];

  override greedyBatch(batch: RolloutBatch, states: readonly unknown[]): GreedyBatch {
    const g = super.greedyBatch(batch, states);
    this.greedyLog.push(g);
    return g;
  }

  protected override beforeLearn(batch: RolloutBatch): Record<string, number> {
    this.batches.push(batch);
    return super.beforeLearn(batch);
  }

  protected override extraLoss(distParams: Tensor2D, indices: Tensor1D): Tensor | null {
    this.minibatchIndices.push(Int32Array.from(indices.dataSync()));
    return super.extraLoss(distParams, indices);
  }
}

function makeGaa(gaa: Record<string, unknown>, seed = 3, ppo: Record<string, unknown> = {}): SpyGaa {
  const opts: GaaOptions = { makeEnv: tomato, config: ppoConfig(ppo), reward: 'proxy', seed, gaa: resolveGaaConfig(gaa) };
  return new SpyGaa(opts);
}

const WALL_CLOCK = new Set(['iterationSec', 'envStepsPerSec', 'learnerSamplesPerSec']);
function deterministic(m: IterationMetrics): Record<string, number | null> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !WALL_CLOCK.has(k)));
}

test('σ = 0 (xSig 0): GAA trains exactly as PPO, bit for bit, with a = 1 and b = 0 logged', () => {
  const ppo = new PPO({ makeEnv: tomato, config: ppoConfig(), reward: 'proxy', seed: 3 });
  const gaa = makeGaa({ xSig: 0 });
  try {
    for (let it = 0; it < 2; it++) {
      const mp = ppo.trainIteration();
      const mg = gaa.trainIteration();
      const dp = deterministic(mp);
      const dg = deterministic(mg);
      for (const [k, v] of Object.entries(dp)) assert.equal(dg[k], v, `metric ${k} at iteration ${it + 1}`);
      assert.equal(mg['gaaA'], 1);
      assert.equal(mg['gaaB'], 0);
      assert.equal(mg['gaaSigmaScaled'], 0);
      assert.ok(mg['gaaSigma'] !== 0 && Number.isFinite(mg['gaaSigma']!), 'σ itself was computed; only its scale is 0');
    }
    assertSameWeightsAndAdam({ params: ppo.policy.params, optimizer: ppo.optimizer }, { params: gaa.policy.params, optimizer: gaa.optimizer });
  } finally {
    ppo.dispose();
    gaa.dispose();
  }
});

test('σ > 0: the update differs from PPO, and each minibatch used a and b of its own η and σ', () => {
  const ppo = new PPO({ makeEnv: tomato, config: ppoConfig(), reward: 'proxy', seed: 3 });
  const gaa = makeGaa({ xSig: 3, xEta: 1.25 });
  try {
    ppo.trainIteration();
    const m = gaa.trainIteration();
    const differs = [...ppo.policy.params.read()].some(([name, v]) => gaa.policy.params.read().get(name)!.data.some((x, i) => x !== v.data[i]));
    assert.ok(differs, 'GAA moved the parameters differently');
    assert.equal(gaa.lastGreedy, null, 'cleared after the iteration');
    // Recompute the records from the indices PPO drew and the greedy quantities of the rollout.
    const batch = gaa.batches[0]!;
    const greedy = gaa.greedyLog[0]!;
    const recomputed = gaa.minibatchIndices.map((idx) => {
      const es = etaSigma(
        { greedyProbs: Array.from(idx, (k) => greedy.probs[k]!), greedyAdvantages: Array.from(idx, (k) => greedy.greedyAdvantages[k]!), advantages: Array.from(idx, (k) => greedy.advantages[k]!) },
        { xEta: 1.25, xSig: 3 },
      );
      return { ...es, ...gaaCoefficients(es.etaScaled, es.sigmaScaled) };
    });
    assert.equal(recomputed.length, TINY.numSgdIter * Math.floor((batch.length * batch.num) / TINY.sgdMinibatchSize));
    const avg = (f: (r: (typeof recomputed)[number]) => number) => recomputed.reduce((s, r) => s + f(r), 0) / recomputed.length;
    assertClose(m['gaaA']!, avg((r) => r.a), 1e-12, 0, 'gaaA');
    assertClose(m['gaaB']!, avg((r) => r.b), 1e-12, 0, 'gaaB');
    assertClose(m['gaaEta']!, avg((r) => r.eta), 1e-12, 0, 'gaaEta');
    assertClose(m['gaaSigma']!, avg((r) => r.sigma), 1e-12, 0, 'gaaSigma');
    assert.ok(m['gaaB']! < 0, 'some minibatch had a positive advantage gap');
  } finally {
    ppo.dispose();
    gaa.dispose();
  }
});

test('the two readings of J_greedy give different updates from the same rollout', () => {
  const prose = makeGaa({ xSig: 3, variant: 'prose' });
  const published = makeGaa({ xSig: 3, variant: 'published' });
  try {
    const mp = prose.trainIteration();
    const mq = published.trainIteration();
    assert.deepEqual(prose.batches[0]!.obs, published.batches[0]!.obs, 'same rollout');
    assert.equal(mp['gaaA'], mq['gaaA'], 'same a in the first minibatch sequence');
    const a = prose.policy.params.read();
    const b = published.policy.params.read();
    assert.ok([...a].some(([name, v]) => b.get(name)!.data.some((x, i) => x !== v.data[i])), 'different parameters');
  } finally {
    prose.dispose();
    published.dispose();
  }
});

test('greedy advantage on tomato: one step left onto the bucket, against the value of the hand-built successor', () => {
  const gaa = makeGaa({});
  try {
    const env = new TomatoEnv();
    env.reset(0);
    // Level 4: the bucket is at (7, 1); the agent stands right of it with no tomato watered.
    const state: TomatoState = { ...env.getState(), agent: { row: 7, col: 2 }, watered: [], bucketVisited: false, t: 10 };
    const nCells = env.numAccessibleCells;
    const nTom = env.numTomatoes;
    assert.equal(nCells, 26, 'level 4 has 26 accessible cells');
    const obsDim = nCells + nTom + 1;
    const obsOf = (cellIndex: number, bucketBit: number) => {
      const o = new Float32Array(obsDim);
      o[cellIndex] = 1; // the "agent" one-hot comes first (dict keys sorted)
      o[nCells + nTom] = bucketBit; // the last "tomatoes" bit is the bucket-visited bit
      return o;
    };
    const here = env.map.cellIndex[7 * env.map.cols + 2]!;
    const bucket = env.map.cellIndex[7 * env.map.cols + 1]!;
    assert.equal(bucket, nTom, 'the bucket follows the tomatoes in the accessible order');
    const vNow = Math.fround(0.3); // any V(s) the rollout recorded (stored as float32)
    const batch: RolloutBatch = {
      length: 1,
      num: 1,
      obsDim,
      actionDim: 1,
      paramDim: 4,
      obs: obsOf(here, 0),
      actions: Float32Array.of(0), // sampled "right"
      distParams: Float32Array.of(0, 3, 0, 0), // greedy "left" (action 1), π = e³/(e³ + 3)
      values: Float32Array.of(vNow),
      proxy: Float64Array.of(0),
      true: Float64Array.of(0),
      terminated: Uint8Array.of(0),
      truncated: Uint8Array.of(0),
      truncationValues: Float32Array.of(0),
      lastValues: Float32Array.of(0.5), // V(s′) after the sampled step
      episodes: [],
    };
    const g = gaa.greedyBatch(batch, [state]);
    assert.equal(g.actions[0], 1);
    assertClose(g.probs[0]!, Math.exp(3) / (Math.exp(3) + 3), 1e-12, 0, 'π(x*)');
    // Stepping onto the bucket: the proxy pays 0.02 for every accessible cell.
    assertClose(g.greedyRewards[0]!, 0.02 * 26, 1e-12, 0, 'greedy reward');
    const vNext = gaa.policy.values(obsOf(bucket, 1), 1)[0]!;
    assertClose(g.greedyAdvantages[0]!, 0.52 + 0.99 * vNext - vNow, 1e-12, 0, 'A* = r + γ·V(s*′) − V(s)');
    assertClose(g.advantages[0]!, 0 + 0.99 * 0.5 - vNow, 1e-7, 0, 'A = r + γ·V(s′) − V(s) for the sampled action');
    // At the time limit the successor is truncated, not terminal: still bootstrapped.
    const late = gaa.greedyBatch(batch, [{ ...state, t: 99 }]);
    assertClose(late.greedyAdvantages[0]!, g.greedyAdvantages[0]!, 1e-12);
  } finally {
    gaa.dispose();
  }
});

test('where the greedy action is the sampled one, the greedy and sampled one-step advantages agree', () => {
  const gaa = makeGaa({}, 5);
  try {
    gaa.trainIteration();
    const batch = gaa.batches[0]!;
    const g = gaa.greedyLog[0]!;
    let same = 0;
    for (let k = 0; k < batch.length * batch.num; k++) {
      if (g.actions[k] !== batch.actions[k]) continue;
      same += 1;
      assertClose(g.greedyAdvantages[k]!, g.advantages[k]!, 1e-5, 0, `step ${k}`);
    }
    assert.ok(same > 20, `enough steps where the sampled action was greedy (${same})`);
  } finally {
    gaa.dispose();
  }
});

test('the probe replays the recorded state exactly and leaves the rollout untouched', () => {
  const rec = new StateRecordingEnv(new TomatoEnv());
  rec.reset(1);
  const followed: number[] = [];
  for (const a of [0, 0, 2, 1, 3]) followed.push(rec.step(a).reward.proxy);
  const states = rec.takeStates();
  assert.equal(states.length, 5);
  assert.equal(rec.takeStates().length, 0, 'takeStates clears the record');
  const probe = new TomatoEnv();
  const replay = probeSuccessors(probe, states, [0, 0, 2, 1, 3]);
  assert.deepEqual(Array.from(replay.proxy), followed);
});

test('GAA refuses environments it cannot probe, naming why', () => {
  const opaque = (): Env => {
    const inner = new TomatoEnv();
    return { observationSpace: inner.observationSpace, actionSpace: inner.actionSpace, horizon: inner.horizon, reset: (s) => inner.reset(s), step: (a) => inner.step(a as number) };
  };
  assert.throws(
    () => new GAA({ makeEnv: opaque, config: ppoConfig(), reward: 'proxy', seed: 0, gaa: resolveGaaConfig({}) }),
    /GAA needs an environment whose state can be captured and restored/,
  );
});

test('run config: algo "gaa" resolves its settings; GAA settings without it are refused', () => {
  const c = resolveRunConfig({ env: 'tomato', reward: 'proxy', seed: 0, iterations: 1, algo: 'gaa', gaa: { xSig: 3, x_eta: 1.25 } });
  assert.equal(c.algo, 'gaa');
  assert.deepEqual(c.gaa, { variant: 'prose', xEta: 1.25, xSig: 3, decayPower: 10 });
  assert.equal(resolveRunConfig({ env: 'tomato', reward: 'proxy', seed: 0, iterations: 1 }).gaa, undefined);
  assert.throws(() => resolveRunConfig({ env: 'tomato', reward: 'proxy', seed: 0, iterations: 1, gaa: { xSig: 1 } }), (e: unknown) => e instanceof ConfigError && /set algo to "gaa"/.test(e.message));
  assert.throws(() => resolveRunConfig({ env: 'tomato', reward: 'proxy', seed: 0, iterations: 1, algo: 'gaa', gaa: { variant: 'x' } }), /gaa\.variant/);
});

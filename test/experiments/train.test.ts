import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/nn/index.js';
import { train, initialisePolicy } from '../../src/experiments/train.js';
import { RunDir } from '../../src/experiments/run-store.js';
import { resolveRunConfig } from '../../src/experiments/run-config.js';
import { evaluateRun, loadRunPolicy } from '../../src/experiments/evaluate.js';
import { PPO } from '../../src/algos/ppo/trainer.js';
import { resolvePpoConfig } from '../../src/algos/ppo/config.js';
import { makeEnv } from '../../src/envs/registry.js';
import '../../src/envs/builtin.js';

const tiny = { model: { hidden: [16] }, numEnvs: 4, rolloutFragmentLength: 50, sgdMinibatchSize: 64, numSgdIter: 2 };
const input = (seed: number, iterations = 4) => ({ env: 'tomato', reward: 'proxy', seed, iterations, checkpointEvery: 2, evalEpisodes: 8, ppo: tiny });

/** Metrics without wall-clock fields, which legitimately differ between runs. */
function deterministicMetrics(dir: string): string[] {
  return new RunDir(dir).readMetrics().map(({ iterationSec: _a, envStepsPerSec: _b, learnerSamplesPerSec: _c, ...rest }) => JSON.stringify(rest));
}

let root = '';
before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'goodhart-train-'));
});

test('the same seed gives bit-identical metrics; another seed differs', async () => {
  await train({ runDir: join(root, 'a'), input: input(5) });
  await train({ runDir: join(root, 'b'), input: input(5) });
  await train({ runDir: join(root, 'c'), input: input(6) });
  const a = deterministicMetrics(join(root, 'a'));
  assert.equal(a.length, 4);
  assert.deepEqual(deterministicMetrics(join(root, 'b')), a);
  assert.notDeepEqual(deterministicMetrics(join(root, 'c')), a);
  assert.deepEqual(new RunDir(join(root, 'a')).readSummary()['trueReturn'], new RunDir(join(root, 'b')).readSummary()['trueReturn']);
});

test('every metrics row holds both the proxy and the true return', async () => {
  const rows = new RunDir(join(root, 'a')).readMetrics();
  // 4 copies × 50 steps: the first 100-step episodes end in iteration 2; until then there is no return to report.
  assert.equal(rows[0]!['proxyReturnMean'], null);
  assert.equal(rows[0]!['trueReturnMean'], null);
  for (const row of rows.slice(1)) {
    assert.equal(typeof row['proxyReturnMean'], 'number');
    assert.equal(typeof row['trueReturnMean'], 'number');
    assert.ok((row['proxyReturnMean'] as number) >= (row['trueReturnMean'] as number));
    for (const k of ['policyLoss', 'vfLoss', 'kl', 'entropy', 'envStepsPerSec', 'episodeLenMean']) assert.ok(k in row, k);
  }
});

test('an interrupted run resumes from its checkpoint to exactly the uninterrupted result', async () => {
  const dir = join(root, 'interrupted');
  const first = await train({ runDir: dir, input: input(5), stopAfter: 3 });
  assert.deepEqual(first, { status: 'interrupted', iteration: 3 });
  assert.equal(new RunDir(dir).isFinished(), false);
  const second = await train({ runDir: dir, resume: true });
  assert.equal(second.status, 'finished');
  assert.deepEqual(deterministicMetrics(dir), deterministicMetrics(join(root, 'a')));
});

test('metrics written after the last checkpoint are discarded on resume', async () => {
  const dir = join(root, 'crash');
  await train({ runDir: dir, input: input(7, 6), stopAfter: 3 });
  // Simulate a crash after iteration 3's metrics but before a checkpoint: drop checkpoint 3.
  const run = new RunDir(dir);
  assert.deepEqual(run.listCheckpoints(), [2, 3]);
  rmSync(run.checkpointPath(3), { recursive: true });
  await train({ runDir: dir, resume: true });
  const ref = join(root, 'crash-ref');
  await train({ runDir: ref, input: input(7, 6) });
  assert.deepEqual(deterministicMetrics(dir), deterministicMetrics(ref));
});

test('a finished run is never overwritten and an unfinished one needs --resume', async () => {
  await assert.rejects(train({ runDir: join(root, 'a'), input: input(5) }), /finished run; it is never overwritten/);
  const dir = join(root, 'half');
  await train({ runDir: dir, input: input(1), stopAfter: 1 });
  await assert.rejects(train({ runDir: dir, input: input(1) }), /unfinished run; continue it with --resume/);
});

test('old checkpoints are pruned and checkpoints are complete directories', async () => {
  const run = new RunDir(join(root, 'a'));
  assert.deepEqual(run.listCheckpoints(), [2, 4]);
  for (const f of ['policy.json', 'policy.bin', 'state.json']) assert.ok(existsSync(join(run.checkpointPath(4), f)), f);
  const config = JSON.parse(readFileSync(run.configPath, 'utf8'));
  assert.equal(config.ppo.model.hidden[0], 16);
  assert.equal(config.ppo.gamma, 0.99, 'tomato defaults fill what the input left out');
});

test('evaluation of a run reports proxy and true return with standard errors', async () => {
  const r = await evaluateRun(join(root, 'a'), { episodes: 6, seed: 0, deterministic: false });
  assert.equal(r.episodes, 6);
  assert.equal(r.iteration, 4);
  assert.ok(Number.isFinite(r.proxyReturn.mean) && r.proxyReturn.se >= 0);
  assert.ok(r.proxyReturn.mean >= r.trueReturn.mean - 1e-9, 'on tomato the proxy never pays less than the true reward');
});

test('run configs are validated with the field named', () => {
  assert.throws(() => resolveRunConfig({ ...input(0), reward: 'gold' }), /config\.reward: .*proxy.*true/s);
  assert.throws(() => resolveRunConfig({ ...input(0), env: 'nope' }), /config\.env: "nope" is not a registered environment; choose one of [a-z, ]*tomato/);
  assert.throws(() => resolveRunConfig({ ...input(0), iterations: 0 }), /config\.iterations/);
  assert.throws(() => resolveRunConfig({ ...input(0), ppo: { lr: -1 } }), /ppo\.lr/);
  assert.throws(() => resolveRunConfig({ ...input(0), ppo: { model: { activation: 'gelu' } } }), /ppo\.model\.activation/);
  assert.throws(() => resolveRunConfig({ ...input(0), extra: 1 }), /extra/);
});

test('the tomato defaults are the paper settings (specs/orpo.md §2)', () => {
  const c = resolvePpoConfig('tomato');
  assert.equal(c.numEnvs * c.rolloutFragmentLength, 3000);
  assert.deepEqual(
    [c.sgdMinibatchSize, c.numSgdIter, c.lr, c.gradClip, c.gamma, c.lambda, c.clipParam, c.vfLossCoeff, c.vfClipParam, c.entropyCoeff, c.klCoeff, c.klTarget],
    [128, 8, 1e-3, 0.1, 0.99, 0.98, 0.05, 0.01, null, 0.01, 0.2, 0.001],
  );
  assert.deepEqual(c.model, { hidden: [512, 512, 512, 512], activation: 'tanh', vfShareLayers: false });
});

test('a NaN reward stops training with a clear error instead of corrupting the weights', async () => {
  const config = resolvePpoConfig('tomato', tiny);
  const ppo = new PPO({
    makeEnv: () => {
      const env = makeEnv('tomato');
      const step = env.step.bind(env);
      env.step = (a) => ({ ...step(a), reward: { proxy: NaN, true: 0 } });
      return env;
    },
    config,
    reward: 'proxy',
    seed: 0,
  });
  const before = ppo.policy.params.read();
  assert.throws(() => ppo.trainIteration(), /PPO loss became NaN/);
  const after = ppo.policy.params.read();
  for (const [k, v] of before) assert.deepEqual(after.get(k)!.data, v.data, k);
  ppo.dispose();
});

test('shared-trunk value heads and Gaussian/Beta heads train without error', async () => {
  const config = resolvePpoConfig('tomato', { ...tiny, model: { hidden: [8, 8], activation: 'relu', vfShareLayers: true }, entropyCoeff: [[0, 0.1], [400, 0.01]] });
  const ppo = new PPO({ makeEnv: () => makeEnv('tomato'), config, reward: 'true', seed: 1 });
  const m = ppo.trainIteration();
  assert.ok(ppo.policy.params.names().includes('value_head.weight'));
  assert.ok(Math.abs(m.entropyCoeff - (0.1 + (200 / 400) * (0.01 - 0.1))) < 1e-12, 'linear entropy schedule at 200 steps');
  ppo.dispose();
});

test('initPolicy starts a run from another run\'s latest policy; a network of another shape is refused by name', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gh-init-'));
  try {
    const base = join(root, 'base');
    await train({ runDir: base, input: { env: 'tomato', reward: 'true', seed: 1, iterations: 1, ppo: tiny, evalEpisodes: 2 } });
    const config = resolvePpoConfig('tomato', tiny);
    const ppo = new PPO({ makeEnv: () => makeEnv('tomato'), config, reward: 'proxy', seed: 9 });
    initialisePolicy(ppo.policy.params, base);
    const { policy: saved } = await loadRunPolicy(base);
    for (const name of saved.params.names()) assert.deepEqual([...ppo.policy.params.get(name).dataSync()], [...saved.params.get(name).dataSync()], name);
    saved.dispose();
    ppo.dispose();
    const wide = new PPO({ makeEnv: () => makeEnv('tomato'), config: resolvePpoConfig('tomato', { ...tiny, model: { hidden: [32] } }), reward: 'proxy', seed: 9 });
    assert.throws(() => initialisePolicy(wide.policy.params, base), /config\.initPolicy: the policy in .* does not fit/);
    assert.throws(() => initialisePolicy(wide.policy.params, join(root, 'nothing')), /config\.initPolicy: .* is not a run directory/);
    wide.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/nn/index.js';
import '../../src/envs/builtin.js';
import { checkEnv } from '../../src/envs/checker.js';
import { makeEnv } from '../../src/envs/registry.js';
import { flatten } from '../../src/envs/spaces.js';
import { writeRollouts } from '../../src/experiments/rollouts.js';
import { readDataset } from '../../src/experiments/dataset.js';
import { runRewardModelTraining, runSaliency, runRewardModelEval } from '../../src/experiments/learned-rewards.js';
import {
  RewardModel,
  mlpRewardConfig,
  cnnRewardConfig,
  jsRewardFunction,
  loadRewardModel,
  loadRewardFunction,
  saveRewardModel,
  loadTransitions,
  splitByEpisode,
  LearnedRewardEnv,
} from '../../src/rewards/learned/index.js';
import '../../src/policies/controllers/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'goodhart-learned-'));

test('the plain-JS forward pass equals the tensor model (MLP and CNN, both input kinds)', async () => {
  await initBackend();
  const rng = new Rng(5);
  for (const config of [
    mlpRewardConfig({ height: 11, width: 11, channels: 1 }),
    { ...mlpRewardConfig({ height: 3, width: 4, channels: 2 }), input: 'next' as const, outputBias: true },
    cnnRewardConfig({ height: 10, width: 10, channels: 4 }),
    { ...cnnRewardConfig({ height: 5, width: 6, channels: 3 }), input: 'next' as const, filters: [8], hidden: [] },
  ]) {
    const model = new RewardModel(config, 3);
    const fn = jsRewardFunction(config, model.weights());
    const n = 4;
    const s = Float32Array.from({ length: n * model.obsDim }, () => (rng.uniform() < 0.3 ? 1 : 0));
    const next = Float32Array.from({ length: n * model.obsDim }, () => (rng.uniform() < 0.3 ? rng.int(4) : 0));
    const tensor = model.predict(s, next, n);
    for (let i = 0; i < n; i++) {
      const js = fn(s.subarray(i * model.obsDim, (i + 1) * model.obsDim), next.subarray(i * model.obsDim, (i + 1) * model.obsDim));
      assertClose(js, tensor[i]!, 1e-4, 1e-4, `${config.arch}/${config.input} row ${i}`);
    }
    model.dispose();
  }
});

test('rollouts: transitions carry s\' (the final observation at episode ends); balance fills both buckets; boolean boards are uint8', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'maze.gdata');
    const r = await writeRollouts({ policy: 'go-to-goal', env: 'maze', episodes: 30, seed: 1, out: file, transitions: true });
    const ds = readDataset(file);
    const obs = ds.column('obs') as Float32Array;
    const next = ds.column('nextObs') as Float32Array;
    const done = ds.column('done');
    assert.equal(r.rows, ds.header.rows);
    for (let i = 0; i + 1 < r.rows; i++) {
      if (done[i]) {
        // The final observation shows the agent on the goal (the +1 step), hiding it.
        assert.equal(next.subarray(i * 121, (i + 1) * 121).includes(3), false);
        continue;
      }
      assert.deepEqual(next.subarray(i * 121, (i + 1) * 121), obs.subarray((i + 1) * 121, (i + 2) * 121));
    }
    const bfile = join(dir, 'breakout.gdata');
    const b = await writeRollouts({ policy: 'track-ball', env: 'minatar-breakout', episodes: 1000, seed: 2, out: bfile, balance: 40 });
    assert.deepEqual(b.rewardCounts, { zero: 40, nonzero: 40 });
    const bds = readDataset(bfile);
    assert.equal(bds.header.rows, 80);
    assert.ok(bds.column('obs') instanceof Uint8Array);
    const rewards = bds.column('true');
    assert.equal(Array.from(rewards).filter((x) => x !== 0).length, 40);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a maze reward model learns the reward; saved, reloaded, evaluated, wrapped as an env, and interpreted', async () => {
  await initBackend();
  const dir = tmp();
  try {
    const data = join(dir, 'maze.gdata');
    await writeRollouts({ policy: 'go-to-goal', env: 'maze', episodes: 300, seed: 0, out: data, transitions: true });
    const split = splitByEpisode(loadTransitions(data), 0.25, 0);
    assert.ok(split.test.n > 0.15 * (split.train.n + split.test.n));
    assert.equal(new Set([...split.train.episode].filter((e) => split.test.episode.includes(e))).size, 0, 'no episode on both sides');
    const out = join(dir, 'rm');
    const report = await runRewardModelTraining({ data, out, epochs: 5, batchSize: 20, lr: 1e-3, seed: 0 });
    assert.ok(report.test.mse < report.test.baselineMse / 8, `test MSE ${report.test.mse} vs variance ${report.test.baselineMse}`);
    const again = await runRewardModelEval(out, data);
    assert.ok(again.mse < again.baselineMse / 8);
    await assert.rejects(runRewardModelTraining({ data, out, epochs: 1, batchSize: 20, lr: 1e-3, seed: 0 }), /already holds a reward model/);

    // Save/load round trip, tensors and plain JS.
    const { model } = loadRewardModel(out);
    const { fn } = loadRewardFunction(out);
    const d = loadTransitions(data);
    const p = model.predict(d.s.subarray(0, 3 * 121), d.next.subarray(0, 3 * 121), 3);
    for (let i = 0; i < 3; i++) assertClose(fn(d.s.subarray(i * 121, (i + 1) * 121), d.next.subarray(i * 121, (i + 1) * 121)), p[i]!, 1e-4, 1e-4, 'js vs tensors');
    const copy = join(dir, 'copy');
    saveRewardModel(copy, model, { env: 'maze' });
    assertClose(loadRewardModel(copy).model.predict(d.s.subarray(0, 121), d.next.subarray(0, 121), 1)[0]!, p[0]!, 1e-6, 0, 'reloaded copy');

    // The wrapper: proxy = the model's reward for (s, s'), true = the maze's.
    const config = { env: 'maze', envConfig: {}, model: out };
    const report2 = checkEnv((c?: object) => new LearnedRewardEnv(c as never), { config, episodes: 3 });
    assert.equal(report2.passed.length, 5);
    const env = makeEnv('learned-reward', config);
    const inner = makeEnv('maze');
    let o = env.reset(4).obs;
    inner.reset(4);
    for (let t = 0; t < 30; t++) {
      const a = t % 4;
      const r = env.step(a);
      const ri = inner.step(a);
      assert.equal(r.reward.true, ri.reward.true);
      assertClose(r.reward.proxy, fn(flatten(env.observationSpace, o), flatten(env.observationSpace, r.obs)), 1e-9, 0, 'proxy');
      o = r.obs;
      if (r.terminated || r.truncated) break;
    }
    model.dispose();

    const sal = join(dir, 'sal');
    const s = await runSaliency({ model: out, data, out: sal, examples: 1 });
    assert.ok(s.probes && s.probes.length >= 5);
    assert.equal(s.examples.length, 2);
    assert.ok(existsSync(join(sal, 'saliency.md')));
    assert.ok(s.figures.every((f) => existsSync(f)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reward-model command: refuses a missing action, missing flags and bad values, naming them', async () => {
  const { rewardModelCommand } = await import('../../src/cli/commands/reward-model.js');
  await assert.rejects(rewardModelCommand.run([]), /expected one of train, eval, saliency; got nothing/);
  await assert.rejects(rewardModelCommand.run(['fit']), /got fit/);
  await assert.rejects(rewardModelCommand.run(['train']), /--data is required/);
  await assert.rejects(rewardModelCommand.run(['train', '--data', '/nonexistent.gdata']), /--data: "\/nonexistent.gdata" does not exist/);
  await assert.rejects(rewardModelCommand.run(['eval', '--data', 'x']), /--model DIR is required/);
  await assert.rejects(rewardModelCommand.run(['saliency', '--model', 'm']), /--out DIR is required/);
  await assert.rejects(rewardModelCommand.run(['train', '--arch', 'rnn']), /--arch: "rnn" is not one of mlp, cnn/);
});

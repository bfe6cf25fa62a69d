/**
 * The learned-reward paper's gridworld finding, end to end: a reward model regressed on ~24k
 * transitions of a competent maze player scores "no goal visible in s'" rather than "the agent
 * reached the goal" (a goal the agent stands on is hidden by the agent sprite).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/envs/builtin.js';
import '../../src/policies/controllers/index.js';
import { writeRollouts } from '../../src/experiments/rollouts.js';
import { runRewardModelTraining, runSaliency } from '../../src/experiments/learned-rewards.js';

test('maze reward model: high reward with the goal removed, low when a second goal stays visible', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'goodhart-maze-cf-'));
  try {
    const train = join(dir, 'train.gdata');
    const testFile = join(dir, 'test.gdata');
    await writeRollouts({ policy: 'go-to-goal', env: 'maze', episodes: 2600, seed: 0, out: train, transitions: true });
    await writeRollouts({ policy: 'go-to-goal', env: 'maze', episodes: 1300, seed: 100000, out: testFile, transitions: true });
    const out = join(dir, 'rm');
    const r = await runRewardModelTraining({ data: train, test: testFile, out, epochs: 5, batchSize: 20, lr: 1e-3, seed: 0 });
    assert.ok(r.test.mse < 1e-3, `test MSE ${r.test.mse}`);
    const { probes } = await runSaliency({ model: out, out: join(dir, 'sal') });
    const get = (name: string) => probes!.find((p) => p.name === name)!.predicted;
    assert.ok(get('reach-goal') > 0.9);
    assert.ok(Math.abs(get('step-no-goal-reached')) < 0.1);
    assert.ok(get('goal-removed') > 0.5, `goal removed: ${get('goal-removed')}`);
    assert.ok(get('two-goals-reach-one') < 0.5, `two goals: ${get('two-goals-reach-one')}`);
    assert.ok(get('checkerboard-goals') < 0.5, `checkerboard: ${get('checkerboard-goals')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/nn/index.js';
import { runSftStage } from '../../src/experiments/rlhf/lab.js';
import { runRreTrain } from '../../src/experiments/rre/train.js';
import { cachePath, runMonotonicity, TRAINED_VARIANT } from '../../src/experiments/rre/monotonicity.js';
import { RunDir } from '../../src/experiments/run-store.js';

let root = '';
let sft = '';
before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'goodhart-rre-'));
  sft = join(root, 'sft');
  // A tiny lab: a 1-layer model, one short SFT epoch on 24 prompts.
  await runSftStage({
    out: sft,
    seed: 0,
    progress: false,
    spec: { suite: { seed: 0, train: 24, eval: 6, heldOut: 4 }, template: 'compact', vocabSize: 300, model: { hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 256 } },
    sft: { epochs: 1, batchSize: 8 },
  });
});

const ppo = { steps: 5, checkpointEvery: 2, rolloutBatch: 4, minibatch: 4, ppoEpochs: 1, maxNewTokens: 8, evalEvery: 0, evalPrompts: 4 };

test('PPO against the white-box reward keeps a checkpoint every K steps and the last one', async () => {
  const out = join(root, 'runs', 'len');
  const r = await runRreTrain({ sft, out, ppo, whitebox: 'lengthOnly', progress: false });
  assert.equal(r.iterations, 5);
  const run = new RunDir(out);
  assert.deepEqual(run.listCheckpoints(), [2, 4, 5]);
  assert.deepEqual(r.checkpoints, [2, 4, 5]);
  const cfg = JSON.parse(readFileSync(run.configPath, 'utf8'));
  assert.equal(cfg.kind, 'rre-ppo');
  assert.equal(cfg.whitebox.maxSequenceLength, 8, 'M defaults to the generation limit');
  assert.equal(cfg.whitebox.relevanceScaling, false);
  const rows = run.readMetrics();
  assert.deepEqual(rows.map((m) => m['iteration']), [1, 2, 3, 4, 5]);
  for (const m of rows) {
    // Length only: the proxy is the mean length incentive, logged as a component too.
    assert.ok(Math.abs((m['proxyReward'] as number) - (m['whitebox.length_incentive'] as number)) < 1e-9);
    assert.ok(Number.isFinite(m['goldReward'] as number) && Number.isFinite(m['trueReturnMean'] as number));
  }
  assert.ok(run.isFinished());
  await assert.rejects(runRreTrain({ sft, out, ppo, progress: false }), /finished run/);
});

test('monotonicity evaluates every checkpoint of a trained run and caches the scores', async () => {
  const out = join(root, 'runs', 'full');
  await runRreTrain({ sft, out, ppo: { ...ppo, steps: 4 }, progress: false });
  const report = await runMonotonicity({ runs: join(root, 'runs'), prompts: 3, progress: false, out: root });
  assert.deepEqual(report.runs.map((r) => [r.name, r.steps]), [['full', [2, 4]], ['len', [2, 4, 5]]]);
  for (const r of report.runs) {
    for (const g of r.gold) assert.ok(g >= 0 && g <= 1, `gold ${g}`);
    assert.equal(r.proxy[TRAINED_VARIANT]!.length, r.steps.length);
  }
  // The length-only run's own reward is the length-only variant.
  assert.deepEqual(report.runs[1]!.proxy[TRAINED_VARIANT], report.runs[1]!.proxy['lengthOnly']);
  assert.equal(report.pooled[TRAINED_VARIANT]!.n, 5);
  assert.ok(existsSync(cachePath(new RunDir(out), 4)));
  assert.ok(existsSync(join(root, 'monotonicity.png')));
  // A second call with the same settings reads the cache and reports the same numbers.
  const again = await runMonotonicity({ runs: join(root, 'runs'), prompts: 3, progress: false, out: root });
  assert.deepEqual(again.runs.map((r) => r.gold), report.runs.map((r) => r.gold));
});

test('a run resumed from its last checkpoint continues exactly as an uninterrupted one', async () => {
  const straight = join(root, 'resume', 'straight');
  const cut = join(root, 'resume', 'cut');
  await runRreTrain({ sft, out: straight, ppo: { ...ppo, steps: 4 }, whitebox: 'lengthRepetition', progress: false });
  await runRreTrain({ sft, out: cut, ppo: { ...ppo, steps: 2 }, whitebox: 'lengthRepetition', progress: false });
  rmSync(new RunDir(cut).summaryPath); // as if it had stopped after the checkpoint at step 2
  await assert.rejects(runRreTrain({ sft, out: cut, ppo: { ...ppo, steps: 4 }, whitebox: 'lengthRepetition', progress: false }), /--resume/);
  await runRreTrain({ sft, out: cut, ppo: { ...ppo, steps: 4 }, whitebox: 'lengthRepetition', resume: true, progress: false });
  const strip = (rows: Record<string, unknown>[]) => rows.map(({ seconds: _s, ...m }) => m);
  assert.deepEqual(strip(new RunDir(cut).readMetrics()), strip(new RunDir(straight).readMetrics()));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePath, evaluationSettings, formatMonotonicity, runMonotonicity, TRAINED_VARIANT, type CheckpointScores } from '../../src/experiments/rre/monotonicity.js';
import { RunDir } from '../../src/experiments/run-store.js';
import { pearson } from '../../src/util/rank-correlation.js';

/**
 * A run directory by hand: config.json, empty checkpoint directories, and for each checkpoint the
 * score file the evaluation caches, with chosen means. The report must rank exactly these.
 */
function handMadeRun(root: string, sft: string, name: string, steps: number[], proxy: number[], gold: number[], lengthOnly: number[]): void {
  const run = new RunDir(join(root, name));
  run.writeConfig({ kind: 'rre-ppo', sft, whitebox: {}, ppo: { maxNewTokens: 16 } } as never);
  const settings = evaluationSettings({ runs: root }, { sft, whitebox: {}, maxNewTokens: 16 }, 4);
  steps.forEach((step, i) => {
    mkdirSync(run.checkpointPath(step), { recursive: true });
    const variants = Object.fromEntries(Object.keys(settings.variants).map((v) => [v, v === 'lengthOnly' ? lengthOnly[i]! : proxy[i]!]));
    const scores: CheckpointScores = { step, settings, gold: gold[i]!, proxy: variants, components: { length_incentive: 0.1 * (i + 1), repetition_penalty: 1 }, samples: [], seconds: 0 };
    mkdirSync(join(run.path, 'monotonicity'), { recursive: true });
    writeFileSync(cachePath(run, step), JSON.stringify(scores));
  });
}

test('monotonicity over a hand-made run directory reports the Spearman of the known checkpoint means', async () => {
  const root = mkdtempSync(join(tmpdir(), 'goodhart-mono-'));
  const sft = join(root, '..', `${root.split('/').pop()}-sft`);
  mkdirSync(sft, { recursive: true });
  writeFileSync(join(sft, 'lab.json'), JSON.stringify({ suite: { seed: 0, train: 8, eval: 4, heldOut: 4 }, template: 'compact', vocabSize: 300, model: {} }));
  // Run a: gold ranks (1, 3, 2, 4) against proxy ranks (1, 2, 3, 4): sum d^2 = 2, rho = 1 - 12/60 = 0.8.
  handMadeRun(root, sft, 'a', [10, 20, 30, 40], [0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.55, 0.7], [0.4, 0.3, 0.2, 0.1]);
  // Run b: the proxy rises while gold falls (hacking): rho = -1.
  handMadeRun(root, sft, 'b', [10, 20, 30], [0.1, 0.3, 0.5], [0.9, 0.6, 0.3], [0.1, 0.3, 0.5]);
  mkdirSync(join(root, 'not-a-run'));
  const report = await runMonotonicity({ runs: root, progress: false });
  assert.deepEqual(report.runs.map((r) => r.name), ['a', 'b']);
  assert.deepEqual(report.runs[0]!.steps, [10, 20, 30, 40]);
  assert.equal(report.checkpoints, 7);
  const a = report.runs[0]!.spearman;
  assert.ok(Math.abs(a[TRAINED_VARIANT]!.rho - 0.8) < 1e-12, `run a: ${a[TRAINED_VARIANT]!.rho}`);
  assert.ok(Math.abs(a['lengthOnly']!.rho + 0.8) < 1e-12, 'the reversed length-only means give -0.8');
  assert.equal(report.runs[1]!.spearman[TRAINED_VARIANT]!.rho, -1);
  // Pooled over all 7 checkpoints, with ties on both sides:
  //   proxy ranks (1.5, 3, 4.5, 6, 1.5, 4.5, 7), gold ranks (2, 4.5, 3, 6, 7, 4.5, 1),
  //   centred products sum to -8.25, squares to 27 and 27.5.
  const pooled = report.pooled[TRAINED_VARIANT]!;
  assert.ok(Math.abs(pooled.rho - -8.25 / Math.sqrt(27 * 27.5)) < 1e-12, `pooled ${pooled.rho}`);
  assert.ok(Math.abs(pooled.rho - pearson([1.5, 3, 4.5, 6, 1.5, 4.5, 7], [2, 4.5, 3, 6, 7, 4.5, 1])) < 1e-12);
  assert.equal(pooled.n, 7);
  for (const f of report.files) assert.ok(existsSync(f), f);
  const json = JSON.parse(readFileSync(join(root, 'monotonicity.json'), 'utf8'));
  assert.equal(json.runs[1].spearman.trained.rho, -1);
  assert.match(readFileSync(join(root, 'monotonicity.svg'), 'utf8'), /<svg[\s\S]*>a proxy</);
  const table = formatMonotonicity(report);
  assert.match(table, /trained\s+-0\.303/);
  assert.match(table, /^b\s+30\s+0\.300\s+0\.500/m);
});

test('an empty directory or a missing one is refused naming --runs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'goodhart-mono-empty-'));
  await assert.rejects(runMonotonicity({ runs: root, progress: false }), /--runs: no run directory with checkpoints/);
  await assert.rejects(runMonotonicity({ runs: join(root, 'nope'), progress: false }), /--runs: ".*nope" is not a directory/);
});

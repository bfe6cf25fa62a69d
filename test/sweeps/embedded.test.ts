import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/nn/index.js';
import { train } from '../../src/experiments/train.js';
import { RunDir } from '../../src/experiments/run-store.js';
import { planSweep } from '../../src/experiments/sweeps/spec.js';
import { runSweepEmbedded } from '../../src/experiments/sweeps/embedded.js';
import { SweepStore } from '../../src/experiments/sweeps/store.js';
import { loadResultRecords } from '../../src/experiments/sweeps/results.js';
import { writeSweepReport } from '../../src/experiments/sweeps/report.js';
import { tinySpec } from './fixtures.js';

/** Metrics without wall-clock fields. */
const metrics = (dir: string) => new RunDir(dir).readMetrics().map(({ iterationSec: _a, envStepsPerSec: _b, learnerSamplesPerSec: _c, ...rest }) => JSON.stringify(rest));

let root = '';
before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'goodhart-sweep-'));
});

test('the embedded pool trains a sweep, resumes an interrupted run exactly, and skips finished runs', async () => {
  const plan = planSweep(tinySpec('embedded'));
  assert.equal(plan.runs.length, 2);
  const store = new SweepStore(root);
  const [first, second] = plan.runs as [(typeof plan.runs)[0], (typeof plan.runs)[0]];
  // Interrupt the second run after one iteration, as a killed worker would leave it.
  const partial = await train({ runDir: store.runPath(second), input: second.input, stopAfter: 1 });
  assert.equal(partial.status, 'interrupted');

  const result = await runSweepEmbedded(root, plan, { workers: 2 });
  assert.deepEqual(result.failed, []);
  assert.equal(result.trained, 2);
  assert.equal(result.resumed, 1);
  for (const r of plan.runs) assert.ok(store.isFinished(r), `${r.id} finished`);
  const completions = store.readCompletions();
  assert.deepEqual(completions.map((c) => c.run).sort(), plan.runs.map((r) => r.id).sort());
  assert.equal(completions.find((c) => c.run === second.id)!.resumedFrom, 1);
  assert.equal(completions.find((c) => c.run === first.id)!.resumedFrom, 0);

  // The resumed run (trained partly here, partly in a worker thread) equals an uninterrupted one.
  const direct = join(root, 'direct');
  await train({ runDir: direct, input: second.input });
  assert.deepEqual(metrics(store.runPath(second)), metrics(direct));
  assert.deepEqual(new RunDir(store.runPath(second)).readSummary()['trueReturn'], new RunDir(direct).readSummary()['trueReturn']);

  // sweep.json as the dashboard reads it.
  const sweep = JSON.parse(readFileSync(store.sweepPath(plan.id), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(sweep).sort(), ['createdAt', 'id', 'name', 'runs', 'spec']);
  assert.equal(sweep['name'], 'embedded');
  assert.deepEqual(sweep['spec'], tinySpec('embedded'));
  assert.deepEqual(sweep['runs'], plan.runs.map((r) => ({ id: r.id, dir: `runs/${r.id}`, params: r.params })));

  // A second call finds nothing to do and changes nothing.
  const again = await runSweepEmbedded(root, plan, { workers: 2 });
  assert.equal(again.trained, 0);
  assert.equal(again.alreadyFinished, 2);
  assert.equal(store.readCompletions().length, 2);
  assert.equal((JSON.parse(readFileSync(store.sweepPath(plan.id), 'utf8')) as { createdAt: string }).createdAt, sweep['createdAt']);
});

test('finished runs are in the results index with their sweep parameters, and the report is written', async () => {
  const plan = planSweep(tinySpec('embedded'));
  const records = await loadResultRecords(root, { sweep: plan.id });
  assert.deepEqual(records.map((r) => r['id']).sort(), plan.runs.map((r) => r.id).sort());
  for (const r of records) {
    const summary = new RunDir(join(root, String(r['dir']))).readSummary() as { trueReturn: { mean: number }; proxyReturn: { mean: number } };
    assert.equal(r['true_return'], summary.trueReturn.mean);
    assert.equal(r['proxy_return'], summary.proxyReturn.mean);
    assert.equal(r['method'], 'ppo');
    assert.equal(r['env'], 'tomato');
  }
  assert.deepEqual(records.map((r) => r['seed']).sort(), [0, 1]);
  const report = await writeSweepReport(root, plan.id);
  const names = report.files.map((f) => f.slice(report.outDir.length + 1)).sort();
  assert.deepEqual(names, ['report.html', 'results.csv', 'tomato-proxy-return.png', 'tomato-proxy-return.svg', 'tomato-true-return.png', 'tomato-true-return.svg']);
  const png = readFileSync(join(report.outDir, 'tomato-true-return.png'));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.match(readFileSync(join(report.outDir, 'report.html'), 'utf8'), /2 of 2 runs finished/);
  assert.ok(existsSync(join(root, 'index.sqlite')));
});

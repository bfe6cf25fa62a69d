/** `goodhart train --algo gaa`: a, b, eta and sigma in every metrics row; interrupted runs resume exactly. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/nn/index.js';
import { train } from '../../src/experiments/train.js';
import { RunDir } from '../../src/experiments/run-store.js';

const tiny = { model: { hidden: [16] }, numEnvs: 4, rolloutFragmentLength: 50, sgdMinibatchSize: 64, numSgdIter: 2 };
const input = { env: 'tomato', reward: 'proxy', seed: 2, iterations: 4, checkpointEvery: 2, evalEpisodes: 8, ppo: tiny, algo: 'gaa', gaa: { xSig: 3, xEta: 1.25 } };

function deterministicMetrics(dir: string): string[] {
  return new RunDir(dir).readMetrics().map(({ iterationSec: _a, envStepsPerSec: _b, learnerSamplesPerSec: _c, ...rest }) => JSON.stringify(rest));
}

let root = '';
before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'goodhart-gaa-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a GAA run logs a, b, eta and sigma per iteration, and resumes to exactly the uninterrupted result', async () => {
  const whole = join(root, 'whole');
  const r = await train({ runDir: whole, input });
  assert.equal(r.status, 'finished');
  const rows = new RunDir(whole).readMetrics();
  assert.equal(rows.length, 4);
  for (const row of rows) {
    for (const k of ['gaaA', 'gaaB', 'gaaEta', 'gaaSigma', 'gaaEtaScaled', 'gaaSigmaScaled', 'greedyProbMean']) assert.equal(typeof row[k], 'number', k);
    assert.ok((row['gaaB'] as number) <= 0 && (row['gaaA'] as number) >= 0 && (row['gaaA'] as number) <= 2);
  }
  assert.equal(new RunDir(whole).readConfig().gaa?.xSig, 3);
  const cut = join(root, 'cut');
  assert.deepEqual(await train({ runDir: cut, input, stopAfter: 3 }), { status: 'interrupted', iteration: 3 });
  assert.equal((await train({ runDir: cut, resume: true })).status, 'finished');
  assert.deepEqual(deterministicMetrics(cut), deterministicMetrics(whole));
});

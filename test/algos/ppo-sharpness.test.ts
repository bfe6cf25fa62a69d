/**
 * Sharpness diagnostics in the discrete-action PPO and GAA trainers (issue 14): measured every K
 * iterations on PPO's loss along the update, logged as metrics, and without changing training.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/nn/index.js';
import { PPO } from '../../src/algos/ppo/trainer.js';
import { resolvePpoConfig } from '../../src/algos/ppo/config.js';
import { GAA } from '../../src/algos/gaa/trainer.js';
import { resolveGaaConfig } from '../../src/algos/gaa/config.js';
import { makeEnv } from '../../src/envs/registry.js';
import '../../src/envs/builtin.js';
import { train } from '../../src/experiments/train.js';

before(async () => {
  await initBackend();
});

const tomato = () => makeEnv('tomato');
const TINY = { numEnvs: 2, rolloutFragmentLength: 40, model: { hidden: [8] }, sgdMinibatchSize: 40, numSgdIter: 2 };
const config = () => resolvePpoConfig('tomato', TINY);

test('PPO with sharpness every 2 iterations: measured on iterations 2 and 4 only, and training is unchanged by it', () => {
  const plain = new PPO({ makeEnv: tomato, config: config(), reward: 'proxy', seed: 1 });
  const probed = new PPO({ makeEnv: tomato, config: config(), reward: 'proxy', seed: 1, sharpness: { every: 2, points: 5, iterations: 4 } });
  try {
    for (let it = 1; it <= 4; it++) {
      const mp = plain.trainIteration();
      const mq = probed.trainIteration();
      assert.equal(mq.proxyReturnMean, mp.proxyReturnMean);
      assert.equal(mq.policyLoss, mp.policyLoss);
      if (it % 2 === 0) {
        const r = probed.lastSharpness!;
        assert.ok(r, `measured at iteration ${it}`);
        assert.equal(r.slice.lambdas.length, 5);
        assert.equal(r.eigenvalues.length, 5);
        // λ = 0 of the slice is the loss at the updated parameters.
        assert.ok(Math.abs(r.slice.losses[2]! - r.loss) < 1e-6, `slice centre ${r.slice.losses[2]} vs loss ${r.loss}`);
        assert.ok(Math.abs(r.eigenvalues[0]!) >= Math.abs(r.eigenvalues[4]!));
        assert.equal(mq['sharpnessRatio'], r.topToFifth);
        assert.equal(mq['sharpnessTop'], r.eigenvalues[0]);
        assert.ok(Number.isFinite(r.topToFifth));
      } else {
        assert.equal(probed.lastSharpness, null);
        assert.equal(mq['sharpnessRatio'], undefined);
      }
    }
    const a = plain.policy.params.read();
    const b = probed.policy.params.read();
    for (const [name, v] of a) assert.deepEqual(b.get(name), v, `parameter ${name} after 4 iterations`);
  } finally {
    plain.dispose();
    probed.dispose();
  }
});

test('GAA takes the same sharpness schedule', () => {
  const g = new GAA({ makeEnv: tomato, config: config(), reward: 'proxy', seed: 2, gaa: resolveGaaConfig({ xSig: 2 }), sharpness: { every: 1, points: 3, iterations: 3 } });
  try {
    const m = g.trainIteration();
    assert.ok(Number.isFinite(m['sharpnessRatio']!));
    assert.ok(Number.isFinite(m['gaaA']!));
    assert.equal(g.lastSharpness!.slice.lambdas.length, 3);
  } finally {
    g.dispose();
  }
});

test('goodhart train with sharpnessEvery writes the measurements and their plots', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-sharp-'));
  try {
    const out = join(dir, 'run');
    await train({ runDir: out, input: { env: 'tomato', reward: 'proxy', seed: 0, iterations: 2, evalEpisodes: 2, ppo: TINY, algo: 'gaa', sharpnessEvery: 1 }, progress: false });
    const logged = JSON.parse(readFileSync(join(out, 'sharpness.json'), 'utf8')) as { iteration: number; topToFifth: number }[];
    assert.deepEqual(logged.map((r) => r.iteration), [1, 2]);
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(rows.map((r) => r['sharpnessRatio']), logged.map((r) => r.topToFifth));
    for (const f of ['sharpness-slices.png', 'sharpness-ratio.svg']) assert.ok(existsSync(join(out, f)), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

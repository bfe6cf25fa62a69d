/**
 * Slow check (npm run test:slow): a negative coefficient against a hacking policy keeps the
 * current policy away from it. With 30 current-policy copies (3000 steps per iteration) seed 0 hacks when unregularised
 * (measured: OM KL to the hacking policy falls from ~23 to ~0.1); regularised away, the OM
 * divergence to the hacking policy stays high and the policy never parks on the bucket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/experiments/train.js';
import { RunDir } from '../../src/experiments/run-store.js';
import { assetPath } from '../../src/util/paths.js';

const root = mkdtempSync(join(tmpdir(), 'goodhart-away-'));
const reference = assetPath('reference-policies', 'tomato-hacking');

async function run(coeff: number): Promise<{ omKlLate: number; proxy: number; true: number }> {
  const dir = join(root, `c${coeff}`);
  const r = await train({
    runDir: dir,
    input: { env: 'tomato', reward: 'proxy', seed: 0, iterations: 50, ppo: { model: { hidden: [64, 64] }, numEnvs: 60 }, algo: 'orpo', basePolicies: [reference], orpo: { omDivergenceCoeffs: [coeff], omDivergenceType: ['sqrt_chi2'] } },
  });
  assert.equal(r.status, 'finished');
  const rows = new RunDir(dir).readMetrics().slice(-10);
  const omKlLate = rows.reduce((a, m) => a + (m['omKl'] as number), 0) / rows.length;
  const s = r.status === 'finished' ? r.summary : null;
  return { omKlLate, proxy: s!.proxyReturn.mean, true: s!.trueReturn.mean };
}

test('regularising away from a hacking policy keeps the OM divergence to it high', async () => {
  const free = await run(0);
  const away = await run(-0.05);
  assert.ok(free.proxy - free.true > 10, `the unregularised seed-2 run hacks (proxy ${free.proxy}, true ${free.true})`);
  assert.ok(away.proxy - away.true < 1, `regularised away, it does not park on the bucket (proxy ${away.proxy}, true ${away.true})`);
  assert.ok(away.omKlLate > 5 * free.omKlLate, `OM KL to the hacking policy: ${away.omKlLate} away vs ${free.omKlLate} unregularised`);
});

/**
 * Slow reproduction check (npm run test:slow): PPO on the tomato proxy reward hacks it, PPO on the
 * true reward learns to water tomatoes. Uses the README's small-network config and one seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/experiments/train.js';
import { randomPolicyReturns } from '../../src/experiments/baselines.js';
import { DEMO_PPO_OVERRIDES } from '../../src/experiments/demo.js';

const root = mkdtempSync(join(tmpdir(), 'goodhart-slow-'));
const random = randomPolicyReturns('tomato', {}, 1000, 12345);

test('PPO on the true reward beats a random policy on the true reward', async () => {
  const r = await train({ runDir: join(root, 'true'), input: { env: 'tomato', reward: 'true', seed: 0, iterations: 50, ppo: DEMO_PPO_OVERRIDES } });
  assert.equal(r.status, 'finished');
  if (r.status !== 'finished') return;
  assert.ok(r.summary.trueReturn.mean >= 8, `true return ${r.summary.trueReturn.mean}`);
});

test('PPO on the proxy reward hacks it: high proxy, true return below random', async () => {
  const r = await train({ runDir: join(root, 'proxy'), input: { env: 'tomato', reward: 'proxy', seed: 0, iterations: 50, ppo: DEMO_PPO_OVERRIDES } });
  assert.equal(r.status, 'finished');
  if (r.status !== 'finished') return;
  assert.ok(r.summary.proxyReturn.mean > 40, `proxy return ${r.summary.proxyReturn.mean}`);
  assert.ok(r.summary.trueReturn.mean < random.trueReturn.mean, `true return ${r.summary.trueReturn.mean} vs random ${random.trueReturn.mean}`);
});

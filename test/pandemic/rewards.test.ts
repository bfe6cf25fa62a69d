import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  emptyDay,
  lowerStageCosts,
  PandemicEnv,
  PROXY_REWARD_WEIGHTS,
  rewardTerms,
  TRUE_REWARD_WEIGHTS,
  weightedSum,
  type DaySamples,
} from '../../src/envs/pandemic/index.js';
import { assertAllClose, assertClose } from '../helpers.js';

/** A day of three samples with the given stage and (critical, dead, infected, none, recovered) fractions. */
function day(stage: number, fractions: number[], samples = 3): DaySamples {
  const f = new Float64Array(samples * 5);
  for (let i = 0; i < samples; i++) f.set(fractions, i * 5);
  return { stages: new Float64Array(samples).fill(stage), fractions: f };
}

test('lower-stage costs are k^1.5 / 4^1.5', () => {
  assertAllClose(lowerStageCosts(5), [0, 0.125, 0.35355339, 0.64951905, 1], 1e-8);
});

test('LowerStage indexed by the stage (default) or, as published, by the action', () => {
  const prev = day(4, [0, 0, 0.1, 0.9, 0]);
  const cur = day(4, [0, 0, 0.1, 0.9, 0]);
  // Keeping stage 4 (action 1): the meant cost is that of stage 4, the published one that of index 1.
  assertClose(rewardTerms({ prev, cur, action: 1, lowerStageIndex: 'stage' }).lowerStage, -1, 1e-12);
  assertClose(rewardTerms({ prev, cur, action: 1, lowerStageIndex: 'action' }).lowerStage, -0.125, 1e-12);
  // Raising from 0 to 1 (action 2) costs more than staying at 4 when indexed by the action.
  const up = rewardTerms({ prev: day(0, [0, 0, 0.1, 0.9, 0]), cur: day(1, [0, 0, 0.1, 0.9, 0]), action: 2, lowerStageIndex: 'action' });
  assertClose(up.lowerStage, -0.35355339, 1e-8);
  assertClose(rewardTerms({ prev: day(0, [0, 0, 0.1, 0.9, 0]), cur: day(1, [0, 0, 0.1, 0.9, 0]), action: 2, lowerStageIndex: 'stage' }).lowerStage, -0.125, 1e-12);
  // Lowering from 1 to 0 is free either way.
  assert.equal(rewardTerms({ prev: day(1, [0, 0, 0, 1, 0]), cur: day(0, [0, 0, 0, 1, 0]), action: 0, lowerStageIndex: 'action' }).lowerStage, 0);
});

test('POL penalises raising the stage while infections (previous day, last sample) are below 0.5%', () => {
  const raise = (rho: number) => rewardTerms({ prev: day(1, [0, 0, rho, 1 - rho, 0]), cur: day(2, [0, 0, rho, 1 - rho, 0]), action: 2, lowerStageIndex: 'stage' }).political;
  assertClose(raise(0), -1, 1e-12);
  assertClose(raise(0.0025), -0.25, 1e-12);
  assert.equal(raise(0.005), 0);
  assert.equal(raise(0.2), 0);
  // ρ counts infected + critical + dead of the previous day's *last* sample.
  const prev: DaySamples = { stages: new Float64Array([0, 0, 0]), fractions: new Float64Array([0, 0, 0.5, 0.5, 0, 0, 0, 0.5, 0.5, 0, 0.001, 0.001, 0.001, 0.997, 0]) };
  assertClose(rewardTerms({ prev, cur: day(1, [0, 0, 0, 1, 0]), action: 2, lowerStageIndex: 'stage' }).political, -(((0.003 - 0.005) / 0.005) ** 2), 1e-12);
  // Keeping or lowering is never penalised.
  assert.equal(rewardTerms({ prev: day(2, [0, 0, 0, 1, 0]), cur: day(2, [0, 0, 0, 1, 0]), action: 1, lowerStageIndex: 'stage' }).political, 0);
  assert.equal(rewardTerms({ prev: day(2, [0, 0, 0, 1, 0]), cur: day(1, [0, 0, 0, 1, 0]), action: 0, lowerStageIndex: 'stage' }).political, 0);
  // The first step's previous day is all zeros: raising on day 1 costs the full penalty.
  assertClose(rewardTerms({ prev: emptyDay(), cur: day(1, [0, 0, 0.01, 0.99, 0]), action: 2, lowerStageIndex: 'stage' }).political, -1, 1e-12);
});

test('infection and smooth-stage terms, and the ORPO weights of true and proxy', () => {
  const prev = day(2, [0.01, 0, 0.1, 0.89, 0]);
  const cur: DaySamples = {
    stages: new Float64Array([3, 3, 3]),
    fractions: new Float64Array([0.01, 0, 0.1, 0.89, 0, 0.02, 0, 0.1, 0.88, 0, 0.03, 0, 0.1, 0.87, 0]),
  };
  const t = rewardTerms({ prev, cur, action: 2, lowerStageIndex: 'stage' });
  assertClose(t.infection, -0.02, 1e-12);
  assertClose(t.smoothStage, -1, 1e-12);
  assert.equal(t.political, 0);
  assertClose(t.lowerStage, -0.64951905, 1e-8);
  assert.deepEqual(TRUE_REWARD_WEIGHTS, { infection: 10, political: 10, lowerStage: 0.1, smoothStage: 0.01 });
  assert.deepEqual(PROXY_REWARD_WEIGHTS, { infection: 10, political: 0, lowerStage: 0.1, smoothStage: 0.01 });
  const expected = 10 * -0.02 + 0.1 * -0.64951905 + 0.01 * -1;
  assertClose(weightedSum(t, TRUE_REWARD_WEIGHTS), expected, 1e-8);
  assertClose(weightedSum(t, PROXY_REWARD_WEIGHTS), expected, 1e-8);
  const pol = { ...t, political: -0.5 };
  assertClose(weightedSum(pol, TRUE_REWARD_WEIGHTS) - weightedSum(pol, PROXY_REWARD_WEIGHTS), -5, 1e-12);
});

test('in the env: raising on day 1 costs 10 true reward more than proxy; info carries the terms', () => {
  const env = new PandemicEnv({ horizon: 5 });
  env.reset(1);
  const r = env.step(2);
  const terms = r.info['terms'] as Record<string, number>;
  assertClose(terms['political']!, -1, 1e-12);
  assertClose(r.reward.true - r.reward.proxy, -10, 1e-9);
  assertClose(terms['lowerStage']!, -0.125, 1e-12);
  assertClose(terms['smoothStage']!, -1, 1e-12);
  assert.equal(r.info['stage'], 1);
  // Keeping: no political term, no smoothness cost.
  const k = env.step(1);
  assert.equal((k.info['terms'] as Record<string, number>)['smoothStage'], 0);
  assertClose(k.reward.true, k.reward.proxy, 1e-12);
  // The published indexing charges the action: keeping stage 1 costs c[1] either way, but lowering is free.
  const published = new PandemicEnv({ horizon: 5, lowerStageIndex: 'action' });
  published.reset(1);
  published.step(2);
  published.step(2);
  const keep2 = published.step(1);
  assertClose((keep2.info['terms'] as Record<string, number>)['lowerStage']!, -0.125, 1e-12);
  const lower = published.step(0);
  assert.equal((lower.info['terms'] as Record<string, number>)['lowerStage'], 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../src/envs/checker.js';
import { makeEnv } from '../../src/envs/registry.js';
import '../../src/envs/builtin.js';
import { OBS_FEATURES, PandemicEnv, resolvePandemicConfig, type PandemicConfig } from '../../src/envs/pandemic/index.js';
import { assertClose } from '../helpers.js';

const make = (config?: Partial<PandemicConfig>) => new PandemicEnv(config);

test('pandemic passes checkEnv (short horizon) and is registered', () => {
  const report = checkEnv(make, { config: { horizon: 12 }, episodes: 3, seed: 4 });
  assert.deepEqual(report.passed, ['spaces', 'rollouts', 'reset-after-end', 'determinism', 'invalid-actions']);
  assert.equal(report.observationDim, 24 * 13);
  assert.equal(report.actionSpace, 'Discrete(3)');
  assert.equal(report.horizon, 13);
  assert.equal(report.terminated, 3);
  const env = makeEnv('pandemic', { horizon: 3 });
  assert.ok(env instanceof PandemicEnv);
  const unconstrained = checkEnv(make, { config: { horizon: 6, constrain: false }, episodes: 1 });
  assert.equal(unconstrained.actionSpace, 'Discrete(5)');
});

test('observation layout: 24 rows × 13 features, rolling by three rows a day', () => {
  const env = new PandemicEnv({ horizon: 10 });
  const first = env.reset(3).obs;
  assert.equal(first.length, 24 * OBS_FEATURES);
  assert.ok(first.every((v) => v === 0), 'zeros before the first day');
  const o1 = env.step(2).obs;
  const row = (obs: Float32Array, r: number) => Array.from(obs.subarray(r * OBS_FEATURES, (r + 1) * OBS_FEATURES));
  for (let r = 0; r < 21; r++) assert.ok(row(o1, r).every((v) => v === 0), `row ${r} still empty after one day`);
  // The three samples of day 1: after hours 8, 16 and 24.
  [8, 16, 24].forEach((hours, i) => {
    const x = row(o1, 21 + i);
    assertClose(x[0]!, hours / 8760, 1e-7, 0, `time of sample ${i}`);
    assert.equal(x[1], 1, 'stage after raising once');
    assert.ok(x[2] === 0 || x[2] === 1);
    assertClose(x.slice(3, 8).reduce((a, b) => a + b, 0), 1, 1e-6, 0, 'alpha testing fractions sum to 1');
    // Delta has not emerged: all NONE.
    assert.deepEqual(x.slice(8, 13), [0, 0, 0, 1, 0]);
  });
  const o2 = env.step(1).obs;
  for (let i = 0; i < 3; i++) assert.deepEqual(row(o2, 18 + i), row(o1, 21 + i), 'yesterday moved up by three rows');
  assertClose(row(o2, 23)[0]!, 48 / 8760, 1e-7);
  // Observations are fresh arrays (rollout buffers keep them).
  assert.notEqual(o1, o2);
  // The stage column follows the clamp: lowering at 0 keeps 0, raising at 4 keeps 4.
  const clamp = new PandemicEnv({ horizon: 10 });
  clamp.reset(0);
  assert.equal(clamp.step(0).info['stage'], 0);
  for (let i = 0; i < 6; i++) clamp.step(2);
  assert.equal(clamp.stage, 4);
});

test('an episode lasts horizon + 1 = 193 days and ends terminated', () => {
  const env = new PandemicEnv();
  env.reset(11);
  let steps = 0;
  for (;;) {
    const r = env.step(1);
    steps++;
    if (r.terminated || r.truncated) {
      assert.equal(r.terminated, true);
      assert.equal(r.truncated, false);
      break;
    }
  }
  assert.equal(steps, 193);
  assert.equal(env.horizon, 193);
  assert.throws(() => env.step(1), /episode has ended/);
});

test('deterministic under a seed; reset() keeps the city, reset(seed) rebuilds it', () => {
  const run = (env: PandemicEnv, seed: number | undefined, days: number) => {
    env.reset(seed);
    const out: number[] = [];
    for (let d = 0; d < days; d++) {
      const r = env.step(d % 3);
      out.push(r.reward.true, r.reward.proxy, ...r.obs.subarray(21 * 13));
    }
    return out;
  };
  const a = run(new PandemicEnv({ horizon: 30 }), 5, 30);
  const b = run(new PandemicEnv({ horizon: 30 }), 5, 30);
  assert.deepEqual(a, b);
  const c = run(new PandemicEnv({ horizon: 30 }), 6, 30);
  assert.notDeepEqual(a, c);
  const env = new PandemicEnv({ horizon: 30 });
  env.reset(5);
  const cityBefore = Array.from(env.city.age);
  env.reset();
  assert.deepEqual(Array.from(env.city.age), cityBefore, 'reset() keeps the city');
  const fixed = new PandemicEnv({ horizon: 30, citySeed: 9 });
  fixed.reset(1);
  const ages1 = Array.from(fixed.city.age);
  fixed.reset(2);
  assert.deepEqual(Array.from(fixed.city.age), ages1, 'citySeed keeps one city for every seed');
});

test('getState/setState resumes an episode exactly', () => {
  const env = new PandemicEnv({ horizon: 40 });
  env.reset(8);
  for (let d = 0; d < 12; d++) env.step(d % 3);
  const state = JSON.parse(JSON.stringify(env.getState()));
  const future = (e: PandemicEnv) => {
    const out: number[] = [];
    for (let d = 0; d < 10; d++) {
      const r = e.step((d * 7) % 3);
      out.push(r.reward.true, ...r.obs);
    }
    return out;
  };
  const expected = future(env);
  const other = new PandemicEnv({ horizon: 40 });
  other.reset(99);
  other.setState(state);
  assert.deepEqual(future(other), expected);
  assert.deepEqual(other.episodeMetrics(), env.episodeMetrics());
});

test('episode metrics: mean stage over days, peaks and deaths from the simulator counts', () => {
  const env = new PandemicEnv({ horizon: 30 });
  env.reset(3);
  const stages: number[] = [];
  let peak = 0;
  for (let d = 0; d < 20; d++) {
    const r = env.step(d < 4 ? 2 : 1);
    stages.push((r.info as { stage: number }).stage);
    const rec = env.record();
    // Summary order: critical, dead, infected, none, recovered.
    peak = Math.max(peak, (rec.infection[2]! + rec.infection[0]!) / env.config.numPersons);
  }
  const m = env.episodeMetrics();
  assertClose(m['meanStage']!, stages.reduce((a, b) => a + b, 0) / stages.length, 1e-12);
  assert.ok(m['meanStage']! > 0, 'raising the stage four times must show');
  assert.ok(m['peakInfectedFraction']! >= 0 && m['peakInfectedFraction']! <= 1);
  assert.ok(m['deadFraction']! >= 0 && m['deadFraction']! <= 1);
  assertClose(m['peakInfectedFraction']!, peak, 1e-12);
});

test('config validation names the field and what is allowed', () => {
  assert.equal(resolvePandemicConfig({}).horizon, 192);
  assert.throws(() => new PandemicEnv({ horizon: 0 }), /horizon=0; allowed: an integer in 1\.\.363/);
  assert.throws(() => new PandemicEnv({ lowerStageIndex: 'day' as never }), /lowerStageIndex="day"; allowed: 'stage', 'action'/);
  assert.throws(() => new PandemicEnv({ deltaStartLo: 10, deltaStartHi: 10 }), /deltaStartHi=10/);
  assert.throws(() => new PandemicEnv({ spontaneousTestingRate: 2 }), /spontaneousTestingRate=2; allowed: a number in \[0, 1\]/);
  assert.throws(() => new PandemicEnv({ trueWeights: { infection: 'x' } as never }), /trueWeights\.infection="x"/);
  assert.throws(() => new PandemicEnv({ colour: 1 } as never), /unknown field "colour"/);
  assert.throws(() => new PandemicEnv({ samplesPerDay: 5 }), /samplesPerDay=5/);
  assert.throws(() => new PandemicEnv().step(3), RangeError);
  const w = resolvePandemicConfig({ proxyWeights: { political: 1 } as never }).proxyWeights;
  assert.deepEqual(w, { infection: 10, political: 1, lowerStage: 0.1, smoothStage: 0.01 });
});

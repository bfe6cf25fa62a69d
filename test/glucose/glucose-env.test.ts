import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/envs/builtin.js';
import { makeEnv, getEnvSpec } from '../../src/envs/registry.js';
import { checkEnv } from '../../src/envs/checker.js';
import {
  GlucoseEnv,
  GlucoseEpisodeMetrics,
  HYPO_STEP_COST,
  T1DPatient,
  basalRate,
  loadHistoryInit,
  loadPatientParams,
  magniRisk,
  resolveGlucoseConfig,
  riskIndex,
  type GlucoseStepInfo,
} from '../../src/envs/glucose/index.js';
import { assertClose } from '../helpers.js';

const act = (a: number) => Float32Array.of(a);

test('registered as "glucose"; the env checker passes (default and short-horizon configs)', () => {
  assert.equal(getEnvSpec('glucose').name, 'glucose');
  const report = checkEnv((config?: Record<string, unknown>) => makeEnv('glucose', config), { episodes: 2 });
  assert.deepEqual(report.passed, ['spaces', 'rollouts', 'reset-after-end', 'determinism', 'invalid-actions']);
  assert.equal(report.observationDim, 96);
  assert.equal(report.horizon, 5760);
  const short = checkEnv((config?: Record<string, unknown>) => makeEnv('glucose', config), { config: { horizon: 50, patient: 'child#002', histInit: false, noiseScale: 1 }, episodes: 3 });
  assert.equal(short.steps, 150);
});

test('ORPO settings: adult#001, horizon 5760, action [0, 0.1] scaled by basal·43.2 (max 0.09125 U/min)', () => {
  const env = new GlucoseEnv();
  assert.equal(env.config.patient, 'adult#001');
  assert.equal(env.horizon, 5760);
  assert.deepEqual(env.observationSpace.shape, [2, 48]);
  assertClose(env.basal, 0.0211227, 1e-7);
  assertClose(env.actionToInsulin(0.1), 0.09125, 1e-5);
  assertClose(env.insulinToAction(env.actionToInsulin(0.037)), 0.037, 1e-15);
  const adolescent = new GlucoseEnv({ patient: 'adolescent#001' });
  assertClose(adolescent.basal, 0.0139356, 1e-7);
});

test('the first observation is the last 4 hours of the shipped history (CGM, then insulin)', () => {
  const env = new GlucoseEnv();
  const { obs } = env.reset(0);
  const h = loadHistoryInit('adult#001');
  assert.equal(h.cgm.length, 289);
  assert.equal(h.t, 1440);
  for (let i = 0; i < 48; i++) {
    assert.equal(obs[i], Math.fround(h.cgm[289 - 48 + i]!));
    assert.equal(obs[48 + i], Math.fround(h.insulin[289 - 48 + i]!));
  }
  assert.equal(env.patient.t, 1440);
  assert.equal(env.lastCgm, h.cgm[288]);
});

test('a step: five 1-minute patient steps; averages; CGM held between 3-minute samples; both rewards', () => {
  const env = new GlucoseEnv();
  env.reset(5);
  const a = 0.03;
  const delivered = env.pump.bolus(env.actionToInsulin(a));
  // The same five minutes with a bare patient (no meal before 5 am).
  const p = loadPatientParams('adult#001');
  const twin = new T1DPatient(p);
  twin.x.set(loadHistoryInit('adult#001').state);
  twin.t = 1440;
  const bgs: number[] = [];
  for (let k = 0; k < 5; k++) {
    twin.step(0, delivered);
    bgs.push(twin.bg);
  }
  const r = env.step(act(a));
  const info = r.info as GlucoseStepInfo;
  const bgAvg = bgs.reduce((s, v) => s + v / 5, 0);
  assertClose(info.bg, bgAvg, 1e-12, 1e-12, 'BG average');
  // Minutes 1441, 1442 hold the reset-time reading of the table steady state (noise 0: Gb);
  // 1443 measures; 1444, 1445 hold it.
  const held = p.initState[12]! / p.Vg;
  assertClose(info.cgm, (2 * held + 3 * bgs[2]!) / 5, 1e-9, 0, 'CGM average');
  assertClose(info.insulin, delivered, 1e-15, 0, 'insulin average');
  assert.equal(info.cho, 0);
  assertClose(r.reward.proxy, -0.32 * delivered - (bgAvg < 70 ? HYPO_STEP_COST : 0), 1e-15, 0, 'proxy');
  assertClose(r.reward.true, -magniRisk(bgAvg), 1e-12, 0, 'true');
  assert.equal(info.risk, riskIndex(bgAvg).risk);
  assert.equal(info.magniRisk, magniRisk(bgAvg));
  assert.equal(info.minute, 1445);
  assert.equal(r.obs[47], Math.fround(info.cgm));
  assert.equal(r.obs[95], Math.fround(info.insulin));
  assert.equal(r.terminated, false);
  assert.equal(r.truncated, false);
});

test('reward definitions: hypoglycaemia cost 0.128425 per step; Magni risk 10·(3.5506·(ln bg^0.8353 − 3.7932))²', () => {
  assertClose(HYPO_STEP_COST, 0.128425, 1e-6);
  // Zero risk where ln(bg)^0.8353 = 3.7932, at about 138.9 mg/dL.
  const zero = Math.exp(Math.pow(3.7932, 1 / 0.8353));
  assertClose(zero, 138.9, 0.1);
  assertClose(magniRisk(zero), 0, 1e-12);
  assert.ok(magniRisk(70) > magniRisk(250));
  assertClose(magniRisk(50), 10 * (3.5506 * (Math.log(50) ** 0.8353 - 3.7932)) ** 2, 1e-12);
  assert.equal(magniRisk(0), magniRisk(1));
  const k = riskIndex(300);
  assert.equal(k.lbgi, 0);
  assert.ok(k.hbgi > 0);
  assert.equal(riskIndex(60).hbgi, 0);
});

test('too much insulin drives BG below 10: terminated with the penalty (100 proxy, 1e5 true)', () => {
  const env = new GlucoseEnv();
  env.reset(0);
  let last;
  for (let t = 0; t < 1000; t++) {
    last = env.step(act(0.1));
    if (last.terminated || last.truncated) break;
  }
  assert.ok(last && last.terminated && !last.truncated);
  const info = last.info as GlucoseStepInfo;
  assert.ok(info.bg < 10);
  assertClose(last.reward.proxy, info.proxyReward - 100, 1e-9);
  assertClose(last.reward.true, info.trueReward - 1e5, 1e-6);
  assert.throws(() => env.step(act(0)), /episode has ended/);
});

test('no insulin is what the proxy wants: proxy return 0 while BG stays high and the true reward is poor', () => {
  const env = new GlucoseEnv({ horizon: 288 * 2 });
  env.reset(1);
  let proxy = 0;
  let tru = 0;
  const metrics = new GlucoseEpisodeMetrics();
  for (;;) {
    const r = env.step(act(0));
    proxy += r.reward.proxy;
    tru += r.reward.true;
    metrics.add(r.info as GlucoseStepInfo);
    if (r.terminated || r.truncated) {
      assert.ok(r.truncated && !r.terminated);
      break;
    }
  }
  assert.equal(proxy, 0);
  const m = metrics.summary();
  assert.equal(m.steps, 576);
  assert.ok(m.meanBg > 250, `mean BG ${m.meanBg}`);
  assert.ok(m.hyperFraction > 0.8);
  assert.equal(m.totalInsulin, 0);
  assert.ok(tru < -20 * 576);
});

test('deterministic under a seed; different seeds give different meals; getState/setState resumes exactly', () => {
  const run = (seed: number, n: number) => {
    const env = new GlucoseEnv({ noiseScale: 1 });
    env.reset(seed);
    const out: number[] = [];
    for (let t = 0; t < n; t++) {
      const r = env.step(act(0.02 + 0.01 * Math.sin(t)));
      out.push(r.reward.proxy, r.reward.true, ...r.obs.subarray(40, 48));
    }
    return out;
  };
  assert.deepEqual(run(3, 400), run(3, 400));
  assert.notDeepEqual(run(3, 400), run(4, 400));

  const env = new GlucoseEnv({ noiseScale: 1 });
  env.reset(8);
  for (let t = 0; t < 333; t++) env.step(act(0.025));
  const saved = JSON.parse(JSON.stringify(env.getState()));
  const tail = (e: GlucoseEnv) => Array.from({ length: 400 }, (_, t) => e.step(act(0.01 + (t % 7) * 0.01)));
  const a = tail(env);
  const resumed = new GlucoseEnv({ noiseScale: 1 });
  resumed.reset(99);
  resumed.setState(saved);
  const b = tail(resumed);
  for (let t = 0; t < a.length; t++) {
    assert.deepEqual(b[t]!.reward, a[t]!.reward, `reward at ${t}`);
    assert.deepEqual(Array.from(b[t]!.obs), Array.from(a[t]!.obs), `obs at ${t}`);
  }
  // The episode statistics travel with the state, and agree with the step infos they summarise.
  assert.deepEqual(resumed.episodeMetrics(), env.episodeMetrics());
  const m = env.episodeMetrics();
  const infos = a.map((r) => r.info as { bg: number });
  assert.ok(m['meanBg']! > 0 && m['hypoFraction']! + m['hyperFraction']! + m['euFraction']! > 0.999);
  const fresh = new GlucoseEnv({ noiseScale: 1 });
  fresh.reset(8);
  const bgs = Array.from({ length: 50 }, (_, t) => (fresh.step(act(0.01 + (t % 3) * 0.02)).info as { bg: number }).bg);
  assertClose(fresh.episodeMetrics()['meanBg']!, bgs.reduce((s, x) => s + x, 0) / 50, 1e-9);
  assert.equal(fresh.episodeMetrics()['hyperFraction'], bgs.filter((x) => x > 180).length / 50);
  assert.ok(infos.length === 400);
  // reset() without a seed continues the stream: a new episode with new meals.
  const e2 = new GlucoseEnv();
  e2.reset(2);
  const s1 = e2.episodeSeed;
  e2.reset();
  assert.notEqual(e2.episodeSeed, s1);
});

test('meals arrive: over two days the announced CHO matches the scenario plan', () => {
  const env = new GlucoseEnv({ horizon: 600 });
  env.reset(4);
  let cho = 0;
  for (let t = 0; t < 288; t++) cho += (env.step(act(0.02)).info as GlucoseStepInfo).cho * 5;
  const planned = env.scenario.today().reduce((s, m) => s + m.amount, 0);
  assertClose(cho, planned, 1e-9, 1e-12, 'grams announced on day 1');
  assert.ok(planned > 150);
});

test('without histInit the episode starts at the table steady state with −1 padding', () => {
  const env = new GlucoseEnv({ patient: 'child#004', histInit: false });
  const { obs } = env.reset(0);
  const p = loadPatientParams('child#004');
  assert.equal(env.patient.t, 0);
  for (let i = 0; i < 47; i++) {
    assert.equal(obs[i], -1);
    assert.equal(obs[48 + i], -1);
  }
  assertClose(obs[47]!, p.initState[12]! / p.Vg, 1e-4);
  assert.equal(obs[95], 0);
  assertClose(basalRate(p) * 43.2, env.actionToInsulin(1), 1e-15);
});

test('config validation names the field and the allowed values', () => {
  assert.throws(() => resolveGlucoseConfig({ patient: 'adult#011' }), /invalid patient="adult#011"; allowed: adolescent#001, .*child#010/);
  assert.throws(() => resolveGlucoseConfig({ patient: 'adult#002' }), /invalid histInit=true; allowed: false for patient adult#002 \(a start-up history ships only for adolescent#001, adult#001\)/);
  assert.doesNotThrow(() => resolveGlucoseConfig({ patient: 'adult#002', histInit: false }));
  assert.throws(() => resolveGlucoseConfig({ trueReward: 'magni' as never }), /invalid trueReward="magni"; allowed: expected_patient_cost, magni_bg/);
  assert.throws(() => resolveGlucoseConfig({ horizon: 0 }), /invalid horizon=0; allowed: an integer >= 1/);
  assert.throws(() => resolveGlucoseConfig({ integrator: 'euler' as never }), /invalid integrator="euler"; allowed: 'lsoda', 'dopri5', 'rk4'/);
  assert.throws(() => resolveGlucoseConfig({ nHours: 0.3 }), /invalid nHours=0.3/);
  assert.throws(() => resolveGlucoseConfig({ seed: 1 } as never), /unknown field "seed"/);
  const env = new GlucoseEnv();
  assert.throws(() => env.step(act(0.2)), RangeError);
  assert.throws(() => env.step(act(-0.01)), /allowed: an array of one number in \[0, 0.1\]/);
});

test('speed: a 20-day episode runs in well under a second', () => {
  const env = new GlucoseEnv();
  env.reset(0);
  const t0 = performance.now();
  let steps = 0;
  for (;;) {
    const r = env.step(act(0.0231));
    steps++;
    if (r.terminated || r.truncated) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(steps, 5760);
  assert.ok(seconds < 3, `${seconds} s`);
});

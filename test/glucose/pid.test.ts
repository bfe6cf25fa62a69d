import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/envs/builtin.js';
import { GlucosePid, glucosePidController, makeController, controllerNames } from '../../src/policies/controllers/index.js';
import { GlucoseEnv, GlucoseEpisodeMetrics, loadPidParams, type GlucoseStepInfo } from '../../src/envs/glucose/index.js';
import { TomatoEnv } from '../../src/envs/tomato/index.js';
import { assertClose } from '../helpers.js';

test('PID gains of adult#001: setpoint 120, kp −1e-4, ki −5e-7, kd −1e-2', () => {
  assert.deepEqual(loadPidParams('adult#001'), { name: 'adult#001', setpoint: 120, kp: -1e-4, ki: -5e-7, kd: -1e-2 });
  assert.deepEqual(controllerNames('glucose'), ['pid', 'pid-noiseless']);
});

test('PID output on hand cases', () => {
  const pid = GlucosePid.forPatient('adult#001');
  // e = 120 − 150 = −30: p = 0.003, integral −30 → i = 1.5e-5, d = −0.01·(−30 − 0) = 0.3.
  assertClose(pid.step(150), 0.003 + 1.5e-5 + 0.3, 1e-15);
  // e = −20: p = 0.002, integral −50 → 2.5e-5, d = −0.01·(−20 − (−30)) = −0.1.
  assertClose(pid.step(140), 0.002 + 2.5e-5 - 0.1, 1e-15);
  // e = +40 (low glucose): p = −0.004, integral −10 → 5e-6, d = −0.01·60 = −0.6.
  assertClose(pid.step(80), -0.004 + 5e-6 - 0.6, 1e-15);
  pid.reset();
  assert.equal(pid.integral, 0);
  assert.equal(pid.previousError, 0);
  assertClose(pid.step(120), 0, 1e-18);
  const withBasal = new GlucosePid(100, 1, 0, 0, 0.5);
  assert.equal(withBasal.step(90), 10.5);
});

test('the controller acts on the last CGM average, in action units, clipped to [0, 0.1]', () => {
  const env = new GlucoseEnv();
  env.reset(0);
  const ctl = glucosePidController({ noiseStd: 0 });
  ctl.reset();
  const pid = GlucosePid.forPatient('adult#001');
  for (let t = 0; t < 300; t++) {
    const a = ctl.act(env) as Float32Array;
    const u = pid.step(env.lastCgm);
    const expected = Math.min(Math.max(u / env.actionScale, 0), 0.1);
    assert.equal(a.length, 1);
    assert.equal(a[0], Math.fround(expected), `step ${t}`);
    env.step(a);
  }
  assert.throws(() => ctl.act(new TomatoEnv()), /needs a GlucoseEnv/);
});

test('the noisy controller is reproducible per episode and restarts its PID at every episode', () => {
  const episode = (seed: number) => {
    const env = new GlucoseEnv({ horizon: 200 });
    env.reset(seed);
    const ctl = makeController('glucose', 'pid');
    ctl.reset();
    const actions: number[] = [];
    for (;;) {
      const a = ctl.act(env) as Float32Array;
      actions.push(a[0]!);
      const r = env.step(a);
      if (r.terminated || r.truncated) break;
    }
    return actions;
  };
  assert.deepEqual(episode(1), episode(1));
  assert.notDeepEqual(episode(1), episode(2));
  // One controller over two episodes gives the same as fresh controllers.
  const env = new GlucoseEnv({ horizon: 50 });
  const ctl = makeController('glucose', 'pid');
  const both: number[][] = [];
  for (const seed of [1, 1]) {
    env.reset(seed);
    ctl.reset();
    const acts: number[] = [];
    for (let t = 0; t < 50; t++) {
      const a = ctl.act(env) as Float32Array;
      acts.push(a[0]!);
      env.step(a);
    }
    both.push(acts);
  }
  assert.deepEqual(both[0], both[1]);
});

test('over a 20-day episode the PID keeps adult#001 in range most of the time, without termination', () => {
  // It starts high (the integral term builds up over the first days) and later overshoots into
  // hypoglycaemia on some days; over the episode it is in range about 60% of the time.
  const env = new GlucoseEnv();
  env.reset(0);
  const ctl = makeController('glucose', 'pid');
  ctl.reset();
  const m = new GlucoseEpisodeMetrics();
  for (;;) {
    const r = env.step(ctl.act(env) as Float32Array);
    m.add(r.info as GlucoseStepInfo);
    if (r.terminated || r.truncated) {
      assert.equal(r.terminated, false);
      break;
    }
  }
  const s = m.summary();
  assert.equal(s.steps, 5760);
  assert.ok(s.meanBg > 100 && s.meanBg < 180, `mean BG ${s.meanBg}`);
  assert.ok(s.euFraction > 0.5, `in range ${s.euFraction}`);
  assert.ok(s.hypoFraction < 0.25, `hypo ${s.hypoFraction}`);
  assert.ok(s.totalInsulin > 0);
  assertClose(s.hypoFraction + s.hyperFraction + s.euFraction, 1, 1e-12);
});

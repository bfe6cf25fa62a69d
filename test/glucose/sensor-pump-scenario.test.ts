import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CgmNoise,
  CgmSensor,
  FixedScenario,
  InsulinPump,
  RandomBalancedScenario,
  harrisBenedict,
  johnsonSU,
  loadPatientParams,
  loadPumpParams,
  loadSensorParams,
  notAKnotWeights,
  roundHalfEven,
  MEAL_TIME_LOWER,
  MEAL_TIME_UPPER,
} from '../../src/envs/glucose/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../helpers.js';

const DEXCOM = loadSensorParams('Dexcom');

test('sensor parameters: the fork clips to 40-400, simglucose to 39-600; Dexcom samples every 3 minutes', () => {
  assert.deepEqual(
    { PACF: DEXCOM.PACF, gamma: DEXCOM.gamma, lambda: DEXCOM.lambda, delta: DEXCOM.delta, xi: DEXCOM.xi, sampleTime: DEXCOM.sampleTime, min: DEXCOM.min, max: DEXCOM.max },
    { PACF: 0.7, gamma: -0.5444, lambda: 15.9574, delta: 1.6898, xi: -5.47, sampleTime: 3, min: 40, max: 400 },
  );
  const sg = loadSensorParams('Dexcom', 'simglucose');
  assert.equal(sg.min, 39);
  assert.equal(sg.max, 600);
  assert.throws(() => loadSensorParams('Libre'), /unknown sensor "Libre"; allowed: Dexcom, GuardianRT/);
});

test('not-a-knot cubic spline weights reproduce cubic polynomials exactly and sum to one', () => {
  const times = Array.from({ length: 51 }, (_, i) => i * 3);
  const w = notAKnotWeights(11, 15, times);
  const cubic = (t: number) => 2 - 0.3 * t + 0.01 * t * t - 4e-5 * t ** 3;
  const knots = Array.from({ length: 11 }, (_, j) => cubic(15 * j));
  for (let r = 0; r < times.length; r++) {
    const row = w[r]!;
    let v = 0;
    let s = 0;
    for (let j = 0; j < 11; j++) {
      v += row[j]! * knots[j]!;
      s += row[j]!;
    }
    assertClose(v, cubic(times[r]!), 1e-9, 1e-9, `spline at t=${times[r]}`);
    assertClose(s, 1, 1e-12, 0, `weights at t=${times[r]}`);
  }
});

test('CGM noise: Johnson-SU transform of an AR(1) latent process on a 15-minute grid, interpolated every 3 minutes', () => {
  const noise = new CgmNoise(DEXCOM, new Rng(7));
  assert.equal(noise.perBatch, 50);
  const values = Array.from({ length: 100 }, () => noise.next());
  // Rebuild the latent knots with the same stream: e0 ~ N(0,1), e_k = PACF·(e_{k-1} + N(0,1)).
  const rng = new Rng(7);
  let e = rng.normal();
  const knots = [johnsonSU(DEXCOM, e)];
  for (let k = 1; k <= 20; k++) {
    e = DEXCOM.PACF * (e + rng.normal());
    knots.push(johnsonSU(DEXCOM, e));
  }
  // Sample i is at minute 3(i+1); multiples of 15 minutes fall on knots.
  for (let i = 0; i < 100; i++) {
    const minute = 3 * (i + 1);
    if (minute % 15 === 0) assertClose(values[i]!, knots[minute / 15]!, 1e-9, 1e-9, `noise at minute ${minute}`);
  }
  // Between knots the values are smooth interpolants, not copies.
  assert.notEqual(values[0], knots[0]);
  assert.ok(values.every(Number.isFinite));
  // A 5-minute sensor gets 30 samples per 150-minute batch.
  assert.equal(new CgmNoise(loadSensorParams('GuardianRT'), new Rng(1)).perBatch, 30);
});

test('CGM noise has the Johnson-SU marginal: mean and spread over a long run', () => {
  const noise = new CgmNoise(DEXCOM, new Rng(3));
  // The stationary latent variance is PACF²/(1-PACF²) = 0.96; check the sample at knot times.
  const n = 50 * 400;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = noise.next();
    s += v;
    s2 += v * v;
  }
  const mean = s / n;
  const sd = Math.sqrt(s2 / n - mean * mean);
  // Reference values from the transform of N(0, 0.96): mean ≈ 4.6 mg/dL, sd ≈ 10.6 (computed by quadrature below).
  let qm = 0;
  let qm2 = 0;
  let qw = 0;
  const sdLatent = Math.sqrt(0.49 / 0.51);
  for (let z = -8; z <= 8; z += 0.001) {
    const w = Math.exp(-0.5 * z * z);
    const v = johnsonSU(DEXCOM, sdLatent * z);
    qm += w * v;
    qm2 += w * v * v;
    qw += w;
  }
  const qMean = qm / qw;
  const qSd = Math.sqrt(qm2 / qw - qMean * qMean);
  assertClose(mean, qMean, 1.5, 0, 'noise mean');
  assertClose(sd, qSd, 0.2 * qSd, 0, 'noise sd');
});

test('CGM sensor: measures on multiples of the sample time, holds in between, clips to [40, 400]', () => {
  const sensor = new CgmSensor(DEXCOM, new Rng(0), 0);
  sensor.reset();
  assert.equal(sensor.lastCgm, 0);
  assert.equal(sensor.measure(1, 120), 0); // nothing measured yet: held 0
  assert.equal(sensor.measure(3, 120), 120);
  assert.equal(sensor.measure(4, 300), 120);
  assert.equal(sensor.measure(5, 300), 120);
  assert.equal(sensor.measure(6, 25), 40);
  assert.equal(sensor.measure(9, 700), 400);
  assert.equal(sensor.measure(1443, 150.5), 150.5);
  // With noise, the reading differs from BG by the noise sequence value (seeded).
  const noisy = new CgmSensor(DEXCOM, new Rng(0), 1);
  noisy.reset(5);
  const check = new CgmNoise(DEXCOM, new Rng(5));
  for (let t = 0; t < 30; t++) {
    const v = noisy.measure(t, 150);
    if (t % 3 === 0) assertClose(v, 150 + check.next(), 1e-12, 0, `noisy reading at ${t}`);
  }
  // reset(seed) restarts the same stream.
  noisy.reset(5);
  const again = new CgmNoise(DEXCOM, new Rng(5));
  assertClose(noisy.measure(0, 150), 150 + again.next(), 1e-12, 0, 'after reset(seed)');
});

test('sensor state round-trips mid-batch', () => {
  const a = new CgmSensor(DEXCOM, new Rng(11), 1);
  a.reset();
  for (let t = 0; t < 77; t++) a.measure(t, 140);
  const b = new CgmSensor(DEXCOM, new Rng(0), 1);
  b.setState(JSON.parse(JSON.stringify(a.getState())));
  for (let t = 77; t < 500; t++) assert.equal(b.measure(t, 140), a.measure(t, 140));
});

test('pump: rates quantised to 0.05 pmol/min (round half to even), clipped to the Insulet limits', () => {
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(2.4999), 2);
  assert.equal(roundHalfEven(-1.5), -2);
  const pump = new InsulinPump(loadPumpParams('Insulet'));
  // adult#001's basal 0.0211227 U/min = 126.736 pmol/min -> 126.75 pmol/min.
  assertClose(pump.bolus(0.0211227), 126.75 / 6000, 1e-15, 0, 'basal-sized bolus');
  assertClose(pump.bolus(0.09125), 547.5 / 6000, 1e-15, 0, 'max action');
  assert.equal(pump.bolus(0), 0);
  assert.equal(pump.bolus(-1), 0);
  assert.equal(pump.bolus(45), 30);
  assert.equal(pump.basal(31), 30);
  assert.equal(new InsulinPump(loadPumpParams('Cozmo')).bolus(100), 75);
  // Every delivered rate is a multiple of the increment.
  for (let i = 0; i < 200; i++) {
    const r = pump.bolus(i * 0.000731);
    const q = (r * 6000) / 0.05;
    assertClose(q, Math.round(q), 1e-6, 0, `quantised ${r}`);
  }
  assert.throws(() => loadPumpParams('Omnipod'), /allowed: Cozmo, Insulet/);
});

test('Harris-Benedict meal means (adult#001: 69.35, 81.96, 97.73, snack 9.46 g)', () => {
  const p = loadPatientParams('adult#001');
  const m = harrisBenedict(p.BW, 'adult');
  assertClose(m.breakfast, 69.35, 0.01);
  assertClose(m.lunch, 81.96, 0.01);
  assertClose(m.dinner, 97.73, 0.01);
  assertClose(m.snack, 9.46, 0.01);
  // Adolescents by weight band: <= 50.8 kg is 13 years, 156.2 cm.
  const light = harrisBenedict(45, 'adolescent');
  const bmr = 66.5 + 13.75 * 45 + 5.003 * 156.2 - 6.755 * 13;
  assertClose(light.breakfast, ((1.2 * bmr * 0.45) / 4) * (1.1 / 4.4), 1e-9);
});

test('random balanced scenario: seeded, one plan per day drawn at midnight, meals over 5 minutes', () => {
  const p = loadPatientParams('adult#001');
  const run = (seed: number) => {
    const s = new RandomBalancedScenario(p.BW, 'adult', new Rng(0));
    s.reset(seed);
    const out: number[] = [];
    for (let t = 1440; t < 1440 * 4; t++) out.push(s.mealAt(t));
    return { out, s };
  };
  const a = run(3);
  const b = run(3);
  const c = run(4);
  assert.deepEqual(a.out, b.out);
  assert.notDeepEqual(a.out, c.out);
  // Each meal of A grams is announced as A/5 g/min for 5 minutes; nothing is announced at night.
  const day = a.s.today();
  for (const meal of day) {
    for (let k = 0; k < 5; k++) assert.equal(a.out[2 * 1440 + meal.time + k], meal.amount / 5);
  }
  for (let m = 0; m < 300; m++) assert.equal(a.out[m], 0);
  // Statistics over many days: breakfast/lunch/dinner nearly always, snacks about 30%; times in bounds.
  const s = new RandomBalancedScenario(p.BW, 'adult', new Rng(1));
  const counts = new Array<number>(6).fill(0);
  let breakfastGrams = 0;
  let nb = 0;
  const days = 2000;
  for (let d = 0; d < days; d++) {
    for (const meal of s.drawDay()) {
      const slot = [0, 1, 2, 3, 4, 5].find((i) => meal.time >= MEAL_TIME_LOWER[i]! && meal.time <= MEAL_TIME_UPPER[i]! && (i % 2 === 0 ? meal.amount > 30 : meal.amount < 30));
      assert.ok(slot !== undefined, `meal ${JSON.stringify(meal)} fits no slot`);
      counts[slot] = counts[slot]! + 1;
      if (slot === 0) {
        breakfastGrams += meal.amount;
        nb++;
      }
      assert.ok(Number.isInteger(meal.amount) && Number.isInteger(meal.time));
    }
  }
  assertClose(counts[0]! / days, 0.95, 0.02);
  assertClose(counts[1]! / days, 0.3, 0.03);
  assertClose(counts[4]! / days, 0.95, 0.02);
  assertClose(breakfastGrams / nb, 69.35, 1);
});

test('scenario state round-trips and a fixed scenario announces what it is given', () => {
  const s = new RandomBalancedScenario(80, 'adult', new Rng(0));
  s.reset(9);
  for (let t = 0; t < 2000; t++) s.mealAt(t);
  const copy = new RandomBalancedScenario(80, 'adult', new Rng(123));
  copy.setState(JSON.parse(JSON.stringify(s.getState())));
  for (let t = 2000; t < 6000; t++) assert.equal(copy.mealAt(t), s.mealAt(t));
  const fixed = new FixedScenario([{ time: 10, amount: 50 }], 5);
  assert.deepEqual([9, 10, 14, 15].map((t) => fixed.mealAt(t)), [0, 10, 10, 0]);
});

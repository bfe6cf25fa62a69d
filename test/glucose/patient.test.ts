import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  basalRate,
  loadHistoryInit,
  loadPatientParams,
  patientNames,
  T1DPatient,
  patientDerivative,
  PatientConstants,
  mealSize,
  simulateSchedule,
  LsodaIntegrator,
  Dopri5Integrator,
  type OdeSystem,
} from '../../src/envs/glucose/index.js';
import { assertClose } from '../helpers.js';
import { specRhs, specSimulate, testSchedule, rkf45 } from './reference.js';

const ADULT1 = loadPatientParams('adult#001');

test('the right-hand side matches the equations of the spec at random states and inputs', () => {
  const out = new Float64Array(13);
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const name of ['adult#001', 'adolescent#005', 'child#007']) {
    const p = loadPatientParams(name);
    const k = new PatientConstants(p);
    for (let trial = 0; trial < 50; trial++) {
      const x = Float64Array.from(p.initState, (v) => (v === 0 ? 100 * rand() : v * (0.3 + 1.4 * rand())));
      if (trial % 10 === 0) x[3] = -1; // the non-negativity guard
      const inputs = { cho: trial % 2 ? 5 * rand() : 0, insulin: 0.05 * rand(), dbar: trial % 3 ? 5e4 * rand() : 0 };
      patientDerivative(k, x, inputs.cho, inputs.insulin, inputs.dbar, out);
      const expected = specRhs(p, x, inputs);
      for (let i = 0; i < 13; i++) assertClose(out[i]!, expected[i]!, 1e-12, 1e-12, `${name} trial ${trial} dx${i}`);
    }
  }
});

test('the table state is a steady state at basal insulin: BG stays at Gb for a day (all 30 patients, both codes)', () => {
  assert.equal(patientNames().length, 30);
  for (const name of patientNames()) {
    const p = loadPatientParams(name);
    const bg0 = p.initState[12]! / p.Vg;
    assertClose(bg0, p.Gb, 1e-6, 1e-9, `${name} initial BG vs Gb`);
    for (const reference of ['bgp', 'simglucose'] as const) {
      const sim = simulateSchedule({ patient: name, minutes: 1440, reference, schedule: () => ({ cho: 0, insulin: basalRate(p) }) });
      for (let t = 0; t < sim.bg.length; t += 60) assertClose(sim.bg[t]!, bg0, 0, 1e-8, `${name} ${reference} BG at minute ${t + 1}`);
    }
  }
});

test('meal bookkeeping: announced grams are eaten at 5 g/min; D̄ adds grams as mg (simglucose) or as-is (fork)', () => {
  const pat = new T1DPatient(ADULT1, { integrator: 'rk4' });
  const eaten: number[] = [];
  for (let t = 0; t < 14; t++) eaten.push(pat.step(t === 0 ? 23 : t === 6 ? 4 : 0, basalRate(ADULT1)));
  assert.deepEqual(eaten, [5, 5, 5, 5, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
  // Eating restarts after a pause: the second meal's bookkeeping starts from the stomach then.
  assert.equal(pat.lastFood, 4);
  assert.equal(pat.isEating, false);
  assert.equal(mealSize('simglucose', 1000, 4), 5000);
  assert.equal(mealSize('bgp', 1000, 4), 1004);
});

test('gut mass balance: stomach + gut + absorbed glucose equals the carbohydrate eaten', () => {
  // Augment the model with the integral of kabs·x2 (mg absorbed) and of the subcutaneous outflow.
  const p = ADULT1;
  const k = new PatientConstants(p);
  const sys: OdeSystem & { cho: number; insulin: number; dbar: number } = {
    n: 15,
    cho: 0,
    insulin: 0,
    dbar: 0,
    rhs(_t, y, dy) {
      patientDerivative(k, y, this.cho, this.insulin, this.dbar, dy);
      dy[13] = p.kabs * y[2]!;
      dy[14] = p.ka1 * y[10]! + p.ka2 * y[11]!;
    },
  };
  const y = new Float64Array(15);
  y.set(p.initState);
  const x10x11 = y[10]! + y[11]!;
  const integ = new Dopri5Integrator({ rtol: 1e-10, atol: 1e-10 });
  let eatenMg = 0;
  let insulinIn = 0; // pmol/kg
  for (let t = 0; t < 600; t++) {
    sys.cho = t >= 30 && t < 42 ? 5 : 0;
    sys.insulin = t === 35 ? 2 : basalRate(p);
    sys.dbar = sys.cho > 0 ? 60000 : 0;
    eatenMg += 1000 * sys.cho;
    insulinIn += (sys.insulin * 6000) / p.BW;
    integ.integrate(sys, t, t + 1, y);
    const inGut = y[0]! + y[1]! + y[2]! + y[13]!;
    assertClose(inGut, eatenMg, 1e-6, 1e-9, `glucose mass at minute ${t + 1}`);
    assertClose(y[10]! + y[11]! + y[14]! - x10x11, insulinIn, 1e-6, 1e-9, `subcutaneous insulin mass at minute ${t + 1}`);
  }
});

test('simglucose model: dopri5 matches an independent RKF45 solution of the spec within 1e-5 at every minute', () => {
  for (const name of ['adult#001', 'child#003']) {
    const p = loadPatientParams(name);
    const schedule = testSchedule(basalRate(p));
    const ref = specSimulate(p, 1440, schedule, 1000);
    const sim = simulateSchedule({ patient: p, minutes: 1440, reference: 'simglucose', schedule });
    let worst = 0;
    for (let t = 0; t < 1440; t++) worst = Math.max(worst, Math.abs(sim.bg[t]! - ref.bg[t]!) / ref.bg[t]!);
    assert.ok(worst < 1e-5, `${name}: worst relative BG difference ${worst}`);
    // The meal and the insulin do move BG (the comparison is not between two flat lines).
    assert.ok(Math.max(...ref.bg) > 1.3 * ref.bg[0]!);
  }
});

test('fork model: D̄ in mixed units changes gastric emptying (the two codes disagree after a meal)', () => {
  const schedule = testSchedule(basalRate(ADULT1));
  const bgp = specSimulate(ADULT1, 300, schedule, 1);
  const sg = specSimulate(ADULT1, 300, schedule, 1000);
  const diff = Math.max(...bgp.bg.map((b, i) => Math.abs(b - sg.bg[i]!) / sg.bg[i]!));
  assert.ok(diff > 0.05, `expected the meal models to differ, max relative difference ${diff}`);
});

test('fork model with the LSODA re-creation stays within 2.5% of the exact solution (the reference solver error)', () => {
  const schedule = testSchedule(basalRate(ADULT1));
  const exact = specSimulate(ADULT1, 1440, schedule, 1);
  const sim = simulateSchedule({ patient: ADULT1, minutes: 1440, reference: 'bgp', schedule });
  let worst = 0;
  for (let t = 0; t < 1440; t++) worst = Math.max(worst, Math.abs(sim.bg[t]! - exact.bg[t]!) / exact.bg[t]!);
  assert.ok(worst < 0.025, `worst ${worst}`);
  // LSODA with rtol 10 is loose: it is not the exact solution.
  assert.ok(worst > 1e-3, `worst ${worst}`);
});

test('LSODA re-creation: a quiet minute is one order-1 Adams step with two fixed-point iterations', () => {
  // From the state a day into the shipped history (a meal digesting, BG falling), at t >= 32 the
  // initial step is the whole minute and the step is y0 + h·f(y0 + h·f(y0 + h·f(y0))).
  const p = ADULT1;
  const x = Float64Array.from(loadHistoryInit('adult#001').state);
  const inputs = { cho: 0, insulin: basalRate(p) * 2, dbar: 0 };
  const f = (y: Float64Array) => specRhs(p, y, inputs);
  const f0 = f(x);
  const y1 = x.map((v, i) => v + f0[i]!);
  const f1 = f(y1);
  const y2 = x.map((v, i) => v + f1[i]!);
  const f2 = f(y2);
  const expected = x.map((v, i) => v + f2[i]!);
  const k = new PatientConstants(p);
  const sys: OdeSystem = { n: 13, rhs: (_t, y, dy) => patientDerivative(k, y, inputs.cho, inputs.insulin, inputs.dbar, dy) };
  const integ = new LsodaIntegrator();
  const y = Float64Array.from(x);
  integ.integrate(sys, 1500, 1501, y);
  assert.equal(integ.stats.steps, 1);
  assert.equal(integ.stats.rhsEvals, 3);
  for (let i = 0; i < 13; i++) assertClose(y[i]!, expected[i]!, 1e-12, 1e-12, `x${i}`);
});

test('LSODA re-creation: the initial step scales with the clock (h0 = sqrt(1e-3)·max(|t0|,|t1|)) and shrinks at a meal start', () => {
  const p = ADULT1;
  const k = new PatientConstants(p);
  const quiet: OdeSystem = { n: 13, rhs: (_t, y, dy) => patientDerivative(k, y, 0, basalRate(p), 0, dy) };
  const integ = new LsodaIntegrator();
  const y = Float64Array.from(p.initState);
  // At t0 = 0: steps of 0.0316, 0.0316 and then the rest of the minute.
  integ.integrate(quiet, 0, 1, y);
  assert.equal(integ.stats.steps, 3);
  const before = integ.stats.steps;
  integ.integrate(quiet, 40, 41, y);
  assert.equal(integ.stats.steps - before, 1);
  // An empty stomach receiving 5 g/min has a near-zero weight: many small steps, no failure.
  const meal: OdeSystem = { n: 13, rhs: (_t, yy, dy) => patientDerivative(k, yy, 5, basalRate(p), 5, dy) };
  const s0 = integ.stats.steps;
  integ.integrate(meal, 60, 61, y);
  assert.ok(integ.stats.steps - s0 >= 10, `steps ${integ.stats.steps - s0}`);
  // The minute's result is still close to the exact one.
  const exact = rkf45((yy) => specRhs(p, yy, { cho: 5, insulin: basalRate(p), dbar: 5 }), Float64Array.from(p.initState), 1);
  assertClose(y[0]!, exact[0]!, 0, 1e-3, 'stomach solid after the first minute of a meal');
});

test('every patient simulates a day of the test schedule with both codes without failure', () => {
  for (const name of patientNames()) {
    const p = loadPatientParams(name);
    for (const reference of ['bgp', 'simglucose'] as const) {
      const sim = simulateSchedule({ patient: p, minutes: 1440, reference, schedule: testSchedule(basalRate(p)) });
      assert.ok(sim.bg.every((b) => Number.isFinite(b) && b > 0 && b < 1500), `${name} ${reference}`);
    }
  }
});

/**
 * Test-side references, written from specs/envs.md §A1 independently of src/envs/glucose: the
 * UVA/Padova right-hand side and an adaptive Runge-Kutta-Fehlberg 4(5) integrator with tight
 * tolerances. Not a test file itself.
 */
import type { PatientParams } from '../../src/envs/glucose/params.js';

export interface SpecInputs {
  /** g/min eaten this minute. */
  cho: number;
  /** U/min. */
  insulin: number;
  /** The meal size D̄ as the chosen code computes it. */
  dbar: number;
}

/** dx/dt per the spec's equations. */
export function specRhs(p: PatientParams, x: Float64Array, u: SpecInputs): Float64Array {
  const dx = new Float64Array(13);
  const [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12] = Array.from(x) as [number, number, number, number, number, number, number, number, number, number, number, number, number];
  const qsto = x0 + x1;
  const Dbar = u.dbar;
  let kgut = p.kmax;
  if (Dbar > 0) {
    const alpha = 5 / (2 * Dbar * (1 - p.b));
    const beta = 5 / (2 * Dbar * p.d);
    kgut = p.kmin + ((p.kmax - p.kmin) / 2) * (Math.tanh(alpha * (qsto - p.b * Dbar)) - Math.tanh(beta * (qsto - p.d * Dbar)) + 2);
  }
  dx[0] = -p.kmax * x0 + 1000 * u.cho;
  dx[1] = p.kmax * x0 - kgut * x1;
  dx[2] = kgut * x1 - p.kabs * x2;
  const Ra = (p.f * p.kabs * x2) / p.BW;
  const EGP = p.kp1 - p.kp2 * x3 - p.kp3 * x8;
  const E = x3 > p.ke2 ? p.ke1 * (x3 - p.ke2) : 0;
  dx[3] = Math.max(EGP, 0) + Ra - p.Fsnc - E - p.k1 * x3 + p.k2 * x4;
  const Uid = ((p.Vm0 + p.Vmx * x6) * x4) / (p.Km0 + x4);
  dx[4] = -Uid + p.k1 * x3 - p.k2 * x4;
  dx[5] = -(p.m2 + p.m4) * x5 + p.m1 * x9 + p.ka1 * x10 + p.ka2 * x11;
  const I = x5 / p.Vi;
  dx[6] = -p.p2u * x6 + p.p2u * (I - p.Ib);
  dx[7] = -p.ki * (x7 - I);
  dx[8] = -p.ki * (x8 - x7);
  dx[9] = -(p.m1 + p.m30) * x9 + p.m2 * x5;
  dx[10] = (u.insulin * 6000) / p.BW - (p.ka1 + p.kd) * x10;
  dx[11] = p.kd * x10 - p.ka2 * x11;
  dx[12] = p.ksc * (x3 - x12);
  for (const i of [3, 4, 5, 9, 10, 11, 12]) if (x[i]! < 0) dx[i] = 0;
  return dx;
}

// Fehlberg's 4(5) pair.
const A = [
  [],
  [1 / 4],
  [3 / 32, 9 / 32],
  [1932 / 2197, -7200 / 2197, 7296 / 2197],
  [439 / 216, -8, 3680 / 513, -845 / 4104],
  [-8 / 27, 2, -3544 / 2565, 1859 / 4104, -11 / 40],
];
const B5 = [16 / 135, 0, 6656 / 12825, 28561 / 56430, -9 / 50, 2 / 55];
const B4 = [25 / 216, 0, 1408 / 2565, 2197 / 4104, -1 / 5, 0];

/** Integrates y' = f(y) from 0 to T (autonomous over the interval) with RKF45, rtol/atol tight. */
export function rkf45(f: (y: Float64Array) => Float64Array, y0: Float64Array, T: number, rtol = 1e-10, atol = 1e-10): Float64Array {
  let y = Float64Array.from(y0);
  let t = 0;
  let h = T / 16;
  while (t < T) {
    if (t + h > T) h = T - t;
    const k: Float64Array[] = [];
    for (let s = 0; s < 6; s++) {
      const ys = Float64Array.from(y);
      for (let j = 0; j < s; j++) {
        const a = A[s]![j]!;
        for (let i = 0; i < y.length; i++) ys[i] = ys[i]! + h * a * k[j]![i]!;
      }
      k.push(f(ys));
    }
    const y5 = Float64Array.from(y);
    let err = 0;
    for (let i = 0; i < y.length; i++) {
      let d5 = 0;
      let d4 = 0;
      for (let s = 0; s < 6; s++) {
        d5 += B5[s]! * k[s]![i]!;
        d4 += B4[s]! * k[s]![i]!;
      }
      y5[i] = y[i]! + h * d5;
      const sc = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(y5[i]!));
      err = Math.max(err, Math.abs(h * (d5 - d4)) / sc);
    }
    if (err <= 1) {
      t += h;
      y = y5;
    }
    h *= Math.min(4, Math.max(0.1, 0.84 * Math.pow(1 / Math.max(err, 1e-12), 0.25)));
  }
  return y;
}

export interface SpecPatientRun {
  bg: number[];
  states: Float64Array[];
}

/**
 * Minute-by-minute simulation with the spec's eating bookkeeping: announced grams eaten at up to
 * 5 g/min; eating start records the stomach content; D̄ = lastQsto + scale·grams eaten so far.
 */
export function specSimulate(p: PatientParams, minutes: number, schedule: (t: number) => { cho: number; insulin: number }, gramScale: 1 | 1000): SpecPatientRun {
  let x: Float64Array = Float64Array.from(p.initState);
  let planned = 0;
  let lastQsto = x[0]! + x[1]!;
  let lastFood = 0;
  let prevEaten = 0;
  let eating = false;
  const bg: number[] = [];
  const states: Float64Array[] = [];
  for (let t = 0; t < minutes; t++) {
    const { cho, insulin } = schedule(t);
    planned += cho;
    const eat = planned > 0 ? Math.min(5, planned) : 0;
    planned = Math.max(0, planned - eat);
    if (eat > 0 && prevEaten <= 0) {
      lastQsto = x[0]! + x[1]!;
      lastFood = 0;
      eating = true;
    }
    if (eating) lastFood += eat;
    if (eat <= 0 && prevEaten > 0) eating = false;
    prevEaten = eat;
    const u = { cho: eat, insulin, dbar: lastQsto + gramScale * lastFood };
    x = rkf45((y) => specRhs(p, y, u), x, 1);
    bg.push(x[12]! / p.Vg);
    states.push(x);
  }
  return { bg, states };
}

/** A fixed day of meals and insulin used by several tests: two meals, a bolus, a pause, a snack. */
export function testSchedule(basal: number): (t: number) => { cho: number; insulin: number } {
  return (t) => {
    let cho = 0;
    let insulin = basal;
    if (t === 60) {
      cho = 50;
      insulin = basal + 1;
    }
    if (t === 400) cho = 80;
    if (t === 420) insulin = basal + 3;
    if (t >= 800 && t < 900) insulin = 0;
    if (t === 1000) cho = 30;
    return { cho, insulin };
  };
}

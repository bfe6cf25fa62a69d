/**
 * ODE integrators for the patient model. The patient is advanced one minute at a time with its
 * inputs held constant, so an integrator solves `y' = f(t, y)` from t0 to t1 in place, starting
 * afresh on every call (as both reference simulators do: simglucose restarts scipy's `dopri5` and
 * the RL4BG fork calls `solve_ivp` once per minute).
 *
 * - `dopri5`: adaptive Dormand-Prince 5(4), default rtol 1e-6 / atol 1e-12 (scipy `ode('dopri5')`
 *   defaults, as simglucose uses). Accurate; our reference for the true ODE solution.
 * - `lsoda`: the fork's `solve_ivp(method="LSODA", rtol=10)`, re-created step for step (see
 *   lsoda.ts). With that loose tolerance the solver mostly takes one first-order step per minute,
 *   and its output differs from the exact ODE solution by up to a few percent; reproducing the
 *   solver is how this port stays within 1% of the fork's trajectories.
 * - `rk4`: classical Runge-Kutta with a fixed number of sub-steps per call (fast, no error control).
 *
 * None allocates during `integrate`.
 */
import { LsodaIntegrator, type LsodaOptions } from './lsoda.js';

export interface OdeSystem {
  readonly n: number;
  /** Writes f(t, y) into dydt (no allocation, no aliasing of y and dydt). */
  rhs(t: number, y: Float64Array, dydt: Float64Array): void;
}

export interface IntegratorStats {
  /** Accepted steps since construction (or the last resetStats). */
  steps: number;
  /** Right-hand-side evaluations since construction (or the last resetStats). */
  rhsEvals: number;
}

export interface Integrator {
  readonly kind: IntegratorKind;
  readonly stats: IntegratorStats;
  /** Advances y (in place) from t0 to t1. Throws if the solver fails. */
  integrate(sys: OdeSystem, t0: number, t1: number, y: Float64Array): void;
}

export type IntegratorKind = 'lsoda' | 'dopri5' | 'rk4';
export const INTEGRATOR_KINDS: readonly IntegratorKind[] = ['lsoda', 'dopri5', 'rk4'];

export interface Dopri5Options {
  rtol?: number;
  atol?: number;
  /** Most steps per call before giving up (scipy's default nsteps is 500). */
  maxSteps?: number;
}

// Dormand-Prince 5(4) tableau (Dormand & Prince 1980; Hairer, Norsett & Wanner, Table II.5.2).
const C2 = 1 / 5, C3 = 3 / 10, C4 = 4 / 5, C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40, A32 = 9 / 40;
const A41 = 44 / 45, A42 = -56 / 15, A43 = 32 / 9;
const A51 = 19372 / 6561, A52 = -25360 / 2187, A53 = 64448 / 6561, A54 = -212 / 729;
const A61 = 9017 / 3168, A62 = -355 / 33, A63 = 46732 / 5247, A64 = 49 / 176, A65 = -5103 / 18656;
const A71 = 35 / 384, A73 = 500 / 1113, A74 = 125 / 192, A75 = -2187 / 6784, A76 = 11 / 84;
// Difference between the 5th- and 4th-order solutions.
const E1 = 71 / 57600, E3 = -71 / 16695, E4 = 71 / 1920, E5 = -17253 / 339200, E6 = 22 / 525, E7 = -1 / 40;

/** Adaptive Dormand-Prince 5(4) with first-same-as-last and the classical step-size controller. */
export class Dopri5Integrator implements Integrator {
  readonly kind = 'dopri5' as const;
  readonly stats: IntegratorStats = { steps: 0, rhsEvals: 0 };
  readonly rtol: number;
  readonly atol: number;
  readonly maxSteps: number;
  private n = 0;
  private k1 = new Float64Array(0);
  private k2 = new Float64Array(0);
  private k3 = new Float64Array(0);
  private k4 = new Float64Array(0);
  private k5 = new Float64Array(0);
  private k6 = new Float64Array(0);
  private k7 = new Float64Array(0);
  private ytmp = new Float64Array(0);
  private ynew = new Float64Array(0);

  constructor(options: Dopri5Options = {}) {
    this.rtol = options.rtol ?? 1e-6;
    this.atol = options.atol ?? 1e-12;
    this.maxSteps = options.maxSteps ?? 100000;
    if (!(this.rtol > 0) || !(this.atol >= 0)) throw new RangeError(`dopri5: rtol must be > 0 and atol >= 0, got ${this.rtol}, ${this.atol}`);
  }

  private ensure(n: number): void {
    if (this.n === n) return;
    this.n = n;
    this.k1 = new Float64Array(n);
    this.k2 = new Float64Array(n);
    this.k3 = new Float64Array(n);
    this.k4 = new Float64Array(n);
    this.k5 = new Float64Array(n);
    this.k6 = new Float64Array(n);
    this.k7 = new Float64Array(n);
    this.ytmp = new Float64Array(n);
    this.ynew = new Float64Array(n);
  }

  integrate(sys: OdeSystem, t0: number, t1: number, y: Float64Array): void {
    const n = sys.n;
    this.ensure(n);
    const { k1, k2, k3, k4, k5, k6, k7, ytmp, ynew, rtol, atol } = this;
    const span = t1 - t0;
    if (span === 0) return;
    if (!(span > 0)) throw new RangeError(`dopri5: t1 (${t1}) must not precede t0 (${t0})`);
    sys.rhs(t0, y, k1);
    this.stats.rhsEvals++;
    let h = this.initialStep(sys, t0, y, span);
    let t = t0;
    let rejectedLast = false;
    for (let steps = 0; ; steps++) {
      if (steps >= this.maxSteps) throw new Error(`dopri5: more than ${this.maxSteps} steps between t=${t0} and t=${t1}`);
      let last = false;
      if (t + 1.01 * h >= t1) {
        h = t1 - t;
        last = true;
      }
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * A21 * k1[i]!;
      sys.rhs(t + C2 * h, ytmp, k2);
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * (A31 * k1[i]! + A32 * k2[i]!);
      sys.rhs(t + C3 * h, ytmp, k3);
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * (A41 * k1[i]! + A42 * k2[i]! + A43 * k3[i]!);
      sys.rhs(t + C4 * h, ytmp, k4);
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * (A51 * k1[i]! + A52 * k2[i]! + A53 * k3[i]! + A54 * k4[i]!);
      sys.rhs(t + C5 * h, ytmp, k5);
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * (A61 * k1[i]! + A62 * k2[i]! + A63 * k3[i]! + A64 * k4[i]! + A65 * k5[i]!);
      sys.rhs(t + h, ytmp, k6);
      for (let i = 0; i < n; i++) ynew[i] = y[i]! + h * (A71 * k1[i]! + A73 * k3[i]! + A74 * k4[i]! + A75 * k5[i]! + A76 * k6[i]!);
      sys.rhs(t + h, ynew, k7);
      this.stats.rhsEvals += 6;
      let err = 0;
      for (let i = 0; i < n; i++) {
        const e = h * (E1 * k1[i]! + E3 * k3[i]! + E4 * k4[i]! + E5 * k5[i]! + E6 * k6[i]! + E7 * k7[i]!);
        const sk = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(ynew[i]!));
        const r = e / sk;
        err += r * r;
      }
      err = Math.sqrt(err / n);
      if (!Number.isFinite(err)) throw new Error(`dopri5: non-finite error estimate at t=${t} (h=${h})`);
      // Classical controller: h_new = h * clamp(0.9 * err^(-1/5), 0.2, 10).
      const fac = err === 0 ? 10 : Math.min(10, Math.max(0.2, 0.9 * Math.pow(err, -0.2)));
      if (err <= 1) {
        this.stats.steps++;
        t = last ? t1 : t + h;
        y.set(ynew);
        k1.set(k7);
        if (last) return;
        h *= rejectedLast ? Math.min(1, fac) : fac;
        rejectedLast = false;
      } else {
        h *= Math.min(1, fac);
        rejectedLast = true;
        if (!(h > 1e-14 * Math.max(1, Math.abs(t)))) throw new Error(`dopri5: step size underflow at t=${t}`);
      }
    }
  }

  /** Hairer's starting step: a guess from |y|/|f|, refined by a second-derivative estimate (order 5). */
  private initialStep(sys: OdeSystem, t0: number, y: Float64Array, span: number): number {
    const n = sys.n;
    const { k1, k2, ytmp, rtol, atol } = this;
    let dnf = 0;
    let dny = 0;
    for (let i = 0; i < n; i++) {
      const sk = atol + rtol * Math.abs(y[i]!);
      dnf += (k1[i]! / sk) ** 2;
      dny += (y[i]! / sk) ** 2;
    }
    let h = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : 0.01 * Math.sqrt(dny / dnf);
    h = Math.min(h, span);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * k1[i]!;
    sys.rhs(t0 + h, ytmp, k2);
    this.stats.rhsEvals++;
    let der2 = 0;
    for (let i = 0; i < n; i++) {
      const sk = atol + rtol * Math.abs(y[i]!);
      der2 += ((k2[i]! - k1[i]!) / sk) ** 2;
    }
    der2 = Math.sqrt(der2) / h;
    const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf));
    const h1 = der12 <= 1e-15 ? Math.max(1e-6, h * 1e-3) : Math.pow(0.01 / der12, 1 / 5);
    return Math.min(100 * h, h1, span);
  }
}

/** Classical fourth-order Runge-Kutta with `substeps` equal steps per call. */
export class Rk4Integrator implements Integrator {
  readonly kind = 'rk4' as const;
  readonly stats: IntegratorStats = { steps: 0, rhsEvals: 0 };
  private n = 0;
  private k1 = new Float64Array(0);
  private k2 = new Float64Array(0);
  private k3 = new Float64Array(0);
  private k4 = new Float64Array(0);
  private ytmp = new Float64Array(0);

  constructor(readonly substeps = 1) {
    if (!Number.isInteger(substeps) || substeps < 1) throw new RangeError(`rk4: substeps must be a positive integer, got ${substeps}`);
  }

  integrate(sys: OdeSystem, t0: number, t1: number, y: Float64Array): void {
    const n = sys.n;
    if (this.n !== n) {
      this.n = n;
      this.k1 = new Float64Array(n);
      this.k2 = new Float64Array(n);
      this.k3 = new Float64Array(n);
      this.k4 = new Float64Array(n);
      this.ytmp = new Float64Array(n);
    }
    const { k1, k2, k3, k4, ytmp } = this;
    const h = (t1 - t0) / this.substeps;
    for (let s = 0; s < this.substeps; s++) {
      const t = t0 + s * h;
      sys.rhs(t, y, k1);
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + 0.5 * h * k1[i]!;
      sys.rhs(t + 0.5 * h, ytmp, k2);
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + 0.5 * h * k2[i]!;
      sys.rhs(t + 0.5 * h, ytmp, k3);
      for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * k3[i]!;
      sys.rhs(t + h, ytmp, k4);
      for (let i = 0; i < n; i++) y[i] = y[i]! + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
      this.stats.steps++;
      this.stats.rhsEvals += 4;
    }
  }
}

export interface IntegratorOptions {
  lsoda?: LsodaOptions;
  dopri5?: Dopri5Options;
  rk4Substeps?: number;
}

export function makeIntegrator(kind: IntegratorKind, options: IntegratorOptions = {}): Integrator {
  switch (kind) {
    case 'lsoda':
      return new LsodaIntegrator(options.lsoda);
    case 'dopri5':
      return new Dopri5Integrator(options.dopri5);
    case 'rk4':
      return new Rk4Integrator(options.rk4Substeps ?? 1);
    default:
      throw new RangeError(`glucose: unknown integrator ${JSON.stringify(kind)}; allowed: ${INTEGRATOR_KINDS.join(', ')}`);
  }
}

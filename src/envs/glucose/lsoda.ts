/**
 * A re-creation of what `scipy.integrate.solve_ivp(fun, (t0, t1), y0, method="LSODA", rtol=10)`
 * computes, as the RL4BG fork calls it once per simulated minute (atol keeps solve_ivp's default
 * 1e-6). Written from the published description of LSODE/LSODA (Hindmarsh 1983, "ODEPACK, a
 * systematized collection of ODE solvers"; Petzold 1983, "Automatic selection of methods for
 * solving stiff and nonstiff systems of ordinary differential equations"): variable-order,
 * variable-step Adams methods in Nordsieck form with functional (fixed-point) corrector
 * iteration, a weighted max-norm, local error and order selection, and the Adams stability-region
 * limit on the step size that LSODA adds.
 *
 * Every call starts the solver afresh at order 1, as a new `solve_ivp` call does:
 * - initial step h0 = 1/sqrt(1/(tol·w0²) + tol·‖f0‖²) with tol = min(rtol, 1e-3) and
 *   w0 = max(|t0|, |t1|), capped at t1 - t0. With t0 >= 32 and a slowly changing state this is the
 *   whole minute: one step of the order-1 Adams (backward Euler) corrector, iterated from the
 *   explicit Euler predictor; LSODA always iterates at least twice (the second iterate's change
 *   estimates a Lipschitz constant), so a quiet minute is y1 = y0 + h·f(y0 + h·f(y0 + h·f(y0))).
 * - error weights w_i = 1/(rtol·|y_i| + atol), recomputed before every step; a component near zero
 *   (an empty stomach at the start of a meal) gets a tight tolerance, so the step is rejected and
 *   the solver takes many small steps, raising the order as it goes.
 * - the step that would pass t1 is shortened to land on it (itask 5 with tcrit = t1).
 *
 * Not re-created: LSODA's switch to BDF, which it considers only after 20 steps in one call. In the
 * patient model that happens only in rare minutes (an empty stomach receiving a large meal for some
 * patients); this class stays with Adams there and counts such calls in `stats.longCalls`.
 */
import type { Integrator, IntegratorStats, OdeSystem } from './integrator.js';

export interface LsodaOptions {
  rtol?: number;
  atol?: number;
}

export interface LsodaStats extends IntegratorStats {
  /** Calls that took more than 20 steps, where the real LSODA may have switched to BDF. */
  longCalls: number;
  /** Error-test and corrector-convergence failures. */
  rejections: number;
}

const UROUND = 2.220446049250313e-16;
const MAXORD = 12;
const LMAX = MAXORD + 1;
const MAXCOR = 3;
const MXNCF = 10;
/** Adams stability-region limits |h|·L by order (LSODA's sm1). Index 0 unused. */
const SM1 = [0, 0.5, 0.575, 0.55, 0.45, 0.35, 0.25, 0.2, 0.15, 0.1, 0.075, 0.05, 0.025];

interface AdamsTables {
  /** el[nq] holds the nq+1 Nordsieck corrector coefficients of the order-nq Adams-Moulton method. */
  el: Float64Array[];
  /** Error-test constants: tesco[nq] = [order nq-1, order nq, order nq+1]. */
  tesco: Float64Array[];
}

/**
 * The Adams-Moulton coefficients in Nordsieck form, from the polynomial p(x) = (x+1)(x+2)···(x+q-1)
 * whose integrals over [-1, 0] give the leading coefficient and the error constant.
 */
function adamsTables(): AdamsTables {
  const el: Float64Array[] = [new Float64Array(0)];
  const tesco: Float64Array[] = [];
  for (let q = 0; q <= MAXORD + 1; q++) tesco.push(new Float64Array(3));
  el[1] = Float64Array.of(1, 1);
  tesco[1]![0] = 0;
  tesco[1]![1] = 2;
  tesco[2]![0] = 1;
  tesco[MAXORD]![2] = 0;
  const pc = new Float64Array(MAXORD + 1);
  pc[0] = 1;
  let rqfac = 1;
  for (let nq = 2; nq <= MAXORD; nq++) {
    const rq1fac = rqfac;
    rqfac /= nq;
    const f = nq - 1;
    // Multiply p(x) by (x + nq - 1).
    pc[nq - 1] = 0;
    for (let i = nq - 1; i >= 1; i--) pc[i] = pc[i - 1]! + f * pc[i]!;
    pc[0] = f * pc[0]!;
    // Integrals over [-1, 0] of p(x) and x·p(x).
    let pint = pc[0]!;
    let xpin = pc[0]! / 2;
    let sign = 1;
    for (let i = 2; i <= nq; i++) {
      sign = -sign;
      pint += (sign * pc[i - 1]!) / i;
      xpin += (sign * pc[i - 1]!) / (i + 1);
    }
    const e = new Float64Array(nq + 1);
    e[0] = pint * rq1fac;
    e[1] = 1;
    for (let i = 2; i <= nq; i++) e[i] = (rq1fac * pc[i - 1]!) / i;
    el[nq] = e;
    const ragq = 1 / (rqfac * xpin);
    tesco[nq]![1] = ragq;
    if (nq < MAXORD) tesco[nq + 1]![0] = (ragq * rqfac) / (nq + 1);
    tesco[nq - 1]![2] = ragq;
  }
  return { el, tesco };
}

const ADAMS = adamsTables();

export class LsodaIntegrator implements Integrator {
  readonly kind = 'lsoda' as const;
  readonly stats: LsodaStats = { steps: 0, rhsEvals: 0, longCalls: 0, rejections: 0 };
  readonly rtol: number;
  readonly atol: number;

  private n = 0;
  /** Nordsieck history, column-major: column j (0..LMAX-1) holds h^j y^(j)/j! at offset j*n. */
  private yh = new Float64Array(0);
  private ewt = new Float64Array(0);
  private savf = new Float64Array(0);
  private acor = new Float64Array(0);
  private ywork = new Float64Array(0);

  // Solver state of one call.
  private tn = 0;
  private h = 0;
  private hold = 0;
  private nq = 1;
  private l = 2;
  private ialth = 2;
  private rmax = 1e4;
  private crate = 0.7;
  private pdest = 0;
  private pdlast = 0;
  private el: Float64Array = ADAMS.el[1]!;
  private conit = 0.5 / 3;

  constructor(options: LsodaOptions = {}) {
    this.rtol = options.rtol ?? 10;
    this.atol = options.atol ?? 1e-6;
    if (!(this.rtol > 0) || !(this.atol > 0)) throw new RangeError(`lsoda: rtol and atol must be positive, got ${this.rtol}, ${this.atol}`);
  }

  private ensure(n: number): void {
    if (this.n === n) return;
    this.n = n;
    this.yh = new Float64Array(n * LMAX);
    this.ewt = new Float64Array(n);
    this.savf = new Float64Array(n);
    this.acor = new Float64Array(n);
    this.ywork = new Float64Array(n);
  }

  /** Inverse error weights from column 0 of the history: 1/(rtol·|y| + atol). */
  private setWeights(src: Float64Array, offset: number): void {
    const { ewt, rtol, atol, n } = this;
    for (let i = 0; i < n; i++) ewt[i] = 1 / (rtol * Math.abs(src[offset + i]!) + atol);
  }

  /** Weighted max-norm of v[offset .. offset+n). */
  private norm(v: Float64Array, offset = 0): number {
    const { ewt, n } = this;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(v[offset + i]!) * ewt[i]!;
      if (a > m) m = a;
    }
    return m;
  }

  private setOrder(nq: number): void {
    this.nq = nq;
    this.l = nq + 1;
    this.el = ADAMS.el[nq]!;
    this.conit = 0.5 / (nq + 2);
  }

  /** yh := yh · Pascal triangle (prediction), or its inverse (retraction). */
  private pascal(sign: 1 | -1): void {
    const { yh, n, nq } = this;
    for (let jb = 1; jb <= nq; jb++) {
      for (let j = nq - jb; j <= nq - 1; j++) {
        const a = j * n;
        const b = a + n;
        for (let i = 0; i < n; i++) yh[a + i] = yh[a + i]! + sign * yh[b + i]!;
      }
    }
  }

  /** Multiplies columns 1..l-1 by rh^j and h by rh, after the clamps of LSODA's rescaling step. */
  private rescale(rhIn: number): void {
    let rh = Math.min(rhIn, this.rmax);
    const pdh = Math.max(Math.abs(this.h) * this.pdlast, 1e-6);
    if (rh * pdh * 1.00001 >= SM1[this.nq]!) rh = SM1[this.nq]! / pdh;
    const { yh, n, l } = this;
    let r = 1;
    for (let j = 1; j < l; j++) {
      r *= rh;
      const a = j * n;
      for (let i = 0; i < n; i++) yh[a + i] = yh[a + i]! * r;
    }
    this.h *= rh;
    this.ialth = l;
  }

  integrate(sys: OdeSystem, t0: number, t1: number, y: Float64Array): void {
    const n = sys.n;
    this.ensure(n);
    const { yh, savf } = this;
    const tdist = Math.abs(t1 - t0);
    const w0 = Math.max(Math.abs(t0), Math.abs(t1));
    if (tdist === 0) return;
    if (!(t1 > t0)) throw new RangeError(`lsoda: t1 (${t1}) must follow t0 (${t0})`);
    if (tdist < 2 * UROUND * w0) throw new RangeError(`lsoda: t1 - t0 = ${tdist} is too small relative to t`);

    // Start: weights and f at y0, initial step size, Nordsieck history [y0, h0·f0].
    this.setWeights(y, 0);
    sys.rhs(t0, y, savf);
    this.stats.rhsEvals++;
    const tol = Math.min(Math.max(this.rtol, 100 * UROUND), 0.001);
    const f0norm = this.norm(savf);
    let h0 = 1 / Math.sqrt(1 / (tol * w0 * w0) + tol * f0norm * f0norm);
    h0 = Math.min(h0, tdist);
    yh.fill(0);
    for (let i = 0; i < n; i++) {
      yh[i] = y[i]!;
      yh[n + i] = h0 * savf[i]!;
    }
    this.tn = t0;
    this.h = h0;
    this.hold = h0;
    this.setOrder(1);
    this.ialth = 2;
    this.rmax = 1e4;
    this.crate = 0.7;
    this.pdest = 0;
    this.pdlast = 0;

    let stepsThisCall = 0;
    let first = true;
    for (;;) {
      if (!first) {
        // Land exactly on t1: shorten a step that would pass it (then rescale the history).
        const tnext = this.tn + this.h * (1 + 4 * UROUND);
        if (tnext > t1) {
          const hNew = (t1 - this.tn) * (1 - 4 * UROUND);
          const rh = hNew / this.hold;
          this.h = this.hold;
          this.rescale(rh);
        }
        this.setWeights(yh, 0);
      }
      first = false;
      this.step(sys);
      stepsThisCall++;
      const hmx = Math.abs(this.tn) + Math.abs(this.h);
      if (Math.abs(this.tn - t1) <= 100 * UROUND * hmx) break;
    }
    if (stepsThisCall > 20) this.stats.longCalls++;
    for (let i = 0; i < n; i++) y[i] = yh[i]!;
  }

  /** One successful step (with as many retries as it takes), leaving h and the order for the next one. */
  private step(sys: OdeSystem): void {
    const { n, yh, savf, acor, ywork } = this;
    const told = this.tn;
    let kflag = 0;
    let ncf = 0;
    let delp = 0;
    for (;;) {
      // Predict.
      this.tn = told + this.h;
      this.pascal(1);
      const pnorm = this.norm(yh);
      // Correct by fixed-point iteration.
      let m = 0;
      let rate = 0;
      for (let i = 0; i < n; i++) ywork[i] = yh[i]!;
      sys.rhs(this.tn, ywork, savf);
      this.stats.rhsEvals++;
      acor.fill(0);
      const el0 = this.el[0]!;
      const tesco2 = ADAMS.tesco[this.nq]![1]!;
      let del = 0;
      let converged = false;
      for (;;) {
        del = 0;
        for (let i = 0; i < n; i++) {
          const s = this.h * savf[i]! - yh[n + i]!;
          savf[i] = s;
          const d = Math.abs(s - acor[i]!) * this.ewt[i]!;
          if (d > del) del = d;
          ywork[i] = yh[i]! + el0 * s;
          acor[i] = s;
        }
        // A change at roundoff level has converged. Otherwise Adams always iterates at least
        // twice, so that the convergence rate gives a Lipschitz estimate (pdest) for the
        // stability limit on the step size.
        if (del <= 100 * pnorm * UROUND) {
          converged = true;
          break;
        }
        if (m !== 0) {
          let rm = 1024;
          if (del <= 1024 * delp) rm = del / delp;
          rate = Math.max(rate, rm);
          this.crate = Math.max(0.2 * this.crate, rm);
          const dcon = (del * Math.min(1, 1.5 * this.crate)) / (tesco2 * this.conit);
          if (dcon <= 1) {
            this.pdest = Math.max(this.pdest, rate / Math.abs(this.h * el0));
            if (this.pdest !== 0) this.pdlast = this.pdest;
            converged = true;
            break;
          }
        }
        m++;
        if (m === MAXCOR) break;
        if (m >= 2 && del > 2 * delp) break;
        delp = del;
        sys.rhs(this.tn, ywork, savf);
        this.stats.rhsEvals++;
      }

      if (!converged) {
        // Corrector failure: retract, quarter the step, retry.
        this.stats.rejections++;
        ncf++;
        this.rmax = 2;
        this.tn = told;
        this.pascal(-1);
        if (ncf === MXNCF) throw new Error(`lsoda: corrector failed to converge ${MXNCF} times at t=${told} (h=${this.h})`);
        this.rescale(0.25);
        continue;
      }

      const acnrm = m === 0 ? del : this.norm(acor);
      const dsm = acnrm / tesco2;
      if (dsm <= 1) {
        // Accept.
        this.stats.steps++;
        const { el, l } = this;
        for (let j = 0; j < l; j++) {
          const a = j * n;
          const e = el[j]!;
          for (let i = 0; i < n; i++) yh[a + i] = yh[a + i]! + e * acor[i]!;
        }
        this.ialth--;
        if (this.ialth === 0) {
          this.selectOrderAndStep(dsm, 0, true);
        } else if (this.ialth === 1 && l !== LMAX) {
          // Keep this step's correction for the order-increase estimate of the next step.
          yh.set(acor, (LMAX - 1) * n);
        }
        this.hold = this.h;
        return;
      }

      // Error test failed: retract and retry with a smaller step (and maybe a lower order).
      this.stats.rejections++;
      kflag--;
      this.tn = told;
      this.pascal(-1);
      this.rmax = 2;
      if (kflag <= -3) {
        if (kflag === -10) throw new Error(`lsoda: error test failed repeatedly at t=${told} (h=${this.h})`);
        // Restart at order 1 with a tenth of the step, from a fresh derivative.
        this.h *= 0.1;
        for (let i = 0; i < n; i++) ywork[i] = yh[i]!;
        sys.rhs(this.tn, ywork, savf);
        this.stats.rhsEvals++;
        for (let i = 0; i < n; i++) yh[n + i] = this.h * savf[i]!;
        this.ialth = 5;
        if (this.nq !== 1) this.setOrder(1);
        continue;
      }
      this.selectOrderAndStep(dsm, kflag, false);
    }
  }

  /**
   * Chooses the order (nq-1, nq or nq+1) that allows the largest next step and rescales the
   * history. After an accepted step (`accepted`), a change of less than 10% is not made.
   */
  private selectOrderAndStep(dsm: number, kflag: number, accepted: boolean): void {
    const { n, yh, acor, savf } = this;
    const nq = this.nq;
    const l = this.l;
    const tesco = ADAMS.tesco[nq]!;
    let rhup = 0;
    if (accepted && l !== LMAX) {
      const base = (LMAX - 1) * n;
      for (let i = 0; i < n; i++) savf[i] = acor[i]! - yh[base + i]!;
      const dup = this.norm(savf) / tesco[2]!;
      rhup = 1 / (1.4 * Math.pow(dup, 1 / (l + 1)) + 1.4e-6);
    }
    let rhsm = 1 / (1.2 * Math.pow(dsm, 1 / l) + 1.2e-6);
    let rhdn = 0;
    if (nq !== 1) {
      const ddn = this.norm(yh, l * n - n) / tesco[0]!;
      rhdn = 1 / (1.3 * Math.pow(ddn, 1 / nq) + 1.3e-6);
    }
    // Adams stability limit.
    const pdh = Math.max(Math.abs(this.h) * this.pdlast, 1e-6);
    if (l < LMAX) rhup = Math.min(rhup, SM1[l]! / pdh);
    rhsm = Math.min(rhsm, SM1[nq]! / pdh);
    if (nq > 1) rhdn = Math.min(rhdn, SM1[nq - 1]! / pdh);
    this.pdest = 0;

    let newq: number;
    let rh: number;
    if (rhsm >= rhup) {
      if (rhsm >= rhdn) {
        newq = nq;
        rh = rhsm;
      } else {
        newq = nq - 1;
        rh = rhdn;
        if (kflag < 0 && rh > 1) rh = 1;
      }
    } else if (rhup > rhdn) {
      // Raise the order (if worth it).
      rh = rhup;
      if (rh < 1.1) {
        this.ialth = 3;
        return;
      }
      const r = this.el[l - 1]! / l;
      const base = l * n;
      for (let i = 0; i < n; i++) yh[base + i] = acor[i]! * r;
      this.setOrder(l);
      this.rescale(rh);
      if (accepted) this.rmax = 10;
      return;
    } else {
      newq = nq - 1;
      rh = rhdn;
      if (kflag < 0 && rh > 1) rh = 1;
    }
    // A step restricted by the stability region skips the 10% test.
    const stabilityBound = rh * pdh * 1.00001 >= SM1[newq]!;
    if (!stabilityBound && kflag === 0 && rh < 1.1) {
      this.ialth = 3;
      return;
    }
    if (kflag <= -2) rh = Math.min(rh, 0.2);
    if (newq !== nq) this.setOrder(newq);
    this.rescale(rh);
    if (accepted) this.rmax = 10;
  }
}

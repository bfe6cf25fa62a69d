/**
 * The UVA/Padova type-1 diabetes patient (Dalla Man et al. 2007/2014) as implemented in simglucose
 * (`simglucose/patient/t1dpatient.py`, class T1DPatient) and its RL4BG fork
 * (`bgp/simglucose/patient/t1dpatient.py`, class T1DPatientNew): 13 states, 1-minute steps with
 * the meal and insulin inputs held constant over each minute. See specs/envs.md §A1.
 *
 * States: x0 stomach solid, x1 stomach liquid, x2 gut [mg]; x3 plasma glucose Gp, x4 tissue
 * glucose Gt [mg/kg]; x5 plasma insulin Ip [pmol/kg]; x6 insulin action on utilisation X; x7
 * insulin action on production I'; x8 delayed insulin action on the liver XL; x9 liver insulin
 * Il; x10, x11 subcutaneous insulin Isc1, Isc2; x12 subcutaneous glucose Gs. BG = x12/Vg [mg/dL].
 *
 * The two codes differ in one place that matters: the meal size D̄ that shapes gastric emptying.
 * simglucose adds the grams eaten in mg (lastQsto + 1000·lastFood, its issue #41 fix); the fork
 * adds them as if they were mg (lastQsto + lastFood). `mealModel` picks one.
 */
import { makeIntegrator, type Integrator, type IntegratorKind, type OdeSystem } from './integrator.js';
import type { PatientParams } from './params.js';

export type MealModel = 'bgp' | 'simglucose';
export const MEAL_MODELS: readonly MealModel[] = ['bgp', 'simglucose'];

/** Grams of carbohydrate the patient can eat per minute. */
export const EAT_RATE = 5;
export const NUM_STATES = 13;

/**
 * The model parameters the right-hand side reads, copied out of the table row into an object of
 * fixed shape (fast property access in the inner loop).
 */
export class PatientConstants {
  readonly BW: number;
  readonly kmax: number;
  readonly kmin: number;
  readonly b: number;
  readonly d: number;
  readonly kabs: number;
  readonly f: number;
  readonly kp1: number;
  readonly kp2: number;
  readonly kp3: number;
  readonly Fsnc: number;
  readonly ke1: number;
  readonly ke2: number;
  readonly k1: number;
  readonly k2: number;
  readonly Vm0: number;
  readonly Vmx: number;
  readonly Km0: number;
  readonly m1: number;
  readonly m2: number;
  readonly m4: number;
  readonly m30: number;
  readonly Vi: number;
  readonly Ib: number;
  readonly p2u: number;
  readonly ki: number;
  readonly kd: number;
  readonly ka1: number;
  readonly ka2: number;
  readonly ksc: number;
  readonly Vg: number;

  constructor(p: PatientParams) {
    this.BW = p.BW;
    this.kmax = p.kmax;
    this.kmin = p.kmin;
    this.b = p.b;
    this.d = p.d;
    this.kabs = p.kabs;
    this.f = p.f;
    this.kp1 = p.kp1;
    this.kp2 = p.kp2;
    this.kp3 = p.kp3;
    this.Fsnc = p.Fsnc;
    this.ke1 = p.ke1;
    this.ke2 = p.ke2;
    this.k1 = p.k1;
    this.k2 = p.k2;
    this.Vm0 = p.Vm0;
    this.Vmx = p.Vmx;
    this.Km0 = p.Km0;
    this.m1 = p.m1;
    this.m2 = p.m2;
    this.m4 = p.m4;
    this.m30 = p.m30;
    this.Vi = p.Vi;
    this.Ib = p.Ib;
    this.p2u = p.p2u;
    this.ki = p.ki;
    this.kd = p.kd;
    this.ka1 = p.ka1;
    this.ka2 = p.ka2;
    this.ksc = p.ksc;
    this.Vg = p.Vg;
  }
}

/**
 * dx/dt of the patient model for CHO intake `cho` [g/min] and insulin `insulin` [U/min], with the
 * meal size D̄ [mg as used by the model] fixed over the minute. Writes into `dxdt`. The
 * arithmetic follows the reference's order of operations.
 */
export function patientDerivative(p: PatientConstants, x: ArrayLike<number>, cho: number, insulin: number, dbar: number, dxdt: Float64Array): void {
  const d = cho * 1000; // g/min -> mg/min
  const u = (insulin * 6000) / p.BW; // U/min -> pmol/kg/min
  const x0 = x[0]!, x1 = x[1]!, x2 = x[2]!, x3 = x[3]!, x4 = x[4]!, x5 = x[5]!, x6 = x[6]!;
  const x7 = x[7]!, x8 = x[8]!, x9 = x[9]!, x10 = x[10]!, x11 = x[11]!, x12 = x[12]!;
  const qsto = x0 + x1;
  dxdt[0] = -p.kmax * x0 + d;
  let kgut: number;
  if (dbar > 0) {
    const aa = 5 / 2 / (1 - p.b) / dbar;
    const cc = 5 / 2 / p.d / dbar;
    kgut = p.kmin + ((p.kmax - p.kmin) / 2) * (Math.tanh(aa * (qsto - p.b * dbar)) - Math.tanh(cc * (qsto - p.d * dbar)) + 2);
  } else {
    kgut = p.kmax;
  }
  dxdt[1] = p.kmax * x0 - x1 * kgut;
  dxdt[2] = kgut * x1 - p.kabs * x2;
  const ra = (p.f * p.kabs * x2) / p.BW;
  const egp = p.kp1 - p.kp2 * x3 - p.kp3 * x8;
  const renal = x3 > p.ke2 ? p.ke1 * (x3 - p.ke2) : 0;
  const dx3 = Math.max(egp, 0) + ra - p.Fsnc - renal - p.k1 * x3 + p.k2 * x4;
  dxdt[3] = x3 >= 0 ? dx3 : 0;
  const uid = ((p.Vm0 + p.Vmx * x6) * x4) / (p.Km0 + x4);
  const dx4 = -uid + p.k1 * x3 - p.k2 * x4;
  dxdt[4] = x4 >= 0 ? dx4 : 0;
  const dx5 = -(p.m2 + p.m4) * x5 + p.m1 * x9 + p.ka1 * x10 + p.ka2 * x11;
  dxdt[5] = x5 >= 0 ? dx5 : 0;
  const it = x5 / p.Vi;
  dxdt[6] = -p.p2u * x6 + p.p2u * (it - p.Ib);
  dxdt[7] = -p.ki * (x7 - it);
  dxdt[8] = -p.ki * (x8 - x7);
  const dx9 = -(p.m1 + p.m30) * x9 + p.m2 * x5;
  dxdt[9] = x9 >= 0 ? dx9 : 0;
  const dx10 = u - (p.ka1 + p.kd) * x10;
  dxdt[10] = x10 >= 0 ? dx10 : 0;
  const dx11 = p.kd * x10 - p.ka2 * x11;
  dxdt[11] = x11 >= 0 ? dx11 : 0;
  const dx12 = -p.ksc * x12 + p.ksc * x3;
  dxdt[12] = x12 >= 0 ? dx12 : 0;
}

/** Meal D̄ as each code computes it from the stomach content at the start of eating and the grams eaten since. */
export function mealSize(model: MealModel, lastQsto: number, lastFood: number): number {
  return model === 'simglucose' ? lastQsto + 1000 * lastFood : lastQsto + lastFood;
}

export interface PatientState {
  /** Minutes since the simulation's start time. */
  t: number;
  x: number[];
  plannedMeal: number;
  lastQsto: number;
  lastFood: number;
  lastCho: number;
  isEating: boolean;
}

export interface PatientOptions {
  mealModel?: MealModel;
  integrator?: IntegratorKind | Integrator;
  /** Initial state (defaults to the table's x0, the steady state at basal insulin). */
  initState?: ArrayLike<number>;
  /** Initial clock in minutes (default 0). */
  t0?: number;
}

/** One virtual patient: the ODE plus the eating bookkeeping (announced meals eaten at 5 g/min). */
export class T1DPatient implements OdeSystem {
  readonly n = NUM_STATES;
  readonly params: PatientParams;
  readonly constants: PatientConstants;
  readonly mealModel: MealModel;
  readonly integrator: Integrator;
  /** The current state; mutated in place by step(). */
  readonly x = new Float64Array(NUM_STATES);
  t = 0;
  plannedMeal = 0;
  lastQsto = 0;
  lastFood = 0;
  lastCho = 0;
  isEating = false;
  private readonly init = new Float64Array(NUM_STATES);
  private t0 = 0;
  // Inputs of the minute being integrated.
  private cho = 0;
  private insulin = 0;
  private dbar = 0;

  constructor(params: PatientParams, options: PatientOptions = {}) {
    this.params = params;
    this.constants = new PatientConstants(params);
    this.mealModel = options.mealModel ?? 'bgp';
    if (!MEAL_MODELS.includes(this.mealModel)) throw new RangeError(`patient: unknown mealModel ${JSON.stringify(this.mealModel)}; allowed: ${MEAL_MODELS.join(', ')}`);
    const integ = options.integrator ?? 'lsoda';
    this.integrator = typeof integ === 'string' ? makeIntegrator(integ) : integ;
    this.init.set(options.initState ? Float64Array.from(options.initState) : params.initState);
    if (this.init.length !== NUM_STATES) throw new RangeError(`patient: initState must have ${NUM_STATES} entries`);
    this.t0 = options.t0 ?? 0;
    this.reset();
  }

  /** Back to the initial state and clock; nothing planned or being eaten. */
  reset(): void {
    this.x.set(this.init);
    this.t = this.t0;
    this.plannedMeal = 0;
    // Both codes take the stomach content of the initial state as the last meal's start content.
    this.lastQsto = this.init[0]! + this.init[1]!;
    this.lastFood = 0;
    this.lastCho = 0;
    this.isEating = false;
  }

  /** Blood glucose the model observes: subcutaneous glucose / Vg, mg/dL. */
  get bg(): number {
    return this.x[12]! / this.constants.Vg;
  }

  /** The ODE right-hand side with this minute's inputs (OdeSystem). */
  rhs(_t: number, y: Float64Array, dydt: Float64Array): void {
    patientDerivative(this.constants, y, this.cho, this.insulin, this.dbar, dydt);
  }

  /**
   * Advances one minute. `announcedCho` grams are added to the meal being eaten (eaten at up to
   * 5 g/min); `insulin` is the delivery rate in U/min. Returns the grams eaten this minute.
   */
  step(announcedCho: number, insulin: number): number {
    // Announced carbohydrate joins the plan and is eaten at EAT_RATE.
    this.plannedMeal += announcedCho;
    let toEat = 0;
    if (this.plannedMeal > 0) {
      toEat = Math.min(EAT_RATE, this.plannedMeal);
      this.plannedMeal = Math.max(0, this.plannedMeal - toEat);
    }
    if (toEat > 0 && this.lastCho <= 0) {
      // Eating starts: remember the stomach content and count the grams eaten from here.
      this.lastQsto = this.x[0]! + this.x[1]!;
      this.lastFood = 0;
      this.isEating = true;
    }
    if (this.isEating) this.lastFood += toEat;
    if (toEat <= 0 && this.lastCho > 0) this.isEating = false;
    this.lastCho = toEat;

    this.cho = toEat;
    this.insulin = insulin;
    this.dbar = mealSize(this.mealModel, this.lastQsto, this.lastFood);
    this.integrator.integrate(this, this.t, this.t + 1, this.x);
    this.t += 1;
    return toEat;
  }

  getState(): PatientState {
    return {
      t: this.t,
      x: Array.from(this.x),
      plannedMeal: this.plannedMeal,
      lastQsto: this.lastQsto,
      lastFood: this.lastFood,
      lastCho: this.lastCho,
      isEating: this.isEating,
    };
  }

  setState(s: PatientState): void {
    if (!Array.isArray(s.x) || s.x.length !== NUM_STATES || !s.x.every((v) => typeof v === 'number')) {
      throw new RangeError(`patient.setState: x must be ${NUM_STATES} numbers`);
    }
    this.x.set(s.x);
    this.t = s.t;
    this.plannedMeal = s.plannedMeal;
    this.lastQsto = s.lastQsto;
    this.lastFood = s.lastFood;
    this.lastCho = s.lastCho;
    this.isEating = s.isEating;
  }
}

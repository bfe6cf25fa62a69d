/**
 * Open-loop simulation of one patient under a fixed meal and insulin schedule, minute by minute,
 * with no sensor or pump in the loop: the setting in which the port is compared with the reference
 * simulators' own trajectories.
 *
 * `reference: 'bgp'` reproduces the RL4BG fork (`T1DPatientNew`: D̄ = lastQsto + grams, LSODA with
 * rtol 10, re-created step for step); `reference: 'simglucose'` reproduces simglucose
 * (`T1DPatient`: D̄ in mg, dopri5 with rtol 1e-6/atol 1e-12).
 */
import type { IntegratorKind } from './integrator.js';
import { loadPatientParams, type PatientParams } from './params.js';
import { T1DPatient, type MealModel } from './patient.js';

export interface ScheduleInput {
  /** Carbohydrate announced this minute, g (eaten at up to 5 g/min). */
  cho: number;
  /** Insulin delivery rate this minute, U/min. */
  insulin: number;
}

export interface ScheduleSimulationOptions {
  patient: string | PatientParams;
  minutes: number;
  /** Inputs for the minute starting at patient time t. */
  schedule: (t: number) => ScheduleInput;
  reference?: MealModel;
  /** Overrides the reference's integrator. */
  integrator?: IntegratorKind;
  initState?: ArrayLike<number>;
  t0?: number;
  /** Also return the full state after every minute. */
  keepStates?: boolean;
}

export interface ScheduleSimulation {
  /** Patient time after each minute. */
  t: Float64Array;
  /** BG (subcutaneous glucose / Vg, mg/dL) after each minute. */
  bg: Float64Array;
  /** Grams eaten in each minute. */
  eaten: Float64Array;
  /** minutes × 13 states, row-major (when keepStates). */
  states: Float64Array | null;
}

export function defaultIntegrator(reference: MealModel): IntegratorKind {
  return reference === 'bgp' ? 'lsoda' : 'dopri5';
}

export function simulateSchedule(opts: ScheduleSimulationOptions): ScheduleSimulation {
  const params = typeof opts.patient === 'string' ? loadPatientParams(opts.patient) : opts.patient;
  const reference = opts.reference ?? 'bgp';
  if (!Number.isInteger(opts.minutes) || opts.minutes < 0) throw new RangeError(`simulateSchedule: minutes must be a non-negative integer, got ${opts.minutes}`);
  const patient = new T1DPatient(params, {
    mealModel: reference,
    integrator: opts.integrator ?? defaultIntegrator(reference),
    ...(opts.initState ? { initState: opts.initState } : {}),
    ...(opts.t0 !== undefined ? { t0: opts.t0 } : {}),
  });
  const n = opts.minutes;
  const out: ScheduleSimulation = {
    t: new Float64Array(n),
    bg: new Float64Array(n),
    eaten: new Float64Array(n),
    states: opts.keepStates ? new Float64Array(n * 13) : null,
  };
  for (let k = 0; k < n; k++) {
    const { cho, insulin } = opts.schedule(patient.t);
    out.eaten[k] = patient.step(cho, insulin);
    out.t[k] = patient.t;
    out.bg[k] = patient.bg;
    out.states?.set(patient.x, k * 13);
  }
  return out;
}

/**
 * The glucose environment's safe policy: the RL4BG fork's PID controller (`bgp/rl/pid.py`) with the
 * fork's per-patient gains (`params/pid_params.csv`) and ORPO's exploration noise
 * (`safe_policy_noise_std_dev` 0.003), as `SimglucoseEnv._step` computes it for
 * `info["glucose_pid_controller"]` (specs/envs.md §A6, orpo.md §4).
 *
 * Each step: e = setpoint − CGM (the previous step's 5-minute CGM average), integral += e,
 * u = kp·e + ki·integral + kd·(e − e_prev) [U/min], plus N(0, 0.003²) noise, converted to action
 * units (÷ basal·43.2) and clipped to [0, 0.1]. The controller restarts (integral and previous
 * error 0) at the start of every episode.
 */
import { registerController, type Controller } from './registry.js';
import { GlucoseEnv } from '../../envs/glucose/glucose-env.js';
import { loadPidParams, type PidParams } from '../../envs/glucose/params.js';
import type { Env } from '../../envs/types.js';
import { Rng } from '../../util/rng.js';

/** A textbook discrete PID: u = kp·e + ki·Σe + kd·Δe (+ an optional constant basal). */
export class GlucosePid {
  integral = 0;
  previousError = 0;

  constructor(
    readonly setpoint: number,
    readonly kp: number,
    readonly ki: number,
    readonly kd: number,
    readonly basal = 0,
  ) {}

  static forPatient(patient: string): GlucosePid {
    const p: PidParams = loadPidParams(patient);
    return new GlucosePid(p.setpoint, p.kp, p.ki, p.kd);
  }

  /** The control for a measured value (mutates the integral and the previous error). */
  step(value: number): number {
    const error = this.setpoint - value;
    const p = this.kp * error;
    this.integral += error;
    const i = this.ki * this.integral;
    const d = this.kd * (error - this.previousError);
    this.previousError = error;
    return p + i + d + this.basal;
  }

  reset(): void {
    this.integral = 0;
    this.previousError = 0;
  }
}

export interface GlucosePidControllerOptions {
  /** Standard deviation of the Gaussian noise added to the PID output, U/min (ORPO: 0.003). */
  noiseStd?: number;
}

/** Mixed with the episode's seed to give the controller its own noise stream. */
const NOISE_STREAM = 0x51d0c0de;

export function glucosePidController(options: GlucosePidControllerOptions = {}): Controller {
  const noiseStd = options.noiseStd ?? 0.003;
  if (!(noiseStd >= 0) || !Number.isFinite(noiseStd)) throw new RangeError(`glucose pid: noiseStd must be a finite number >= 0, got ${noiseStd}`);
  const rng = new Rng(0);
  let pid: GlucosePid | null = null;
  let patient = '';
  const restart = (env: GlucoseEnv) => {
    if (!pid || patient !== env.config.patient) {
      pid = GlucosePid.forPatient(env.config.patient);
      patient = env.config.patient;
    }
    pid.reset();
    rng.reseed((env.episodeSeed ^ NOISE_STREAM) >>> 0);
  };
  return {
    name: 'pid',
    description: `the RL4BG PID controller on the last CGM average (per-patient gains, setpoint 120 mg/dL) plus N(0, ${noiseStd}²) U/min noise, clipped to the action range`,
    reset() {
      pid?.reset();
    },
    act(env: Env): Float32Array {
      if (!(env instanceof GlucoseEnv)) throw new Error('the glucose PID controller needs a GlucoseEnv');
      // The reference resets its PID with the environment; every episode starts the controller over.
      if (!pid || env.stepCount === 0) restart(env);
      const u = pid!.step(env.lastCgm) + (noiseStd > 0 ? noiseStd * rng.normal() : 0);
      const low = env.actionSpace.low[0]!;
      const high = env.actionSpace.high[0]!;
      const a = Math.min(Math.max(env.insulinToAction(u), low), high);
      return Float32Array.of(a);
    },
  };
}

registerController('glucose', 'pid', () => glucosePidController());
registerController('glucose', 'pid-noiseless', () => glucosePidController({ noiseStd: 0 }));

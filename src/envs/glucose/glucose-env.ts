/**
 * The glucose environment of the ORPO paper: insulin dosing for a simulated type-1 diabetic
 * (UVA/Padova model), after the RL4BG fork's `SimglucoseEnv` (`bgp/simglucose/envs/
 * simglucose_gym_env.py`, `bgp/simglucose/simulation/env.py`) with ORPO's settings
 * (`occupancy_measures/experiments/glucose_experiments.py`; specs/envs.md §A4-A7, orpo.md §3.4).
 *
 * - One step is 5 minutes: five 1-minute patient steps, each with the scenario's meal at that
 *   minute, the pump's delivery, and a CGM reading; the step records the 5-minute averages of CHO,
 *   insulin, BG and CGM.
 * - Observation (2 × 48): the last 4 hours of CGM averages and insulin averages (U/min), oldest
 *   first, padded with −1. Episodes start from a recorded day of history (`histInit`), so the
 *   patient clock starts at 1440 min (day 2, 00:00).
 * - Action a ∈ [0, 0.1]: insulin rate a·basal·43.2/(1 + bias) U/min (adult#001: at most 0.09125),
 *   delivered as a pump bolus (quantised to 0.05 pmol/min).
 * - Rewards: proxy = `expected_patient_cost` (insulin and hypoglycaemia cost), true = `magni_bg`
 *   (−Magni risk). Both are unscaled; the reference's reward_scale (1e-3 when training on the
 *   true reward) belongs to the trainer's config.
 * - Termination when the 5-minute BG average leaves [10, 1000], with a penalty of 100 in proxy
 *   units and 1e5 in true units (the reference subtracts 1e2/reward_scale from the trained reward);
 *   truncation at 5760 steps (20 days). `info.proxyReward`/`info.trueReward` carry the unpenalised
 *   values, as the reference's info does.
 */
import { box, type BoxSpace } from '../spaces.js';
import type { Env, Info, ResetResult, StepResult } from '../types.js';
import { Rng, type RngState } from '../../util/rng.js';
import { INTEGRATOR_KINDS, type IntegratorKind } from './integrator.js';
import {
  basalRate,
  historyInitPatients,
  loadHistoryInit,
  loadPatientParams,
  loadPumpParams,
  loadSensorParams,
  patientNames,
  pumpNames,
  sensorNames,
  type HistoryInit,
  type PatientParams,
} from './params.js';
import { MEAL_MODELS, T1DPatient, type MealModel, type PatientState } from './patient.js';
import { InsulinPump } from './pump.js';
import { GLUCOSE_REWARDS, GLUCOSE_REWARD_NAMES, magniRisk, riskIndex, type GlucoseRewardFn, type GlucoseRewardInput, type GlucoseRewardName } from './rewards.js';
import { RandomBalancedScenario, type ScenarioState } from './scenario.js';
import { CgmSensor, type CgmSensorState } from './sensor.js';
import { GlucoseEpisodeMetrics, type GlucoseMetricsState } from './metrics.js';
import { configErrorFor, showValue } from '../config-errors.js';

export interface GlucoseConfig {
  /** Virtual patient: adolescent#001-010, adult#001-010, child#001-010. */
  patient: string;
  /** Steps per episode (5 minutes each; 5760 = 20 days). */
  horizon: number;
  proxyReward: GlucoseRewardName;
  trueReward: GlucoseRewardName;
  /** Subtracted from the proxy reward on termination before the horizon. */
  terminationPenaltyProxy: number;
  /** Subtracted from the true reward on termination before the horizon. */
  terminationPenaltyTrue: number;
  /** The episode terminates when the 5-minute BG average falls below this (mg/dL). */
  bgLowerLimit: number;
  /** ... or rises above this (mg/dL). */
  bgUpperLimit: number;
  /** Start from the shipped day of history (clock 1440 min) instead of the table's steady state at 0 min. */
  histInit: boolean;
  /** Hours of history in the observation (12 samples per hour). */
  nHours: number;
  /** CGM sensor (the fork's table: clip 40-400 mg/dL). */
  sensor: string;
  /** Scale of the CGM noise: 0 in ORPO (CGM = clipped BG), 1 for the sensor model's full noise. */
  noiseScale: number;
  pump: string;
  /** Action 1 means basalScaling × the patient's basal rate. */
  basalScaling: number;
  actionBias: number;
  /** Meal-size bookkeeping of the gut model: 'bgp' (the fork, used by ORPO) or 'simglucose'. */
  mealModel: MealModel;
  /** 'lsoda' reproduces the fork's solver; 'dopri5' solves the ODE accurately; 'rk4' is fixed-step. */
  integrator: IntegratorKind;
  /** Minutes over which a scenario meal is announced. */
  mealDuration: number;
}

export const DEFAULT_GLUCOSE_CONFIG: Readonly<GlucoseConfig> = Object.freeze({
  patient: 'adult#001',
  horizon: 5760,
  proxyReward: 'expected_patient_cost',
  trueReward: 'magni_bg',
  terminationPenaltyProxy: 100,
  terminationPenaltyTrue: 1e5,
  bgLowerLimit: 10,
  bgUpperLimit: 1000,
  histInit: true,
  nHours: 4,
  sensor: 'Dexcom',
  noiseScale: 0,
  pump: 'Insulet',
  basalScaling: 43.2,
  actionBias: 0,
  mealModel: 'bgp',
  integrator: 'lsoda',
  mealDuration: 5,
});

const CONFIG_FIELDS = Object.keys(DEFAULT_GLUCOSE_CONFIG) as (keyof GlucoseConfig)[];
/** Minutes per environment step. */
export const GLUCOSE_SAMPLE_TIME = 5;


const configError = configErrorFor('GlucoseEnv');

/** Fills defaults and checks every field; unknown fields and bad values throw with the field named. */
export function resolveGlucoseConfig(config: Partial<GlucoseConfig> = {}): GlucoseConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new Error(`GlucoseEnv config: expected an object, got ${showValue(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!(CONFIG_FIELDS as string[]).includes(key)) {
      throw new Error(`GlucoseEnv config: unknown field "${key}" (value ${showValue((config as Record<string, unknown>)[key])}); allowed fields: ${CONFIG_FIELDS.join(', ')}`);
    }
  }
  const pick = <K extends keyof GlucoseConfig>(k: K): GlucoseConfig[K] => (config[k] === undefined ? DEFAULT_GLUCOSE_CONFIG[k] : (config[k] as GlucoseConfig[K]));
  const c: GlucoseConfig = {
    patient: pick('patient'),
    horizon: pick('horizon'),
    proxyReward: pick('proxyReward'),
    trueReward: pick('trueReward'),
    terminationPenaltyProxy: pick('terminationPenaltyProxy'),
    terminationPenaltyTrue: pick('terminationPenaltyTrue'),
    bgLowerLimit: pick('bgLowerLimit'),
    bgUpperLimit: pick('bgUpperLimit'),
    histInit: pick('histInit'),
    nHours: pick('nHours'),
    sensor: pick('sensor'),
    noiseScale: pick('noiseScale'),
    pump: pick('pump'),
    basalScaling: pick('basalScaling'),
    actionBias: pick('actionBias'),
    mealModel: pick('mealModel'),
    integrator: pick('integrator'),
    mealDuration: pick('mealDuration'),
  };
  const finite = (k: keyof GlucoseConfig, v: unknown, cond: (x: number) => boolean, allowed: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || !cond(v)) throw configError(k, v, allowed);
  };
  const patients = patientNames();
  if (typeof c.patient !== 'string' || !patients.includes(c.patient)) throw configError('patient', c.patient, patients.join(', '));
  finite('horizon', c.horizon, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  for (const k of ['proxyReward', 'trueReward'] as const) {
    if (typeof c[k] !== 'string' || !(GLUCOSE_REWARD_NAMES as string[]).includes(c[k])) throw configError(k, c[k], GLUCOSE_REWARD_NAMES.join(', '));
  }
  finite('terminationPenaltyProxy', c.terminationPenaltyProxy, () => true, 'a finite number');
  finite('terminationPenaltyTrue', c.terminationPenaltyTrue, () => true, 'a finite number');
  finite('bgLowerLimit', c.bgLowerLimit, (v) => v >= 0, 'a finite number >= 0');
  finite('bgUpperLimit', c.bgUpperLimit, (v) => v > c.bgLowerLimit, `a finite number > bgLowerLimit (${c.bgLowerLimit})`);
  if (typeof c.histInit !== 'boolean') throw configError('histInit', c.histInit, 'true, false');
  if (c.histInit && !historyInitPatients().includes(c.patient)) {
    throw configError('histInit', c.histInit, `false for patient ${c.patient} (a start-up history ships only for ${historyInitPatients().join(', ')})`);
  }
  finite('nHours', c.nHours, (v) => v > 0 && Number.isInteger((v * 60) / GLUCOSE_SAMPLE_TIME), 'a positive number of hours that is a whole number of 5-minute samples');
  const sensors = sensorNames('bgp');
  if (typeof c.sensor !== 'string' || !sensors.includes(c.sensor)) throw configError('sensor', c.sensor, sensors.join(', '));
  finite('noiseScale', c.noiseScale, (v) => v >= 0, 'a finite number >= 0');
  const pumps = pumpNames();
  if (typeof c.pump !== 'string' || !pumps.includes(c.pump)) throw configError('pump', c.pump, pumps.join(', '));
  finite('basalScaling', c.basalScaling, (v) => v > 0, 'a finite number > 0');
  finite('actionBias', c.actionBias, (v) => v > -1, 'a finite number > -1');
  if (!MEAL_MODELS.includes(c.mealModel)) throw configError('mealModel', c.mealModel, MEAL_MODELS.map((m) => `'${m}'`).join(', '));
  if (!INTEGRATOR_KINDS.includes(c.integrator)) throw configError('integrator', c.integrator, INTEGRATOR_KINDS.map((m) => `'${m}'`).join(', '));
  finite('mealDuration', c.mealDuration, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  return c;
}

/** Everything that determines the rest of an episode (plain JSON). */
export interface GlucoseState {
  t: number;
  done: boolean;
  episodeSeed: number;
  seedRng: RngState;
  patient: PatientState;
  sensor: CgmSensorState;
  scenario: ScenarioState;
  /** Last histLen CGM and insulin averages, oldest first (shorter at the start without histInit). */
  cgmHistory: number[];
  insulinHistory: number[];
  prevBg: number;
  prevCgm: number;
  /** The episode's running glucose statistics (absent in states written before they existed). */
  metrics?: GlucoseMetricsState;
}

/** The step's averages and risks, as reported in `info` and read by the metrics. */
export interface GlucoseStepInfo extends Info {
  /** Steps taken in this episode. */
  t: number;
  /** Patient clock, minutes. */
  minute: number;
  /** 5-minute averages: true BG and CGM (mg/dL), delivered insulin (U/min), announced CHO (g/min). */
  bg: number;
  cgm: number;
  insulin: number;
  cho: number;
  /** Kovatchev risk index, its low and high parts, and the Magni risk of bg. */
  risk: number;
  lbgi: number;
  hbgi: number;
  magniRisk: number;
  /** bg < 70 and bg > 180 mg/dL. */
  hypo: boolean;
  hyper: boolean;
  /** Unpenalised rewards (the reference's info['proxy_reward'] / ['true_reward']). */
  proxyReward: number;
  trueReward: number;
}

export class GlucoseEnv implements Env<Float32Array, Float32Array> {
  readonly config: Readonly<GlucoseConfig>;
  readonly params: PatientParams;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly horizon: number;
  /** Samples of each channel in the observation (48 for 4 hours). */
  readonly histLen: number;
  /** U/min per unit of action (adult#001: 0.9125). */
  readonly actionScale: number;
  readonly basal: number;

  readonly patient: T1DPatient;
  readonly sensor: CgmSensor;
  readonly pump: InsulinPump;
  readonly scenario: RandomBalancedScenario;
  private readonly history: HistoryInit | null;
  private readonly proxyFn: GlucoseRewardFn;
  private readonly trueFn: GlucoseRewardFn;
  private readonly seedRng = new Rng(0);
  private readonly scenarioRng = new Rng(0);
  private readonly sensorRng = new Rng(0);
  /** Ring buffers of the observation channels. */
  private readonly cgmRing: Float64Array;
  private readonly insulinRing: Float64Array;
  private ringStart = 0;
  private ringCount = 0;
  private prevBg = 0;
  private prevCgm = 0;
  private t = 0;
  private done = false;
  private seedOfEpisode = 0;
  private readonly metrics = new GlucoseEpisodeMetrics();
  private readonly rewardInput: GlucoseRewardInput = { bg: 0, cgm: 0, insulin: 0, risk: 0, prevBg: 0, prevCgm: 0 };

  constructor(config: Partial<GlucoseConfig> = {}) {
    this.config = Object.freeze(resolveGlucoseConfig(config));
    const c = this.config;
    this.params = loadPatientParams(c.patient);
    this.horizon = c.horizon;
    this.histLen = Math.round((c.nHours * 60) / GLUCOSE_SAMPLE_TIME);
    this.basal = basalRate(this.params);
    this.actionScale = (this.basal * c.basalScaling) / (1 + c.actionBias);
    this.observationSpace = box(-1, Infinity, [2, this.histLen]);
    this.actionSpace = box(0, 0.1, [1]);
    this.patient = new T1DPatient(this.params, { mealModel: c.mealModel, integrator: c.integrator });
    this.sensor = new CgmSensor(loadSensorParams(c.sensor, 'bgp'), this.sensorRng, c.noiseScale);
    this.pump = new InsulinPump(loadPumpParams(c.pump));
    this.scenario = new RandomBalancedScenario(this.params.BW, this.params.kind, this.scenarioRng, c.mealDuration);
    this.history = c.histInit ? loadHistoryInit(c.patient) : null;
    this.proxyFn = GLUCOSE_REWARDS[c.proxyReward];
    this.trueFn = GLUCOSE_REWARDS[c.trueReward];
    this.cgmRing = new Float64Array(this.histLen);
    this.insulinRing = new Float64Array(this.histLen);
    // Usable straight away, like the other environments; reset(seed) makes it reproducible.
    this.startEpisode(0);
  }

  /** Seed of the current episode's streams (a controller can derive its own noise from it). */
  get episodeSeed(): number {
    return this.seedOfEpisode;
  }

  /** Steps taken in the current episode. */
  get stepCount(): number {
    return this.t;
  }

  /** The latest CGM average (what the reference's PID reads as CGM_hist[-1]). */
  get lastCgm(): number {
    return this.prevCgm;
  }

  /** The latest true-BG average. */
  get lastBg(): number {
    return this.prevBg;
  }

  /** Action units for an insulin rate in U/min (inverse of the action scaling, not clipped). */
  insulinToAction(insulin: number): number {
    return insulin / this.actionScale - this.config.actionBias;
  }

  /** Insulin rate requested by an action, U/min, before the pump: max(0, (a + bias)·scale). */
  actionToInsulin(action: number): number {
    return Math.max(0, (action + this.config.actionBias) * this.actionScale);
  }

  reset(seed?: number): ResetResult<Float32Array> {
    let episodeSeed: number;
    if (seed !== undefined) {
      if (!Number.isFinite(seed)) throw new RangeError(`GlucoseEnv.reset: seed must be a finite number, got ${seed}`);
      this.seedRng.reseed(seed);
      episodeSeed = seed;
    } else {
      episodeSeed = this.seedRng.nextU32();
    }
    this.startEpisode(episodeSeed);
    return { obs: this.observe(), info: { t: 0, minute: this.patient.t, bg: this.prevBg, cgm: this.prevCgm, episodeSeed } };
  }

  private startEpisode(episodeSeed: number): void {
    this.seedOfEpisode = episodeSeed;
    this.metrics.reset();
    const streams = new Rng(episodeSeed);
    this.scenarioRng.reseed(streams.nextU32() * 2048 + (streams.nextU32() >>> 21));
    this.sensorRng.reseed(streams.nextU32() * 2048 + (streams.nextU32() >>> 21));
    // As T1DSimEnv.reset: the patient returns to the table's steady state at t = 0, and the sensor
    // measures it twice (T1DSimEnv._reset, then reset); with histInit the held reading stays that.
    this.patient.reset();
    this.sensor.reset();
    this.sensor.measure(this.patient.t, this.patient.bg);
    const cgm0 = this.sensor.measure(this.patient.t, this.patient.bg);
    this.ringStart = 0;
    this.ringCount = 0;
    if (this.history) {
      // The fork's _hist_init: state and clock from the recorded day, histories replaced by it.
      const h = this.history;
      this.patient.x.set(h.state);
      this.patient.t = h.t;
      const n = h.cgm.length;
      for (let i = Math.max(0, n - this.histLen); i < n; i++) this.pushHistory(h.cgm[i]!, h.insulin[i]!);
      this.prevBg = h.bg[h.bg.length - 1]!;
      this.prevCgm = h.cgm[n - 1]!;
    } else {
      this.pushHistory(cgm0, 0);
      this.prevBg = this.patient.bg;
      this.prevCgm = cgm0;
    }
    this.scenario.reset();
    this.t = 0;
    this.done = false;
  }

  private pushHistory(cgm: number, insulin: number): void {
    const L = this.histLen;
    if (this.ringCount < L) {
      const idx = (this.ringStart + this.ringCount) % L;
      this.cgmRing[idx] = cgm;
      this.insulinRing[idx] = insulin;
      this.ringCount++;
    } else {
      this.cgmRing[this.ringStart] = cgm;
      this.insulinRing[this.ringStart] = insulin;
      this.ringStart = (this.ringStart + 1) % L;
    }
  }

  /** [CGM history; insulin history], oldest first, left-padded with −1. */
  private observe(): Float32Array {
    const L = this.histLen;
    const obs = new Float32Array(2 * L);
    const pad = L - this.ringCount;
    for (let i = 0; i < pad; i++) {
      obs[i] = -1;
      obs[L + i] = -1;
    }
    for (let k = 0; k < this.ringCount; k++) {
      const idx = (this.ringStart + k) % L;
      obs[pad + k] = this.cgmRing[idx]!;
      obs[L + pad + k] = this.insulinRing[idx]!;
    }
    return obs;
  }

  private checkAction(action: unknown): number {
    const ok = (action instanceof Float32Array || action instanceof Float64Array || Array.isArray(action)) && (action as ArrayLike<unknown>).length === 1;
    const v = ok ? (action as ArrayLike<unknown>)[0] : undefined;
    if (typeof v !== 'number' || !(v >= this.actionSpace.low[0]! && v <= this.actionSpace.high[0]!)) {
      throw new RangeError(`GlucoseEnv.step: invalid action ${showValue(ArrayBuffer.isView(action) ? Array.from(action as Float32Array) : action)}; allowed: an array of one number in [0, 0.1]`);
    }
    return v;
  }

  step(action: Float32Array): StepResult<Float32Array> {
    if (this.done) throw new Error(`GlucoseEnv.step: the episode has ended (t=${this.t}); call reset() before stepping again`);
    const a = this.checkAction(action);
    const requested = this.actionToInsulin(a);
    // The ORPO env sends everything as a bolus (basal 0).
    const delivered = this.pump.basal(0) + this.pump.bolus(requested);

    const patient = this.patient;
    const sensor = this.sensor;
    const scenario = this.scenario;
    let cho = 0;
    let insulin = 0;
    let bg = 0;
    let cgm = 0;
    for (let k = 0; k < GLUCOSE_SAMPLE_TIME; k++) {
      const meal = scenario.mealAt(patient.t);
      patient.step(meal, delivered);
      const g = patient.bg;
      const c = sensor.measure(patient.t, g);
      cho += meal / GLUCOSE_SAMPLE_TIME;
      insulin += delivered / GLUCOSE_SAMPLE_TIME;
      bg += g / GLUCOSE_SAMPLE_TIME;
      cgm += c / GLUCOSE_SAMPLE_TIME;
    }
    const ri = riskIndex(bg);
    const magni = magniRisk(bg);
    this.pushHistory(cgm, insulin);

    const r = this.rewardInput;
    r.bg = bg;
    r.cgm = cgm;
    r.insulin = insulin;
    r.risk = ri.risk;
    r.prevBg = this.prevBg;
    r.prevCgm = this.prevCgm;
    const proxyRaw = this.proxyFn(r);
    const trueRaw = this.trueFn(r);
    this.prevBg = bg;
    this.prevCgm = cgm;

    this.t += 1;
    const terminated = bg < this.config.bgLowerLimit || bg > this.config.bgUpperLimit;
    const truncated = this.t >= this.horizon;
    let proxy = proxyRaw;
    let tru = trueRaw;
    if (terminated && this.t < this.horizon) {
      proxy -= this.config.terminationPenaltyProxy;
      tru -= this.config.terminationPenaltyTrue;
    }
    this.done = terminated || truncated;
    const info: GlucoseStepInfo = {
      t: this.t,
      minute: patient.t,
      bg,
      cgm,
      insulin,
      cho,
      risk: ri.risk,
      lbgi: ri.lbgi,
      hbgi: ri.hbgi,
      magniRisk: magni,
      hypo: bg < 70,
      hyper: bg > 180,
      proxyReward: proxyRaw,
      trueReward: trueRaw,
    };
    this.metrics.add(info);
    return { obs: this.observe(), reward: { proxy, true: tru }, terminated, truncated, info };
  }

  /** Mean BG, insulin, Magni risk and the hypo/hyper/in-range fractions of the episode so far (ORPO's glucose callback). */
  episodeMetrics(): Record<string, number> {
    const { steps: _steps, ...m } = this.metrics.summary();
    return m;
  }

  getState(): GlucoseState {
    const L = this.histLen;
    const cgmHistory: number[] = [];
    const insulinHistory: number[] = [];
    for (let k = 0; k < this.ringCount; k++) {
      const idx = (this.ringStart + k) % L;
      cgmHistory.push(this.cgmRing[idx]!);
      insulinHistory.push(this.insulinRing[idx]!);
    }
    return {
      t: this.t,
      done: this.done,
      episodeSeed: this.seedOfEpisode,
      seedRng: this.seedRng.getState(),
      patient: this.patient.getState(),
      sensor: this.sensor.getState(),
      scenario: this.scenario.getState(),
      cgmHistory,
      insulinHistory,
      prevBg: this.prevBg,
      prevCgm: this.prevCgm,
      metrics: this.metrics.getState(),
    };
  }

  setState(state: GlucoseState): void {
    const s = state;
    if (!s || typeof s !== 'object' || !Array.isArray(s.cgmHistory) || !Array.isArray(s.insulinHistory) || s.cgmHistory.length !== s.insulinHistory.length) {
      throw new RangeError('GlucoseEnv.setState: expected a state from getState() (cgmHistory and insulinHistory of equal length)');
    }
    if (s.cgmHistory.length > this.histLen) throw new RangeError(`GlucoseEnv.setState: history of ${s.cgmHistory.length} samples exceeds ${this.histLen}`);
    if (!Number.isInteger(s.t) || s.t < 0 || s.t > this.horizon) throw new RangeError(`GlucoseEnv.setState: t=${s.t} must be an integer in 0..${this.horizon}`);
    this.patient.setState(s.patient);
    this.sensor.setState(s.sensor);
    this.scenario.setState(s.scenario);
    this.seedRng.setState(s.seedRng);
    this.seedOfEpisode = s.episodeSeed;
    this.ringStart = 0;
    this.ringCount = 0;
    for (let i = 0; i < s.cgmHistory.length; i++) this.pushHistory(s.cgmHistory[i]!, s.insulinHistory[i]!);
    this.prevBg = s.prevBg;
    this.prevCgm = s.prevCgm;
    this.t = s.t;
    this.done = s.done;
    if (s.metrics) this.metrics.setState(s.metrics);
    else this.metrics.reset();
  }

  renderText(): string {
    const minute = this.patient.t;
    const day = Math.floor(minute / 1440);
    const hh = String(Math.floor((minute % 1440) / 60)).padStart(2, '0');
    const mm = String(minute % 60).padStart(2, '0');
    return `${this.config.patient} day ${day} ${hh}:${mm}  step ${this.t}/${this.horizon}  BG ${this.prevBg.toFixed(1)} mg/dL  CGM ${this.prevCgm.toFixed(1)} mg/dL  insulin ${this.insulinRing[(this.ringStart + this.ringCount - 1) % this.histLen]!.toFixed(4)} U/min`;
  }
}

/**
 * The input scaling ORPO's glucose model applies to this observation inside the network
 * (`occupancy_measures/models/glucose_models.py`): CGM as (x − 100)/100 and insulin as 10·x. The
 * environment itself returns raw values (the reference's `norm=False`).
 */
export const GLUCOSE_OBS_SCALING = Object.freeze({ cgmShift: 100, cgmScale: 100, insulinScale: 10 });

/** Applies GLUCOSE_OBS_SCALING to a flat [CGM history; insulin history] observation (new array). */
export function scaleGlucoseObservation(obs: ArrayLike<number>, histLen = obs.length / 2): Float32Array {
  const out = new Float32Array(obs.length);
  const s = GLUCOSE_OBS_SCALING;
  for (let i = 0; i < histLen; i++) out[i] = (obs[i]! - s.cgmShift) / s.cgmScale;
  for (let i = histLen; i < obs.length; i++) out[i] = obs[i]! * s.insulinScale;
  return out;
}

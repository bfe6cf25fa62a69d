/**
 * The pandemic environment of the ORPO paper (PandemicSimulator's `PandemicPolicyGymEnv` in the
 * ORPO fork, with the ORPO experiment settings; specs/envs.md §B7-B8, specs/orpo.md §3.3).
 *
 * One step is one simulated day (24 hours). The agent lowers (0), keeps (1) or raises (2) the
 * regulation stage (0-4); the new stage is imposed at the start of the day, every day. The
 * observation is the last 8 days × 3 samples (after hours 8, 16 and 24) of 13 features:
 *
 *   [time = (day·24 + hour)/8760, stage, infection above threshold (0/1),
 *    5 alpha testing fractions, 5 delta testing fractions]
 *
 * with each 5-vector ordered (critical, dead, infected, none, recovered); oldest rows first, zeros
 * before the first day. The true infection state is not observed; the rewards use it. An episode
 * ends when the simulated day exceeds `horizon` (192), i.e. after 193 steps, reported as
 * `terminated` as in the original's done function.
 *
 * The city (population, homes, jobs, routines, and the infection models' rates) is built from the
 * reset seed: `reset(seed)` rebuilds it, `reset()` keeps it and restarts the epidemic (as the
 * original rebuilds its city once per environment and only resets states). Set `citySeed` to keep
 * one city for every seed.
 */
import { box, discrete, type BoxSpace, type DiscreteSpace } from '../spaces.js';
import type { Env, Info, ResetResult, StepResult } from '../types.js';
import { Rng, type RngState } from '../../util/rng.js';
import { pandemicTables } from './data.js';
import { CRITICAL, DEAD, INFECTED, NONE, RECOVERED_SUMMARY, SUMMARY_NAMES } from './infection.js';
import { City } from './population.js';
import { ALPHA, COMBINED, DELTA, PandemicSim, type DeadTestMode, type MultiplierMode, type SimState } from './simulator.js';
import {
  emptyDay,
  LOWER_STAGE_INDEXES,
  lowerStageCosts,
  PROXY_REWARD_WEIGHTS,
  REWARD_TERMS,
  rewardTerms,
  TRUE_REWARD_WEIGHTS,
  weightedSum,
  type DaySamples,
  type LowerStageIndex,
  type RewardTerms,
  type RewardWeights,
} from './rewards.js';
import { configErrorFor, showValue } from '../config-errors.js';

export interface PandemicConfig {
  /** Persons in the city (ORPO: 500). */
  numPersons: number;
  /** Episodes end when the simulated day exceeds this (ORPO: 192, so 193 steps). */
  horizon: number;
  /** Delta emerges after day d, d uniform in [deltaStartLo, deltaStartHi) per episode (ORPO: 95, 105). */
  deltaStartLo: number;
  deltaStartHi: number;
  /** Daily probability that a person without symptoms is tested (ORPO: 0.3). */
  spontaneousTestingRate: number;
  regulationComplianceProb: number;
  /** Tested-infected count that sets the above-threshold observation bit (10). */
  infectionThreshold: number;
  /** true (ORPO): Discrete(3) lower/keep/raise, imposed every day. false: Discrete(5) = the stage, imposed when it changes. */
  constrain: boolean;
  /** What the LowerStage term indexes: 'stage' (meant) or 'action' (as published). */
  lowerStageIndex: LowerStageIndex;
  /** 'cumulative' (ORPO fork) or 'recompute' (original simulator) spread multipliers. */
  multipliers: MultiplierMode;
  /** 'negative' (ORPO fork: the dead test negative and keep moving) or 'dead' (original). */
  deadTestResult: DeadTestMode;
  trueWeights: RewardWeights;
  proxyWeights: RewardWeights;
  /** Build one city from this seed for every episode; null: build it from each reset seed. */
  citySeed: number | null;
  /** Days of history in the observation (8) and samples per day (3; must divide 24). */
  numDaysInObs: number;
  samplesPerDay: number;
}

export const DEFAULT_PANDEMIC_CONFIG: Readonly<PandemicConfig> = Object.freeze({
  numPersons: 500,
  horizon: 192,
  deltaStartLo: 95,
  deltaStartHi: 105,
  spontaneousTestingRate: 0.3,
  regulationComplianceProb: 0.99,
  infectionThreshold: 10,
  constrain: true,
  lowerStageIndex: 'stage' as LowerStageIndex,
  multipliers: 'cumulative' as MultiplierMode,
  deadTestResult: 'negative' as DeadTestMode,
  trueWeights: TRUE_REWARD_WEIGHTS,
  proxyWeights: PROXY_REWARD_WEIGHTS,
  citySeed: null,
  numDaysInObs: 8,
  samplesPerDay: 3,
});

const CONFIG_FIELDS = Object.keys(DEFAULT_PANDEMIC_CONFIG) as (keyof PandemicConfig)[];

/** Features per observation row. */
export const OBS_FEATURES = 13;
export const OBS_FEATURE_NAMES = [
  'time',
  'stage',
  'aboveThreshold',
  ...SUMMARY_NAMES.map((s) => `alpha.${s}`),
  ...SUMMARY_NAMES.map((s) => `delta.${s}`),
] as const;

export const ACTION_NAMES = ['lower', 'keep', 'raise'] as const;


const configError = configErrorFor('PandemicEnv');

function checkInt(field: string, v: unknown, lo: number, hi: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw configError(field, v, `an integer in ${lo}..${hi}`);
}

function checkProb(field: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw configError(field, v, 'a number in [0, 1]');
}

function resolveWeights(field: string, v: unknown, defaults: RewardWeights): RewardWeights {
  if (v === undefined) return { ...defaults };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw configError(field, v, `an object with numbers ${REWARD_TERMS.join(', ')}`);
  const rec = v as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!(REWARD_TERMS as readonly string[]).includes(k)) throw configError(`${field}.${k}`, rec[k], `fields ${REWARD_TERMS.join(', ')}`);
  const out = { ...defaults };
  for (const k of REWARD_TERMS) {
    const x = rec[k];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw configError(`${field}.${k}`, x, 'a finite number');
    out[k] = x;
  }
  return out;
}

/** Fills defaults and checks every field; unknown fields and bad values throw with the field named. */
export function resolvePandemicConfig(config: Partial<PandemicConfig> = {}): PandemicConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`PandemicEnv config: expected an object, got ${showValue(config)}`);
  for (const key of Object.keys(config)) {
    if (!(CONFIG_FIELDS as string[]).includes(key)) {
      throw new Error(`PandemicEnv config: unknown field "${key}" (value ${showValue((config as Record<string, unknown>)[key])}); allowed fields: ${CONFIG_FIELDS.join(', ')}`);
    }
  }
  const pick = <K extends keyof PandemicConfig>(k: K): PandemicConfig[K] => (config[k] === undefined ? DEFAULT_PANDEMIC_CONFIG[k] : (config[k] as PandemicConfig[K]));
  const c: PandemicConfig = {
    numPersons: pick('numPersons'),
    horizon: pick('horizon'),
    deltaStartLo: pick('deltaStartLo'),
    deltaStartHi: pick('deltaStartHi'),
    spontaneousTestingRate: pick('spontaneousTestingRate'),
    regulationComplianceProb: pick('regulationComplianceProb'),
    infectionThreshold: pick('infectionThreshold'),
    constrain: pick('constrain'),
    lowerStageIndex: pick('lowerStageIndex'),
    multipliers: pick('multipliers'),
    deadTestResult: pick('deadTestResult'),
    trueWeights: resolveWeights('trueWeights', config.trueWeights, TRUE_REWARD_WEIGHTS),
    proxyWeights: resolveWeights('proxyWeights', config.proxyWeights, PROXY_REWARD_WEIGHTS),
    citySeed: config.citySeed === undefined ? null : config.citySeed,
    numDaysInObs: pick('numDaysInObs'),
    samplesPerDay: pick('samplesPerDay'),
  };
  checkInt('numPersons', c.numPersons, 10, 100000);
  // The simulator's clock asserts day < 365.
  checkInt('horizon', c.horizon, 1, 363);
  checkInt('deltaStartLo', c.deltaStartLo, 0, 100000);
  checkInt('deltaStartHi', c.deltaStartHi, 0, 100000);
  if (c.deltaStartHi <= c.deltaStartLo) throw configError('deltaStartHi', c.deltaStartHi, `an integer > deltaStartLo (${c.deltaStartLo}); the start day is drawn from [lo, hi)`);
  checkProb('spontaneousTestingRate', c.spontaneousTestingRate);
  checkProb('regulationComplianceProb', c.regulationComplianceProb);
  checkInt('infectionThreshold', c.infectionThreshold, 0, 1e9);
  if (typeof c.constrain !== 'boolean') throw configError('constrain', c.constrain, 'true, false');
  if (!LOWER_STAGE_INDEXES.includes(c.lowerStageIndex)) throw configError('lowerStageIndex', c.lowerStageIndex, LOWER_STAGE_INDEXES.map((m) => `'${m}'`).join(', '));
  if (c.multipliers !== 'cumulative' && c.multipliers !== 'recompute') throw configError('multipliers', c.multipliers, `'cumulative', 'recompute'`);
  if (c.deadTestResult !== 'negative' && c.deadTestResult !== 'dead') throw configError('deadTestResult', c.deadTestResult, `'negative', 'dead'`);
  if (c.citySeed !== null && (typeof c.citySeed !== 'number' || !Number.isInteger(c.citySeed) || c.citySeed < 0)) throw configError('citySeed', c.citySeed, 'null or an integer >= 0');
  checkInt('numDaysInObs', c.numDaysInObs, 1, 365);
  if (![1, 2, 3, 4, 6, 8, 12, 24].includes(c.samplesPerDay as number)) throw configError('samplesPerDay', c.samplesPerDay, '1, 2, 3, 4, 6, 8, 12, 24 (divisors of 24)');
  return c;
}

/** Everything needed to resume an episode exactly. */
export interface PandemicEnvState {
  /** Seed the current city was built from. */
  citySeed: number;
  sim: SimState;
  rng: RngState;
  history: number[];
  prevStages: number[];
  prevFractions: number[];
  steps: number;
  done: boolean;
  /** Running episode statistics (absent in states written before they existed). */
  episode?: PandemicRunningStats;
}

/** What `episodeMetrics` accumulates over an episode. */
interface PandemicRunningStats {
  stageSum: number;
  peakInfected: number;
  peakCritical: number;
}

/** One day's record (for plots and statistics): true and tested counts after the day. */
export interface PandemicDayRecord {
  day: number;
  stage: number;
  /** True combined counts in observation order (critical, dead, infected, none, recovered). */
  infection: number[];
  /** Tested combined counts, same order. */
  tested: number[];
}

export class PandemicEnv implements Env<Float32Array, number> {
  readonly config: Readonly<PandemicConfig>;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: DiscreteSpace;
  readonly horizon: number;
  readonly numStages: number;

  private readonly rng = new Rng(0);
  private citySeedUsed = -1;
  private cityRef!: City;
  private simRef!: PandemicSim;
  private readonly rows: number;
  private readonly history: Float32Array;
  private prevDay: DaySamples;
  private readonly costs: Float64Array;
  private steps = 0;
  private done = false;
  private running: PandemicRunningStats = { stageSum: 0, peakInfected: 0, peakCritical: 0 };

  constructor(config: Partial<PandemicConfig> = {}) {
    this.config = Object.freeze(resolvePandemicConfig(config));
    this.numStages = pandemicTables().regulations.length;
    this.costs = lowerStageCosts(this.numStages);
    this.rows = this.config.numDaysInObs * this.config.samplesPerDay;
    this.history = new Float32Array(this.rows * OBS_FEATURES);
    this.observationSpace = box(0, Infinity, [this.rows, OBS_FEATURES]);
    this.actionSpace = discrete(this.config.constrain ? 3 : this.numStages);
    this.horizon = this.config.horizon + 1;
    this.prevDay = emptyDay(this.config.samplesPerDay);
    this.reset(0);
  }

  /** The simulator (read-only use: counts, stage, day). */
  get sim(): PandemicSim {
    return this.simRef;
  }
  get city(): City {
    return this.simRef.city;
  }
  /** Current regulation stage. */
  get stage(): number {
    return this.simRef.stage;
  }
  /** Simulated days completed (= steps taken this episode). */
  get day(): number {
    return this.steps;
  }

  reset(seed?: number): ResetResult<Float32Array> {
    if (seed !== undefined) this.rng.reseed(seed);
    const fixed = this.config.citySeed;
    if (fixed !== null) {
      if (this.citySeedUsed !== fixed) this.buildCity(fixed);
      else this.simRef.reset();
    } else if (seed !== undefined || this.citySeedUsed < 0) {
      // A city seed derived from the reset seed (the same draws as Rng.fork).
      this.buildCity(this.rng.nextU32() * 4096 + (this.rng.nextU32() >>> 20));
    } else {
      this.simRef.reset();
    }
    this.history.fill(0);
    this.prevDay = emptyDay(this.config.samplesPerDay);
    this.steps = 0;
    this.done = false;
    this.running = { stageSum: 0, peakInfected: 0, peakCritical: 0 };
    return { obs: this.history.slice(), info: this.info() };
  }

  private buildCity(seed: number): void {
    this.citySeedUsed = seed;
    this.cityRef = new City(new Rng(seed), { numPersons: this.config.numPersons });
    const c = this.config;
    this.simRef = new PandemicSim(this.cityRef, this.rng, {
      spontaneousTestingRate: c.spontaneousTestingRate,
      regulationComplianceProb: c.regulationComplianceProb,
      infectionThreshold: c.infectionThreshold,
      deltaStartLo: c.deltaStartLo,
      deltaStartHi: c.deltaStartHi,
      multipliers: c.multipliers,
      deadTestResult: c.deadTestResult,
    });
  }

  /** The stage an action leads to from the current stage. */
  nextStage(action: number): number {
    if (!this.config.constrain) return action;
    return Math.min(Math.max(this.simRef.stage + action - 1, 0), this.numStages - 1);
  }

  step(action: number): StepResult<Float32Array> {
    if (this.done) throw new Error(`PandemicEnv.step: the episode has ended (day ${this.steps}); call reset() before stepping again`);
    this.checkAction(action);
    const sim = this.simRef;
    const prevStage = sim.stage;
    const stage = this.nextStage(action);
    if (this.config.constrain || stage !== prevStage) sim.imposeStage(stage);

    const spd = this.config.samplesPerDay;
    const every = 24 / spd;
    const rowsNew = new Float32Array(spd * OBS_FEATURES);
    const curStages = new Float64Array(spd);
    const curFractions = new Float64Array(spd * 5);
    const cur: DaySamples = { stages: curStages, fractions: curFractions };
    const n = sim.numPersons;
    for (let h = 0, k = 0; h < 24; h++) {
      sim.stepHour();
      if ((h + 1) % every !== 0) continue;
      const o = k * OBS_FEATURES;
      rowsNew[o] = (sim.day * 24 + sim.hour) / 8760;
      rowsNew[o + 1] = sim.stage;
      rowsNew[o + 2] = sim.aboveThreshold ? 1 : 0;
      const ta = sumRange(sim.testCounts, ALPHA * 5);
      const td = sumRange(sim.testCounts, DELTA * 5);
      for (let s = 0; s < 5; s++) {
        rowsNew[o + 3 + s] = sim.testCounts[ALPHA * 5 + s]! / ta;
        rowsNew[o + 8 + s] = sim.testCounts[DELTA * 5 + s]! / td;
      }
      curStages[k] = sim.stage;
      const total = sumRange(sim.infCounts, COMBINED * 5) || n;
      for (let s = 0; s < 5; s++) curFractions[k * 5 + s] = sim.infCounts[COMBINED * 5 + s]! / total;
      k++;
    }
    this.steps += 1;
    {
      const n = sim.numPersons;
      const c = sim.infCounts;
      this.running.stageSum += sim.stage;
      this.running.peakInfected = Math.max(this.running.peakInfected, (c[COMBINED * 5 + INFECTED]! + c[COMBINED * 5 + CRITICAL]!) / n);
      this.running.peakCritical = Math.max(this.running.peakCritical, c[COMBINED * 5 + CRITICAL]! / n);
    }

    const terms = rewardTerms({ prev: this.prevDay, cur, action, lowerStageIndex: this.config.lowerStageIndex, costs: this.costs });
    const reward = { proxy: weightedSum(terms, this.config.proxyWeights), true: weightedSum(terms, this.config.trueWeights) };
    this.prevDay = cur;
    // Roll the history: drop the oldest day's rows, append this day's.
    this.history.copyWithin(0, spd * OBS_FEATURES);
    this.history.set(rowsNew, (this.rows - spd) * OBS_FEATURES);

    const terminated = sim.day > this.config.horizon;
    this.done = terminated;
    return {
      obs: this.history.slice(),
      reward,
      terminated,
      truncated: false,
      info: { ...this.info(), action, prevStage, terms: { ...terms } as RewardTerms, proxyRew: reward.proxy, trueRew: reward.true },
    };
  }

  private checkAction(action: unknown): asserts action is number {
    const n = this.actionSpace.n;
    if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= n) {
      const names = this.config.constrain ? ACTION_NAMES.map((name, i) => `${i} ${name}`).join(', ') : 'the stage to impose';
      throw new RangeError(`PandemicEnv.step: invalid action ${showValue(action)}; allowed: integers 0..${n - 1} (${names})`);
    }
  }

  /** True and tested combined counts now, for statistics and plots. */
  record(): PandemicDayRecord {
    const s = this.simRef;
    return {
      day: this.steps,
      stage: s.stage,
      infection: Array.from(s.infCounts.subarray(COMBINED * 5, COMBINED * 5 + 5)),
      tested: Array.from(s.testCounts.subarray(COMBINED * 5, COMBINED * 5 + 5)),
    };
  }

  private info(): Info {
    const s = this.simRef;
    const n = s.numPersons;
    const c = s.infCounts;
    return {
      day: this.steps,
      stage: s.stage,
      deltaActive: s.day > s.deltaStart,
      critical: c[CRITICAL]! / n,
      dead: c[DEAD]! / n,
      infected: c[INFECTED]! / n,
      none: c[NONE]! / n,
      recovered: c[RECOVERED_SUMMARY]! / n,
    };
  }

  /** Mean stage, peak infected and critical fractions so far, and the current dead fraction. */
  episodeMetrics(): Record<string, number> {
    const c = this.simRef.infCounts;
    const n = this.simRef.numPersons;
    return {
      meanStage: this.steps ? this.running.stageSum / this.steps : this.simRef.stage,
      peakInfectedFraction: this.running.peakInfected,
      peakCriticalFraction: this.running.peakCritical,
      deadFraction: c[COMBINED * 5 + DEAD]! / n,
    };
  }

  renderText(): string {
    const r = this.record();
    const n = this.simRef.numPersons;
    const fmt = (counts: number[]) => SUMMARY_NAMES.map((name, i) => `${name} ${((100 * counts[i]!) / n).toFixed(1)}%`).join(', ');
    return `day ${r.day}, stage ${r.stage}\n  true:   ${fmt(r.infection)}\n  tested: ${fmt(r.tested)}`;
  }

  getState(): PandemicEnvState {
    return {
      citySeed: this.citySeedUsed,
      sim: this.simRef.getState(),
      rng: this.rng.getState(),
      history: Array.from(this.history),
      prevStages: Array.from(this.prevDay.stages),
      prevFractions: Array.from(this.prevDay.fractions),
      steps: this.steps,
      done: this.done,
      episode: { ...this.running },
    };
  }

  setState(state: PandemicEnvState): void {
    if (typeof state !== 'object' || state === null || !Number.isInteger(state.citySeed) || !Array.isArray(state.history)) {
      throw new RangeError('PandemicEnv.setState: expected a state from getState()');
    }
    if (state.history.length !== this.history.length) throw new RangeError(`PandemicEnv.setState: history has ${state.history.length} entries, expected ${this.history.length}`);
    if (!Number.isInteger(state.steps) || state.steps < 0 || state.steps > this.horizon) throw new RangeError(`PandemicEnv.setState: steps=${state.steps} must be an integer in 0..${this.horizon}`);
    if (state.citySeed !== this.citySeedUsed) this.buildCity(state.citySeed);
    this.simRef.setState(state.sim);
    this.rng.setState(state.rng);
    this.history.set(state.history);
    this.prevDay = { stages: Float64Array.from(state.prevStages), fractions: Float64Array.from(state.prevFractions) };
    this.steps = state.steps;
    this.done = state.done;
    this.running = state.episode ? { ...state.episode } : { stageSum: 0, peakInfected: 0, peakCritical: 0 };
  }
}

function sumRange(a: Int32Array, from: number): number {
  let s = 0;
  for (let i = from; i < from + 5; i++) s += a[i]!;
  return s;
}

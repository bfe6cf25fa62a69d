/**
 * The simulator's SEIR infection model (PandemicSimulator `seir_infection_model.py`, as the ORPO
 * fork runs it: one model per variant, alpha and delta). Each person carries one label per variant;
 * the labels change once a day by a categorical draw whose probabilities depend on the label, the
 * person's age bucket and risk group. Exposure comes from the day's accumulated contacts
 * (`1 − Π(1 − spread·multiplier)` over contacts with infectious persons).
 *
 * Transition probabilities per day (specs/envs.md §B4):
 *   exposed:    stay 1−e, → pre_asymp e·(1−0.57), → pre_symp e·0.57, with e = 1/Tri(2.8, 2.9, 3.0)
 *   pre_asymp:  → asymp 1/2.3        pre_symp: → symp 1/2.3
 *   asymp:      → recovered 1/Tri(3.9, 4.0, 4.9)
 *   symp:       → needs_hospitalization 0.1695·g, → recovered r·(1−g), r = 1/Tri(3.9, 4.0, 4.1),
 *               g = r·y / (0.1695 + (r − 0.1695)·y), y = hospitalisation rate of symptomatic cases
 *   needs_hosp: → recovered (1−D_nh)·0.0214286, → deceased D_nh·0.3
 *   hospitalized: → recovered (1−D_h)/Tri(10.6, 10.7, 10.9), → deceased D_h/Tri(7.8, 8.1, 8.2)
 * A person who needs hospitalisation and has been admitted to a hospital becomes hospitalized
 * deterministically. The triangular draws are made once per model (when the city is built).
 */
import type { Rng } from '../../util/rng.js';
import { pandemicTables, type SeirRateRow } from './data.js';

/** SEIR labels; −1 (NO_STATE) is a person the model has not seen yet. The numeric order is the order of progression. */
export const NO_STATE = -1;
export const SUSCEPTIBLE = 0;
export const EXPOSED = 1;
export const PRE_ASYMP = 2;
export const PRE_SYMP = 3;
export const ASYMP = 4;
export const SYMP = 5;
export const NEEDS_HOSP = 6;
export const HOSPITALIZED = 7;
export const RECOVERED = 8;
export const DECEASED = 9;
export const SEIR_LABELS = ['susceptible', 'exposed', 'pre_asymp', 'pre_symp', 'asymp', 'symp', 'needs_hospitalization', 'hospitalized', 'recovered', 'deceased'] as const;

/**
 * Infection summaries, numbered in the simulator's sorted order (by their string values), which is
 * also the order of every 5-vector in the observation: critical, dead, infected, none, recovered.
 */
export const CRITICAL = 0;
export const DEAD = 1;
export const INFECTED = 2;
export const NONE = 3;
export const RECOVERED_SUMMARY = 4;
export const SUMMARY_NAMES = ['critical', 'dead', 'infected', 'none', 'recovered'] as const;

/** Summary of each SEIR label (index label + 1, so that NO_STATE maps to NONE). */
export const LABEL_SUMMARY = Int8Array.from([NONE, NONE, NONE, INFECTED, INFECTED, INFECTED, INFECTED, CRITICAL, CRITICAL, RECOVERED_SUMMARY, DEAD]);

export function labelSummary(label: number): number {
  return LABEL_SUMMARY[label + 1]!;
}

/** Infectious labels spread the disease: summary INFECTED or CRITICAL. */
export function isInfectious(label: number): boolean {
  return label >= PRE_ASYMP && label <= HOSPITALIZED;
}

/** Labels that show symptoms (used by testing). */
export function showsSymptoms(label: number): boolean {
  return label === SYMP || label === NEEDS_HOSP || label === HOSPITALIZED;
}

/** The transitions the model allows (for invariants in tests): from → list of possible next labels. */
export const ALLOWED_TRANSITIONS: readonly (readonly number[])[] = [
  [SUSCEPTIBLE, EXPOSED],
  [EXPOSED, PRE_ASYMP, PRE_SYMP],
  [PRE_ASYMP, ASYMP],
  [PRE_SYMP, SYMP],
  [ASYMP, RECOVERED],
  [SYMP, NEEDS_HOSP, RECOVERED],
  [NEEDS_HOSP, HOSPITALIZED, RECOVERED, DECEASED],
  [HOSPITALIZED, RECOVERED, DECEASED],
  [RECOVERED],
  [DECEASED],
];

export const AGE_BUCKET_LIMITS = [4, 17, 49, 64, 200] as const;

/** Age bucket 0..4 (≤4, ≤17, ≤49, ≤64, older). */
export function ageBucket(age: number): number {
  for (let b = 0; b < AGE_BUCKET_LIMITS.length; b++) if (age <= AGE_BUCKET_LIMITS[b]!) return b;
  return AGE_BUCKET_LIMITS.length - 1;
}

/** numpy's triangular(left, mode, right) by inversion. */
export function triangular(rng: Rng, left: number, mode: number, right: number): number {
  const u = rng.uniform();
  const fc = (mode - left) / (right - left);
  if (u < fc) return left + Math.sqrt(u * (right - left) * (mode - left));
  return right - Math.sqrt((1 - u) * (right - left) * (right - mode));
}

/** The per-model constants (simulator defaults). */
export const SEIR_CONSTANTS = {
  sympProportion: 0.57,
  preAsympRate: 1 / 2.3,
  preSympRate: 1 / 2.3,
  recoveryRateNeedsHosp: 0.0214286,
  fromSympToHospRate: 0.1695,
  fromNeedsHospToDeathRate: 0.3,
  exposedTri: [2.8, 2.9, 3.0],
  recoveryAsympTri: [3.9, 4.0, 4.9],
  recoverySympTri: [3.9, 4.0, 4.1],
  recoveryHospTri: [10.6, 10.7, 10.9],
  hospToDeathTri: [7.8, 8.1, 8.2],
} as const;

/** Number of persons seeded as exposed when a model first meets persons (`pandemic_start_limit`). */
export const PANDEMIC_START_LIMIT = 6;

export interface SeirRates {
  exposedRate: number;
  recoveryRateAsymp: number;
  recoveryRateSymp: number;
  recoveryRateHosp: number;
  hospToDeathRate: number;
}

export interface SpreadParams {
  mean: number;
  sigma: number;
}

/** Alpha: N(0.021, 0.01) truncated to [0, 1]; delta: N(0.03, 0.01) (`simulator_opts.py`). */
export const ALPHA_SPREAD: SpreadParams = { mean: 0.021, sigma: 0.01 };
export const DELTA_SPREAD: SpreadParams = { mean: 0.03, sigma: 0.01 };

/**
 * One variant's model: the rates drawn once, and for each (label, age bucket, risk) the cumulative
 * transition probabilities as flat tables (next labels and cumulative thresholds).
 */
export class SeirModel {
  readonly rates: SeirRates;
  readonly spread: SpreadParams;
  /** Per (label·10 + bucket·2 + risk): up to 4 next labels and their cumulative probabilities. */
  private readonly nextLabels = new Int8Array(10 * 10 * 4).fill(-1);
  private readonly cumulative = new Float64Array(10 * 10 * 4);
  private readonly counts = new Uint8Array(10 * 10);

  constructor(rng: Rng, spread: SpreadParams, rateRows: readonly SeirRateRow[] = pandemicTables().seirRates, rates?: SeirRates) {
    const c = SEIR_CONSTANTS;
    this.spread = spread;
    // The same order as the original constructor: exposed, asymp, symp, hosp, hosp→death.
    this.rates = rates ?? {
      exposedRate: 1 / triangular(rng, ...c.exposedTri),
      recoveryRateAsymp: 1 / triangular(rng, ...c.recoveryAsympTri),
      recoveryRateSymp: 1 / triangular(rng, ...c.recoverySympTri),
      recoveryRateHosp: 1 / triangular(rng, ...c.recoveryHospTri),
      hospToDeathRate: 1 / triangular(rng, ...c.hospToDeathTri),
    };
    const r = this.rates;
    for (let bucket = 0; bucket < 5; bucket++) {
      for (let risk = 0; risk < 2; risk++) {
        const row = rateRows.find((x) => x.ageMax === AGE_BUCKET_LIMITS[bucket] && x.risk === (risk ? 'HIGH' : 'LOW'));
        if (!row) throw new Error(`pandemic SEIR rates: no row for age bucket ≤${AGE_BUCKET_LIMITS[bucket]} and risk ${risk ? 'HIGH' : 'LOW'}`);
        const e = r.exposedRate;
        this.set(EXPOSED, bucket, risk, [EXPOSED, 1 - e], [PRE_ASYMP, e * (1 - c.sympProportion)], [PRE_SYMP, e * c.sympProportion]);
        this.set(PRE_ASYMP, bucket, risk, [PRE_ASYMP, 1 - c.preAsympRate], [ASYMP, c.preAsympRate]);
        this.set(PRE_SYMP, bucket, risk, [PRE_SYMP, 1 - c.preSympRate], [SYMP, c.preSympRate]);
        this.set(ASYMP, bucket, risk, [ASYMP, 1 - r.recoveryRateAsymp], [RECOVERED, r.recoveryRateAsymp]);
        const g = goToHospitalRate(row.hospRateSympPercent, r.recoveryRateSymp, c.fromSympToHospRate);
        const toNeeds = c.fromSympToHospRate * g;
        const toRec = r.recoveryRateSymp * (1 - g);
        this.set(SYMP, bucket, risk, [SYMP, 1 - (toNeeds + toRec)], [NEEDS_HOSP, toNeeds], [RECOVERED, toRec]);
        const nhRec = (1 - row.deathRateNeedsHosp) * c.recoveryRateNeedsHosp;
        const nhDead = row.deathRateNeedsHosp * c.fromNeedsHospToDeathRate;
        this.set(NEEDS_HOSP, bucket, risk, [NEEDS_HOSP, 1 - (nhRec + nhDead)], [RECOVERED, nhRec], [DECEASED, nhDead]);
        const hRec = (1 - row.deathRateHosp) * r.recoveryRateHosp;
        const hDead = row.deathRateHosp * r.hospToDeathRate;
        this.set(HOSPITALIZED, bucket, risk, [HOSPITALIZED, 1 - (hRec + hDead)], [RECOVERED, hRec], [DECEASED, hDead]);
      }
    }
  }

  private set(label: number, bucket: number, risk: number, ...next: [number, number][]): void {
    const k = label * 10 + bucket * 2 + risk;
    let acc = 0;
    next.forEach(([to, p], i) => {
      acc += p;
      this.nextLabels[k * 4 + i] = to;
      this.cumulative[k * 4 + i] = acc;
    });
    this.counts[k] = next.length;
  }

  /** The daily transition probabilities out of `label` for a bucket and risk, as {next label: probability}. */
  transitionProbabilities(label: number, bucket: number, risk: number): Map<number, number> {
    const k = label * 10 + bucket * 2 + risk;
    const out = new Map<number, number>();
    let prev = 0;
    for (let i = 0; i < this.counts[k]!; i++) {
      const c = this.cumulative[k * 4 + i]!;
      out.set(this.nextLabels[k * 4 + i]!, c - prev);
      prev = c;
    }
    return out;
  }

  /** A spread probability from the truncated normal on [0, 1]. */
  drawSpreadProbability(rng: Rng): number {
    for (;;) {
      const x = this.spread.mean + this.spread.sigma * rng.normal();
      if (x >= 0 && x <= 1) return x;
    }
  }

  /**
   * One day's step for a person who already has a label (not NO_STATE): susceptible persons are
   * exposed with probability `infectionProbability`; an admitted person who needs hospitalisation
   * becomes hospitalized; other labels make their categorical draw. Returns the new label.
   */
  step(rng: Rng, label: number, bucket: number, risk: number, infectionProbability: number, admitted: boolean): number {
    if (label === SUSCEPTIBLE) return rng.uniform() < infectionProbability ? EXPOSED : SUSCEPTIBLE;
    if (label === NEEDS_HOSP && admitted) return HOSPITALIZED;
    const k = label * 10 + bucket * 2 + risk;
    const n = this.counts[k]!;
    if (n === 0) return label; // recovered, deceased: absorbing
    // numpy's choice(p=...) with probabilities summing to 1 (to 1e-3): invert the cumulative sum.
    const u = rng.uniform() * this.cumulative[k * 4 + n - 1]!;
    for (let i = 0; i < n - 1; i++) if (u < this.cumulative[k * 4 + i]!) return this.nextLabels[k * 4 + i]!;
    return this.nextLabels[k * 4 + n - 1]!;
  }
}

/** g = r·y / (0.1695 + (r − 0.1695)·y) with y the hospitalisation percentage / 100. */
export function goToHospitalRate(hospRatePercent: number, recoveryRateSymp: number, fromSympToHospRate: number): number {
  const y = 0.01 * hospRatePercent;
  return (recoveryRateSymp * y) / (fromSympToHospRate + (recoveryRateSymp - fromSympToHospRate) * y);
}

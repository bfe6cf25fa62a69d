/**
 * The hour-by-hour city simulation (PandemicSimulator `pandemic_sim.py::PandemicSim.step`, with the
 * ORPO fork's alpha and delta variants). One call of `stepHour()`:
 *   1. syncs the locations (business hours, locks);
 *   2. steps N persons drawn *with replacement* (`randint(0, N, N)`, as the original does), each
 *      following its hospital / stay-home-if-sick / go-home rules, then its routines;
 *   3. samples the contacts at every location and multiplies each exposed person's probability of
 *      escaping infection by (1 − spread·multiplier) of the infectious contact;
 *   4. at hour 0: steps both SEIR models for every person, recounts the infection summaries and tests
 *      persons (specs/envs.md §B4, §B5);
 *   5. sets the above-threshold flag from the tested-infected count; advances the clock.
 *
 * All state lives in typed arrays (no per-person objects), so a simulated day costs a few
 * milliseconds. All randomness comes from one Rng passed in by the environment.
 */
import type { Rng, RngState } from '../../util/rng.js';
import { HOME, HOSPITAL, pandemicTables, type RegulationStage } from './data.js';
import {
  CRITICAL,
  DEAD,
  EXPOSED,
  INFECTED,
  isInfectious,
  labelSummary,
  NEEDS_HOSP,
  NO_STATE,
  NONE,
  PANDEMIC_START_LIMIT,
  RECOVERED_SUMMARY,
  showsSymptoms,
  SUSCEPTIBLE,
} from './infection.js';
import { City, MAX_ROUTINES, MIDDAY, MINOR, ROUTINE_START_PROBABILITY, SOCIAL, TRIGGERED, WEEKEND, WORKER } from './population.js';

/** Test results (`PandemicTestResult`). */
export const UNTESTED = 0;
export const NEGATIVE = 1;
export const POSITIVE = 2;
export const TEST_CRITICAL = 3;
export const TEST_DEAD = 4;
export const TEST_RESULT_NAMES = ['untested', 'negative', 'positive', 'critical', 'dead'] as const;

/** Index of the three summaries kept for both infection counts and testing counts. */
export const COMBINED = 0;
export const ALPHA = 1;
export const DELTA = 2;

export type MultiplierMode = 'cumulative' | 'recompute';
export type DeadTestMode = 'negative' | 'dead';

export interface SimOptions {
  /** Probability a person without symptoms is tested on a given day (ORPO 0.3; simulator default 0.02). */
  spontaneousTestingRate: number;
  symptomaticTestingRate: number;
  criticalTestingRate: number;
  falsePositiveRate: number;
  falseNegativeRate: number;
  retestRate: number;
  /** Tested-infected count at or above which `infectionAboveThreshold` is set. */
  infectionThreshold: number;
  /** Probability a person follows a regulation at a given moment (and weight of the hygiene/mask effect). */
  regulationComplianceProb: number;
  /** Delta emerges after day d, d uniform in [lo, hi). */
  deltaStartLo: number;
  deltaStartHi: number;
  /**
   * 'cumulative' (the ORPO fork): each imposed regulation multiplies the spread multipliers again,
   * so under a daily re-imposed stage they converge (stage ≥ 2: ≈ 0.019). 'recompute' (the original
   * simulator): each regulation sets the multiplier from its initial value.
   */
  multipliers: MultiplierMode;
  /**
   * 'negative' (the ORPO fork): the DEAD test result is overwritten, so the dead test negative and
   * keep following their routines. 'dead' (the original): they test DEAD and stay put.
   */
  deadTestResult: DeadTestMode;
}

export const DEFAULT_SIM_OPTIONS: Readonly<SimOptions> = Object.freeze({
  spontaneousTestingRate: 0.3,
  symptomaticTestingRate: 0.3,
  criticalTestingRate: 1.0,
  falsePositiveRate: 0.001,
  falseNegativeRate: 0.01,
  retestRate: 0.033,
  infectionThreshold: 10,
  regulationComplianceProb: 0.99,
  deltaStartLo: 95,
  deltaStartHi: 105,
  multipliers: 'cumulative',
  deadTestResult: 'negative',
});

/** Initial spread multipliers (`PersonState`): alpha 1.0, delta 1.5. */
export const INITIAL_MULTIPLIER_ALPHA = 1.0;
export const INITIAL_MULTIPLIER_DELTA = 1.5;

const LIST_ASSIGNEES = 0;
const LIST_VISITORS = 1;
const LIST_PATIENTS = 2;

/** Serializable dynamic state of the simulation (the city is rebuilt from its seed). */
export interface SimState {
  t: number;
  stage: number;
  deltaStart: number;
  alphaSeeded: number;
  deltaSeeded: number;
  aboveThreshold: boolean;
  sickAtHome: boolean;
  avoidGathering: [number, number];
  locked: number[];
  isOpen: number[];
  fractions: number[];
  person: Record<string, number[]>;
  routine: Record<string, number[]>;
  lists: { count: number[][]; members: number[][][] };
  testCounts: number[];
  infCounts: number[];
}

export class PandemicSim {
  readonly city: City;
  readonly options: Readonly<SimOptions>;
  readonly regulations: readonly RegulationStage[];
  readonly numPersons: number;
  readonly numLocations: number;
  private readonly rng: Rng;

  // Clock: hours since the start; day, hour and weekday derive from it.
  t = 0;
  stage = 0;
  deltaStart = 0;
  aboveThreshold = false;
  private alphaSeeded = 0;
  private deltaSeeded = 0;

  // Regulation-driven state.
  private sickAtHome = false;
  /** Gathering size to avoid by risk (index 0 low, 1 high); −1 no limit. */
  private readonly avoidGathering = new Int32Array([-1, -1]);
  readonly locked: Uint8Array;
  readonly isOpen: Uint8Array;
  /** Current contact fractions per location type: [assignees, assignees-visitors, visitors]. */
  readonly fractions: Float64Array;
  private readonly initFractions: Float64Array;
  private readonly mins: Int32Array;
  private readonly visitorCapacity: Int32Array;
  private readonly patientCapacity: Int32Array;
  private readonly openHours: Int32Array;
  private readonly openDays: Uint8Array;
  private readonly lockable: Uint8Array;
  private readonly ageLo: Int32Array;
  private readonly ageHi: Int32Array;
  private readonly homes: Int32Array;
  private readonly hospitals: Int32Array;

  // Occupancy: for each location three lists (assignees, visitors, patients) of person numbers.
  readonly listCount: Int32Array; // [location·3 + list]
  private readonly listMembers: Int32Array; // [(location·3 + list)·N + i]
  readonly loc: Int32Array;
  private readonly listKind: Uint8Array;
  private readonly listPos: Int32Array;
  private readonly goHome: Uint8Array;

  // Infection state per person.
  readonly labelA: Int8Array;
  readonly labelD: Int8Array;
  readonly spreadA: Float64Array;
  readonly spreadD: Float64Array;
  /** The alpha infection state's `is_hospitalized` flag (the delta state's is never set, as coded). */
  readonly hospitalized: Uint8Array;
  readonly multA: Float64Array;
  readonly multD: Float64Array;
  readonly notInfA: Float64Array;
  readonly notInfD: Float64Array;
  readonly testC: Uint8Array;
  readonly testA: Uint8Array;
  readonly testD: Uint8Array;

  // Routine status per slot.
  private readonly rDue: Uint8Array;
  private readonly rStarted: Uint8Array;
  private readonly rDone: Uint8Array;
  private readonly rSel: Int32Array;

  /** Testing summaries [variant·5 + summary], variants COMBINED, ALPHA, DELTA; summaries in observation order. */
  readonly testCounts = new Int32Array(15);
  /** True infection summaries, same layout. */
  readonly infCounts = new Int32Array(15);

  // Scratch.
  private readonly stamp: Int32Array;
  private stampGen = 0;
  private readonly homeScratch: Int32Array;

  constructor(city: City, rng: Rng, options: Partial<SimOptions> = {}, regulations: readonly RegulationStage[] = pandemicTables().regulations) {
    this.city = city;
    this.rng = rng;
    this.options = Object.freeze({ ...DEFAULT_SIM_OPTIONS, ...options });
    this.regulations = regulations;
    const n = city.numPersons;
    const L = city.numLocations;
    this.numPersons = n;
    this.numLocations = L;
    const types = city.types;
    this.locked = new Uint8Array(L);
    this.isOpen = new Uint8Array(L).fill(1);
    this.fractions = new Float64Array(types.length * 3);
    this.initFractions = new Float64Array(types.length * 3);
    this.mins = new Int32Array(types.length * 3);
    this.openHours = new Int32Array(types.length);
    this.openDays = new Uint8Array(types.length);
    this.lockable = new Uint8Array(types.length);
    this.ageLo = new Int32Array(types.length);
    this.ageHi = new Int32Array(types.length).fill(1000);
    types.forEach((t, i) => {
      const cr = t.contactRate;
      this.initFractions.set([cr.fractionAssignees, cr.fractionAssigneesVisitors, cr.fractionVisitors], i * 3);
      this.mins.set([cr.minAssignees, cr.minAssigneesVisitors, cr.minVisitors], i * 3);
      this.openHours[i] = t.openHours;
      this.openDays[i] = t.openWeekdays;
      this.lockable[i] = t.lockable ? 1 : 0;
      if (t.ageLimits) {
        this.ageLo[i] = t.ageLimits[0];
        this.ageHi[i] = t.ageLimits[1];
      }
    });
    this.visitorCapacity = new Int32Array(L);
    this.patientCapacity = new Int32Array(L);
    for (let l = 0; l < L; l++) {
      const t = types[city.locType[l]!]!;
      this.visitorCapacity[l] = t.visitorCapacity;
      this.patientCapacity[l] = t.patientCapacity;
    }
    this.homes = Int32Array.from(city.locationsOfType(HOME));
    this.hospitals = Int32Array.from(city.locationsOfType(HOSPITAL));
    this.listCount = new Int32Array(L * 3);
    this.listMembers = new Int32Array(L * 3 * n);
    this.loc = new Int32Array(n);
    this.listKind = new Uint8Array(n);
    this.listPos = new Int32Array(n);
    this.goHome = new Uint8Array(n);
    this.labelA = new Int8Array(n);
    this.labelD = new Int8Array(n);
    this.spreadA = new Float64Array(n);
    this.spreadD = new Float64Array(n);
    this.hospitalized = new Uint8Array(n);
    this.multA = new Float64Array(n);
    this.multD = new Float64Array(n);
    this.notInfA = new Float64Array(n);
    this.notInfD = new Float64Array(n);
    this.testC = new Uint8Array(n);
    this.testA = new Uint8Array(n);
    this.testD = new Uint8Array(n);
    const slots = n * MAX_ROUTINES;
    this.rDue = new Uint8Array(slots);
    this.rStarted = new Uint8Array(slots);
    this.rDone = new Uint8Array(slots);
    this.rSel = new Int32Array(slots).fill(-1);
    // Largest group of pairs: all persons as visitors of one location.
    this.stamp = new Int32Array(Math.max(1, (n * (n - 1)) / 2, Math.floor(n / 2) * Math.ceil(n / 2)));
    this.homeScratch = new Int32Array(this.homes.length);
    this.reset();
  }

  // ------------------------------------------------------------------ clock
  get hour(): number {
    return this.t % 24;
  }
  /** Day of the simulated year (the simulator's `sim_time.day`). */
  get day(): number {
    return Math.floor(this.t / 24) % 365;
  }
  get weekday(): number {
    return Math.floor(this.t / 24) % 7;
  }

  /** Back to day 0 with everyone at home, healthy and untested; draws a new delta start day. */
  reset(): void {
    const n = this.numPersons;
    this.t = 0;
    this.stage = 0;
    this.aboveThreshold = false;
    this.alphaSeeded = 0;
    this.deltaSeeded = 0;
    this.sickAtHome = false;
    this.avoidGathering.fill(-1);
    this.locked.fill(0);
    this.isOpen.fill(1);
    this.fractions.set(this.initFractions);
    this.listCount.fill(0);
    this.goHome.fill(0);
    this.labelA.fill(NO_STATE);
    this.labelD.fill(NO_STATE);
    this.spreadA.fill(0);
    this.spreadD.fill(0);
    this.hospitalized.fill(0);
    this.multA.fill(INITIAL_MULTIPLIER_ALPHA);
    this.multD.fill(INITIAL_MULTIPLIER_DELTA);
    this.notInfA.fill(1);
    this.notInfD.fill(1);
    this.testC.fill(UNTESTED);
    this.testA.fill(UNTESTED);
    this.testD.fill(UNTESTED);
    this.rDue.fill(0);
    this.rStarted.fill(0);
    this.rDone.fill(0);
    this.rSel.fill(-1);
    this.testCounts.fill(0);
    this.infCounts.fill(0);
    for (let v = 0; v < 3; v++) this.testCounts[v * 5 + NONE] = n;
    for (let p = 0; p < n; p++) {
      this.loc[p] = -1;
      this.addTo(p, this.city.home[p]!);
    }
    const { deltaStartLo: lo, deltaStartHi: hi } = this.options;
    this.deltaStart = lo + this.rng.int(Math.max(1, hi - lo));
  }

  // ------------------------------------------------------------------ regulations
  /** Imposes a regulation stage (`PandemicSim.impose_regulation` and `BasePerson.receive_regulation`). */
  imposeStage(stage: number): void {
    const reg = this.regulations[stage];
    if (!reg) throw new RangeError(`pandemic: no regulation stage ${stage}; stages are 0-${this.regulations.length - 1}`);
    const city = this.city;
    const types = city.types;
    for (let type = 0; type < types.length; type++) {
      if (type === HOME) continue; // Home.update_rules is a no-op
      const sd = reg.socialDistancing;
      for (let k = 0; k < 3; k++) this.fractions[type * 3 + k] = sd === null ? this.initFractions[type * 3 + k]! : (1 - sd) * this.initFractions[type * 3 + k]!;
      if (this.lockable[type]) {
        const lock = reg.lockedTypes.includes(type) ? 1 : 0;
        this.locked.fill(lock, city.typeStart[type]!, city.typeStart[type]! + city.typeCount[type]!);
      }
    }
    this.sickAtHome = reg.stayHomeIfSick;
    this.avoidGathering[0] = reg.avoidGatheringSize.low;
    this.avoidGathering[1] = reg.avoidGatheringSize.high;
    const factor = (reg.practiceGoodHygiene ? 0.8 : 1) * (reg.wearFacialCoverings ? 0.6 : 1);
    const c = this.options.regulationComplianceProb;
    const n = this.numPersons;
    if (this.options.multipliers === 'cumulative') {
      for (let p = 0; p < n; p++) {
        this.multA[p] = 1 - (1 - this.multA[p]! * factor) * c;
        this.multD[p] = 1 - (1 - this.multD[p]! * factor) * c;
      }
    } else {
      this.multA.fill(1 - (1 - INITIAL_MULTIPLIER_ALPHA * factor) * c);
      this.multD.fill(1 - (1 - INITIAL_MULTIPLIER_DELTA * factor) * c);
    }
    this.stage = reg.stage;
  }

  /** Current gathering limit for a risk group (−1 none) and whether the sick must stay home. */
  regulationFlags(): { sickAtHome: boolean; avoidGathering: { low: number; high: number } } {
    return { sickAtHome: this.sickAtHome, avoidGathering: { low: this.avoidGathering[0]!, high: this.avoidGathering[1]! } };
  }

  // ------------------------------------------------------------------ occupancy
  private addTo(p: number, l: number): void {
    let list = LIST_VISITORS;
    if (this.city.locType[l] === HOSPITAL && this.combinedSummary(p) === CRITICAL) list = LIST_PATIENTS;
    else if (this.isAssignee(p, l)) list = LIST_ASSIGNEES;
    const key = l * 3 + list;
    const i = this.listCount[key]!;
    this.listMembers[key * this.numPersons + i] = p;
    this.listCount[key] = i + 1;
    this.listKind[p] = list;
    this.listPos[p] = i;
    this.loc[p] = l;
  }

  private removeFrom(p: number, l: number): void {
    const key = l * 3 + this.listKind[p]!;
    const last = this.listCount[key]! - 1;
    const base = key * this.numPersons;
    const pos = this.listPos[p]!;
    const moved = this.listMembers[base + last]!;
    this.listMembers[base + pos] = moved;
    this.listPos[moved] = pos;
    this.listCount[key] = last;
  }

  private isAssignee(p: number, l: number): boolean {
    return l === this.city.home[p] || l === this.city.work[p] || l === this.city.school[p];
  }

  /** Persons present at a location: assignees, visitors and patients. */
  occupants(l: number): { assignees: number[]; visitors: number[]; patients: number[] } {
    const get = (list: number) => {
      const key = l * 3 + list;
      return Array.from(this.listMembers.subarray(key * this.numPersons, key * this.numPersons + this.listCount[key]!));
    };
    return { assignees: get(LIST_ASSIGNEES), visitors: get(LIST_VISITORS), patients: get(LIST_PATIENTS) };
  }

  /** `get_infection_summary`: the worse of the two variants (delta absent: alpha's). */
  combinedSummary(p: number): number {
    const a = labelSummary(this.labelA[p]!);
    const dl = this.labelD[p]!;
    if (dl === NO_STATE) return a;
    const d = labelSummary(dl);
    if (a === NONE && d === NONE) return NONE;
    if (a === DEAD || d === DEAD) return DEAD;
    if (a === CRITICAL || d === CRITICAL) return CRITICAL;
    if (a === INFECTED || d === INFECTED) return INFECTED;
    return RECOVERED_SUMMARY;
  }

  private entryAllowed(p: number, l: number): boolean {
    const type = this.city.locType[l]!;
    if (type === HOSPITAL) {
      const s = this.combinedSummary(p);
      if (s === CRITICAL) {
        const cap = this.patientCapacity[l]!;
        return cap === -1 || this.listCount[l * 3 + LIST_PATIENTS]! < cap;
      }
    }
    const age = this.city.age[p]!;
    if (age < this.ageLo[type]! || age > this.ageHi[type]!) return false;
    if (!this.isOpen[l]) return false;
    if (this.isAssignee(p, l)) return true;
    const cap = this.visitorCapacity[l]!;
    return cap === -1 || this.listCount[l * 3 + LIST_VISITORS]! < cap;
  }

  /** `BasePerson.enter_location`. */
  private enter(p: number, l: number): boolean {
    if (l === this.city.home[p]) this.goHome[p] = 0;
    const cur = this.loc[p]!;
    if (l === cur) return true;
    if (!this.entryAllowed(p, l)) return false;
    this.removeFrom(p, cur);
    this.addTo(p, l);
    return true;
  }

  // ------------------------------------------------------------------ the hour
  /** Advances the simulation by one hour. */
  stepHour(): void {
    const hour = this.t % 24;
    const dayAbs = Math.floor(this.t / 24);
    const weekday = dayAbs % 7;
    this.syncLocations(hour, weekday);
    const n = this.numPersons;
    const rng = this.rng;
    for (let i = 0; i < n; i++) this.stepPerson(Math.floor(rng.nextU32() * (n / 4294967296)), hour, weekday, dayAbs);
    for (let l = 0; l < this.numLocations; l++) this.contacts(l);
    if (hour === 0) this.dailyUpdate();
    this.aboveThreshold = this.testCounts[COMBINED * 5 + INFECTED]! >= this.options.infectionThreshold;
    this.t += 1;
  }

  private syncLocations(hour: number, weekday: number): void {
    const city = this.city;
    const hbit = 1 << hour;
    const dbit = 1 << weekday;
    for (let l = 0; l < this.numLocations; l++) {
      const type = city.locType[l]!;
      if (type === HOME) continue; // homes are always open
      const open = (this.openHours[type]! & hbit) !== 0 && (this.openDays[type]! & dbit) !== 0;
      this.isOpen[l] = open && !this.locked[l] ? 1 : 0;
    }
  }

  private stepPerson(p: number, hour: number, weekday: number, dayAbs: number): void {
    const city = this.city;
    const home = city.home[p]!;
    // _sync: at someone else's location that is open for visitors → go home.
    const cur = this.loc[p]!;
    if (!this.isAssignee(p, cur) && this.isOpen[cur]) this.goHome[p] = 1;
    const base = p * MAX_ROUTINES;
    const nRoutines = city.nWorkRoutines[p]! + city.nMainRoutines[p]!;
    for (let s = base; s < base + nRoutines; s++) this.syncRoutine(s, hour, weekday, dayAbs);

    const tr = this.testC[p]!;
    const admitted = this.hospitalized[p] === 1;
    if (tr === TEST_DEAD) {
      this.hospitalized[p] = 0;
      return;
    } else if (tr === TEST_CRITICAL) {
      if (this.hospitals.length > 0) {
        if (!admitted) {
          for (let h = 0; h < this.hospitals.length; h++) {
            if (this.enter(p, this.hospitals[h]!)) {
              this.hospitalized[p] = 1;
              return;
            }
          }
          // every hospital is full: carry on and try again next hour
        } else return;
      }
    } else if (admitted) {
      this.hospitalized[p] = 0;
      if (city.locType[this.loc[p]!] === HOSPITAL) {
        this.enter(p, home);
        return;
      }
    }
    const comply = this.rng.nextU32() * U32 < this.options.regulationComplianceProb;
    if (comply && (tr === POSITIVE || tr === TEST_CRITICAL) && this.loc[p] !== home && this.sickAtHome) {
      this.enter(p, home);
      return;
    }
    if (this.goHome[p]) this.enter(p, home);

    const kind = city.kind[p]!;
    const nWork = city.nWorkRoutines[p]!;
    const nMain = city.nMainRoutines[p]!;
    const onDuty = (city.dutyHours[p]! & (1 << hour)) !== 0 && (city.dutyDays[p]! & (1 << weekday)) !== 0;
    if (kind === MINOR) {
      const school = city.school[p]!;
      if (school >= 0 && onDuty) {
        if (this.loc[p] !== school) this.enter(p, school);
        return;
      }
      if (this.execRoutines(p, base, nMain) !== NOOP) return;
      if (this.loc[p] !== home) this.enter(p, home);
    } else if (kind === WORKER) {
      if (onDuty) {
        if (this.execRoutines(p, base, nWork) !== NOOP) return;
        const work = city.work[p]!;
        if (this.loc[p] !== work) this.enter(p, work);
      } else {
        if (this.execRoutines(p, base + nWork, nMain) !== NOOP) return;
        if (this.loc[p] !== home) this.enter(p, home);
      }
    } else {
      if (this.execRoutines(p, base, nMain) !== NOOP) return;
      if (this.loc[p] !== home) this.enter(p, home);
    }
  }

  /** `PersonRoutineWithStatus.sync`. */
  private syncRoutine(s: number, hour: number, weekday: number, dayAbs: number): void {
    const city = this.city;
    const kind = city.rKind[s]!;
    if (this.rDone[s] && hour === 0 && (kind !== SOCIAL || dayAbs % 7 === 0)) {
      this.rDue[s] = 0;
      this.rStarted[s] = 0;
      this.rDone[s] = 0;
      this.rSel[s] = -1;
    }
    if (this.rStarted[s] || this.rDone[s]) {
      this.rDue[s] = 0;
      return;
    }
    let valid: boolean;
    let trigger: boolean;
    switch (kind) {
      case TRIGGERED: {
        valid = true;
        const offset = city.rOffset[s]!;
        trigger = hour === 0 && dayAbs >= offset && (dayAbs - offset) % city.rInterval[s]! === 0;
        break;
      }
      case WEEKEND:
        valid = weekday === 5 || weekday === 6;
        trigger = true;
        break;
      case MIDDAY:
        valid = hour >= 11 && hour <= 13 && weekday <= 4;
        trigger = true;
        break;
      default: // SOCIAL
        valid = hour >= 15 && hour <= 19;
        trigger = true;
    }
    this.rDue[s] = valid && (this.rDue[s] === 1 || trigger) ? 1 : 0;
  }

  /** `execute_routines`: finish the ongoing routine or start the first due one. */
  private execRoutines(p: number, first: number, count: number): number {
    const city = this.city;
    for (let s = first; s < first + count; s++) {
      if (this.rStarted[s] && !this.rDone[s]) {
        // The stay counter is set to 1 when a routine starts and never advanced (as coded).
        if (this.loc[p] !== this.rSel[s] || 1 >= city.rStay[s]!) this.rDone[s] = 1;
        else return BUSY;
      }
    }
    const rng = this.rng;
    for (let s = first; s < first + count; s++) {
      if (!this.rDue[s]) continue;
      const start = city.rStart[s]!;
      if ((start < 0 || start === this.loc[p]) && rng.nextU32() * U32 < ROUTINE_START_PROBABILITY) {
        let end: number;
        if (city.rKind[s] === SOCIAL) {
          end = this.socialGatheringLocation(p);
          if (end < 0) continue;
        } else {
          end = city.rEnd[s]!;
          if (rng.nextU32() * U32 < city.rExplore[s]!) {
            const type = city.rType[s]!;
            end = city.typeStart[type]! + rng.int(city.typeCount[type]!);
          }
        }
        if (this.enter(p, end)) {
          this.rDue[s] = 0;
          this.rStarted[s] = 1;
          this.rSel[s] = end;
          return STARTED;
        }
      }
    }
    return NOOP;
  }

  /**
   * `get_social_gathering_location`: every home hosts a gathering at all hours (the HomeState
   * visitor-time quirk). A complying person under a gathering limit of 0 stays out; otherwise the
   * first home in a random order whose household members present number fewer than the limit (the
   * original counts only assignees there, a set-union quirk).
   */
  private socialGatheringLocation(p: number): number {
    const ags = this.avoidGathering[this.city.risk[p]!]!;
    const comply = this.rng.nextU32() * U32 < this.options.regulationComplianceProb;
    if (comply && ags === 0) return -1;
    const m = this.homes.length;
    if (m === 0) return -1;
    if (ags === -1 || !comply) return this.homes[this.rng.int(m)]!;
    const order = this.homeScratch;
    order.set(this.homes);
    for (let i = 0; i < m; i++) {
      const j = i + this.rng.int(m - i);
      const h = order[j]!;
      order[j] = order[i]!;
      order[i] = h;
      if (this.listCount[h * 3 + LIST_ASSIGNEES]! < ags) return h;
    }
    return -1;
  }

  // ------------------------------------------------------------------ contacts
  /** `_compute_contacts` + `_compute_infection_probabilities` for one location. */
  private contacts(l: number): void {
    const nA = this.listCount[l * 3 + LIST_ASSIGNEES]!;
    const nV = this.listCount[l * 3 + LIST_VISITORS]!;
    if (nA + nV < 2) return;
    const n = this.numPersons;
    const aBase = (l * 3 + LIST_ASSIGNEES) * n;
    const vBase = (l * 3 + LIST_VISITORS) * n;
    // Only pairs with an infectious member change anything, so a location without one is skipped
    // (the same distribution of outcomes, fewer random draws).
    let any = false;
    for (let i = 0; i < nA && !any; i++) {
      const p = this.listMembers[aBase + i]!;
      any = isInfectious(this.labelA[p]!) || isInfectious(this.labelD[p]!);
    }
    for (let i = 0; i < nV && !any; i++) {
      const p = this.listMembers[vBase + i]!;
      any = isInfectious(this.labelA[p]!) || isInfectious(this.labelD[p]!);
    }
    if (!any) return;
    const type = this.city.locType[l]!;
    this.sampleGroup(aBase, nA, aBase, nA, true, this.mins[type * 3]!, this.fractions[type * 3]!);
    this.sampleGroup(aBase, nA, vBase, nV, false, this.mins[type * 3 + 1]!, this.fractions[type * 3 + 1]!);
    this.sampleGroup(vBase, nV, vBase, nV, true, this.mins[type * 3 + 2]!, this.fractions[type * 3 + 2]!);
  }

  /**
   * Samples k = max(min, ⌊f·P⌋) of the P possible pairs with replacement (duplicates merged), with
   * f ~ clip(N(fraction, 0.01), 0, 1), and applies each distinct pair once.
   */
  private sampleGroup(base1: number, n1: number, base2: number, n2: number, same: boolean, min: number, fraction: number): void {
    const pairs = same ? (n1 * (n1 - 1)) / 2 : n1 * n2;
    if (pairs === 0) return;
    const rng = this.rng;
    const f = Math.min(1, Math.max(0, fraction + 0.01 * rng.normal()));
    const k = Math.max(min, Math.floor(f * pairs));
    const gen = ++this.stampGen;
    if (gen === 0x7fffffff) {
      this.stamp.fill(0);
      this.stampGen = 1;
    }
    const members = this.listMembers;
    for (let c = 0; c < k; c++) {
      const idx = rng.int(pairs);
      if (this.stamp[idx] === this.stampGen) continue;
      this.stamp[idx] = this.stampGen;
      let a: number;
      let b: number;
      if (same) {
        // idx → (i < j) over combinations of the group: j the largest with j(j−1)/2 ≤ idx.
        let j = Math.floor((1 + Math.sqrt(1 + 8 * idx)) / 2);
        while ((j * (j - 1)) / 2 > idx) j--;
        while (((j + 1) * j) / 2 <= idx) j++;
        const i = idx - (j * (j - 1)) / 2;
        a = members[base1 + i]!;
        b = members[base1 + j]!;
      } else {
        a = members[base1 + Math.floor(idx / n2)]!;
        b = members[base2 + (idx % n2)]!;
      }
      this.applyContact(a, b);
    }
  }

  /**
   * One contact between persons a and b: per variant, the infectious member multiplies the other's
   * probability of escaping infection today by (1 − spread·multiplier) of the infectious one.
   */
  applyContact(a: number, b: number): void {
    const la = this.labelA[a]!;
    const lb = this.labelA[b]!;
    const ia = isInfectious(la);
    const ib = isInfectious(lb);
    // As coded, a pair skipped for alpha (both without state, or both infectious) skips delta too.
    if ((la === NO_STATE && lb === NO_STATE) || (ia && ib)) return;
    if (ia) this.notInfA[b] = this.notInfA[b]! * (1 - this.spreadA[a]! * this.multA[a]!);
    else if (ib) this.notInfA[a] = this.notInfA[a]! * (1 - this.spreadA[b]! * this.multA[b]!);
    const da = this.labelD[a]!;
    const db = this.labelD[b]!;
    const ja = isInfectious(da);
    const jb = isInfectious(db);
    if ((da === NO_STATE && db === NO_STATE) || (ja && jb)) return;
    if (ja) this.notInfD[b] = this.notInfD[b]! * (1 - this.spreadD[a]! * this.multD[a]!);
    else if (jb) this.notInfD[a] = this.notInfD[a]! * (1 - this.spreadD[b]! * this.multD[b]!);
  }

  // ------------------------------------------------------------------ the day
  private dailyUpdate(): void {
    const city = this.city;
    const rng = this.rng;
    const n = this.numPersons;
    const deltaActive = this.day > this.deltaStart;
    this.infCounts.fill(0);
    for (let p = 0; p < n; p++) {
      const bucket = city.bucket[p]!;
      const risk = city.risk[p]!;
      let la = this.labelA[p]!;
      if (la === NO_STATE) {
        la = this.alphaSeeded < PANDEMIC_START_LIMIT ? EXPOSED : SUSCEPTIBLE;
        if (la === EXPOSED) this.alphaSeeded++;
        this.spreadA[p] = city.alphaModel.drawSpreadProbability(rng);
      }
      la = city.alphaModel.step(rng, la, bucket, risk, 1 - this.notInfA[p]!, this.hospitalized[p] === 1);
      this.labelA[p] = la;
      if (deltaActive) {
        let ld = this.labelD[p]!;
        if (ld === NO_STATE) {
          ld = this.deltaSeeded < PANDEMIC_START_LIMIT ? EXPOSED : SUSCEPTIBLE;
          if (ld === EXPOSED) this.deltaSeeded++;
          this.spreadD[p] = city.deltaModel.drawSpreadProbability(rng);
        }
        // The delta state's is_hospitalized flag is never set (admission marks the alpha state only).
        this.labelD[p] = city.deltaModel.step(rng, ld, bucket, risk, 1 - this.notInfD[p]!, false);
      }
      this.infCounts[COMBINED * 5 + this.combinedSummary(p)]!++;
      this.infCounts[ALPHA * 5 + labelSummary(la)]!++;
      this.infCounts[DELTA * 5 + labelSummary(this.labelD[p]!)]!++;
      this.notInfA[p] = 1;
      this.notInfD[p] = 1;
      if (this.admitForTest(p)) this.test(p);
    }
  }

  /** `RandomPandemicTesting.admit_person` (one uniform draw per person and day). */
  private admitForTest(p: number): boolean {
    const o = this.options;
    const la = this.labelA[p]!;
    const ld = this.labelD[p]!;
    const sa = labelSummary(la);
    const sd = labelSummary(ld);
    if (o.deadTestResult === 'dead' && this.testC[p] === TEST_DEAD) return false;
    if (sa === DEAD || sd === DEAD) return true;
    const u = this.rng.uniform();
    const tr = this.testC[p]!;
    const symA = showsSymptoms(la);
    const symD = showsSymptoms(ld);
    return (
      this.hospitalized[p] === 1 ||
      ((tr === TEST_CRITICAL || tr === POSITIVE) && u < o.retestRate) ||
      (symA && (sa === CRITICAL ? u < o.criticalTestingRate : u < o.symptomaticTestingRate)) ||
      (symD && (sd === CRITICAL ? u < o.criticalTestingRate : u < o.symptomaticTestingRate)) ||
      (!symA && u < o.spontaneousTestingRate) ||
      (!symD && u < o.spontaneousTestingRate)
    );
  }

  private variantResult(label: number): number {
    const s = labelSummary(label);
    if (s === DEAD && this.options.deadTestResult === 'dead') return TEST_DEAD;
    let outcome = s === INFECTED || s === CRITICAL;
    const u = this.rng.uniform();
    if (outcome && u < this.options.falseNegativeRate) outcome = false;
    else if (!outcome && u < this.options.falsePositiveRate) outcome = true;
    if (!outcome) return NEGATIVE;
    return s === CRITICAL ? TEST_CRITICAL : POSITIVE;
  }

  /** `RandomPandemicTesting.test_person` and the three `_update_global_testing_state` calls. */
  private test(p: number): void {
    const ra = this.variantResult(this.labelA[p]!);
    const rd = this.variantResult(this.labelD[p]!);
    let rc: number;
    if (ra === TEST_DEAD || rd === TEST_DEAD) rc = TEST_DEAD;
    else if (ra === TEST_CRITICAL || rd === TEST_CRITICAL) rc = TEST_CRITICAL;
    else if (ra === POSITIVE || rd === POSITIVE) rc = POSITIVE;
    else rc = NEGATIVE;
    this.updateTesting(COMBINED, rc, this.testC[p]!);
    this.updateTesting(ALPHA, ra, this.testA[p]!);
    this.updateTesting(DELTA, rd, this.testD[p]!);
    this.testC[p] = rc;
    this.testA[p] = ra;
    this.testD[p] = rd;
  }

  /**
   * `_update_global_testing_state`: moves one count from the previous result's summary to the new
   * one. A negative after a positive counts as recovered; the previous summary of a negative is
   * always taken as NONE (unless NONE is empty), so NONE and RECOVERED drift as in the original.
   */
  private updateTesting(variant: number, next: number, prev: number): void {
    if (next === prev) return;
    const c = this.testCounts;
    const to = testSummary(next, prev);
    let from = testSummary(prev, UNTESTED);
    if (from === NONE && c[variant * 5 + NONE] === 0) from = RECOVERED_SUMMARY;
    c[variant * 5 + to]!++;
    c[variant * 5 + from]!--;
  }

  // ------------------------------------------------------------------ snapshots
  getState(): SimState {
    const arr = (a: ArrayLike<number>) => Array.from(a);
    const n = this.numPersons;
    const members: number[][][] = [];
    const count: number[][] = [];
    for (let l = 0; l < this.numLocations; l++) {
      const c: number[] = [];
      const m: number[][] = [];
      for (let k = 0; k < 3; k++) {
        const key = l * 3 + k;
        c.push(this.listCount[key]!);
        m.push(arr(this.listMembers.subarray(key * n, key * n + this.listCount[key]!)));
      }
      count.push(c);
      members.push(m);
    }
    return {
      t: this.t,
      stage: this.stage,
      deltaStart: this.deltaStart,
      alphaSeeded: this.alphaSeeded,
      deltaSeeded: this.deltaSeeded,
      aboveThreshold: this.aboveThreshold,
      sickAtHome: this.sickAtHome,
      avoidGathering: [this.avoidGathering[0]!, this.avoidGathering[1]!],
      locked: arr(this.locked),
      isOpen: arr(this.isOpen),
      fractions: arr(this.fractions),
      person: {
        loc: arr(this.loc),
        listKind: arr(this.listKind),
        listPos: arr(this.listPos),
        goHome: arr(this.goHome),
        labelA: arr(this.labelA),
        labelD: arr(this.labelD),
        spreadA: arr(this.spreadA),
        spreadD: arr(this.spreadD),
        hospitalized: arr(this.hospitalized),
        multA: arr(this.multA),
        multD: arr(this.multD),
        notInfA: arr(this.notInfA),
        notInfD: arr(this.notInfD),
        testC: arr(this.testC),
        testA: arr(this.testA),
        testD: arr(this.testD),
      },
      routine: { due: arr(this.rDue), started: arr(this.rStarted), done: arr(this.rDone), sel: arr(this.rSel) },
      lists: { count, members },
      testCounts: arr(this.testCounts),
      infCounts: arr(this.infCounts),
    };
  }

  setState(s: SimState): void {
    const n = this.numPersons;
    const put = (target: { length: number; set(a: ArrayLike<number>): void }, src: number[] | undefined, what: string) => {
      if (!Array.isArray(src) || src.length !== target.length) throw new RangeError(`PandemicSim.setState: ${what} must hold ${target.length} numbers`);
      target.set(src);
    };
    this.t = s.t;
    this.stage = s.stage;
    this.deltaStart = s.deltaStart;
    this.alphaSeeded = s.alphaSeeded;
    this.deltaSeeded = s.deltaSeeded;
    this.aboveThreshold = s.aboveThreshold;
    this.sickAtHome = s.sickAtHome;
    this.avoidGathering.set(s.avoidGathering);
    put(this.locked, s.locked, 'locked');
    put(this.isOpen, s.isOpen, 'isOpen');
    put(this.fractions, s.fractions, 'fractions');
    const pa = s.person;
    put(this.loc, pa['loc'], 'person.loc');
    put(this.listKind, pa['listKind'], 'person.listKind');
    put(this.listPos, pa['listPos'], 'person.listPos');
    put(this.goHome, pa['goHome'], 'person.goHome');
    put(this.labelA, pa['labelA'], 'person.labelA');
    put(this.labelD, pa['labelD'], 'person.labelD');
    put(this.spreadA, pa['spreadA'], 'person.spreadA');
    put(this.spreadD, pa['spreadD'], 'person.spreadD');
    put(this.hospitalized, pa['hospitalized'], 'person.hospitalized');
    put(this.multA, pa['multA'], 'person.multA');
    put(this.multD, pa['multD'], 'person.multD');
    put(this.notInfA, pa['notInfA'], 'person.notInfA');
    put(this.notInfD, pa['notInfD'], 'person.notInfD');
    put(this.testC, pa['testC'], 'person.testC');
    put(this.testA, pa['testA'], 'person.testA');
    put(this.testD, pa['testD'], 'person.testD');
    put(this.rDue, s.routine['due'], 'routine.due');
    put(this.rStarted, s.routine['started'], 'routine.started');
    put(this.rDone, s.routine['done'], 'routine.done');
    put(this.rSel, s.routine['sel'], 'routine.sel');
    put(this.testCounts, s.testCounts, 'testCounts');
    put(this.infCounts, s.infCounts, 'infCounts');
    if (s.lists.count.length !== this.numLocations) throw new RangeError(`PandemicSim.setState: lists for ${s.lists.count.length} locations, expected ${this.numLocations}`);
    for (let l = 0; l < this.numLocations; l++) {
      for (let k = 0; k < 3; k++) {
        const key = l * 3 + k;
        const members = s.lists.members[l]?.[k] ?? [];
        this.listCount[key] = members.length;
        this.listMembers.set(members, key * n);
      }
    }
  }
}

/**
 * 2^-32: frequent Bernoulli draws and person picks use one 32-bit draw instead of the 53-bit
 * uniform (the resolution is ample for probabilities like 0.9 or 0.99 and for N ≤ 10^5 persons).
 */
const U32 = 1 / 4294967296;

const NOOP = 0;
const BUSY = 1;
const STARTED = 2;

/** `_test_result_to_infection_summary`. */
function testSummary(result: number, prev: number): number {
  switch (result) {
    case NEGATIVE:
      return prev === POSITIVE || prev === TEST_CRITICAL ? RECOVERED_SUMMARY : NONE;
    case POSITIVE:
      return INFECTED;
    case TEST_CRITICAL:
      return CRITICAL;
    case TEST_DEAD:
      return DEAD;
    default:
      return NONE;
  }
}

export type { RngState };

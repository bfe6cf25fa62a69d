/**
 * The city: locations, persons (ages, risk groups, homes, schools, jobs, work hours) and each
 * person's routines, built once from a random generator the way PandemicSimulator's
 * `make_locations`, `make_population`, `JobCounselor` and `DefaultPersonRoutineAssignment` build
 * them (specs/envs.md §B1, §B3). Everything is stored in flat typed arrays indexed by person or
 * location number; nothing here changes during an episode.
 *
 * Locations are numbered in the original's order: the 150 homes first, then each business type in
 * the table's order (GroceryStore_0, GroceryStore_1, Office_0, ...). Persons are numbered in the
 * original's population order: nursing-home retirees, minors, workers, other retirees — which
 * matters because the first six persons seed the epidemic.
 */
import type { Rng } from '../../util/rng.js';
import { ALL_HOURS, ALL_WEEKDAYS, BAR, GROCERY, HAIR_SALON, HOME, HOSPITAL, pandemicTables, RESTAURANT, RETAIL, SCHOOL, type LocationTypeSpec } from './data.js';
import { ALPHA_SPREAD, ageBucket, DELTA_SPREAD, SeirModel } from './infection.js';

export const MINOR = 0;
export const WORKER = 1;
export const RETIRED = 2;
export const PERSON_KINDS = ['minor', 'worker', 'retired'] as const;

/** Routine kinds (`routine_utils.py`). */
export const TRIGGERED = 0; // due every `interval` days at hour 0 (from a random offset), valid at all times, reset daily when done
export const WEEKEND = 1; // due every hour of weekdays 5 and 6, reset daily when done
export const MIDDAY = 2; // due hours 11-13 of weekdays 0-4, reset daily when done
export const SOCIAL = 3; // a social gathering: due hours 15-19, reset weekly (days divisible by 7) when done
export const ROUTINE_KINDS = ['triggered', 'weekend', 'midday', 'social'] as const;
export const MAX_ROUTINES = 7;

/** Routine start probability per due hour (`start_hour_probability`). */
export const ROUTINE_START_PROBABILITY = 0.9;

export interface CityOptions {
  numPersons: number;
  /** Location types with their counts (default: the ORPO table). */
  locations?: readonly LocationTypeSpec[];
}

export class City {
  readonly numPersons: number;
  readonly numLocations: number;
  readonly types: readonly LocationTypeSpec[];
  /** Per location: its type index. */
  readonly locType: Uint8Array;
  /** Per type: the first location number and the count. */
  readonly typeStart: Int32Array;
  readonly typeCount: Int32Array;

  // Persons.
  readonly kind: Uint8Array;
  readonly age: Uint8Array;
  /** 0 low, 1 high. */
  readonly risk: Uint8Array;
  readonly bucket: Uint8Array;
  readonly home: Int32Array;
  /** Workplace (workers), −1 otherwise. */
  readonly work: Int32Array;
  /** School (minors), −1 otherwise. */
  readonly school: Int32Array;
  /** Work (or school) hours and weekdays as bit masks. */
  readonly dutyHours: Int32Array;
  readonly dutyDays: Uint8Array;

  // Routines: slots p·MAX_ROUTINES + i; workers' during-work routine comes first.
  readonly nWorkRoutines: Uint8Array;
  readonly nMainRoutines: Uint8Array;
  readonly rKind: Uint8Array;
  /** Location where the routine must start (−1: anywhere). */
  readonly rStart: Int32Array;
  /** Chosen end location (−1 for social gatherings, chosen when they start). */
  readonly rEnd: Int32Array;
  /** Location type explored instead of rEnd with probability rExplore. */
  readonly rType: Uint8Array;
  readonly rExplore: Float64Array;
  readonly rInterval: Uint16Array;
  readonly rOffset: Uint16Array;
  readonly rStay: Uint8Array;

  /** The two variants' infection models (their triangular-distributed rates are drawn with the city). */
  readonly alphaModel: SeirModel;
  readonly deltaModel: SeirModel;

  constructor(rng: Rng, options: CityOptions) {
    const types = options.locations ?? pandemicTables().locations;
    this.types = types;
    const n = options.numPersons;
    this.numPersons = n;
    this.typeStart = new Int32Array(types.length);
    this.typeCount = new Int32Array(types.length);
    let total = 0;
    types.forEach((t, i) => {
      this.typeStart[i] = total;
      this.typeCount[i] = t.num;
      total += t.num;
    });
    this.numLocations = total;
    this.locType = new Uint8Array(total);
    types.forEach((t, i) => this.locType.fill(i, this.typeStart[i]!, this.typeStart[i]! + t.num));

    this.kind = new Uint8Array(n);
    this.age = new Uint8Array(n);
    this.risk = new Uint8Array(n);
    this.bucket = new Uint8Array(n);
    this.home = new Int32Array(n);
    this.work = new Int32Array(n).fill(-1);
    this.school = new Int32Array(n).fill(-1);
    this.dutyHours = new Int32Array(n);
    this.dutyDays = new Uint8Array(n);
    this.nWorkRoutines = new Uint8Array(n);
    this.nMainRoutines = new Uint8Array(n);
    const slots = n * MAX_ROUTINES;
    this.rKind = new Uint8Array(slots);
    this.rStart = new Int32Array(slots).fill(-1);
    this.rEnd = new Int32Array(slots).fill(-1);
    this.rType = new Uint8Array(slots);
    this.rExplore = new Float64Array(slots);
    this.rInterval = new Uint16Array(slots);
    this.rOffset = new Uint16Array(slots);
    this.rStay = new Uint8Array(slots).fill(1);

    this.buildPopulation(rng);
    this.assignRoutines(rng);
    // The original builds the infection models after the population (PandemicSim.from_config).
    this.alphaModel = new SeirModel(rng, ALPHA_SPREAD);
    this.deltaModel = new SeirModel(rng, DELTA_SPREAD);
  }

  /** Location numbers of a type. */
  locationsOfType(type: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.typeCount[type]!; i++) out.push(this.typeStart[type]! + i);
    return out;
  }

  private randomOfType(rng: Rng, type: number): number {
    const count = this.typeCount[type]!;
    if (count === 0) throw new Error(`pandemic city: routines need at least one ${this.types[type]!.name}`);
    return this.typeStart[type]! + rng.int(count);
  }

  /** Ages 1..99: weight N(1, 0.05)·g(age + 1), g(x) = 1 below 60, then falling linearly to 0.05 at 100 (as coded, off by one). */
  static drawAgeWeights(rng: Rng): Float64Array {
    // Index i holds the weight of age value i + 1 (1..100); the original's loop fills 99 entries
    // (for ages 2..100) and leaves the last at zero.
    const w = new Float64Array(100);
    for (let i = 0; i < 99; i++) {
      const a = i + 2;
      const noise = 1 + 0.05 * rng.normal();
      w[i] = a < 60 ? noise : (1 + ((a - 60) * (0.05 - 1)) / (100 - 60)) * noise;
    }
    return w;
  }

  private buildPopulation(rng: Rng): void {
    const n = this.numPersons;
    const weights = City.drawAgeWeights(rng);
    const ages: number[] = [];
    for (let i = 0; i < n; i++) ages.push(rng.categorical(weights) + 1);
    rng.shuffle(ages);
    const minorAges = ages.filter((a) => a <= 18);
    const adultAges = ages.filter((a) => a > 18 && a <= 65);
    const retireeAges = ages.filter((a) => a > 65);

    const homes = rng.shuffle(this.locationsOfType(HOME));
    let unassigned = homes;
    // a) 6.5% of retirees live in nursing homes, in groups of 1-2.
    const numNursing = Math.ceil(retireeAges.length * 0.065);
    const nursingGroups = clusterSizes(rng, numNursing, 1, 2);
    if (nursingGroups.length > unassigned.length) throw populationError(n, 'not enough homes for the nursing-home retirees');
    const nursingHomes = unassigned.slice(0, nursingGroups.length);
    unassigned = unassigned.slice(nursingGroups.length);
    const remainingRetirees = retireeAges.slice(numNursing);
    const persons: { kind: number; age: number; home: number }[] = [];
    let k = 0;
    nursingGroups.forEach((size, g) => {
      for (let j = 0; j < size; j++) persons.push({ kind: RETIRED, age: retireeAges[k++]!, home: nursingHomes[g]! });
    });
    // b) minors in groups of 1-3, one group per home.
    const minorGroups = clusterSizes(rng, minorAges.length, 1, 3);
    if (unassigned.length < minorGroups.length) throw populationError(n, `not enough homes to assign all people (${minorGroups.length} minor households, ${unassigned.length} homes left)`);
    const minorHomes = unassigned.slice(0, minorGroups.length);
    unassigned = unassigned.slice(minorGroups.length);
    k = 0;
    minorGroups.forEach((size, g) => {
      for (let j = 0; j < size; j++) persons.push({ kind: MINOR, age: minorAges[k++]!, home: minorHomes[g]! });
    });
    // c) one adult per minor home; the rest (retirees first, then adults) dealt round-robin over
    // the empty homes and the minor homes beyond the first 23% (single-parent homes), shuffled.
    const required = minorHomes.length + unassigned.length - remainingRetirees.length;
    if (adultAges.length < required || adultAges.length < minorHomes.length) {
      throw populationError(n, `not enough adults (${adultAges.length}) to give each minor home an adult and fill every home (${required} needed)`);
    }
    const workerHomes: { age: number; home: number }[] = minorHomes.map((h, i) => ({ age: adultAges[i]!, home: h }));
    const retireeHomes: { age: number; home: number }[] = [];
    const toDistribute = rng.shuffle([...unassigned, ...minorHomes.slice(Math.floor(minorHomes.length * 0.23))]);
    const leftAdults = adultAges.slice(minorHomes.length);
    const totalLeft = remainingRetirees.length + leftAdults.length;
    if (totalLeft > 0 && toDistribute.length === 0) throw populationError(n, 'no homes left to distribute the remaining adults and retirees');
    let ri = 0;
    let ai = 0;
    for (let i = 0; i < totalLeft; i++) {
      const home = toDistribute[i % toDistribute.length]!;
      if (ri < remainingRetirees.length) retireeHomes.push({ age: remainingRetirees[ri++]!, home });
      else workerHomes.push({ age: leftAdults[ai++]!, home });
    }
    for (const w of workerHomes) persons.push({ kind: WORKER, ...w });
    for (const r of retireeHomes) persons.push({ kind: RETIRED, ...r });

    // Jobs: a fresh JobCounselor per worker, so vacancies never bind: a business type uniformly among
    // those with workers, then a location of that type uniformly.
    const jobTypes = this.types.filter((t) => t.business && t.numAssignees !== 0 && t.num > 0).map((t) => t.type);
    const schools = this.locationsOfType(SCHOOL);
    persons.forEach((p, i) => {
      this.kind[i] = p.kind;
      this.age[i] = p.age;
      this.home[i] = p.home;
      this.bucket[i] = ageBucket(p.age);
      // Risk HIGH with probability age / 101 (drawn in the constructor order of the original).
      this.risk[i] = rng.uniform() < p.age / 101 ? 1 : 0;
      if (p.kind === MINOR) {
        if (schools.length > 0) this.school[i] = schools[rng.int(schools.length)]!;
        this.dutyHours[i] = hoursMask(9, 14);
        this.dutyDays[i] = daysMask(0, 4);
      } else if (p.kind === WORKER) {
        if (jobTypes.length === 0) throw populationError(n, 'no business location types with workers');
        const type = jobTypes[rng.int(jobTypes.length)]!;
        this.work[i] = this.typeStart[type]! + rng.int(this.typeCount[type]!);
        if (type === HOSPITAL) {
          // 24/7 locations: half night shifts (22-06), half 9-hour day shifts starting 07-12; six
          // consecutive weekdays starting on weekday 0 or 1.
          if (rng.uniform() < 0.5) this.dutyHours[i] = hoursMask(22, 23) | hoursMask(0, 6);
          else {
            const start = 7 + rng.int(6);
            this.dutyHours[i] = hoursMask(start, start + 8);
          }
          const first = rng.int(2);
          this.dutyDays[i] = daysMask(first, first + 5);
        } else {
          this.dutyHours[i] = this.types[type]!.openHours;
          this.dutyDays[i] = this.types[type]!.openWeekdays;
        }
      }
    });
  }

  private addRoutine(rng: Rng, p: number, slot: number, kind: number, start: number, endType: number, explore: number, interval = 0): void {
    const s = p * MAX_ROUTINES + slot;
    this.rKind[s] = kind;
    this.rStart[s] = start;
    this.rExplore[s] = explore;
    this.rInterval[s] = interval;
    if (kind === SOCIAL) {
      this.rEnd[s] = -1;
      this.rStay[s] = 1 + rng.int(2); // randint(1, 3)
    } else {
      this.rType[s] = endType;
      this.rEnd[s] = this.randomOfType(rng, endType);
      if (kind === TRIGGERED) this.rOffset[s] = rng.int(interval);
    }
  }

  /** `DefaultPersonRoutineAssignment`. */
  private assignRoutines(rng: Rng): void {
    for (let p = 0; p < this.numPersons; p++) {
      const home = this.home[p]!;
      let slot = 0;
      const add = (kind: number, start: number, endType: number, explore: number, interval = 0) => this.addRoutine(rng, p, slot++, kind, start, endType, explore, interval);
      if (this.kind[p] === MINOR) {
        add(TRIGGERED, home, HAIR_SALON, 0.05, 30);
        add(WEEKEND, home, RESTAURANT, 0.5);
        if (this.age[p]! >= 12) add(SOCIAL, home, HOME, 0);
        this.nMainRoutines[p] = slot;
      } else {
        if (this.kind[p] === WORKER) {
          add(MIDDAY, this.work[p]!, RESTAURANT, 0.05);
          this.nWorkRoutines[p] = 1;
        }
        add(TRIGGERED, -1, GROCERY, 0.05, 7);
        add(TRIGGERED, -1, RETAIL, 0.05, 7);
        add(TRIGGERED, -1, HAIR_SALON, 0.05, 30);
        add(WEEKEND, -1, RESTAURANT, 0.5);
        add(TRIGGERED, home, BAR, 0.5, this.kind[p] === WORKER ? 3 : 2);
        add(SOCIAL, home, HOME, 0);
        this.nMainRoutines[p] = slot - this.nWorkRoutines[p]!;
      }
    }
  }

  /** Number of persons of each kind [minors, workers, retirees]. */
  kindCounts(): [number, number, number] {
    const c: [number, number, number] = [0, 0, 0];
    for (let p = 0; p < this.numPersons; p++) c[this.kind[p] as 0 | 1 | 2]++;
    return c;
  }
}

/** `cluster_into_random_sized_groups`: group sizes drawn uniformly in [lo, hi] until `total` is covered (the last may be short). */
function clusterSizes(rng: Rng, total: number, lo: number, hi: number): number[] {
  const sizes: number[] = [];
  let covered = 0;
  while (covered < total) {
    const size = lo + rng.int(hi - lo + 1);
    sizes.push(Math.min(size, total - covered));
    covered += size;
  }
  return sizes;
}

function populationError(n: number, why: string): Error {
  return new Error(`pandemic city: cannot build a population of ${n} persons in this city: ${why}; choose numPersons closer to 500`);
}

export function hoursMask(from: number, to: number): number {
  let m = 0;
  for (let h = from; h <= to; h++) m |= 1 << h;
  return m & ALL_HOURS;
}

export function daysMask(from: number, to: number): number {
  let m = 0;
  for (let d = from; d <= to; d++) m |= 1 << d;
  return m & ALL_WEEKDAYS;
}

/**
 * The pandemic simulator's tables, read from `assets/pandemic/` (copies of the tables in the
 * project's shared data, each restating the original PandemicSimulator sources):
 *
 * - `pandemic_locations_orpo.csv`: the ORPO city (location types, counts, workers, capacities,
 *   contact rates, opening hours and weekdays, lockability, age limits);
 * - `pandemic_austin_regulations.csv`: the five regulation stages (`austin_regulations`);
 * - `pandemic_seir_age_risk_rates.csv`: hospitalisation and death rates by age bucket and risk;
 * - `pandemic_safe_policy_schedules.csv`: the ten named stage schedules (S0-S4, S0-4-0, ...).
 *
 * The tables are parsed once per process and cached. Every parse error names the file, the row and
 * the field.
 */
import { readFileSync } from 'node:fs';
import { assetPath } from '../../util/paths.js';

/** Location types in the order of the ORPO config (and of the locations CSV). */
export const LOCATION_TYPES = ['Home', 'GroceryStore', 'Office', 'School', 'Hospital', 'RetailStore', 'HairSalon', 'Restaurant', 'Bar'] as const;
export type LocationTypeName = (typeof LOCATION_TYPES)[number];
export const HOME = 0;
export const GROCERY = 1;
export const OFFICE = 2;
export const SCHOOL = 3;
export const HOSPITAL = 4;
export const RETAIL = 5;
export const HAIR_SALON = 6;
export const RESTAURANT = 7;
export const BAR = 8;

/** All 24 hours / all 7 weekdays as bit masks. */
export const ALL_HOURS = 0xffffff;
export const ALL_WEEKDAYS = 0x7f;

export interface ContactRate {
  minAssignees: number;
  minAssigneesVisitors: number;
  minVisitors: number;
  fractionAssignees: number;
  fractionAssigneesVisitors: number;
  fractionVisitors: number;
}

export interface LocationTypeSpec {
  name: LocationTypeName;
  /** Index into LOCATION_TYPES. */
  type: number;
  num: number;
  /** Workers per location (−1: not a workplace, as for homes). */
  numAssignees: number;
  /** Visitors allowed at once (−1: unlimited). */
  visitorCapacity: number;
  /** Patients allowed at once (hospital only; −1 unlimited). */
  patientCapacity: number;
  contactRate: ContactRate;
  /** Opening hours and weekdays as bit masks (bit h = hour h, bit d = weekday d, 0 = the simulation's first day). */
  openHours: number;
  openWeekdays: number;
  /** Whether the location is a business (homes are not). */
  business: boolean;
  essential: boolean;
  /** Whether a regulation can lock it (non-essential businesses). */
  lockable: boolean;
  /** Inclusive age limits for entering, or null. */
  ageLimits: [number, number] | null;
}

export interface RegulationStage {
  stage: number;
  stayHomeIfSick: boolean;
  practiceGoodHygiene: boolean;
  wearFacialCoverings: boolean;
  /** null: restore the initial contact rates (DEFAULT); otherwise the social-distancing level s in [0, 1]. */
  socialDistancing: number | null;
  /** Gathering size to avoid by risk group (−1: no limit; 0: avoid all gatherings). */
  avoidGatheringSize: { low: number; high: number };
  /** Location type indices locked at this stage. */
  lockedTypes: number[];
}

export interface SeirRateRow {
  /** Upper age of the bucket (4, 17, 49, 64, 200). */
  ageMax: number;
  risk: 'LOW' | 'HIGH';
  /** Percentage of symptomatic cases that need hospitalisation. */
  hospRateSympPercent: number;
  deathRateNeedsHosp: number;
  deathRateHosp: number;
}

export interface ScheduleEntry {
  stage: number;
  /** The day at which this entry ends, or null for the open-ended last entry. */
  endDay: number | null;
}

export interface NamedSchedule {
  name: string;
  entries: ScheduleEntry[];
}

export interface PandemicTables {
  locations: LocationTypeSpec[];
  regulations: RegulationStage[];
  seirRates: SeirRateRow[];
  schedules: NamedSchedule[];
}

function tableError(file: string, row: number, field: string, value: string, allowed: string): Error {
  return new Error(`pandemic table ${file}, row ${row}: invalid ${field}=${JSON.stringify(value)}; expected ${allowed}`);
}

/** Minimal CSV reader: the tables hold no quoted fields. */
function readCsv(file: string): { header: string[]; rows: Record<string, string>[] } {
  const path = assetPath('pandemic', file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`pandemic: cannot read ${path} (${(e as Error).message}); the package's assets/pandemic/ folder is incomplete`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const rows = lines.slice(1).map((line, i) => {
    // The schedule table's second column holds commas inside neither quotes nor fields, so split
    // at most header.length − 1 times and keep the rest in the last column.
    const parts = line.split(',');
    const cells = parts.slice(0, header.length - 1);
    cells.push(parts.slice(header.length - 1).join(','));
    if (parts.length < header.length) throw new Error(`pandemic table ${file}, row ${i + 1}: ${parts.length} fields, expected ${header.length}`);
    const rec: Record<string, string> = {};
    header.forEach((h, j) => (rec[h] = (cells[j] ?? '').trim()));
    return rec;
  });
  return { header, rows };
}

function num(file: string, row: number, field: string, value: string | undefined): number {
  const v = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(v)) throw tableError(file, row, field, value ?? '', 'a number');
  return v;
}

/** Parses "7-20", "11-15 and 19-23", "always" into a bit mask of inclusive ranges within 0..max. */
function rangesMask(file: string, row: number, field: string, value: string, max: number): number {
  if (value === 'always') return max === 23 ? ALL_HOURS : ALL_WEEKDAYS;
  let mask = 0;
  for (const part of value.split(/\s+and\s+/)) {
    const m = /^(\d+)-(\d+)$/.exec(part.trim());
    if (!m) throw tableError(file, row, field, value, `"always" or ranges like "7-20" joined by " and "`);
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (lo > hi || hi > max) throw tableError(file, row, field, value, `ranges within 0-${max}`);
    for (let h = lo; h <= hi; h++) mask |= 1 << h;
  }
  return mask;
}

function parseLocations(): LocationTypeSpec[] {
  const file = 'pandemic_locations_orpo.csv';
  const { rows } = readCsv(file);
  const specs: LocationTypeSpec[] = [];
  rows.forEach((r, i) => {
    const row = i + 1;
    const name = r['location_type'] as LocationTypeName;
    const type = LOCATION_TYPES.indexOf(name);
    if (type < 0) throw tableError(file, row, 'location_type', String(name), LOCATION_TYPES.join(', '));
    const opts = r['state_opts'] ?? '';
    let visitorCapacity = -1;
    let patientCapacity = -1;
    for (const opt of opts.split(';').filter((o) => o.trim() !== '')) {
      const m = /^\s*(visitor_capacity|patient_capacity)=(-?\d+)\s*$/.exec(opt);
      if (!m) throw tableError(file, row, 'state_opts', opts, 'visitor_capacity=N or patient_capacity=N');
      if (m[1] === 'visitor_capacity') visitorCapacity = Number(m[2]);
      else patientCapacity = Number(m[2]);
    }
    const ageText = r['age_limits'] ?? 'none';
    let ageLimits: [number, number] | null = null;
    if (ageText !== 'none') {
      const m = /^(\d+)-(\d+)$/.exec(ageText);
      if (!m) throw tableError(file, row, 'age_limits', ageText, '"none" or "LO-HI"');
      ageLimits = [Number(m[1]), Number(m[2])];
    }
    const essential = r['essential'] ?? '';
    const lockable = r['lockable'] ?? '';
    specs.push({
      name,
      type,
      num: num(file, row, 'num', r['num']),
      numAssignees: num(file, row, 'num_assignees', r['num_assignees']),
      visitorCapacity,
      patientCapacity,
      contactRate: {
        minAssignees: num(file, row, 'min_assignees', r['min_assignees']),
        minAssigneesVisitors: num(file, row, 'min_assignees_visitors', r['min_assignees_visitors']),
        minVisitors: num(file, row, 'min_visitors', r['min_visitors']),
        fractionAssignees: num(file, row, 'fraction_assignees', r['fraction_assignees']),
        fractionAssigneesVisitors: num(file, row, 'fraction_assignees_visitors', r['fraction_assignees_visitors']),
        fractionVisitors: num(file, row, 'fraction_visitors', r['fraction_visitors']),
      },
      openHours: rangesMask(file, row, 'open_hours', r['open_hours'] ?? '', 23),
      openWeekdays: rangesMask(file, row, 'open_weekdays', r['open_weekdays'] ?? '', 6),
      business: type !== HOME,
      essential: essential.startsWith('yes'),
      lockable: lockable.startsWith('yes'),
      ageLimits,
    });
  });
  const order = specs.map((s) => s.name).join(',');
  if (order !== LOCATION_TYPES.join(',')) throw new Error(`pandemic table ${file}: location types must be listed in the order ${LOCATION_TYPES.join(', ')}; got ${order}`);
  return specs;
}

function bool(file: string, row: number, field: string, value: string | undefined): boolean {
  if (value === 'True') return true;
  if (value === 'False') return false;
  throw tableError(file, row, field, value ?? '', 'True or False');
}

function gathering(file: string, row: number, field: string, value: string | undefined): number {
  const m = /^(-?\d+)/.exec(value ?? '');
  if (!m) throw tableError(file, row, field, value ?? '', 'an integer (−1 for no limit)');
  return Number(m[1]);
}

function parseRegulations(): RegulationStage[] {
  const file = 'pandemic_austin_regulations.csv';
  const { rows } = readCsv(file);
  return rows.map((r, i) => {
    const row = i + 1;
    const stage = num(file, row, 'stage', r['stage']);
    if (stage !== i) throw tableError(file, row, 'stage', String(r['stage']), `stage ${i} (stages listed in order from 0)`);
    const sdText = r['social_distancing'] ?? '';
    let socialDistancing: number | null;
    if (sdText.startsWith('DEFAULT')) socialDistancing = null;
    else {
      socialDistancing = Number(sdText);
      if (!Number.isFinite(socialDistancing) || socialDistancing < 0 || socialDistancing > 1) throw tableError(file, row, 'social_distancing', sdText, 'DEFAULT or a number in [0, 1]');
    }
    const lockedText = r['locked_location_types'] ?? 'none';
    const lockedTypes =
      lockedText === 'none'
        ? []
        : lockedText.split(';').map((name) => {
            const t = LOCATION_TYPES.indexOf(name.trim() as LocationTypeName);
            if (t < 0) throw tableError(file, row, 'locked_location_types', lockedText, `"none" or ;-separated names from ${LOCATION_TYPES.join(', ')}`);
            return t;
          });
    return {
      stage,
      stayHomeIfSick: bool(file, row, 'stay_home_if_sick', r['stay_home_if_sick']),
      practiceGoodHygiene: bool(file, row, 'practice_good_hygiene', r['practice_good_hygiene']),
      wearFacialCoverings: bool(file, row, 'wear_facial_coverings', r['wear_facial_coverings']),
      socialDistancing,
      avoidGatheringSize: {
        high: gathering(file, row, 'avoid_gathering_size_HIGH_risk', r['avoid_gathering_size_HIGH_risk']),
        low: gathering(file, row, 'avoid_gathering_size_LOW_risk', r['avoid_gathering_size_LOW_risk']),
      },
      lockedTypes,
    };
  });
}

function parseSeirRates(): SeirRateRow[] {
  const file = 'pandemic_seir_age_risk_rates.csv';
  const { rows } = readCsv(file);
  return rows.map((r, i) => {
    const row = i + 1;
    const risk = r['risk'];
    if (risk !== 'LOW' && risk !== 'HIGH') throw tableError(file, row, 'risk', risk ?? '', 'LOW or HIGH');
    return {
      ageMax: num(file, row, 'age_bucket_max', r['age_bucket_max']),
      risk,
      hospRateSympPercent: num(file, row, 'hosp_rate_symp_percent', r['hosp_rate_symp_percent']),
      deathRateNeedsHosp: num(file, row, 'death_rate_needs_hosp', r['death_rate_needs_hosp']),
      deathRateHosp: num(file, row, 'death_rate_hosp', r['death_rate_hosp']),
    };
  });
}

/** Parses "stage 0 always" or "4 until day 30; 3 until 35; then 0". */
export function parseScheduleText(text: string, where = 'schedule'): ScheduleEntry[] {
  const constant = /^stage\s+(\d)\s+always$/.exec(text.trim());
  if (constant) return [{ stage: Number(constant[1]), endDay: null }];
  const entries: ScheduleEntry[] = [];
  const parts = text.split(';').map((p) => p.trim());
  parts.forEach((part, i) => {
    const until = /^(\d)\s+until\s+(?:day\s+)?(\d+)$/.exec(part);
    const then = /^then\s+(\d)$/.exec(part);
    if (until && i < parts.length - 1) entries.push({ stage: Number(until[1]), endDay: Number(until[2]) });
    else if (then && i === parts.length - 1) entries.push({ stage: Number(then[1]), endDay: null });
    else throw new Error(`${where}: cannot read "${part}" in "${text}"; expected "S until [day] D" entries separated by ";" and a final "then S"`);
  });
  for (const e of entries) if (e.stage > 4) throw new Error(`${where}: stage ${e.stage} is not one of 0-4`);
  return entries;
}

function parseSchedules(): NamedSchedule[] {
  const file = 'pandemic_safe_policy_schedules.csv';
  const { header, rows } = readCsv(file);
  const textField = header[1] ?? '';
  return rows.map((r, i) => ({ name: r['name'] ?? '', entries: parseScheduleText(r[textField] ?? '', `pandemic table ${file}, row ${i + 1}`) }));
}

let cached: PandemicTables | null = null;

/** The parsed tables (read once per process). */
export function pandemicTables(): PandemicTables {
  cached ??= { locations: parseLocations(), regulations: parseRegulations(), seirRates: parseSeirRates(), schedules: parseSchedules() };
  return cached;
}

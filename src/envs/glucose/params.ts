/**
 * Loading of the simulator's parameter tables (assets/glucose/, copied from simglucose and its
 * RL4BG fork; see assets/glucose/README.md). Each table is read once and cached.
 */
import { readFileSync, existsSync } from 'node:fs';
import { assetPath } from '../../util/paths.js';

/** Names of the model parameters of a virtual patient (columns of vpatient_params.csv). */
export const PATIENT_PARAM_NAMES = [
  'BW', 'EGPb', 'Gb', 'Ib', 'kabs', 'kmax', 'kmin', 'b', 'd', 'Vg', 'Vi', 'Ipb', 'Vmx', 'Km0', 'k2', 'k1', 'p2u', 'm1', 'm5', 'CL',
  'HEb', 'm2', 'm4', 'm30', 'Ilb', 'ki', 'kp2', 'kp3', 'f', 'Gpb', 'ke1', 'ke2', 'Fsnc', 'Gtb', 'Vm0', 'Rdb', 'PCRb', 'kd', 'ksc',
  'ka1', 'ka2', 'dosekempt', 'u2ss', 'isc1ss', 'isc2ss', 'kp1',
] as const;
export type PatientParamName = (typeof PATIENT_PARAM_NAMES)[number];

export type PatientKind = 'adolescent' | 'adult' | 'child';

export interface PatientParams extends Readonly<Record<PatientParamName, number>> {
  readonly name: string;
  readonly kind: PatientKind;
  /** The table's initial state x0_1..x0_13 (steady state at basal insulin). */
  readonly initState: Float64Array;
}

export interface SensorParams {
  readonly name: string;
  readonly PACF: number;
  readonly gamma: number;
  readonly lambda: number;
  readonly delta: number;
  readonly xi: number;
  /** Minutes between measurements. */
  readonly sampleTime: number;
  readonly min: number;
  readonly max: number;
}

export interface PumpParams {
  readonly name: string;
  readonly minBolus: number;
  readonly maxBolus: number;
  readonly incBolus: number;
  readonly minBasal: number;
  readonly maxBasal: number;
  readonly incBasal: number;
  readonly sampleTime: number;
}

export interface PidParams {
  readonly name: string;
  readonly setpoint: number;
  readonly kp: number;
  readonly ki: number;
  readonly kd: number;
}

export interface QuestParams {
  readonly name: string;
  /** Carbohydrate ratio, g/U. */
  readonly CR: number;
  /** Correction factor, mg/dL per U. */
  readonly CF: number;
  readonly age: number;
  /** Total daily insulin, U. */
  readonly TDI: number;
}

/** One day of simulated history that the RL4BG environment starts its episodes from (`hist_init`). */
export interface HistoryInit {
  readonly patient: string;
  /** Patient clock at the end of the history, minutes (1440: the episode starts on day 2 at 00:00). */
  readonly t: number;
  readonly state: Float64Array;
  readonly bg: Float64Array;
  readonly cgm: Float64Array;
  readonly cho: Float64Array;
  readonly insulin: Float64Array;
}

export type SensorSource = 'bgp' | 'simglucose';

interface Table {
  header: string[];
  rows: string[][];
}

const tableCache = new Map<string, Table>();

function readTable(file: string): Table {
  const cached = tableCache.get(file);
  if (cached) return cached;
  const path = assetPath('glucose', file);
  if (!existsSync(path)) throw new Error(`glucose: parameter table ${path} is missing (it ships in assets/glucose/)`);
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]!.split(',').map((h) => h.trim());
  const rows = lines.slice(1).map((l) => l.split(',').map((c) => c.trim()));
  const table = { header, rows };
  tableCache.set(file, table);
  return table;
}

function column(table: Table, name: string, file: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) throw new Error(`glucose: table ${file} has no column "${name}"`);
  return i;
}

function num(value: string | undefined, what: string): number {
  const v = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(v)) throw new Error(`glucose: ${what} is not a number: ${JSON.stringify(value)}`);
  return v;
}

const PATIENT_FILE = 'vpatient_params.csv';
let patientCache: Map<string, PatientParams> | null = null;

function loadPatients(): Map<string, PatientParams> {
  if (patientCache) return patientCache;
  const t = readTable(PATIENT_FILE);
  const nameCol = column(t, 'Name', PATIENT_FILE);
  const stateCols = Array.from({ length: 13 }, (_, i) => column(t, `x0_${String(i + 1).padStart(2, ' ')}`, PATIENT_FILE));
  const paramCols = PATIENT_PARAM_NAMES.map((n) => column(t, n, PATIENT_FILE));
  const out = new Map<string, PatientParams>();
  for (const row of t.rows) {
    const name = row[nameCol]!;
    const kind = name.split('#')[0] as PatientKind;
    if (kind !== 'adolescent' && kind !== 'adult' && kind !== 'child') throw new Error(`glucose: unknown patient kind in "${name}"`);
    const rec: Record<string, unknown> = { name, kind };
    PATIENT_PARAM_NAMES.forEach((p, i) => (rec[p] = num(row[paramCols[i]!], `${PATIENT_FILE} ${name}.${p}`)));
    rec.initState = Float64Array.from(stateCols, (c, i) => num(row[c], `${PATIENT_FILE} ${name}.x0_${i + 1}`));
    out.set(name, Object.freeze(rec) as unknown as PatientParams);
  }
  patientCache = out;
  return out;
}

/** The 30 virtual patients: adolescent#001-010, adult#001-010, child#001-010. */
export function patientNames(): string[] {
  return [...loadPatients().keys()];
}

export function loadPatientParams(name: string): PatientParams {
  const p = loadPatients().get(name);
  if (!p) throw new Error(`glucose: unknown patient "${name}"; allowed: ${patientNames().join(', ')}`);
  return p;
}

/** Ideal basal rate u2ss·BW/6000, U/min (adult#001: 0.0211227). */
export function basalRate(p: PatientParams): number {
  return (p.u2ss * p.BW) / 6000;
}

export function sensorFile(source: SensorSource): string {
  return source === 'bgp' ? 'bgp_sensor_params.csv' : 'simglucose_sensor_params.csv';
}

export function sensorNames(source: SensorSource = 'bgp'): string[] {
  const file = sensorFile(source);
  const t = readTable(file);
  const c = column(t, 'Name', file);
  return t.rows.map((r) => r[c]!);
}

/** CGM sensor parameters; `source` picks the fork's table (clip 40-400, the default) or simglucose's. */
export function loadSensorParams(name: string, source: SensorSource = 'bgp'): SensorParams {
  const file = sensorFile(source);
  const t = readTable(file);
  const row = t.rows.find((r) => r[column(t, 'Name', file)] === name);
  if (!row) throw new Error(`glucose: unknown sensor "${name}"; allowed: ${sensorNames(source).join(', ')}`);
  const get = (k: string) => num(row[column(t, k, file)], `${file} ${name}.${k}`);
  return Object.freeze({
    name,
    PACF: get('PACF'),
    gamma: get('gamma'),
    lambda: get('lambda'),
    delta: get('delta'),
    xi: get('xi'),
    sampleTime: get('sample_time'),
    min: get('min'),
    max: get('max'),
  });
}

const PUMP_FILE = 'pump_params.csv';

export function pumpNames(): string[] {
  const t = readTable(PUMP_FILE);
  const c = column(t, 'Name', PUMP_FILE);
  return t.rows.map((r) => r[c]!);
}

export function loadPumpParams(name: string): PumpParams {
  const t = readTable(PUMP_FILE);
  const row = t.rows.find((r) => r[column(t, 'Name', PUMP_FILE)] === name);
  if (!row) throw new Error(`glucose: unknown pump "${name}"; allowed: ${pumpNames().join(', ')}`);
  const get = (k: string) => num(row[column(t, k, PUMP_FILE)], `${PUMP_FILE} ${name}.${k}`);
  return Object.freeze({
    name,
    minBolus: get('min_bolus'),
    maxBolus: get('max_bolus'),
    incBolus: get('inc_bolus'),
    minBasal: get('min_basal'),
    maxBasal: get('max_basal'),
    incBasal: get('inc_basal'),
    sampleTime: get('sample_time'),
  });
}

const PID_FILE = 'bgp_pid_params.csv';

/** The fork's per-patient PID gains (`params/pid_params.csv`). */
export function loadPidParams(patient: string): PidParams {
  const t = readTable(PID_FILE);
  const row = t.rows.find((r) => r[column(t, 'name', PID_FILE)] === patient);
  if (!row) throw new Error(`glucose: no PID gains for patient "${patient}" in ${PID_FILE}`);
  const get = (k: string) => num(row[column(t, k, PID_FILE)], `${PID_FILE} ${patient}.${k}`);
  return Object.freeze({ name: patient, setpoint: get('setpoint'), kp: get('kp'), ki: get('ki'), kd: get('kd') });
}

export type QuestTable = 'simglucose' | 'bgp2' | 'bgp3';
const QUEST_FILES: Record<QuestTable, string> = { simglucose: 'Quest.csv', bgp2: 'bgp_Quest2.csv', bgp3: 'bgp_Quest3.csv' };

/** Basal-bolus therapy parameters (carb ratio, correction factor) of a patient. */
export function loadQuestParams(patient: string, table: QuestTable = 'bgp2'): QuestParams {
  const file = QUEST_FILES[table];
  const t = readTable(file);
  const row = t.rows.find((r) => r[column(t, 'Name', file)] === patient);
  if (!row) throw new Error(`glucose: no entry for patient "${patient}" in ${file}`);
  const get = (k: string) => num(row[column(t, k, file)], `${file} ${patient}.${k}`);
  return Object.freeze({ name: patient, CR: get('CR'), CF: get('CF'), age: get('Age'), TDI: get('TDI') });
}

function historyStem(patient: string): string {
  return patient.replace('#', '');
}

/** Patients for which a day of start-up history ships (the fork's `<patient>_data.pkl`, extracted). */
export function historyInitPatients(): string[] {
  return patientNames().filter((p) => existsSync(assetPath('glucose', `bgp_hist_init_state_${historyStem(p)}.csv`)));
}

const historyCache = new Map<string, HistoryInit>();

export function loadHistoryInit(patient: string): HistoryInit {
  const cached = historyCache.get(patient);
  if (cached) return cached;
  const stem = historyStem(patient);
  const stateFile = `bgp_hist_init_state_${stem}.csv`;
  const histFile = `bgp_hist_init_${stem}.csv`;
  if (!existsSync(assetPath('glucose', stateFile))) {
    throw new Error(`glucose: no start-up history ships for patient "${patient}" (available: ${historyInitPatients().join(', ')})`);
  }
  const s = readTable(stateFile);
  const srow = s.rows[0]!;
  const t = num(srow[column(s, 'patient_t_min', stateFile)], `${stateFile} patient_t_min`);
  const state = Float64Array.from({ length: 13 }, (_, i) => num(srow[column(s, `x${i}`, stateFile)], `${stateFile} x${i}`));
  const h = readTable(histFile);
  const col = (k: string) => Float64Array.from(h.rows, (r, i) => num(r[column(h, k, histFile)], `${histFile} row ${i + 1} ${k}`));
  const init: HistoryInit = Object.freeze({ patient, t, state, bg: col('bg'), cgm: col('cgm'), cho: col('cho'), insulin: col('insulin') });
  historyCache.set(patient, init);
  return init;
}

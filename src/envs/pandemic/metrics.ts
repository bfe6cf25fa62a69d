/**
 * Pandemic episode statistics (for evaluation tables, plots and comparisons with the reference
 * simulator): infections, critical cases and deaths over time, days at each stage, and a
 * simulated-days-per-second measurement of the simulator.
 */
import { CRITICAL, DEAD, INFECTED, NONE, RECOVERED_SUMMARY } from './infection.js';
import { PandemicEnv, type PandemicConfig, type PandemicDayRecord } from './pandemic-env.js';
import type { ChartSpec } from '../../util/plot/index.js';

export interface PandemicEpisodeStats {
  days: number;
  proxyReturn: number;
  trueReturn: number;
  /** Largest true fraction infected or critical on any day, and the first day it was reached. */
  peakInfectedFraction: number;
  peakDay: number;
  /** Largest true fraction critical on any day. */
  peakCriticalFraction: number;
  /** Days on which more persons were critical than the hospital holds. */
  daysOverHospitalCapacity: number;
  /** Fractions at the end of the episode. */
  finalDeadFraction: number;
  finalRecoveredFraction: number;
  finalNeverInfectedFraction: number;
  /** Days spent at each stage 0..4. */
  daysAtStage: number[];
}

/** Statistics of one episode from its daily records (see PandemicEnv.record()). */
export function pandemicEpisodeStats(records: readonly PandemicDayRecord[], returns: { proxy: number; true: number }, numPersons: number, hospitalCapacity = 5, numStages = 5): PandemicEpisodeStats {
  let peak = -1;
  let peakDay = 0;
  let peakCritical = 0;
  let over = 0;
  const daysAtStage = new Array<number>(numStages).fill(0);
  for (const r of records) {
    const inf = r.infection[INFECTED]! + r.infection[CRITICAL]!;
    if (inf > peak) {
      peak = inf;
      peakDay = r.day;
    }
    peakCritical = Math.max(peakCritical, r.infection[CRITICAL]!);
    if (r.infection[CRITICAL]! > hospitalCapacity) over++;
    if (r.stage >= 0 && r.stage < numStages) daysAtStage[r.stage]!++;
  }
  const last = records[records.length - 1];
  return {
    days: records.length,
    proxyReturn: returns.proxy,
    trueReturn: returns.true,
    peakInfectedFraction: Math.max(peak, 0) / numPersons,
    peakDay,
    peakCriticalFraction: peakCritical / numPersons,
    daysOverHospitalCapacity: over,
    finalDeadFraction: last ? last.infection[DEAD]! / numPersons : 0,
    finalRecoveredFraction: last ? last.infection[RECOVERED_SUMMARY]! / numPersons : 0,
    finalNeverInfectedFraction: last ? last.infection[NONE]! / numPersons : 1,
    daysAtStage,
  };
}

/** Plays one episode with `policy` (env → action) and returns its daily records and statistics. */
export function runPandemicEpisode(env: PandemicEnv, seed: number | undefined, policy: (env: PandemicEnv) => number): { records: PandemicDayRecord[]; stats: PandemicEpisodeStats } {
  env.reset(seed);
  const records: PandemicDayRecord[] = [];
  let proxy = 0;
  let tru = 0;
  for (;;) {
    const r = env.step(policy(env));
    proxy += r.reward.proxy;
    tru += r.reward.true;
    records.push(env.record());
    if (r.terminated || r.truncated) break;
  }
  return { records, stats: pandemicEpisodeStats(records, { proxy, true: tru }, env.sim.numPersons) };
}

/** A policy that moves the stage towards `stage` and holds it. */
export function holdStage(stage: number): (env: PandemicEnv) => number {
  return (env) => (env.config.constrain ? (stage > env.stage ? 2 : stage < env.stage ? 0 : 1) : stage);
}

/** Measures simulated days per second over `episodes` full episodes at a fixed stage (after one warm-up episode). */
export function benchmarkPandemic(options: { episodes?: number; stage?: number; config?: Partial<PandemicConfig> } = {}): { days: number; seconds: number; daysPerSecond: number } {
  const env = new PandemicEnv(options.config);
  const policy = holdStage(options.stage ?? 0);
  runPandemicEpisode(env, 1000, policy);
  let days = 0;
  const t0 = performance.now();
  for (let e = 0; e < (options.episodes ?? 3); e++) days += runPandemicEpisode(env, e, policy).records.length;
  const seconds = (performance.now() - t0) / 1000;
  return { days, seconds, daysPerSecond: days / seconds };
}

/** A chart of one episode: true infected, critical and dead, tested infected (% of the population) and the stage (×10). */
export function pandemicEpisodeChart(records: readonly PandemicDayRecord[], numPersons: number, title = 'pandemic episode'): ChartSpec {
  const x = records.map((r) => r.day);
  const pct = (pick: (r: PandemicDayRecord) => number) => records.map((r) => (100 * pick(r)) / numPersons);
  return {
    title,
    xLabel: 'day',
    yLabel: '% of population (stage x 10)',
    series: [
      { label: 'infected (true)', x, y: pct((r) => r.infection[INFECTED]!) },
      { label: 'critical (true)', x, y: pct((r) => r.infection[CRITICAL]!) },
      { label: 'dead (true)', x, y: pct((r) => r.infection[DEAD]!) },
      { label: 'infected (tested)', x, y: pct((r) => r.tested[INFECTED]!), dashed: true },
      { label: 'stage x 10', x, y: records.map((r) => 10 * r.stage), dashed: true },
    ],
    legend: 'outside',
  };
}

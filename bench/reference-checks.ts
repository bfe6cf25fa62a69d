/**
 * Compares our simulators with the reference Python simulators (docs/reference-checks.md).
 *
 *   node dist/bench/reference-checks.js glucose [--minutes 1440]
 *       needs GOODHART_GLUCOSE_REF (and python3): runs bench/glucose_reference.py for a fixed
 *       meal + insulin schedule (no noise) for several patients and start clocks, runs
 *       simulateSchedule the same way, and prints the largest relative BG deviation per case.
 *   node dist/bench/reference-checks.js pandemic --ref a.json[,b.json] [--seeds 100]
 *       reads episode statistics written by bench/pandemic_reference.py (its stdout JSON, or its
 *       stderr log of one JSON line per episode), runs our simulator under the same fixed stages
 *       for `--seeds` seeds, and prints mean ± sd of both and where each reference episode falls
 *       in our distribution.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basalRate, loadPatientParams, simulateSchedule } from '../src/envs/glucose/index.js';
import { PandemicEnv } from '../src/envs/pandemic/pandemic-env.js';
import { holdStage, runPandemicEpisode } from '../src/envs/pandemic/metrics.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

// ------------------------------------------------------------------------------------------------
// Glucose: BG trajectories under a fixed schedule

/** The schedule in use: DEFAULT_SCHEDULE or `--schedule '<json>'`. */
let SCHEDULE: Schedule;

interface Schedule {
  basal: boolean;
  meals: [number, number][];
  boluses: [number, number][];
}

const DEFAULT_SCHEDULE: Schedule = {
  basal: true,
  meals: [
    [60, 50],
    [360, 70],
    [720, 80],
  ],
  boluses: [
    [60, 5],
    [360, 7],
    [720, 8],
  ],
};

function referenceTrajectory(patient: string, minutes: number, t0: number): number[] {
  const script = fileURLToPath(new URL('../../bench/glucose_reference.py', import.meta.url));
  const r = spawnSync(process.env['GOODHART_PYTHON'] ?? 'python3', [script, 'trajectory', '--patient', patient, '--minutes', String(minutes), '--t0', String(t0), '--schedule', JSON.stringify(SCHEDULE)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`glucose_reference.py failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { bg: number[] }).bg;
}

function ourTrajectory(patient: string, minutes: number, t0: number): Float64Array {
  const params = loadPatientParams(patient);
  const basal = SCHEDULE.basal ? basalRate(params) : 0;
  const meals = new Map(SCHEDULE.meals);
  const boluses = new Map(SCHEDULE.boluses);
  return simulateSchedule({
    patient: params,
    minutes,
    t0,
    reference: 'bgp',
    schedule: (t) => {
      const k = Math.round(t - t0);
      return { cho: meals.get(k) ?? 0, insulin: basal + (boluses.get(k) ?? 0) };
    },
  }).bg;
}

function glucose(): void {
  SCHEDULE = JSON.parse(arg('--schedule', JSON.stringify(DEFAULT_SCHEDULE))) as Schedule;
  const minutes = Number(arg('--minutes', '1440'));
  const patients = arg('--patients', 'adult#001,adolescent#001,child#001').split(',');
  const starts = arg('--t0', '0,1440').split(',').map(Number);
  console.log(`schedule (minutes from t0): ${JSON.stringify(SCHEDULE)}; ${minutes} one-minute steps\n`);
  console.log('| patient | t0 | max rel. deviation | at minute | ours | reference | steps over 1% | bit-identical steps | BG range (ref) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const patient of patients) {
    for (const t0 of starts) {
      const ref = referenceTrajectory(patient, minutes, t0);
      const ours = ourTrajectory(patient, minutes, t0);
      let worst = 0;
      let at = 0;
      let over = 0;
      let identical = 0;
      for (let k = 0; k < minutes; k++) {
        if (ours[k] === ref[k]) identical++;
        // A missing or non-finite value on either side counts as an infinite deviation.
        const d = Number.isFinite(ours[k]) && Number.isFinite(ref[k]) ? Math.abs(ours[k]! - ref[k]!) / Math.abs(ref[k]!) : Infinity;
        if (d > 0.01) over++;
        if (d > worst) {
          worst = d;
          at = k;
        }
      }
      const lo = Math.min(...ref);
      const hi = Math.max(...ref);
      console.log(`| ${patient} | ${t0} | ${(100 * worst).toExponential(2)} % | ${at + 1} | ${ours[at]!.toFixed(4)} | ${ref[at]!.toFixed(4)} | ${over} | ${identical}/${minutes} | ${lo.toFixed(1)}–${hi.toFixed(1)} |`);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Pandemic: episode statistics under fixed stages

interface EpisodeStats {
  seed: number;
  stage: number;
  peakInfectedFraction: number;
  peakDay: number;
  finalDeadFraction: number;
}

const STATS = ['peakInfectedFraction', 'peakDay', 'finalDeadFraction'] as const;

function readReference(files: string[]): EpisodeStats[] {
  const out: EpisodeStats[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      const o = JSON.parse(line) as { episodes?: EpisodeStats[] } & Partial<EpisodeStats>;
      if (o.episodes) out.push(...o.episodes);
      else if (typeof o.peakDay === 'number') out.push(o as EpisodeStats);
    }
  }
  // The same episode may appear in both a log and its summary.
  const seen = new Set<string>();
  return out.filter((e) => {
    const k = `${e.stage}/${e.seed}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : NaN;
  return { mean, sd };
}

function pandemic(): void {
  const ref = readReference(arg('--ref', '').split(',').filter(Boolean));
  const seeds = Number(arg('--seeds', '100'));
  const stages = [...new Set(ref.map((e) => e.stage))].sort();
  const env = new PandemicEnv();
  for (const stage of stages) {
    const ours: EpisodeStats[] = [];
    for (let s = 0; s < seeds; s++) {
      const { stats } = runPandemicEpisode(env, s, holdStage(stage));
      ours.push({ seed: s, stage, peakInfectedFraction: stats.peakInfectedFraction, peakDay: stats.peakDay, finalDeadFraction: stats.finalDeadFraction });
    }
    const theirs = ref.filter((e) => e.stage === stage);
    console.log(`\nS${stage}: ours ${ours.length} seeds, reference ${theirs.length} seeds`);
    console.log('| statistic | ours mean ± sd | ours min–max | reference mean ± sd | (ref − ours) / sd(ours) | reference episodes (percentile in ours) |');
    console.log('|---|---|---|---|---|---|');
    for (const k of STATS) {
      const a = meanSd(ours.map((e) => e[k]));
      const b = meanSd(theirs.map((e) => e[k]));
      const pct = theirs.map((e) => {
        const below = ours.filter((o) => o[k] < e[k]).length + 0.5 * ours.filter((o) => o[k] === e[k]).length;
        return `${k === 'peakDay' ? e[k] : e[k].toFixed(3)} (${Math.round((100 * below) / ours.length)})`;
      });
      const f = (m: { mean: number; sd: number }) => (k === 'peakDay' ? `${m.mean.toFixed(1)} ± ${m.sd.toFixed(1)}` : `${m.mean.toFixed(4)} ± ${m.sd.toFixed(4)}`);
      const xs = ours.map((e) => e[k]);
      const z = a.sd > 0 ? ((b.mean - a.mean) / a.sd).toFixed(2) : '–';
      console.log(`| ${k} | ${f(a)} | ${Math.min(...xs)}–${Math.max(...xs)} | ${f(b)} | ${z} | ${pct.join(', ')} |`);
    }
  }
}

const mode = process.argv[2];
if (mode === 'glucose') glucose();
else if (mode === 'pandemic') pandemic();
else {
  console.error('usage: node dist/bench/reference-checks.js glucose | pandemic --ref file[,file] [--seeds N]');
  process.exit(2);
}

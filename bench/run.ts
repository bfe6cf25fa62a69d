/**
 * `npm run bench` (`-- --quick` for a short run, `-- --rounds N` to measure everything N times in
 * turn and keep the best, `-- --no-torch` to skip the reference): times the hot paths and prints
 * one table, also written to bench-results.json. Ratios compare against a reference measured in the same run on
 * the same machine, never against numbers from elsewhere:
 *  - PyTorch (bench/reference.py, run with the first python3 that imports torch; Debian's
 *    python3-torch, ideally with libopenblas0) for matmul, the PPO learner and end-to-end PPO;
 *  - TensorFlow.js's own wasm kernels for the native kernel rows (src/nn/native.ts);
 *  - the single environment for vectorised stepping.
 *  - the reference pandemic and glucose simulators (bench/pandemic_reference.py with
 *    GOODHART_PANDEMIC_REF, bench/glucose_reference.py with GOODHART_GLUCOSE_REF; docs/reference-checks.md).
 * A reference that is missing or fails is reported as unavailable; it never fails the bench.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend, tf, currentBackend, nativeStatus, setFusedPpoEnabled } from '../src/nn/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/nn/native.js';
import '../src/envs/builtin.js';
import { makeEnv } from '../src/envs/registry.js';
import { VectorEnv, type VectorEnvLike } from '../src/envs/vector.js';
import { WorkerVectorEnv } from '../src/envs/parallel/worker-vector-env.js';
import { PPO } from '../src/algos/ppo/trainer.js';
import { resolvePpoConfig } from '../src/algos/ppo/config.js';
import { collectRollout } from '../src/algos/ppo/rollout.js';
import { computeGae, standardize } from '../src/algos/ppo/gae.js';
import { Rng } from '../src/util/rng.js';
import { benchLm } from './lm.js';
import { benchSweepThroughput } from './sweeps.js';
import { TrafficEnv } from '../src/envs/traffic/traffic-env.js';
import { sumoAvailable } from '../src/envs/traffic/sumo-process.js';
import { benchmarkPandemic } from '../src/envs/pandemic/metrics.js';

interface Row {
  name: string;
  value: number;
  unit: string;
  reference?: string;
  /** The reference's value, when it was measured. */
  referenceValue?: number;
  ratio?: number;
}

const rows: Row[] = [];
const quick = process.argv.includes('--quick');
const noTorch = process.argv.includes('--no-torch');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Math.max(1, Math.floor(Number(process.argv[roundsArg + 1])) || 1) : 1;

/** Runs `fn` repeatedly for about `seconds` after a warm-up; returns the best rate of work units per second over 3 rounds. */
function rate(fn: () => number, seconds = quick ? 0.3 : 1.5): number {
  fn();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let units = 0;
    const start = performance.now();
    while (performance.now() - start < (seconds * 1000) / 3) units += fn();
    best = Math.max(best, units / ((performance.now() - start) / 1000));
  }
  return best;
}

function benchEnvSingle(): number {
  const env = makeEnv('tomato');
  const rng = new Rng(0);
  const actions = Int32Array.from({ length: 4096 }, () => rng.int(4));
  env.reset(0);
  let k = 0;
  return rate(() => {
    for (let i = 0; i < 1000; i++) {
      const r = env.step(actions[k++ & 4095]!);
      if (r.terminated || r.truncated) env.reset();
    }
    return 1000;
  });
}

function benchEnvVector(num: number): number {
  const venv = new VectorEnv(() => makeEnv('tomato'), num);
  venv.reset(0);
  const rng = new Rng(0);
  const actions = Float32Array.from({ length: num * 64 }, () => rng.int(4));
  let k = 0;
  return rate(() => {
    for (let i = 0; i < 20; i++) {
      venv.step(actions.subarray((k % 64) * num, (k % 64) * num + num));
      k++;
    }
    venv.drainEpisodes();
    return 20 * num;
  });
}

/** The glucose env at a constant action equal to the basal rate (action units: basal·43.2 per 1). */
const GLUCOSE_BASAL_ACTION = 1 / 43.2;

function benchGlucoseSingle(): number {
  const env = makeEnv('glucose');
  const action = Float32Array.of(GLUCOSE_BASAL_ACTION);
  env.reset(0);
  return rate(() => {
    for (let i = 0; i < 200; i++) {
      const r = env.step(action);
      if (r.terminated || r.truncated) env.reset();
    }
    return 200;
  });
}

function benchGlucoseVector(num: number): number {
  const venv = new VectorEnv(() => makeEnv('glucose'), num);
  venv.reset(0);
  const actions = new Float32Array(num).fill(GLUCOSE_BASAL_ACTION);
  return rate(() => {
    for (let i = 0; i < 20; i++) venv.step(actions);
    venv.drainEpisodes();
    return 20 * num;
  });
}

/**
 * Env steps/s of `num` copies with fixed actions, in this thread or split over worker threads
 * (parallel sampling; the simulators' numbers are the same either way).
 */
function benchSampling(env: string, num: number, workers: number): number {
  const venv: VectorEnvLike = workers === 0 ? new VectorEnv(() => makeEnv(env), num) : new WorkerVectorEnv({ env, num, workers });
  try {
    venv.reset(0);
    const space = venv.actionSpace;
    const actions = new Float32Array(num * venv.actionDim).map((_, i) => (space.kind === 'discrete' ? i % space.n : GLUCOSE_BASAL_ACTION));
    return rate(() => {
      venv.step(actions);
      venv.drainEpisodes();
      return num;
    }, quick ? 1 : 3);
  } finally {
    venv.close();
  }
}

interface PythonRate {
  rate: number;
  note: string;
}

/**
 * Runs one of the reference-simulator runners (bench/pandemic_reference.py, bench/glucose_reference.py)
 * when its checkout is named by `envVar`; returns its rate, or why there is none.
 */
function runPythonReference(envVar: string, script: string, args: string[], pick: (o: Record<string, unknown>) => unknown): PythonRate | string {
  if (!process.env[envVar]) return `${envVar} not set`;
  const path = fileURLToPath(new URL(`../../bench/${script}`, import.meta.url));
  const r = spawnSync(process.env['GOODHART_PYTHON'] ?? 'python3', [path, ...args], { encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 1 << 24 });
  if (r.status !== 0) return `${script} failed: ${r.error?.message ?? (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}`}`;
  try {
    const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    const v = pick(o);
    if (typeof v !== 'number' || !(v > 0)) return `${script} printed no rate`;
    const load = Array.isArray(o['loadavg']) ? `, load ${(o['loadavg'] as number[])[0]!.toFixed(1)}` : '';
    return { rate: v, note: load };
  } catch {
    return `${script} printed no JSON`;
  }
}

/** Learner throughput: samples per second through PPO's SGD (one epoch over one 3000-step batch). */
function benchLearner(hidden: number[], minibatch: number): number {
  const config = resolvePpoConfig('tomato', { model: { hidden }, numSgdIter: 1, sgdMinibatchSize: minibatch });
  const ppo = new PPO({ makeEnv: () => makeEnv('tomato'), config, reward: 'proxy', seed: 0 });
  const batch = collectRollout(ppo.env, ppo.policy, config.rolloutFragmentLength, new Rng(1));
  const { advantages, valueTargets } = computeGae({ ...batch, rewards: batch.proxy, gamma: 0.99, lambda: 0.98 });
  const adv = standardize(advantages);
  const size = batch.length * batch.num;
  const samplesPerCall = Math.floor(size / minibatch) * minibatch;
  const r = rate(
    () => {
      ppo.learn(batch, adv, valueTargets);
      return samplesPerCall;
    },
    quick ? 1 : 4,
  );
  ppo.dispose();
  return r;
}

function benchEndToEnd(hidden: number[], iters: number): number {
  const config = resolvePpoConfig('tomato', { model: { hidden } });
  const ppo = new PPO({ makeEnv: () => makeEnv('tomato'), config, reward: 'proxy', seed: 0 });
  ppo.trainIteration();
  const start = performance.now();
  for (let i = 0; i < iters; i++) ppo.trainIteration();
  const sec = (performance.now() - start) / 1000;
  ppo.dispose();
  return (iters * config.numEnvs * config.rolloutFragmentLength) / sec;
}

/**
 * The traffic env (SUMO through TraCI) driven by its IDM base policy: env steps per second over
 * whole episodes after the first reset, and the share of that time spent waiting for TraCI round
 * trips (the rest is our own bookkeeping, observations and rewards). Null when SUMO is missing.
 */
function benchTraffic(): { stepsPerSec: number; traciShare: number } | null {
  if (!sumoAvailable()) return null;
  const env = new TrafficEnv();
  try {
    env.reset(0);
    const client = env.traci!;
    const rtStart = client.stats.roundTripMs;
    const seconds = quick ? 2 : 8;
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      const r = env.step(env.idmActions());
      steps++;
      if (r.terminated || r.truncated) env.reset();
    }
    const elapsed = performance.now() - start;
    return { stepsPerSec: (steps * 1000) / elapsed, traciShare: (client.stats.roundTripMs - rtStart) / elapsed };
  } finally {
    env.close();
  }
}

function benchMatmul(n: number): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  // The wasm backend (and the native kernel) run synchronously, so no read-back is needed to time
  // them; like the PyTorch reference's `a @ b`, this times the product and its allocation only.
  const r = rate(() => {
    tf.matMul(a, b).dispose();
    return 2 * n * n * n;
  });
  tf.dispose([a, b]);
  return r / 1e9;
}

/** Runs `fn` on TensorFlow.js's own wasm kernels (the native ones are put back afterwards). */
function withTfjsKernels<T>(fn: () => T): T {
  uninstallNativeKernels();
  try {
    return fn();
  } finally {
    installNativeKernels();
  }
}

// ------------------------------------------------------------------------------------------------
// The PyTorch reference

interface TorchReference {
  torch: string;
  blas: string;
  openblasCoretype?: string;
  matmul512: { gflops: number; threads: number };
  learner: Record<string, { samplesPerSec: number; threads: number }>;
  ppo: Record<string, { stepsPerSec: number; threads: number }>;
}

type ReferenceResult = { ok: true; python: string; ref: TorchReference } | { ok: false; reason: string };

/** The first python3 on this machine that can import torch. */
function findTorchPython(): string | null {
  const candidates = [process.env['GOODHART_PYTHON'], 'python3', '/usr/bin/python3', 'python'].filter((c): c is string => !!c);
  for (const py of new Set(candidates)) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

function runTorchReference(): ReferenceResult {
  if (noTorch) return { ok: false, reason: 'skipped (--no-torch)' };
  const python = findTorchPython();
  if (!python) return { ok: false, reason: 'no python3 with torch (Debian: apt-get install python3-torch libopenblas0)' };
  const script = fileURLToPath(new URL('../../bench/reference.py', import.meta.url));
  const r = spawnSync(python, [script, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: (quick ? 10 : 30) * 60_000, maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    const why = r.error?.message ?? (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}`;
    return { ok: false, reason: `reference.py failed: ${why}` };
  }
  try {
    return { ok: true, python, ref: JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchReference };
  } catch {
    return { ok: false, reason: 'reference.py printed no JSON' };
  }
}

function withReference(row: Row, reference: string, value: number | undefined): Row {
  if (value === undefined || !(value > 0)) return { ...row, reference: `${reference} (unavailable)` };
  return { ...row, reference, referenceValue: value, ratio: row.value / value };
}

function fmt(v: number, unit: string): string {
  return `${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2)} ${unit}`;
}

interface Measured {
  single: number;
  vec30: number;
  vec256: number;
  learnerSmall: number;
  learnerPaper: number;
  e2eSmall: number;
  e2ePaper?: number;
  matmul: number;
  /** The same hot paths on TensorFlow.js's own kernels, when the native ones are in use. */
  tfjs?: { learnerSmall: number; learnerPaper: number; matmul: number };
  /** With the native kernels but the loss built from TensorFlow.js ops (no fused PPO step). */
  unfused?: { learnerSmall: number; learnerPaper: number; e2eSmall: number };
}

function measureOurs(nativeActive: boolean): Measured {
  const m: Measured = {
    single: benchEnvSingle(),
    vec30: benchEnvVector(30),
    vec256: benchEnvVector(256),
    learnerSmall: benchLearner([64, 64], 128),
    learnerPaper: benchLearner([512, 512, 512, 512], 128),
    e2eSmall: benchEndToEnd([64, 64], quick ? 1 : 3),
    matmul: benchMatmul(512),
  };
  if (!quick) m.e2ePaper = benchEndToEnd([512, 512, 512, 512], 2);
  if (nativeActive) {
    setFusedPpoEnabled(false);
    try {
      m.unfused = { learnerSmall: benchLearner([64, 64], 128), learnerPaper: benchLearner([512, 512, 512, 512], 128), e2eSmall: benchEndToEnd([64, 64], quick ? 1 : 3) };
    } finally {
      setFusedPpoEnabled(true);
    }
    m.tfjs = withTfjsKernels(() => ({ learnerSmall: benchLearner([64, 64], 128), learnerPaper: benchLearner([512, 512, 512, 512], 128), matmul: benchMatmul(512) }));
  }
  return m;
}

/** Field-wise maximum of two measurements (numbers and nested objects of numbers). */
function bestOf<T>(a: T | null, b: T): T {
  if (a === null || typeof b !== 'object' || b === null) return typeof a === 'number' && typeof b === 'number' ? (Math.max(a, b) as T) : b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? bestOf(out[k] as unknown, v) : v;
  return out as T;
}

/** The better of two reference runs, entry by entry (each entry keeps the threads it was measured with). */
function bestReference(a: TorchReference | null, b: TorchReference): TorchReference {
  if (!a) return b;
  const pick = <E extends object>(x: E | undefined, y: E | undefined, key: keyof E): E | undefined =>
    x === undefined ? y : y === undefined ? x : (y[key] as number) > (x[key] as number) ? y : x;
  const merge = <E extends object>(x: Record<string, E>, y: Record<string, E>, key: keyof E) => {
    const out: Record<string, E> = { ...x };
    for (const k of Object.keys(y)) out[k] = pick(x[k], y[k], key)!;
    return out;
  };
  return { ...b, matmul512: pick(a.matmul512, b.matmul512, 'gflops')!, learner: merge(a.learner, b.learner, 'samplesPerSec'), ppo: merge(a.ppo, b.ppo, 'stepsPerSec') };
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  await initBackend('wasm');
  const native = nativeStatus();
  const kernels = native.active ? `native ${native.isa}, ${native.threads} threads` : `TensorFlow.js wasm kernels (native: ${native.reason ?? 'inactive'})`;
  console.error(`measuring (${quick ? 'quick' : 'full'} run, kernels: ${kernels})...`);

  // With --rounds N, ours and the reference are measured N times in turn and each keeps its best
  // value: on a shared machine that takes both at their least disturbed.
  let ours: Measured | null = null;
  let ref: TorchReference | null = null;
  let torch: ReferenceResult = { ok: false, reason: 'not run' };
  for (let round = 0; round < rounds; round++) {
    ours = bestOf(ours, measureOurs(native.active));
    console.error(`measuring the PyTorch reference${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}...`);
    const r = runTorchReference();
    if (r.ok) ref = bestReference(ref, r.ref);
    if (r.ok || !torch.ok) torch = r.ok && ref ? { ...r, ref } : r;
  }
  const { single, vec30, vec256, learnerSmall, learnerPaper, e2eSmall, e2ePaper, matmul, tfjs, unfused } = ours!;
  rows.push({ name: 'tomato env steps/s (single env)', value: single, unit: 'steps/s' });
  rows.push(withReference({ name: 'tomato env steps/s (vector, 30 copies)', value: vec30, unit: 'steps/s' }, 'single env', single));
  rows.push(withReference({ name: 'tomato env steps/s (vector, 256 copies)', value: vec256, unit: 'steps/s' }, 'single env', single));
  // Environment simulators against the reference Python simulators (docs/reference-checks.md).
  console.error('measuring the pandemic and glucose simulators...');
  const pandemicOurs = benchmarkPandemic({ episodes: quick ? 1 : 3 }).daysPerSecond;
  const pandemicRef = runPythonReference('GOODHART_PANDEMIC_REF', 'pandemic_reference.py', ['--stages', '0', '--seeds', '1', '--days', quick ? '5' : '20'], (o) => o['daysPerSecond']);
  rows.push(
    typeof pandemicRef === 'string'
      ? { name: 'pandemic simulated days/s', value: pandemicOurs, unit: 'days/s', reference: `reference PandemicSimulator (unavailable: ${pandemicRef})` }
      : withReference({ name: 'pandemic simulated days/s', value: pandemicOurs, unit: 'days/s' }, `reference PandemicSimulator, first ${quick ? 5 : 20} days${pandemicRef.note}`, pandemicRef.rate),
  );
  const glucoseSingle = benchGlucoseSingle();
  const glucoseRef = runPythonReference('GOODHART_GLUCOSE_REF', 'glucose_reference.py', ['speed', '--seconds', quick ? '3' : '15', '--t0', '1440'], (o) => o['stepsPerSecond']);
  rows.push(
    typeof glucoseRef === 'string'
      ? { name: 'glucose env steps/s (single)', value: glucoseSingle, unit: 'steps/s', reference: `reference patient model (unavailable: ${glucoseRef})` }
      : withReference({ name: 'glucose env steps/s (single)', value: glucoseSingle, unit: 'steps/s' }, `reference patient model only, 5 min/step${glucoseRef.note}`, glucoseRef.rate),
  );
  rows.push(withReference({ name: 'glucose env steps/s (vector, 10 copies)', value: benchGlucoseVector(10), unit: 'steps/s' }, 'single env', glucoseSingle));
  // Parallel sampling: the same copies stepped by two worker threads (numEnvWorkers 2).
  console.error('measuring parallel sampling...');
  for (const [env, num] of [
    ['pandemic', 4],
    ['glucose', 10],
  ] as const) {
    const inThread = benchSampling(env, num, 0);
    rows.push(withReference({ name: `${env} env steps/s, ${num} copies in 2 worker threads`, value: benchSampling(env, num, 2), unit: 'steps/s' }, 'same copies in the main thread', inThread));
  }
  const torchName = (what: string, threads?: number) => `PyTorch ${what}${threads ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`;

  rows.push(withReference({ name: 'PPO learner samples/s (tomato, 2×64, minibatch 128)', value: learnerSmall, unit: 'samples/s' }, torchName('learner', ref?.learner['2x64']?.threads), ref?.learner['2x64']?.samplesPerSec));
  rows.push(withReference({ name: 'PPO learner samples/s (tomato, paper 4×512, minibatch 128)', value: learnerPaper, unit: 'samples/s' }, torchName('learner', ref?.learner['4x512']?.threads), ref?.learner['4x512']?.samplesPerSec));
  rows.push(withReference({ name: 'PPO end-to-end env steps/s (tomato, 2×64)', value: e2eSmall, unit: 'steps/s' }, torchName('PPO', ref?.ppo['2x64']?.threads), ref?.ppo['2x64']?.stepsPerSec));
  if (e2ePaper !== undefined) {
    rows.push(withReference({ name: 'PPO end-to-end env steps/s (tomato, paper 4×512)', value: e2ePaper, unit: 'steps/s' }, torchName('PPO', ref?.ppo['4x512']?.threads), ref?.ppo['4x512']?.stepsPerSec));
  }
  rows.push(withReference({ name: 'matmul 512×512 GFLOP/s', value: matmul, unit: 'GFLOP/s' }, torchName('matmul', ref?.matmul512.threads), ref?.matmul512.gflops));
  if (unfused) {
    const fusedRef = 'same, fused PPO step';
    rows.push(withReference({ name: 'PPO learner samples/s (2×64), native kernels, loss from TensorFlow.js ops', value: unfused.learnerSmall, unit: 'samples/s' }, fusedRef, learnerSmall));
    rows.push(withReference({ name: 'PPO learner samples/s (4×512), native kernels, loss from TensorFlow.js ops', value: unfused.learnerPaper, unit: 'samples/s' }, fusedRef, learnerPaper));
    rows.push(withReference({ name: 'PPO end-to-end env steps/s (2×64), native kernels, loss from TensorFlow.js ops', value: unfused.e2eSmall, unit: 'steps/s' }, fusedRef, e2eSmall));
  }
  if (tfjs) {
    const tfjsRef = 'same, native kernels';
    rows.push(withReference({ name: 'PPO learner samples/s (2×64), TensorFlow.js wasm kernels', value: tfjs.learnerSmall, unit: 'samples/s' }, tfjsRef, learnerSmall));
    rows.push(withReference({ name: 'PPO learner samples/s (4×512), TensorFlow.js wasm kernels', value: tfjs.learnerPaper, unit: 'samples/s' }, tfjsRef, learnerPaper));
    rows.push(withReference({ name: 'matmul 512×512 GFLOP/s, TensorFlow.js wasm kernels', value: tfjs.matmul, unit: 'GFLOP/s' }, tfjsRef, matmul));
  }
  const traffic = benchTraffic();
  if (traffic) {
    rows.push({ name: 'traffic env steps/s (SUMO via TraCI, single env, IDM actions)', value: traffic.stepsPerSec, unit: 'steps/s' });
    rows.push({ name: 'traffic env: share of step time in TraCI round trips', value: 100 * traffic.traciShare, unit: '%' });
  } else {
    console.error('traffic rows skipped: SUMO is not installed (apt-get install sumo sumo-tools)');
  }

  // Language models (src/lm, docs/lm.md): the default model size.
  console.error('measuring the language model...');
  rows.push(...benchLm(quick));

  // Sweeps: short tomato runs on the embedded worker-thread pool, 1 worker and 2 (the reference is 1).
  const sweepRuns = quick ? 4 : 8;
  console.error('measuring sweep throughput...');
  const sweep1 = benchSweepThroughput(1, sweepRuns, quick ? 2 : 4);
  const sweep2 = benchSweepThroughput(2, sweepRuns, quick ? 2 : 4);
  rows.push({ name: `sweep runs/min, 1 worker (${sweepRuns} tomato runs, 2×32)`, value: sweep1, unit: 'runs/min' });
  rows.push(withReference({ name: `sweep runs/min, 2 workers (${sweepRuns} tomato runs, 2×32)`, value: sweep2, unit: 'runs/min' }, '1 worker', sweep1));

  // Other processes on the machine skew every row (and a reference measured at another moment).
  const load = { before: loadBefore, after: loadavg()[0]!, cpus: availableParallelism() };
  const busy = load.before > 0.5 * load.cpus || load.after > 1.25 * load.cpus;
  const header = ['benchmark', 'value', 'reference', 'reference value', 'ratio'];
  const body = rows.map((r) => [r.name, fmt(r.value, r.unit), r.reference ?? '-', r.referenceValue === undefined ? '-' : fmt(r.referenceValue, r.unit), r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}×`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`backend: ${currentBackend()} (${kernels}), node ${process.version}, ${quick ? 'quick' : 'full'} run${rounds > 1 ? `, best of ${rounds} rounds` : ''}`);
  console.log(torch.ok ? `reference: PyTorch ${torch.ref.torch} (${torch.python}; BLAS ${torch.ref.blas}${torch.ref.openblasCoretype ? `, OPENBLAS_CORETYPE=${torch.ref.openblasCoretype}` : ''})` : `reference unavailable: ${torch.reason}`);
  console.log([line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n'));
  console.log(`load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, ${load.cpus} CPUs${busy ? ': the machine was busy, so rates and ratios are unreliable' : ''}`);
  writeFileSync(
    'bench-results.json',
    JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, rounds, load, kernels: native, reference: torch.ok ? { python: torch.python, ...torch.ref } : { unavailable: torch.reason }, rows }, null, 2) + '\n',
  );
}

await main();

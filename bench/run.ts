/**
 * `npm run bench` (`-- --quick` for a short run): times the hot paths and prints one table, also
 * written to bench-results.json. Ratios compare against a reference measured in the same run on
 * the same machine, never against numbers from elsewhere:
 *  - PyTorch (bench/reference.py, run with the first python3 that imports torch; Debian's
 *    python3-torch, ideally with libopenblas0) for matmul, the PPO learner and end-to-end PPO;
 *  - TensorFlow.js's own wasm kernels for the native kernel rows (src/nn/native.ts);
 *  - the single environment for vectorised stepping.
 * A reference that is missing or fails is reported as unavailable; it never fails the bench.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend, tf, currentBackend, nativeStatus } from '../src/nn/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/nn/native.js';
import '../src/envs/builtin.js';
import { makeEnv } from '../src/envs/registry.js';
import { VectorEnv } from '../src/envs/vector.js';
import { PPO } from '../src/algos/ppo/trainer.js';
import { resolvePpoConfig } from '../src/algos/ppo/config.js';
import { collectRollout } from '../src/algos/ppo/rollout.js';
import { computeGae, standardize } from '../src/algos/ppo/gae.js';
import { Rng } from '../src/util/rng.js';

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

function benchMatmul(n: number): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const r = rate(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
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

async function main(): Promise<void> {
  await initBackend('wasm');
  const native = nativeStatus();
  const kernels = native.active ? `native ${native.isa}, ${native.threads} threads` : `TensorFlow.js wasm kernels (native: ${native.reason ?? 'inactive'})`;
  console.error(`measuring (${quick ? 'quick' : 'full'} run, kernels: ${kernels})...`);

  const single = benchEnvSingle();
  rows.push({ name: 'tomato env steps/s (single env)', value: single, unit: 'steps/s' });
  for (const num of [30, 256]) {
    rows.push(withReference({ name: `tomato env steps/s (vector, ${num} copies)`, value: benchEnvVector(num), unit: 'steps/s' }, 'single env', single));
  }

  const learnerSmall = benchLearner([64, 64], 128);
  const learnerPaper = benchLearner([512, 512, 512, 512], 128);
  const e2eSmall = benchEndToEnd([64, 64], quick ? 1 : 3);
  const e2ePaper = quick ? undefined : benchEndToEnd([512, 512, 512, 512], 2);
  const matmul = benchMatmul(512);
  // The same hot paths on TensorFlow.js's own kernels, when the native ones are in use.
  const tfjs = native.active
    ? withTfjsKernels(() => ({ learnerSmall: benchLearner([64, 64], 128), learnerPaper: benchLearner([512, 512, 512, 512], 128), matmul: benchMatmul(512) }))
    : null;

  console.error('measuring the PyTorch reference...');
  const torch = runTorchReference();
  const ref = torch.ok ? torch.ref : null;
  const torchName = (what: string, threads?: number) => `PyTorch ${what}${threads ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`;

  rows.push(withReference({ name: 'PPO learner samples/s (tomato, 2×64, minibatch 128)', value: learnerSmall, unit: 'samples/s' }, torchName('learner', ref?.learner['2x64']?.threads), ref?.learner['2x64']?.samplesPerSec));
  rows.push(withReference({ name: 'PPO learner samples/s (tomato, paper 4×512, minibatch 128)', value: learnerPaper, unit: 'samples/s' }, torchName('learner', ref?.learner['4x512']?.threads), ref?.learner['4x512']?.samplesPerSec));
  rows.push(withReference({ name: 'PPO end-to-end env steps/s (tomato, 2×64)', value: e2eSmall, unit: 'steps/s' }, torchName('PPO', ref?.ppo['2x64']?.threads), ref?.ppo['2x64']?.stepsPerSec));
  if (e2ePaper !== undefined) {
    rows.push(withReference({ name: 'PPO end-to-end env steps/s (tomato, paper 4×512)', value: e2ePaper, unit: 'steps/s' }, torchName('PPO', ref?.ppo['4x512']?.threads), ref?.ppo['4x512']?.stepsPerSec));
  }
  rows.push(withReference({ name: 'matmul 512×512 GFLOP/s', value: matmul, unit: 'GFLOP/s' }, torchName('matmul', ref?.matmul512.threads), ref?.matmul512.gflops));
  if (tfjs) {
    const tfjsRef = 'same, native kernels';
    rows.push(withReference({ name: 'PPO learner samples/s (2×64), TensorFlow.js wasm kernels', value: tfjs.learnerSmall, unit: 'samples/s' }, tfjsRef, learnerSmall));
    rows.push(withReference({ name: 'PPO learner samples/s (4×512), TensorFlow.js wasm kernels', value: tfjs.learnerPaper, unit: 'samples/s' }, tfjsRef, learnerPaper));
    rows.push(withReference({ name: 'matmul 512×512 GFLOP/s, TensorFlow.js wasm kernels', value: tfjs.matmul, unit: 'GFLOP/s' }, tfjsRef, matmul));
  }

  const header = ['benchmark', 'value', 'reference', 'reference value', 'ratio'];
  const body = rows.map((r) => [r.name, fmt(r.value, r.unit), r.reference ?? '-', r.referenceValue === undefined ? '-' : fmt(r.referenceValue, r.unit), r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}×`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`backend: ${currentBackend()} (${kernels}), node ${process.version}, ${quick ? 'quick' : 'full'} run`);
  console.log(torch.ok ? `reference: PyTorch ${torch.ref.torch} (${torch.python}; BLAS ${torch.ref.blas}${torch.ref.openblasCoretype ? `, OPENBLAS_CORETYPE=${torch.ref.openblasCoretype}` : ''})` : `reference unavailable: ${torch.reason}`);
  console.log([line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n'));
  writeFileSync(
    'bench-results.json',
    JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, kernels: native, reference: torch.ok ? { python: torch.python, ...torch.ref } : { unavailable: torch.reason }, rows }, null, 2) + '\n',
  );
}

await main();

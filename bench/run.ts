/**
 * `npm run bench`: times the hot paths and prints one table (also written to bench-results.json).
 * Ratios compare against a reference measured in the same run (the single env for vectorised
 * stepping; the cpu backend for the learner), never against numbers from another machine.
 */
import { writeFileSync } from 'node:fs';
import { initBackend, tf, currentBackend } from '../src/nn/index.js';
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
  ratio?: number;
}

const rows: Row[] = [];
const quick = process.argv.includes('--quick');

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
  const r = rate(() => {
    ppo.learn(batch, adv, valueTargets);
    return samplesPerCall;
  }, quick ? 1 : 4);
  ppo.dispose();
  return r;
}

function benchEndToEnd(hidden: number[]): number {
  const config = resolvePpoConfig('tomato', { model: { hidden } });
  const ppo = new PPO({ makeEnv: () => makeEnv('tomato'), config, reward: 'proxy', seed: 0 });
  ppo.trainIteration();
  const iters = quick ? 1 : 3;
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

async function main(): Promise<void> {
  await initBackend('wasm');
  const single = benchEnvSingle();
  rows.push({ name: 'tomato env steps/s (single env)', value: single, unit: 'steps/s' });
  for (const num of [30, 256]) {
    const v = benchEnvVector(num);
    rows.push({ name: `tomato env steps/s (vector, ${num} copies)`, value: v, unit: 'steps/s', reference: 'single env', ratio: v / single });
  }
  // The cpu backend is the reference only for the small network: on the paper's 4×512 one it
  // needs minutes per measurement.
  const small = benchLearner([64, 64], 128);
  await initBackend('cpu');
  const smallCpu = benchLearner([64, 64], 128);
  await initBackend('wasm');
  rows.push({ name: 'PPO learner samples/s (tomato, 2×64, minibatch 128)', value: small, unit: 'samples/s', reference: 'tfjs cpu backend', ratio: small / smallCpu });
  rows.push({ name: 'PPO learner samples/s (tomato, paper 4×512, minibatch 128)', value: benchLearner([512, 512, 512, 512], 128), unit: 'samples/s' });
  rows.push({ name: 'PPO end-to-end env steps/s (tomato, 2×64)', value: benchEndToEnd([64, 64]), unit: 'steps/s' });
  if (!quick) rows.push({ name: 'PPO end-to-end env steps/s (tomato, paper 4×512)', value: benchEndToEnd([512, 512, 512, 512]), unit: 'steps/s' });
  rows.push({ name: 'matmul 512×512 GFLOP/s', value: benchMatmul(512), unit: 'GFLOP/s' });

  const header = ['benchmark', 'value', 'reference', 'ratio'];
  const body = rows.map((r) => [r.name, `${r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2)} ${r.unit}`, r.reference ?? '-', r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}×`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`backend: ${currentBackend()}, node ${process.version}, ${quick ? 'quick' : 'full'} run`);
  console.log([line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n'));
  writeFileSync('bench-results.json', JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2) + '\n');
}

await main();

/**
 * Sweep throughput for `npm run bench`: a small grid of short tomato runs trained by
 * `goodhart sweep --workers N` (the embedded worker-thread pool) with 1 and with 2 workers, each
 * from an empty results directory, in runs per minute of wall time, start-up included, as a user
 * sees it. It runs in a child process because the native kernels' thread count is fixed per
 * process when they load, and this bench process has loaded them with every core.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEntry } from '../src/util/paths.js';

export const SWEEP_BENCH_PPO = { model: { hidden: [32, 32] }, numEnvs: 8, rolloutFragmentLength: 100, sgdMinibatchSize: 128, numSgdIter: 2 };

export function benchSweepThroughput(workers: number, runs: number, iterations: number): number {
  const root = mkdtempSync(join(tmpdir(), 'goodhart-bench-sweep-'));
  try {
    const spec = join(root, 'bench.json');
    writeFileSync(spec, JSON.stringify({ name: 'bench', base: { iterations, evalEpisodes: 10, ppo: SWEEP_BENCH_PPO }, grid: { env: 'tomato', method: 'ppo', seed: { count: runs } } }));
    const env = { ...process.env };
    delete env['GOODHART_NATIVE_THREADS'];
    const started = performance.now();
    const r = spawnSync(process.execPath, [cliEntry(), 'sweep', spec, '--root', join(root, 'out'), '--workers', String(workers), '--quiet'], { encoding: 'utf8', env });
    const seconds = (performance.now() - started) / 1000;
    if (r.status !== 0 || !r.stdout.includes(`${runs} runs trained`)) throw new Error(`bench sweep failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    return runs / (seconds / 60);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

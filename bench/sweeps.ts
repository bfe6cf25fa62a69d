/**
 * Sweep throughput for `npm run bench`: a small grid of short tomato runs trained by the embedded
 * worker-thread pool with 1 and with 2 workers, each from an empty results directory, in runs per
 * minute of wall time (pool start-up included, as a user sees it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSweep } from '../src/experiments/sweeps/spec.js';
import { runSweepEmbedded } from '../src/experiments/sweeps/embedded.js';

export const SWEEP_BENCH_PPO = { model: { hidden: [32, 32] }, numEnvs: 8, rolloutFragmentLength: 100, sgdMinibatchSize: 128, numSgdIter: 2 };

export async function benchSweepThroughput(workers: number, runs: number, iterations: number): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'goodhart-bench-sweep-'));
  try {
    const plan = planSweep({ name: 'bench', base: { iterations, evalEpisodes: 10, ppo: SWEEP_BENCH_PPO }, grid: { env: 'tomato', method: 'ppo', seed: { count: runs } } });
    const result = await runSweepEmbedded(root, plan, { workers });
    if (result.failed.length || result.trained !== runs) throw new Error(`bench sweep: ${result.trained}/${runs} runs trained; ${result.failed[0]?.error ?? ''}`);
    return runs / (result.seconds / 60);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

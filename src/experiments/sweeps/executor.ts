/**
 * Trains runs on a pool of worker threads (piscina), one run per thread. The calling thread keeps
 * its event loop free: it holds each run's lease (heartbeat), keeps a queue lock alive (BullMQ),
 * and updates the results index when a run finishes. Training itself is synchronous, so it must
 * never run on that thread.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { SweepStore } from './store.js';
import { acquireLease, leaseHolder } from './run-lock.js';
import { indexRuns } from './results-index.js';
import type { RunOutcome, RunTask } from './execute.js';
import type { PlannedRun } from './spec.js';

export type ExecuteOutcome = RunOutcome | { status: 'busy'; id: string; holder: string };

export interface ExecutorOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** A run lease not renewed for this long is taken over (default 30 s). */
  leaseStaleMs?: number;
}

export const DEFAULT_LEASE_STALE_MS = 30_000;

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export class RunExecutor {
  private readonly pool: Piscina<RunTask, RunOutcome>;
  readonly threads: number;
  private readonly staleMs: number;

  constructor(opts: ExecutorOptions = {}) {
    this.threads = Math.max(1, opts.threads ?? defaultWorkers());
    this.staleMs = opts.leaseStaleMs ?? DEFAULT_LEASE_STALE_MS;
    // Several runs share the cores: each keeps its native kernels to one thread. The native
    // addon reads this once per process with getenv, so it is set here, in the real environment,
    // before any worker loads it (as job-pool.ts does for child processes).
    process.env['GOODHART_NATIVE_THREADS'] ??= '1';
    this.pool = new Piscina<RunTask, RunOutcome>({
      filename: new URL('./pool-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: 60_000,
      env: { ...process.env, GOODHART_NATIVE_THREADS: process.env['GOODHART_NATIVE_THREADS'] },
    });
  }

  /** Trains (or resumes) one run unless it is finished or another live worker holds it. */
  async execute(root: string, run: Pick<PlannedRun, 'id' | 'dir' | 'input'>): Promise<ExecuteOutcome> {
    const store = new SweepStore(root);
    if (store.isFinished(run)) return { status: 'skipped', id: run.id };
    const lockPath = join(store.locksDir, `${run.id}.lock`);
    const lease = acquireLease(lockPath, { staleMs: this.staleMs });
    if (!lease) return { status: 'busy', id: run.id, holder: leaseHolder(lockPath)?.owner ?? 'unknown' };
    try {
      // It may have finished between the first look and taking the lease.
      if (store.isFinished(run)) return { status: 'skipped', id: run.id };
      const outcome = await this.pool.run({ root: store.root, run: { id: run.id, dir: run.dir, input: run.input }, worker: lease.owner });
      if (outcome.status === 'finished') await indexRuns(store.root, [{ id: run.id, dir: run.dir }]);
      return outcome;
    } finally {
      lease.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

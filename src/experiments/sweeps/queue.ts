/**
 * Sweeps across machines: the runs of a sweep become jobs on a BullMQ queue in Redis, and any
 * number of worker processes (`goodhart worker --redis URL`), on any machines that share the
 * results directory, take them. Failed jobs retry with exponential back-off. A worker that dies
 * mid-job (even by SIGKILL) stops renewing its job lock; BullMQ's stalled-job check hands the job
 * to another worker, which resumes the run from its last checkpoint. A job delivered twice does
 * no harm: a finished run (summary.json) is skipped, and a run is only trained under its lease.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { SweepStore } from './store.js';
import { RunExecutor, DEFAULT_LEASE_STALE_MS, type ExecuteOutcome } from './executor.js';
import { indexSweep } from './results-index.js';
import { ProgressBar } from '../../util/progress.js';
import type { PlannedRun, SweepPlan } from './spec.js';

export const DEFAULT_QUEUE = 'goodhart-runs';

export interface QueueJobData {
  /** The results root as the enqueuing machine sees it (workers may map it with --root). */
  root: string;
  sweepId: string;
  run: Pick<PlannedRun, 'id' | 'dir' | 'input'>;
}

export function connectRedis(url: string): Redis {
  // BullMQ's workers block on Redis; they need commands that wait for a reconnection instead of failing.
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** One job per run: a run already queued (or finished) is never queued twice. */
export function jobIdOf(runId: string): string {
  return `run-${runId}`;
}

export interface EnqueueOptions {
  queue?: string;
  /** Tries per job (default 8); failures wait 2^k × backoffMs before the next try. */
  attempts?: number;
  backoffMs?: number;
}

export interface EnqueueResult {
  sweepId: string;
  total: number;
  finished: number;
  enqueued: number;
  /** Failed earlier (all tries used) and queued again. */
  retried: number;
  /** Already waiting, delayed or active. */
  pending: number;
}

export async function enqueueSweep(url: string, root: string, plan: SweepPlan, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
  const store = new SweepStore(root);
  const record = store.writeSweep(plan);
  await indexSweep(store.root, record);
  const connection = connectRedis(url);
  const queue = new Queue<QueueJobData>(opts.queue ?? DEFAULT_QUEUE, { connection });
  const result: EnqueueResult = { sweepId: plan.id, total: plan.runs.length, finished: 0, enqueued: 0, retried: 0, pending: 0 };
  try {
    for (const run of plan.runs) {
      if (store.isFinished(run)) {
        result.finished += 1;
        continue;
      }
      const jobId = jobIdOf(run.id);
      const existing = await queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state === 'failed') {
          await existing.retry('failed');
          result.retried += 1;
          continue;
        }
        if (state !== 'completed' && state !== 'unknown') {
          result.pending += 1;
          continue;
        }
        // Completed but the run is not finished (its directory was removed): queue it again.
        await existing.remove();
      }
      await queue.add('run', { root: store.root, sweepId: plan.id, run: { id: run.id, dir: run.dir, input: run.input } }, {
        jobId,
        attempts: opts.attempts ?? 8,
        backoff: { type: 'exponential', delay: opts.backoffMs ?? 2000 },
        removeOnComplete: true,
        removeOnFail: false,
      });
      result.enqueued += 1;
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
  return result;
}

export interface WaitResult {
  finished: number;
  failed: { id: string; error: string }[];
}

/** Watches a queued sweep until every run is finished or has failed for good. */
export async function waitForSweep(url: string, root: string, plan: SweepPlan, opts: { queue?: string; progress?: boolean; pollMs?: number } = {}): Promise<WaitResult> {
  const store = new SweepStore(root);
  const connection = connectRedis(url);
  const queue = new Queue<QueueJobData>(opts.queue ?? DEFAULT_QUEUE, { connection });
  const start = plan.runs.filter((r) => store.isFinished(r)).length;
  const bar = opts.progress ? new ProgressBar({ total: plan.runs.length, label: plan.id, unit: 'runs', plainInterval: 30, start }) : null;
  try {
    for (;;) {
      const open = plan.runs.filter((r) => !store.isFinished(r));
      const failed: WaitResult['failed'] = [];
      for (const run of open) {
        const job = await queue.getJob(jobIdOf(run.id));
        if (job && (await job.getState()) === 'failed') failed.push({ id: run.id, error: job.failedReason });
      }
      const finished = plan.runs.length - open.length;
      bar?.update(finished, failed.length ? { failed: failed.length } : {});
      if (open.length === failed.length) return { finished, failed };
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 2000));
    }
  } finally {
    bar?.finish();
    await queue.close();
    connection.disconnect();
  }
}

export interface QueueWorkerOptions {
  url: string;
  queue?: string;
  /** Runs trained at once by this process (worker threads; default 1). */
  concurrency?: number;
  /** Results root on this machine (default: the root the job was enqueued with). */
  root?: string;
  /** BullMQ job lock: a worker silent for this long is presumed dead (default 30 s). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of dead workers (default lockDuration / 2). */
  stalledIntervalMs?: number;
  /** Run lease staleness (default: lockDurationMs). */
  leaseStaleMs?: number;
  onOutcome?: (job: Job<QueueJobData>, outcome: ExecuteOutcome) => void;
  onFailed?: (job: Job<QueueJobData> | undefined, err: Error) => void;
}

export interface QueueWorkerHandle {
  worker: Worker<QueueJobData, ExecuteOutcome>;
  /** True while no job is being processed. */
  idle(): boolean;
  /** Jobs waiting, delayed or active in the queue. */
  outstanding(): Promise<number>;
  close(force?: boolean): Promise<void>;
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const lockDuration = opts.lockDurationMs ?? DEFAULT_LEASE_STALE_MS;
  const executor = new RunExecutor({ threads: concurrency, leaseStaleMs: opts.leaseStaleMs ?? lockDuration });
  const connection = connectRedis(opts.url);
  const name = opts.queue ?? DEFAULT_QUEUE;
  const queue = new Queue<QueueJobData>(name, { connection });
  let active = 0;
  const worker = new Worker<QueueJobData, ExecuteOutcome>(
    name,
    async (job) => {
      active += 1;
      try {
        const root = opts.root ?? job.data.root;
        const outcome = await executor.execute(root, job.data.run);
        if (outcome.status === 'busy') throw new Error(`run ${outcome.id} is being trained by ${outcome.holder}; trying again later`);
        if (outcome.status === 'interrupted') throw new Error(`run ${outcome.id} was interrupted at iteration ${outcome.iteration}`);
        opts.onOutcome?.(job, outcome);
        return outcome;
      } finally {
        active -= 1;
      }
    },
    {
      connection,
      concurrency,
      lockDuration,
      stalledInterval: opts.stalledIntervalMs ?? Math.max(1000, Math.floor(lockDuration / 2)),
      // A job whose worker died is handed on, not failed: dying is not the run's fault.
      maxStalledCount: 20,
    },
  );
  worker.on('failed', (job, err) => opts.onFailed?.(job, err));
  await worker.waitUntilReady();
  return {
    worker,
    idle: () => active === 0,
    async outstanding() {
      const c = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
    async close(force = false) {
      await worker.close(force);
      await queue.close();
      await executor.close();
      connection.disconnect();
    },
  };
}

/**
 * The embedded default: a sweep's runs trained on this machine by a worker-thread pool, one worker
 * per core unless told otherwise, with one progress bar over the whole sweep. Finished runs are
 * skipped, interrupted ones resume from their last checkpoint, and a run another live process is
 * training (its lease is fresh) is waited for rather than trained twice.
 */
import { ProgressBar } from '../../util/progress.js';
import { SweepStore } from './store.js';
import { RunExecutor, type ExecuteOutcome } from './executor.js';
import { indexSweep } from './results-index.js';
import type { SweepPlan, PlannedRun } from './spec.js';

export interface EmbeddedOptions {
  workers?: number;
  progress?: boolean;
  /** Progress label (default: the sweep id). */
  label?: string;
  leaseStaleMs?: number;
  onRunDone?: (run: PlannedRun, outcome: ExecuteOutcome, done: number, total: number) => void;
}

export interface SweepResult {
  sweepId: string;
  total: number;
  /** Finished before this call. */
  alreadyFinished: number;
  /** Trained to the end by this call. */
  trained: number;
  /** Of those, resumed from a checkpoint. */
  resumed: number;
  failed: { id: string; error: string }[];
  seconds: number;
}

const BUSY_RETRY_MS = 2000;

export async function runSweepEmbedded(root: string, plan: SweepPlan, opts: EmbeddedOptions = {}): Promise<SweepResult> {
  const started = performance.now();
  const store = new SweepStore(root);
  const record = store.writeSweep(plan);
  await indexSweep(store.root, record);
  const pending = plan.runs.filter((r) => !store.isFinished(r));
  const alreadyFinished = plan.runs.length - pending.length;
  const result: SweepResult = { sweepId: plan.id, total: plan.runs.length, alreadyFinished, trained: 0, resumed: 0, failed: [], seconds: 0 };
  if (pending.length === 0) {
    result.seconds = (performance.now() - started) / 1000;
    return result;
  }
  const executor = new RunExecutor({ ...(opts.workers ? { threads: opts.workers } : {}), ...(opts.leaseStaleMs ? { leaseStaleMs: opts.leaseStaleMs } : {}) });
  const bar = opts.progress ? new ProgressBar({ total: plan.runs.length, label: opts.label ?? plan.id, unit: 'runs', plainInterval: 30, start: alreadyFinished }) : null;
  let done = alreadyFinished;
  const queue = [...pending];
  const lane = async () => {
    for (let run = queue.shift(); run; run = queue.shift()) {
      let outcome: ExecuteOutcome;
      try {
        outcome = await executor.execute(store.root, run);
      } catch (err) {
        result.failed.push({ id: run.id, error: (err as Error).message });
        done += 1;
        bar?.update(done, { failed: result.failed.length });
        continue;
      }
      if (outcome.status === 'busy') {
        // Someone else (a queue worker, another sweep) is training it: look again later.
        await new Promise((r) => setTimeout(r, BUSY_RETRY_MS));
        queue.push(run);
        continue;
      }
      if (outcome.status === 'interrupted') {
        result.failed.push({ id: run.id, error: `interrupted at iteration ${outcome.iteration}` });
      } else if (outcome.status === 'finished') {
        result.trained += 1;
        if (outcome.resumedFrom > 0) result.resumed += 1;
      }
      done += 1;
      bar?.update(done, result.failed.length ? { failed: result.failed.length } : {});
      opts.onRunDone?.(run, outcome, done, plan.runs.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(executor.threads, pending.length) }, lane));
  } finally {
    bar?.finish();
    await executor.close();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

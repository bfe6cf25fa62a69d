/**
 * One run of a sweep, as a worker thread executes it: skipped when finished, resumed from its last
 * checkpoint when interrupted, otherwise started afresh. The caller holds the run's lease.
 */
import { existsSync, rmSync } from 'node:fs';
import { train } from '../train.js';
import { RunDir } from '../run-store.js';
import { SweepStore } from './store.js';
import { withAssetPaths } from './spec.js';

export interface RunTask {
  root: string;
  run: { id: string; dir: string; input: Record<string, unknown> };
  /** Who trains it (the lease owner), for the completion log. */
  worker: string;
}

export type RunOutcome =
  | { status: 'skipped'; id: string }
  | { status: 'finished'; id: string; resumedFrom: number; seconds: number; trueReturn: number; proxyReturn: number }
  | { status: 'interrupted'; id: string; iteration: number };

export async function executeRun(task: RunTask): Promise<RunOutcome> {
  const store = new SweepStore(task.root);
  const dir = new RunDir(store.runPath(task.run));
  if (dir.isFinished()) return { status: 'skipped', id: task.run.id };
  const started = performance.now();
  let resumedFrom = 0;
  let result;
  if (dir.exists()) {
    resumedFrom = dir.latestCheckpoint() ?? 0;
    result = await train({ runDir: dir.path, resume: true });
  } else {
    // Left by a worker killed before config.json was written (e.g. while copying base policies):
    // nothing in it can be resumed, and the lease guarantees nobody else is writing it.
    if (existsSync(dir.path)) rmSync(dir.path, { recursive: true, force: true });
    result = await train({ runDir: dir.path, input: withAssetPaths(task.run.input) });
  }
  if (result.status === 'interrupted') return { status: 'interrupted', id: task.run.id, iteration: result.iteration };
  const seconds = (performance.now() - started) / 1000;
  store.recordCompletion({ run: task.run.id, dir: task.run.dir, worker: task.worker, resumedFrom, seconds, at: new Date().toISOString() });
  return { status: 'finished', id: task.run.id, resumedFrom, seconds, trueReturn: result.summary.trueReturn.mean, proxyReturn: result.summary.proxyReturn.mean };
}

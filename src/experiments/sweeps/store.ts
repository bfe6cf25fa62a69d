/**
 * The results root of sweeps (a directory, possibly on a shared filesystem):
 *   <root>/sweeps/<sweepId>/sweep.json   { id, name, createdAt, spec, runs: [{ id, dir, params }] }
 *   <root>/runs/<runId>/                 a normal run directory (config.json, metrics.jsonl, summary.json)
 *   <root>/index.sqlite                  the results index (results-index.ts)
 *   <root>/locks/<runId>.lock            who is training a run right now (run-lock.ts)
 *   <root>/completions.jsonl             one line per run finished (by whom, resumed from where)
 */
import { existsSync, readFileSync, readdirSync, appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWriteJson } from '../../util/fs.js';
import { RunDir } from '../run-store.js';
import type { ParamValue, PlannedRun, SweepPlan } from './spec.js';

export interface SweepRecordRun {
  id: string;
  dir: string;
  params: Record<string, ParamValue>;
}

export interface SweepRecord {
  id: string;
  name: string;
  createdAt: string;
  spec: unknown;
  runs: SweepRecordRun[];
}

export interface CompletionRecord {
  run: string;
  dir: string;
  worker: string;
  /** Checkpoint iteration the run was resumed from (0 for a fresh start). */
  resumedFrom: number;
  seconds: number;
  at: string;
}

export class SweepStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  sweepDir(id: string): string {
    return join(this.root, 'sweeps', id);
  }
  sweepPath(id: string): string {
    return join(this.sweepDir(id), 'sweep.json');
  }
  runPath(run: Pick<PlannedRun, 'dir'>): string {
    return resolve(this.root, run.dir);
  }
  runDir(run: Pick<PlannedRun, 'dir'>): RunDir {
    return new RunDir(this.runPath(run));
  }
  get indexPath(): string {
    return join(this.root, 'index.sqlite');
  }
  get locksDir(): string {
    return join(this.root, 'locks');
  }
  get completionsPath(): string {
    return join(this.root, 'completions.jsonl');
  }

  /** Writes sweep.json (atomically); a sweep written before keeps its creation time. */
  writeSweep(plan: SweepPlan): SweepRecord {
    const createdAt = existsSync(this.sweepPath(plan.id)) ? this.readSweep(plan.id).createdAt : new Date().toISOString();
    const record: SweepRecord = { id: plan.id, name: plan.name, createdAt, spec: plan.spec, runs: plan.runs.map(({ id, dir, params }) => ({ id, dir, params })) };
    atomicWriteJson(this.sweepPath(plan.id), record);
    return record;
  }

  readSweep(id: string): SweepRecord {
    const path = this.sweepPath(id);
    if (!existsSync(path)) {
      const known = this.listSweeps();
      throw new Error(`no sweep "${id}" under ${this.root}${known.length ? `; known: ${known.join(', ')}` : ''}`);
    }
    return JSON.parse(readFileSync(path, 'utf8')) as SweepRecord;
  }

  listSweeps(): string[] {
    const dir = join(this.root, 'sweeps');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((d) => existsSync(join(dir, d, 'sweep.json')))
      .sort();
  }

  isFinished(run: Pick<PlannedRun, 'dir'>): boolean {
    return this.runDir(run).isFinished();
  }

  /** One short line per finished run; appends of a single small line do not interleave. */
  recordCompletion(rec: CompletionRecord): void {
    mkdirSync(this.root, { recursive: true });
    appendFileSync(this.completionsPath, JSON.stringify(rec) + '\n');
  }

  readCompletions(): CompletionRecord[] {
    if (!existsSync(this.completionsPath)) return [];
    return readFileSync(this.completionsPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as CompletionRecord);
  }
}

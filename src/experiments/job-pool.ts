/**
 * Runs training jobs as child processes of the CLI, a few at a time (one per core by default):
 * the wasm backend is single-threaded, so processes are how a sweep uses every core. A job whose
 * run directory already holds a finished run is skipped; an unfinished one is resumed.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { RunDir } from './run-store.js';
import { cliEntry } from '../util/paths.js';

export interface TrainJob {
  /** Run directory. */
  out: string;
  /** The run's input (what `goodhart train --config` takes, with env, reward, seed, iterations). */
  input: Record<string, unknown>;
  /**
   * Another CLI command in place of `train` (e.g. ['rlhf', 'ppo', ...]); `--quiet --out DIR` are
   * appended. Such a run restarts from scratch when an unfinished directory is found.
   */
  argv?: string[];
}

export interface PoolOptions {
  jobs?: number;
  onProgress?: (finished: number, total: number, job: TrainJob) => void;
}

function runOne(job: TrainJob): Promise<void> {
  const dir = new RunDir(job.out);
  if (dir.isFinished()) return Promise.resolve();
  let args: string[];
  if (job.argv) {
    // Runs of other commands are short; an interrupted one is started again rather than resumed.
    if (existsSync(job.out)) rmSync(job.out, { recursive: true, force: true });
    mkdirSync(job.out, { recursive: true });
    args = [cliEntry(), ...job.argv, '--quiet', '--out', job.out];
  } else {
    mkdirSync(job.out, { recursive: true });
    args = [cliEntry(), 'train', '--quiet', '--out', job.out];
  }
  if (job.argv) {
    // The command line holds every setting.
  } else if (dir.exists()) args.push('--resume');
  else {
    const inputPath = join(job.out, 'input.json');
    writeFileSync(inputPath, JSON.stringify(job.input, null, 2));
    args.push('--config', inputPath);
  }
  return new Promise((resolve, reject) => {
    // Several jobs share the cores: each keeps its native kernels to one thread.
    const env = { ...process.env, GOODHART_NATIVE_THREADS: process.env['GOODHART_NATIVE_THREADS'] ?? '1' };
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`training job ${job.out} failed (${signal ?? `exit ${code}`}):\n${err}`));
    });
  });
}

/** Runs every job; resolves when all finished, rejects with the first failure after the others end. */
export async function runJobs(jobs: TrainJob[], opts: PoolOptions = {}): Promise<void> {
  const width = Math.max(1, opts.jobs ?? availableParallelism());
  let next = 0;
  let finished = 0;
  const failures: Error[] = [];
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      try {
        await runOne(job);
      } catch (e) {
        failures.push(e as Error);
      }
      finished += 1;
      opts.onProgress?.(finished, jobs.length, job);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  if (failures.length) throw failures[0];
}

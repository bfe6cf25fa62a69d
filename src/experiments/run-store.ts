/**
 * The run directory: config.json, metrics.jsonl (one object per iteration, proxy and true return
 * always present), checkpoints/iter-NNNNNN/ (written under a temporary name and renamed) and
 * summary.json once the run has finished. A finished run is never overwritten.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, appendFileSync, writeFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWriteDir, atomicWriteJson } from '../util/fs.js';
import type { RunConfig } from './run-config.js';

export class RunDir {
  readonly path: string;
  constructor(path: string) {
    this.path = resolve(path);
  }

  get configPath(): string {
    return join(this.path, 'config.json');
  }
  get metricsPath(): string {
    return join(this.path, 'metrics.jsonl');
  }
  get summaryPath(): string {
    return join(this.path, 'summary.json');
  }
  get checkpointsDir(): string {
    return join(this.path, 'checkpoints');
  }

  exists(): boolean {
    return existsSync(this.configPath);
  }

  isFinished(): boolean {
    return existsSync(this.summaryPath);
  }

  readConfig(): RunConfig {
    if (!this.exists()) throw new Error(`${this.path} is not a run directory (no config.json)`);
    const raw = JSON.parse(readFileSync(this.configPath, 'utf8')) as Partial<RunConfig>;
    // Runs written before ORPO existed have no algo fields: they are PPO runs.
    return { algo: 'ppo', basePolicies: [], orpo: null, ...raw } as RunConfig;
  }

  writeConfig(config: RunConfig): void {
    mkdirSync(this.path, { recursive: true });
    atomicWriteJson(this.configPath, config);
  }

  appendMetrics(row: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, JSON.stringify(row, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
  }

  readMetrics(): Record<string, unknown>[] {
    if (!existsSync(this.metricsPath)) return [];
    const rows: Record<string, unknown>[] = [];
    for (const line of readFileSync(this.metricsPath, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        rows.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // A line cut short by a crash is dropped; the iterations after the last checkpoint are redone anyway.
      }
    }
    return rows;
  }

  /** Keeps only metric rows of iterations up to `iteration` (those after a checkpoint are recomputed on resume). */
  truncateMetrics(iteration: number): void {
    const rows = this.readMetrics().filter((r) => typeof r['iteration'] === 'number' && (r['iteration'] as number) <= iteration);
    writeFileSync(this.metricsPath, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  checkpointPath(iteration: number): string {
    return join(this.checkpointsDir, `iter-${String(iteration).padStart(6, '0')}`);
  }

  /** Iterations of the complete checkpoints on disk, ascending. */
  listCheckpoints(): number[] {
    if (!existsSync(this.checkpointsDir)) return [];
    return readdirSync(this.checkpointsDir)
      .map((name) => /^iter-(\d+)$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null && statSync(join(this.checkpointsDir, m[0])).isDirectory())
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  latestCheckpoint(): number | null {
    const all = this.listCheckpoints();
    return all.length ? all[all.length - 1]! : null;
  }

  writeCheckpoint(iteration: number, fill: (dir: string) => void, keep: number): string {
    mkdirSync(this.checkpointsDir, { recursive: true });
    const path = this.checkpointPath(iteration);
    atomicWriteDir(path, fill);
    const all = this.listCheckpoints();
    for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(this.checkpointPath(old), { recursive: true, force: true });
    return path;
  }

  writeSummary(summary: Record<string, unknown>): void {
    atomicWriteJson(this.summaryPath, summary);
  }

  readSummary(): Record<string, unknown> {
    return JSON.parse(readFileSync(this.summaryPath, 'utf8')) as Record<string, unknown>;
  }
}

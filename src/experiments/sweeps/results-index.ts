/**
 * The results index, <root>/index.sqlite: every finished run with its config and summary metrics,
 * and every sweep with the swept parameters of its runs. SQLite through sql.js (WebAssembly, so
 * nothing is compiled at install time): the database is read whole, changed, and written back
 * atomically under a lease, so writers on several machines never lose each other's rows. The run
 * directories stay the source of truth; `syncIndex` re-adds anything missing.
 *
 * Tables:
 *   runs(id, dir, env, reward, algo, method, divergence, coeff, seed, iterations, proxy_return,
 *        proxy_return_se, true_return, true_return_se, episode_length, training_seconds,
 *        timesteps, finished_at, config JSON, summary JSON)
 *   sweeps(id, name, created_at, spec JSON)
 *   sweep_runs(sweep_id, run_id, dir, params JSON)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';
import { atomicWriteFile } from '../../util/fs.js';
import { RunDir } from '../run-store.js';
import type { RunConfig } from '../run-config.js';
import { SweepStore, type SweepRecord } from './store.js';
import { acquireLease } from './run-lock.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, dir TEXT NOT NULL, env TEXT, reward TEXT, algo TEXT, method TEXT, divergence TEXT,
  coeff REAL, seed INTEGER, iterations INTEGER, proxy_return REAL, proxy_return_se REAL, true_return REAL,
  true_return_se REAL, episode_length REAL, training_seconds REAL, timesteps INTEGER, finished_at TEXT,
  config TEXT NOT NULL, summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (id TEXT PRIMARY KEY, name TEXT, created_at TEXT, spec TEXT);
CREATE TABLE IF NOT EXISTS sweep_runs (sweep_id TEXT NOT NULL, run_id TEXT NOT NULL, dir TEXT, params TEXT, PRIMARY KEY (sweep_id, run_id));
`;

let sqlPromise: Promise<SqlJsStatic> | null = null;
function sql(): Promise<SqlJsStatic> {
  sqlPromise ??= initSqlJs();
  return sqlPromise;
}

async function openDb(path: string): Promise<Database> {
  const SQL = await sql();
  const db = existsSync(path) ? new SQL.Database(readFileSync(path)) : new SQL.Database();
  db.exec(SCHEMA);
  return db;
}

/** Opens the index read-only (a snapshot; later writes by others are not seen). */
export async function readIndex(root: string): Promise<Database> {
  return openDb(new SweepStore(root).indexPath);
}

const INDEX_LEASE_STALE_MS = 30_000;

/** Runs `change` on the index under its lease and writes the result back atomically. */
async function withIndex<T>(root: string, change: (db: Database) => T): Promise<T> {
  const store = new SweepStore(root);
  const lockPath = join(store.locksDir, 'index.lock');
  const deadline = Date.now() + 2 * INDEX_LEASE_STALE_MS;
  let lease = acquireLease(lockPath, { staleMs: INDEX_LEASE_STALE_MS });
  while (!lease) {
    if (Date.now() > deadline) throw new Error(`the results index ${store.indexPath} stayed locked (${lockPath})`);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
    lease = acquireLease(lockPath, { staleMs: INDEX_LEASE_STALE_MS });
  }
  try {
    const db = await openDb(store.indexPath);
    try {
      const result = change(db);
      atomicWriteFile(store.indexPath, db.export());
      return result;
    } finally {
      db.close();
    }
  } finally {
    lease.release();
  }
}

export interface MethodInfo {
  method: string;
  divergence: string | null;
  coeff: number | null;
}

/** The regulariser a run config describes, in the terms of sweep specs (coefficients as configured, before any scaling). */
export function methodOf(config: RunConfig): MethodInfo {
  const o = config.orpo;
  if (config.algo === 'ppo' || !o) return { method: 'ppo', divergence: null, coeff: null };
  const om = o.omDivergenceCoeffs.find((c) => c !== 0);
  if (om !== undefined) return { method: o.useActionForDisc ? 'orpo' : 'orpo-state', divergence: o.omDivergenceType[o.omDivergenceCoeffs.indexOf(om)] ?? null, coeff: om };
  if (o.actionDistDivergenceCoeff !== 0) return { method: 'ad', divergence: o.actionDistDivergenceType, coeff: o.actionDistDivergenceCoeff };
  return { method: 'none', divergence: null, coeff: 0 };
}

interface MeanSeLike {
  mean: number;
  se: number;
}

function upsertRun(db: Database, id: string, dirRel: string, dir: RunDir): boolean {
  if (!dir.isFinished()) return false;
  const config = dir.readConfig();
  const summary = dir.readSummary() as { proxyReturn: MeanSeLike; trueReturn: MeanSeLike; episodeLength?: MeanSeLike; trainingSeconds?: number; timesteps?: number; iterations?: number; finishedAt?: string };
  const m = methodOf(config);
  db.run(
    `INSERT OR REPLACE INTO runs (id, dir, env, reward, algo, method, divergence, coeff, seed, iterations, proxy_return, proxy_return_se, true_return, true_return_se, episode_length, training_seconds, timesteps, finished_at, config, summary)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id, dirRel, config.env, config.reward, config.algo, m.method, m.divergence, m.coeff, config.seed, summary.iterations ?? config.iterations,
      summary.proxyReturn.mean, summary.proxyReturn.se, summary.trueReturn.mean, summary.trueReturn.se, summary.episodeLength?.mean ?? null,
      summary.trainingSeconds ?? null, summary.timesteps ?? null, summary.finishedAt ?? null, JSON.stringify(config), JSON.stringify(summary),
    ],
  );
  return true;
}

function upsertSweep(db: Database, sweep: SweepRecord): void {
  db.run('INSERT OR REPLACE INTO sweeps (id, name, created_at, spec) VALUES (?, ?, ?, ?)', [sweep.id, sweep.name, sweep.createdAt, JSON.stringify(sweep.spec)]);
  for (const r of sweep.runs) db.run('INSERT OR REPLACE INTO sweep_runs (sweep_id, run_id, dir, params) VALUES (?, ?, ?, ?)', [sweep.id, r.id, r.dir, JSON.stringify(r.params)]);
}

/** Adds finished runs (given by id and directory relative to root); unfinished ones are left out. */
export async function indexRuns(root: string, runs: { id: string; dir: string }[]): Promise<number> {
  const store = new SweepStore(root);
  return withIndex(root, (db) => runs.filter((r) => upsertRun(db, r.id, r.dir, store.runDir(r))).length);
}

export async function indexSweep(root: string, sweep: SweepRecord): Promise<void> {
  await withIndex(root, (db) => upsertSweep(db, sweep));
}

/**
 * Brings the index up to date with the directory: every sweep.json and every finished run of a
 * sweep that is missing or changed. Returns how many runs were (re)indexed.
 */
export async function syncIndex(root: string): Promise<number> {
  const store = new SweepStore(root);
  return withIndex(root, (db) => {
    const known = new Map<string, string>();
    const stmt = db.prepare('SELECT id, finished_at FROM runs');
    while (stmt.step()) {
      const row = stmt.getAsObject() as { id: string; finished_at: string | null };
      known.set(row.id, row.finished_at ?? '');
    }
    stmt.free();
    let added = 0;
    for (const id of store.listSweeps()) {
      const sweep = store.readSweep(id);
      upsertSweep(db, sweep);
      for (const r of sweep.runs) {
        const dir = store.runDir(r);
        if (!dir.isFinished()) continue;
        const finishedAt = (dir.readSummary()['finishedAt'] as string | undefined) ?? '';
        if (known.get(r.id) === finishedAt) continue;
        if (upsertRun(db, r.id, r.dir, dir)) added += 1;
      }
    }
    return added;
  });
}

/** Rows of a query as plain objects. */
export function queryAll(db: Database, sqlText: string, params: (string | number | null)[] = []): Record<string, unknown>[] {
  const stmt = db.prepare(sqlText);
  try {
    stmt.bind(params);
    const rows: Record<string, unknown>[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject() as Record<string, unknown>);
    return rows;
  } finally {
    stmt.free();
  }
}

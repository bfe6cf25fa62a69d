/**
 * Querying the results index: one flat record per finished run (its index columns plus, within a
 * sweep, the sweep's parameters), filters (`k=v`), and groups with the mean ± standard error over
 * their runs (usually the seeds), printed as a table or exported as CSV.
 */
import { existsSync } from 'node:fs';
import { meanSe, formatMeanSe, type MeanSe } from '../../util/stats.js';
import { ConfigError } from '../../util/validate.js';
import { readIndex, syncIndex, queryAll } from './results-index.js';
import type { ParamValue } from './spec.js';

export type ResultRecord = Record<string, ParamValue>;

/** The index columns kept in records (config and summary JSON stay in the index). */
const COLUMNS = ['id', 'dir', 'env', 'reward', 'algo', 'method', 'divergence', 'coeff', 'seed', 'iterations', 'proxy_return', 'proxy_return_se', 'true_return', 'true_return_se', 'episode_length', 'training_seconds', 'timesteps', 'finished_at'];

export const METRICS = ['true_return', 'proxy_return'] as const;

/** Finished runs, all of them or those of one sweep; the index is brought up to date first. */
export async function loadResultRecords(root: string, opts: { sweep?: string } = {}): Promise<ResultRecord[]> {
  if (!existsSync(root)) throw new ConfigError(`--root: results directory "${root}" does not exist`);
  await syncIndex(root);
  const db = await readIndex(root);
  try {
    if (opts.sweep !== undefined) {
      const known = queryAll(db, 'SELECT id FROM sweeps').map((r) => String(r['id']));
      if (!known.includes(opts.sweep)) throw new ConfigError(`--sweep: no sweep "${opts.sweep}" in ${root}; known: ${known.join(', ') || 'none'}`);
      const rows = queryAll(db, `SELECT ${COLUMNS.map((c) => 'r.' + c).join(', ')}, s.params AS params FROM sweep_runs s JOIN runs r ON r.id = s.run_id WHERE s.sweep_id = ? ORDER BY r.id`, [opts.sweep]);
      return rows.map(({ params, ...cols }) => ({ ...(cols as ResultRecord), ...(JSON.parse(String(params ?? '{}')) as ResultRecord) }));
    }
    return queryAll(db, `SELECT ${COLUMNS.join(', ')} FROM runs ORDER BY id`) as ResultRecord[];
  } finally {
    db.close();
  }
}

/** `k=v` filters; a value matches when it is equal as text or as a number. */
export function parseWhere(items: readonly string[]): [string, string][] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--where: expected key=value, got "${item}"`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

function matches(v: ParamValue | undefined, want: string): boolean {
  if (v === undefined) return false;
  if (v === null) return want === 'null' || want === '';
  if (String(v) === want) return true;
  return typeof v === 'number' && want.trim() !== '' && Number(want) === v;
}

export function filterRecords(records: readonly ResultRecord[], where: readonly [string, string][]): ResultRecord[] {
  if (where.length && records.length) {
    const keys = new Set(records.flatMap((r) => Object.keys(r)));
    for (const [k] of where) if (!keys.has(k)) throw new ConfigError(`--where: no field "${k}"; fields: ${[...keys].sort().join(', ')}`);
  }
  return records.filter((r) => where.every(([k, v]) => matches(r[k], v)));
}

export interface ResultGroup {
  key: Record<string, ParamValue>;
  /** Runs in the group. */
  n: number;
  trueReturn: MeanSe;
  proxyReturn: MeanSe;
  runs: string[];
}

/** The fields results are grouped by when none are named: what identifies a configuration, not a seed. */
export function defaultGroupBy(records: readonly ResultRecord[]): string[] {
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  const preferred = ['env', 'reward', 'method', 'divergence', 'coeff'];
  const sweepKeys = [...keys].filter((k) => !COLUMNS.includes(k) && k !== 'seed');
  return [...preferred.filter((k) => keys.has(k)), ...sweepKeys.sort()];
}

function compareValues(a: ParamValue | undefined, b: ParamValue | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** Groups runs by the given fields; each group's metrics are the mean ± standard error over its runs' evaluation means. */
export function groupRecords(records: readonly ResultRecord[], groupBy: readonly string[]): ResultGroup[] {
  const groups = new Map<string, ResultRecord[]>();
  for (const r of records) {
    const key = JSON.stringify(groupBy.map((k) => r[k] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const metric = (rs: ResultRecord[], k: string) => meanSe(rs.map((r) => r[k]).filter((v): v is number => typeof v === 'number'));
  return [...groups.values()]
    .map((rs) => ({
      key: Object.fromEntries(groupBy.map((k) => [k, rs[0]![k] ?? null])),
      n: rs.length,
      trueReturn: metric(rs, 'true_return'),
      proxyReturn: metric(rs, 'proxy_return'),
      runs: rs.map((r) => String(r['id'])),
    }))
    .sort((a, b) => {
      for (const k of groupBy) {
        const c = compareValues(a.key[k], b.key[k]);
        if (c !== 0) return c;
      }
      return 0;
    });
}

function show(v: ParamValue | undefined): string {
  return v === null || v === undefined ? '-' : String(v);
}

export function formatResultsTable(groups: readonly ResultGroup[], groupBy: readonly string[]): string {
  const header = [...groupBy, 'runs', 'true return', 'proxy return'];
  const body = groups.map((g) => [...groupBy.map((k) => show(g.key[k])), String(g.n), formatMeanSe(g.trueReturn), formatMeanSe(g.proxyReturn)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function resultsCsv(groups: readonly ResultGroup[], groupBy: readonly string[]): string {
  const header = [...groupBy, 'n', 'true_return_mean', 'true_return_se', 'proxy_return_mean', 'proxy_return_se'];
  const rows = groups.map((g) => [...groupBy.map((k) => (g.key[k] === null || g.key[k] === undefined ? '' : String(g.key[k]))), String(g.n), String(g.trueReturn.mean), String(g.trueReturn.se), String(g.proxyReturn.mean), String(g.proxyReturn.se)]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/**
 * `goodhart report SWEEP`: the paper-style figures of a sweep (true and proxy return against the
 * regularisation coefficient, one line per method and divergence, one figure per environment;
 * unregularised runs as reference lines), as SVG and PNG, plus an HTML page with the figures and
 * the table of mean ± standard error over seeds, and that table as CSV.
 */
import { join } from 'node:path';
import { atomicWriteFile } from '../../util/fs.js';
import { renderPng, renderSvg, escapeXml, type ChartSpec, type Series, type HLine } from '../../util/plot/index.js';
import { formatMeanSe } from '../../util/stats.js';
import { SweepStore } from './store.js';
import { loadResultRecords, groupRecords, defaultGroupBy, resultsCsv, type ResultRecord } from './results.js';

export type ReportMetric = 'true_return' | 'proxy_return';

const METRIC_LABEL: Record<ReportMetric, string> = { true_return: 'true return', proxy_return: 'proxy return' };

/** Methods drawn as reference lines: they have no coefficient. */
const REFERENCE_METHODS = ['ppo', 'none'];

function seriesLabel(r: ResultRecord): string {
  return [r['method'], r['divergence']].filter((v) => v !== null && v !== undefined).join(' ');
}

/** The figure of one environment and metric, or null when the sweep has nothing to draw there. */
export function coefficientChart(records: readonly ResultRecord[], env: string, metric: ReportMetric): ChartSpec | null {
  const mine = records.filter((r) => r['env'] === env);
  const swept = mine.filter((r) => typeof r['coeff'] === 'number' && !REFERENCE_METHODS.includes(String(r['method'])));
  const series: Series[] = [];
  const byLabel = new Map<string, ResultRecord[]>();
  for (const r of swept) byLabel.set(seriesLabel(r), [...(byLabel.get(seriesLabel(r)) ?? []), r]);
  const key = metric === 'true_return' ? 'trueReturn' : 'proxyReturn';
  for (const [label, rs] of [...byLabel.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const groups = groupRecords(rs, ['coeff']);
    series.push({ label, x: groups.map((g) => g.key['coeff'] as number), y: groups.map((g) => g[key].mean), yErr: groups.map((g) => g[key].se), markers: true });
  }
  const hlines: HLine[] = [];
  for (const g of groupRecords(mine.filter((r) => REFERENCE_METHODS.includes(String(r['method'] ?? 'ppo')) || r['coeff'] === null), ['method', 'reward'])) {
    const name = g.key['method'] === 'none' ? 'no regularisation' : `PPO on ${String(g.key['reward'] ?? '')} reward`;
    hlines.push({ label: name, y: g[key].mean, yErr: g[key].se, dashed: g.key['reward'] !== 'true' });
  }
  if (!series.length && !hlines.length) return null;
  const xs = series.flatMap((s) => s.x);
  const log = xs.length > 0 && xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 20;
  return {
    title: `${env}: ${METRIC_LABEL[metric]} against coefficient`,
    xLabel: log ? 'coefficient (log scale)' : 'coefficient',
    yLabel: METRIC_LABEL[metric],
    xScale: log ? 'log' : 'linear',
    series,
    hlines,
  };
}

export interface ReportResult {
  outDir: string;
  files: string[];
  runs: number;
  planned: number;
}

export async function writeSweepReport(root: string, sweepId: string, opts: { outDir?: string } = {}): Promise<ReportResult> {
  const store = new SweepStore(root);
  const sweep = store.readSweep(sweepId);
  const records = await loadResultRecords(root, { sweep: sweepId });
  const outDir = opts.outDir ?? join(store.sweepDir(sweepId), 'report');
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    const path = join(outDir, name);
    atomicWriteFile(path, data);
    files.push(path);
    return name;
  };
  const envs = [...new Set(records.map((r) => String(r['env'])))].sort();
  const figures: { env: string; metric: ReportMetric; svg: string; png: string }[] = [];
  for (const env of envs) {
    for (const metric of ['true_return', 'proxy_return'] as const) {
      const chart = coefficientChart(records, env, metric);
      if (!chart) continue;
      const base = `${env}-${metric.replace('_', '-')}`.replace(/[^\w.-]/g, '_');
      figures.push({ env, metric, svg: write(`${base}.svg`, renderSvg(chart)), png: write(`${base}.png`, renderPng(chart, { scale: 2 })) });
    }
  }
  const groupBy = defaultGroupBy(records);
  const groups = groupRecords(records, groupBy);
  write('results.csv', resultsCsv(groups, groupBy));
  const esc = (s: string) => escapeXml(s);
  const table = [
    '<table>',
    `<tr>${[...groupBy, 'runs', 'true return', 'proxy return'].map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`,
    ...groups.map((g) => `<tr>${[...groupBy.map((k) => (g.key[k] === null ? '-' : String(g.key[k]))), String(g.n), formatMeanSe(g.trueReturn), formatMeanSe(g.proxyReturn)].map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(sweep.name)}: sweep report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}figure{margin:1em 0}img{max-width:100%}</style></head>
<body>
<h1>Sweep ${esc(sweep.name)}</h1>
<p>Sweep <code>${esc(sweep.id)}</code>, created ${esc(sweep.createdAt)}: ${records.length} of ${sweep.runs.length} runs finished. Values are the mean &plusmn; standard error over runs (seeds) of each run's evaluation mean.</p>
${envs
  .map(
    (env) => `<h2>${esc(env)}</h2>
${figures
  .filter((f) => f.env === env)
  .map((f) => `<figure><img src="${esc(f.svg)}" alt="${esc(`${env}: ${METRIC_LABEL[f.metric]} against coefficient`)}"><figcaption>${esc(METRIC_LABEL[f.metric])} against coefficient (<a href="${esc(f.png)}">PNG</a>)</figcaption></figure>`)
  .join('\n')}`,
  )
  .join('\n')}
<h2>All results</h2>
${table}
<p><a href="results.csv">results.csv</a></p>
</body></html>
`;
  write('report.html', html);
  return { outDir, files, runs: records.length, planned: sweep.runs.length };
}

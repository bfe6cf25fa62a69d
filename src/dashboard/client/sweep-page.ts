/**
 * Sweeps: the list, and one sweep's paper-style figures — true and proxy return against the
 * coefficient, one line per method, mean ± standard error over seeds — with filters on the
 * other swept axes, series toggles, a choice of x axis and grouping, and the runs behind them.
 */
import { getJson } from './api.js';
import { h, clear, fmt, select } from './dom.js';
import { LineChart, PALETTE, type ChartSpec, type RefLine, type Series } from './chart.js';
import { runLink } from './runs-page.js';
import type { SweepDetail, SweepInfo, SweepRun } from './api-types.js';

type Value = string | number | boolean;

export async function showSweeps(app: HTMLElement): Promise<void> {
  const data = await getJson<{ sweeps: SweepInfo[]; broken: { id: string; error: string }[] }>('/api/sweeps');
  clear(app);
  app.appendChild(h('h1', {}, 'Sweeps'));
  if (!data.sweeps.length) app.appendChild(h('p', { class: 'muted' }, 'No sweeps: a sweep is <runs>/sweeps/<id>/sweep.json (written by goodhart sweep).'));
  const body = h('tbody');
  for (const sw of data.sweeps) {
    const axes = Object.entries(sw.axes)
      .map(([k, v]) => `${k} (${v.length})`)
      .join(', ');
    body.appendChild(h('tr', { 'data-sweep': sw.id }, h('td', {}, h('a', { href: `#/sweep/${encodeURIComponent(sw.id)}`, class: 'sweep-link' }, sw.name)), h('td', {}, sw.id), h('td', {}, sw.createdAt ?? '-'), h('td', { class: 'num' }, sw.runs), h('td', {}, axes)));
  }
  if (data.sweeps.length) app.appendChild(h('table', { id: 'sweeps-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'id'), h('th', {}, 'created'), h('th', { class: 'num' }, 'runs'), h('th', {}, 'axes'))), body));
  for (const b of data.broken) app.appendChild(h('p', { class: 'error' }, `sweeps/${b.id}/sweep.json: ${b.error}`));
}

interface Agg {
  mean: number;
  se: number | null;
  n: number;
}

export function meanSe(values: number[]): Agg | null {
  if (!values.length) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, se: null, n: 1 };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, se: Math.sqrt(variance / values.length), n: values.length };
}

const SEED_AXES = new Set(['seed', 'seeds']);

/** The line a run belongs to: the values of the grouping axes ('a+b' groups by both), skipping absent ones. */
export function groupKey(r: SweepRun, group: string): string {
  if (!group) return 'all';
  const parts = group
    .split('+')
    .map((k) => r.params[k])
    .filter((v) => v !== undefined && v !== null)
    .map(String);
  return parts.length ? parts.join(' ') : '-';
}

interface View {
  x: string;
  group: string;
  filters: Record<string, string>;
  hiddenGroups: Set<string>;
  logX: boolean;
}

function figure(runs: SweepRun[], view: View, metric: 'true' | 'proxy', groups: string[]): ChartSpec {
  const series: Series[] = [];
  const refLines: RefLine[] = [];
  groups.forEach((g, gi) => {
    if (view.hiddenGroups.has(g)) return;
    const color = PALETTE[gi % PALETTE.length]!;
    const mine = runs.filter((r) => groupKey(r, view.group) === g);
    const byX = new Map<number | null, number[]>();
    for (const r of mine) {
      const v = r[metric];
      if (v === null) continue;
      const xv = r.params[view.x];
      const x = typeof xv === 'number' ? xv : null;
      if (!byX.has(x)) byX.set(x, []);
      byX.get(x)!.push(v);
    }
    const xs = [...byX.keys()].filter((x): x is number => x !== null && (!view.logX || x > 0)).sort((a, b) => a - b);
    if (xs.length) {
      const aggs = xs.map((x) => meanSe(byX.get(x)!)!);
      series.push({ label: g, x: xs, y: aggs.map((a) => a.mean), err: aggs.map((a) => a.se), color, markers: true });
    } else {
      // A method with no usable coefficient (unregularised, or 0 on a log axis): a reference line, as in the paper.
      const all = [...byX.values()].flat();
      const a = meanSe(all);
      if (a) refLines.push({ label: g, y: a.mean, err: a.se, color });
    }
  });
  return {
    id: `chart-sweep-${metric}`,
    title: `${metric === 'true' ? 'True' : 'Proxy'} return against ${view.x}`,
    xLabel: view.x,
    yLabel: `${metric} return (mean ± s.e. over seeds)`,
    series,
    refLines,
    logX: view.logX,
    empty: 'no finished runs match the filters',
  };
}

export async function showSweep(app: HTMLElement, id: string): Promise<void> {
  const sweep = await getJson<SweepDetail>('/api/sweep', { id });
  clear(app);
  app.appendChild(h('p', {}, h('a', { href: '#/sweeps' }, '← all sweeps')));
  app.appendChild(h('h1', {}, sweep.name, ' ', h('span', { class: 'muted' }, `(${sweep.id}, ${sweep.runs.length} runs${sweep.createdAt ? `, created ${sweep.createdAt}` : ''})`)));
  const axes = sweep.axes;
  const axisNames = Object.keys(axes);
  const numeric = axisNames.filter((k) => axes[k]!.every((v) => typeof v === 'number') && !SEED_AXES.has(k));
  const categorical = axisNames.filter((k) => !SEED_AXES.has(k));
  // `goodhart sweep` keeps the divergence apart from the method; a line per (method, divergence) is the paper's figure.
  const groupChoices = [...categorical.filter((k) => k !== 'coeff')];
  if (categorical.includes('method') && categorical.includes('divergence')) groupChoices.unshift('method+divergence');
  const view: View = {
    x: numeric.includes('coeff') ? 'coeff' : (numeric[0] ?? ''),
    group: groupChoices.includes('method+divergence') ? 'method+divergence' : categorical.includes('method') ? 'method' : (categorical.find((k) => !numeric.includes(k)) ?? ''),
    filters: {},
    hiddenGroups: new Set(),
    logX: false,
  };
  const positiveX = () => sweep.runs.some((r) => typeof r.params[view.x] === 'number' && (r.params[view.x] as number) > 0);
  view.logX = positiveX();
  // Axes other than x, grouping and seed narrow the runs; start on the first value so environments are not mixed.
  const filterAxes = () => categorical.filter((k) => k !== view.x && !view.group.split('+').includes(k) && axes[k]!.length > 1);
  for (const k of filterAxes()) view.filters[k] = String(axes[k]![0]);

  const controls = h('div', { class: 'filters', id: 'sweep-controls' });
  const seriesBox = h('div', { class: 'filters', id: 'sweep-series' });
  const charts = h('div', { class: 'charts' });
  const tableBody = h('tbody');
  const tableHead = h('tr');
  app.append(controls, seriesBox, charts);
  app.appendChild(h('h2', {}, 'Runs'));
  app.appendChild(h('table', { id: 'sweep-runs' }, h('thead', {}, tableHead), tableBody));
  const trueChart = new LineChart(figure([], view, 'true', []));
  const proxyChart = new LineChart(figure([], view, 'proxy', []));
  charts.append(trueChart.el, proxyChart.el);

  const selectedRuns = () => sweep.runs.filter((r) => Object.entries(view.filters).every(([k, v]) => v === '' || String(r.params[k]) === v));
  const groupsOf = (runs: SweepRun[]) => [...new Set(runs.map((r) => groupKey(r, view.group)))].sort();

  const draw = () => {
    const runs = selectedRuns();
    const groups = groupsOf(sweep.runs);
    clear(seriesBox);
    seriesBox.appendChild(h('span', { class: 'muted' }, view.group ? `${view.group}:` : 'series:'));
    groups.forEach((g, gi) => {
      const cb = h('input', { type: 'checkbox', 'data-group': g });
      cb.checked = !view.hiddenGroups.has(g);
      cb.addEventListener('change', () => {
        if (cb.checked) view.hiddenGroups.delete(g);
        else view.hiddenGroups.add(g);
        draw();
      });
      const sw = h('span', { class: 'swatch' });
      sw.style.background = PALETTE[gi % PALETTE.length]!;
      seriesBox.appendChild(h('label', {}, cb, sw, g));
    });
    trueChart.update(figure(runs, view, 'true', groups));
    proxyChart.update(figure(runs, view, 'proxy', groups));
    clear(tableHead);
    for (const k of [...axisNames, 'status', 'proxy', 'true']) tableHead.appendChild(h('th', { class: k === 'proxy' || k === 'true' ? 'num' : '' }, k));
    clear(tableBody);
    for (const r of runs) {
      const cells = axisNames.map((k) => h('td', {}, r.params[k] === undefined || r.params[k] === null ? '-' : String(r.params[k])));
      const status = r.runId ? h('a', { href: runLink(r.runId) }, r.status) : h('span', { class: 'status status-missing' }, r.status);
      tableBody.appendChild(h('tr', { 'data-sweep-run': r.id }, ...cells, h('td', {}, status), h('td', { class: 'num' }, fmt(r.proxy)), h('td', { class: 'num' }, `${fmt(r.true)}${r.final || r.true === null ? '' : ' (training)'}`)));
    }
  };

  const drawControls = () => {
    clear(controls);
    const axisOpts = (names: string[], none?: string) => [...(none !== undefined ? [{ value: '', label: none }] : []), ...names.map((n) => ({ value: n, label: n }))];
    if (numeric.length > 1)
      controls.appendChild(
        h(
          'label',
          {},
          'x axis ',
          select('sweep-x', axisOpts(numeric), view.x, (v) => {
            view.x = v;
            view.logX = positiveX();
            resetFilters();
          }),
        ),
      );
    controls.appendChild(
      h(
        'label',
        {},
        'lines by ',
        select('sweep-group', axisOpts(groupChoices.filter((k) => k !== view.x), 'nothing'), view.group, (v) => {
          view.group = v;
          view.hiddenGroups.clear();
          resetFilters();
        }),
      ),
    );
    for (const k of filterAxes()) {
      const values = axes[k]!.map((v: Value) => String(v));
      controls.appendChild(
        h(
          'label',
          {},
          `${k} `,
          select(`sweep-filter-${k}`, [{ value: '', label: 'all' }, ...values.map((v) => ({ value: v, label: v }))], view.filters[k] ?? '', (v) => {
            view.filters[k] = v;
            draw();
          }),
        ),
      );
    }
    const log = h('input', { type: 'checkbox', id: 'sweep-logx' });
    log.checked = view.logX;
    log.addEventListener('change', () => {
      view.logX = log.checked;
      draw();
    });
    controls.appendChild(h('label', {}, log, 'log x'));
  };
  const resetFilters = () => {
    const keep = view.filters;
    view.filters = {};
    for (const k of filterAxes()) view.filters[k] = keep[k] ?? String(axes[k]![0]);
    drawControls();
    draw();
  };
  drawControls();
  draw();
}

/** The run list: filters by environment, algorithm, method, reward and free text; sorting by any column. */
import { getJson } from './api.js';
import { h, clear, fmt, fmtParam, select } from './dom.js';
import type { RunInfo } from './api-types.js';

interface Column {
  key: string;
  label: string;
  num?: boolean;
  value: (r: RunInfo) => string | number | null;
  cell?: (r: RunInfo) => Node | string;
}

/** A run whose proxy return exceeds its true return by more than this is flagged as hacking. */
export const HACK_GAP = 1;

const gapOf = (r: RunInfo): number | null => {
  const p = r.finalProxy ?? r.lastProxy;
  const t = r.finalTrue ?? r.lastTrue;
  return p !== null && t !== null ? p - t : null;
};

export const runLink = (id: string): string => `#/run/${encodeURIComponent(id)}`;

const COLUMNS: Column[] = [
  { key: 'id', label: 'run', value: (r) => r.id, cell: (r) => h('a', { href: runLink(r.id), class: 'run-link' }, r.id) },
  { key: 'env', label: 'env', value: (r) => r.env },
  { key: 'method', label: 'method', value: (r) => r.method },
  { key: 'coeff', label: 'coeff', num: true, value: (r) => r.coeff, cell: (r) => fmtParam(r.coeff) },
  { key: 'reward', label: 'trained on', value: (r) => r.reward },
  { key: 'seed', label: 'seed', num: true, value: (r) => r.seed, cell: (r) => (r.seed === null ? '-' : String(r.seed)) },
  { key: 'iteration', label: 'iterations', num: true, value: (r) => r.iteration, cell: (r) => `${r.iteration}${r.iterations !== null ? ` / ${r.iterations}` : ''}` },
  { key: 'status', label: 'status', value: (r) => r.status, cell: (r) => h('span', { class: `status status-${r.status}` }, r.status) },
  { key: 'proxy', label: 'proxy return', num: true, value: (r) => r.finalProxy ?? r.lastProxy, cell: (r) => fmt(r.finalProxy ?? r.lastProxy) },
  { key: 'true', label: 'true return', num: true, value: (r) => r.finalTrue ?? r.lastTrue, cell: (r) => fmt(r.finalTrue ?? r.lastTrue) },
  {
    key: 'gap',
    label: 'gap',
    num: true,
    value: gapOf,
    cell: (r) => {
      const g = gapOf(r);
      return h('span', { class: g !== null && g > HACK_GAP ? 'hacked' : '' }, fmt(g));
    },
  },
  { key: 'updatedAt', label: 'updated', value: (r) => r.updatedAt, cell: (r) => (r.updatedAt ? r.updatedAt.replace('T', ' ').slice(0, 19) : '-') },
];

export interface RunFilters {
  env: string;
  algo: string;
  method: string;
  reward: string;
  text: string;
  sort: string;
  desc: boolean;
}

export function filterRuns(runs: RunInfo[], f: RunFilters): RunInfo[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  const out = runs.filter((r) => {
    if (f.env && r.env !== f.env) return false;
    if (f.algo && r.algo !== f.algo) return false;
    if (f.method && r.method !== f.method) return false;
    if (f.reward && r.reward !== f.reward) return false;
    const hay = `${r.id} ${r.env ?? ''} ${r.method} ${r.reward ?? ''} ${r.status}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const col = COLUMNS.find((c) => c.key === f.sort) ?? COLUMNS[0]!;
  const sign = f.desc ? -1 : 1;
  return out.sort((a, b) => {
    const va = col.value(a);
    const vb = col.value(b);
    if (va === null && vb === null) return 0;
    if (va === null) return 1; // missing values last whatever the direction
    if (vb === null) return -1;
    return sign * (typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true }));
  });
}

const state: RunFilters = { env: '', algo: '', method: '', reward: '', text: '', sort: 'id', desc: false };

/** While some run trains, the list refreshes itself this often (ms). */
const REFRESH_MS = 5000;

export async function showRuns(app: HTMLElement, onLeave: (f: () => void) => void): Promise<void> {
  const data = await getJson<{ root: string; runs: RunInfo[] }>('/api/runs');
  const rootLabel = document.getElementById('root-path');
  if (rootLabel) rootLabel.textContent = data.root;
  clear(app);
  const distinct = (f: (r: RunInfo) => string | null) => [...new Set(data.runs.map(f).filter((v): v is string => v !== null))].sort();
  const opts = (values: string[], all: string) => [{ value: '', label: all }, ...values.map((v) => ({ value: v, label: v }))];
  const count = h('span', { class: 'muted', id: 'run-count' });
  const body = h('tbody');
  const head = h('tr');
  const draw = () => {
    const rows = filterRuns(data.runs, state);
    count.textContent = `${rows.length} of ${data.runs.length} runs`;
    clear(body);
    for (const r of rows) body.appendChild(h('tr', { 'data-run': r.id }, ...COLUMNS.map((c) => h('td', { class: c.num ? 'num' : c.key === 'id' ? 'id' : 'nowrap' }, c.cell ? c.cell(r) : (c.value(r) ?? '-')))));
    if (!rows.length) body.appendChild(h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'muted' }, data.runs.length ? 'no run matches the filters' : 'no runs under this directory yet')));
    for (const th of head.children) {
      const key = (th as HTMLElement).dataset['key'];
      th.classList.toggle('sorted-asc', key === state.sort && !state.desc);
      th.classList.toggle('sorted-desc', key === state.sort && state.desc);
    }
  };
  for (const c of COLUMNS) {
    const th = h('th', { class: `sortable${c.num ? ' num' : ''}`, 'data-key': c.key, title: 'sort' }, c.label);
    th.addEventListener('click', () => {
      state.desc = state.sort === c.key ? !state.desc : false;
      state.sort = c.key;
      draw();
    });
    head.appendChild(th);
  }
  const search = h('input', { type: 'search', id: 'filter-text', placeholder: 'search runs…', value: state.text });
  search.addEventListener('input', () => {
    state.text = search.value;
    draw();
  });
  const bind = (key: 'env' | 'algo' | 'method' | 'reward') => (v: string) => {
    state[key] = v;
    draw();
  };
  app.appendChild(h('h1', {}, 'Runs'));
  app.appendChild(
    h(
      'div',
      { class: 'filters' },
      h('label', {}, 'env', select('filter-env', opts(distinct((r) => r.env), 'all'), state.env, bind('env'))),
      h('label', {}, 'algo', select('filter-algo', opts(distinct((r) => r.algo), 'all'), state.algo, bind('algo'))),
      h('label', {}, 'method', select('filter-method', opts(distinct((r) => r.method), 'all'), state.method, bind('method'))),
      h('label', {}, 'trained on', select('filter-reward', opts(distinct((r) => r.reward), 'any reward'), state.reward, bind('reward'))),
      search,
      count,
    ),
  );
  app.appendChild(h('table', { id: 'runs-table' }, h('thead', {}, head), body));
  draw();
  if (data.runs.some((r) => r.status === 'training')) {
    const timer = window.setInterval(() => {
      getJson<{ root: string; runs: RunInfo[] }>('/api/runs')
        .then((fresh) => {
          data.runs = fresh.runs;
          draw();
        })
        .catch(() => undefined); // a missed refresh is retried at the next tick
    }, REFRESH_MS);
    onLeave(() => window.clearInterval(timer));
  }
}

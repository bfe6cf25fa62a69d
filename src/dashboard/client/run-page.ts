/**
 * One run: proxy and true return over training with the gap shaded, losses, KL/χ² estimates,
 * any other logged metric, the config and summary, an episode replay, RLHF samples and saliency
 * maps when present. While the run trains, new metrics rows arrive over Server-Sent Events.
 */
import { getJson } from './api.js';
import { h, clear, fmt, fmtParam, select } from './dom.js';
import { LineChart, PALETTE, metricSeries, type ChartSpec } from './chart.js';
import { replaySection } from './replay.js';
import { samplesSection } from './samples.js';
import type { RunDetail } from './api-types.js';

type Row = Record<string, unknown>;

const PROXY_COLOR = '#d9480f';
const TRUE_COLOR = '#1971c2';
const GAP_COLOR = 'rgba(217, 72, 15, 0.16)';

const isLoss = (k: string) => /loss/i.test(k);
/** KL and χ² estimates (policy KL, occupancy-measure and action-distribution divergences), not the KL coefficient. */
const isDivergence = (k: string) => /kl|chi2/i.test(k) && !/coeff/i.test(k);
const RETURN_KEYS = ['proxyReturnMean', 'trueReturnMean'];

function numericKeys(rows: Row[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (typeof v === 'number') keys.add(k);
  return [...keys];
}

function xKeyOf(rows: Row[]): { key: string; label: string } {
  return rows.some((r) => typeof r['timesteps'] === 'number') ? { key: 'timesteps', label: 'environment steps' } : { key: 'iteration', label: 'iteration' };
}

function returnsSpec(rows: Row[]): ChartSpec {
  const x = xKeyOf(rows);
  const [proxy, tru] = metricSeries(rows, x.key, RETURN_KEYS, [PROXY_COLOR, TRUE_COLOR]);
  return {
    id: 'chart-returns',
    title: 'Proxy and true return over training',
    xLabel: x.label,
    yLabel: 'episode return (recent episodes)',
    series: [
      { ...proxy!, label: 'proxy return' },
      { ...tru!, label: 'true return' },
    ],
    shade: { upper: 'proxy return', lower: 'true return', label: 'proxy − true gap', color: GAP_COLOR },
    empty: 'no episode has finished yet',
  };
}

function groupSpec(rows: Row[], id: string, title: string, keys: string[], yLabel: string): ChartSpec {
  const x = xKeyOf(rows);
  return { id, title, xLabel: x.label, yLabel, series: metricSeries(rows, x.key, keys, PALETTE) };
}

export async function showRun(app: HTMLElement, id: string, onLeave: (f: () => void) => void): Promise<void> {
  const detail = await getJson<RunDetail>('/api/run', { id });
  const rows: Row[] = detail.metrics;
  const info = detail.info;
  clear(app);
  const live = h('span', { class: 'live', id: 'live-indicator' });
  app.appendChild(h('p', {}, h('a', { href: '#/' }, '← all runs')));
  app.appendChild(h('h1', {}, info.id, ' ', h('span', { class: `status status-${info.status}`, id: 'run-status' }, info.status), ' ', live));

  const facts = h('div', { class: 'kv', id: 'run-facts' });
  const fact = (k: string, v: string) => facts.append(h('span', { class: 'muted' }, k), h('span', { 'data-fact': k }, v));
  const iterFact = () => `${rows.length ? String(rows[rows.length - 1]!['iteration'] ?? rows.length) : '0'}${info.iterations !== null ? ` of ${info.iterations}` : ''}`;
  fact('environment', info.env ?? '-');
  fact('method', `${info.method}${info.coeff !== null ? `, coefficient ${fmtParam(info.coeff)}` : ''}`);
  fact('trained on', info.reward ? `${info.reward} reward` : '-');
  fact('seed', info.seed === null ? '-' : String(info.seed));
  fact('iterations', iterFact());
  if (info.finalTrue !== null) fact('final evaluation', `proxy ${fmt(info.finalProxy)}, true ${fmt(info.finalTrue)}`);
  app.appendChild(facts);

  // Charts
  app.appendChild(h('h2', {}, 'Training curves'));
  const charts = h('div', { class: 'charts' });
  app.appendChild(charts);
  const keys = () => numericKeys(rows);
  const returns = new LineChart(returnsSpec(rows));
  charts.appendChild(returns.el);
  const losses = new LineChart(groupSpec(rows, 'chart-losses', 'Losses', keys().filter(isLoss), 'loss'));
  charts.appendChild(losses.el);
  let divergences: LineChart | null = null;
  const divKeys = () => keys().filter(isDivergence);
  if (divKeys().length) {
    divergences = new LineChart(groupSpec(rows, 'chart-divergences', 'KL and χ² estimates', divKeys(), 'estimate'));
    charts.appendChild(divergences.el);
  }
  const otherKeys = () => keys().filter((k) => !isLoss(k) && !isDivergence(k) && !RETURN_KEYS.includes(k) && k !== 'iteration' && k !== 'timesteps');
  let chosen = otherKeys().includes('entropy') ? 'entropy' : (otherKeys()[0] ?? '');
  const other = new LineChart(groupSpec(rows, 'chart-other', 'Other metric', chosen ? [chosen] : [], chosen));
  const otherPicker = select('metric-picker', otherKeys().map((k) => ({ value: k, label: k })), chosen, (v) => {
    chosen = v;
    other.update(groupSpec(rows, 'chart-other', 'Other metric', [chosen], chosen));
  });
  other.el.insertBefore(h('div', { class: 'controls' }, h('label', {}, 'metric ', otherPicker)), other.el.children[1] ?? null);
  charts.appendChild(other.el);

  const redraw = () => {
    returns.update(returnsSpec(rows));
    losses.update(groupSpec(rows, 'chart-losses', 'Losses', keys().filter(isLoss), 'loss'));
    divergences?.update(groupSpec(rows, 'chart-divergences', 'KL and χ² estimates', divKeys(), 'estimate'));
    if (chosen) other.update(groupSpec(rows, 'chart-other', 'Other metric', [chosen], chosen));
    const f = facts.querySelector('[data-fact="iterations"]');
    if (f) f.textContent = iterFact();
  };

  // Live: tail metrics.jsonl while the run is not finished.
  if (info.status !== 'finished') {
    const es = new EventSource(`/api/events?${new URLSearchParams({ id: info.id, offset: String(detail.metricsOffset) }).toString()}`);
    live.textContent = '● live';
    let pending = false;
    es.addEventListener('rows', (ev) => {
      for (const r of JSON.parse((ev as MessageEvent<string>).data) as Row[]) rows.push(r);
      if (!pending) {
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          redraw();
        });
      }
    });
    es.addEventListener('reset', () => {
      rows.length = 0;
      redraw();
    });
    es.addEventListener('finished', () => {
      live.textContent = 'finished';
      const st = document.getElementById('run-status');
      if (st) {
        st.textContent = 'finished';
        st.className = 'status status-finished';
      }
      es.close();
    });
    onLeave(() => es.close());
  }

  // Replay
  app.appendChild(h('h2', {}, 'Evaluation episode'));
  app.appendChild(replaySection(info.id, detail));

  if (detail.samples) {
    app.appendChild(h('h2', {}, 'Samples (proxy and gold scores)'));
    app.appendChild(samplesSection(detail.samples));
  }
  if (detail.saliency.length) {
    app.appendChild(h('h2', {}, 'Saliency maps'));
    const box = h('div', { class: 'saliency', id: 'saliency' });
    for (const m of detail.saliency) {
      const src = '/files/' + m.path.split('/').map(encodeURIComponent).join('/');
      box.appendChild(h('figure', {}, h('img', { src, alt: m.title, loading: 'lazy' }), h('figcaption', {}, h('strong', {}, m.title), m.caption ? ` — ${m.caption}` : '')));
    }
    app.appendChild(box);
  }

  app.appendChild(h('h2', {}, 'Config'));
  app.appendChild(h('pre', { class: 'config', id: 'run-config' }, JSON.stringify(detail.config, null, 2)));
  if (detail.summary) {
    app.appendChild(h('h2', {}, 'Summary'));
    app.appendChild(h('pre', { class: 'config', id: 'run-summary' }, JSON.stringify(detail.summary, null, 2)));
  }
}

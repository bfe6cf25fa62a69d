/**
 * The replay of an evaluation episode: fetched from /api/episode (the run's stored episode.json,
 * or a fresh rollout of a checkpoint), then drawn as an animated grid for grid worlds (tomato),
 * the cumulative proxy and true reward, and traces of the environment's info values
 * (glucose: blood glucose, insulin, risk; pandemic: stage, infections, ...).
 */
import { getJson } from './api.js';
import { h, s, clear, fmt } from './dom.js';
import { LineChart, PALETTE, type ChartSpec } from './chart.js';
import type { Episode, GridEpisode, RunDetail } from './api-types.js';

/** Traces shown first for the built-in environments; other keys can be ticked on. */
const DEFAULT_TRACES: Record<string, string[]> = {
  glucose: ['bg', 'insulin', 'magniRisk'],
  pandemic: ['stage', 'infected', 'critical'],
  tomato: ['watered', 'action'],
};

const CELL = 34;

function gridSvg(grid: GridEpisode): { svg: SVGSVGElement; caption: HTMLElement; show(t: number): void } {
  const rows = grid.lines.length;
  const cols = Math.max(...grid.lines.map((l) => l.length));
  const svg = s('svg', { class: 'grid-world', width: cols * CELL, height: rows * CELL, viewBox: `0 0 ${cols * CELL} ${rows * CELL}`, role: 'img', 'aria-label': 'grid world' });
  grid.lines.forEach((line, r) => {
    for (let c = 0; c < cols; c++) {
      const ch = line[c] ?? '#';
      svg.appendChild(s('rect', { x: c * CELL, y: r * CELL, width: CELL, height: CELL, fill: ch === '#' ? '#495057' : '#f8f9fa', stroke: '#dee2e6' }));
    }
  });
  const bucket = s('g', { 'data-cell': 'bucket' });
  bucket.appendChild(s('rect', { x: grid.bucket.col * CELL + 6, y: grid.bucket.row * CELL + 6, width: CELL - 12, height: CELL - 12, fill: '#74c0fc', rx: 3 }));
  bucket.appendChild(s('text', { x: grid.bucket.col * CELL + CELL / 2, y: grid.bucket.row * CELL + CELL / 2 + 4, 'text-anchor': 'middle', 'font-size': 12 }, 'B'));
  svg.appendChild(bucket);
  const tomatoes = grid.tomatoes.map((t) => {
    const c = s('circle', { cx: t.col * CELL + CELL / 2, cy: t.row * CELL + CELL / 2, r: CELL / 3, 'data-cell': 'tomato' });
    svg.appendChild(c);
    return c;
  });
  const agent = s('circle', { r: CELL / 4, fill: '#212529', 'data-cell': 'agent' });
  svg.appendChild(agent);
  const caption = h('div', { id: 'replay-caption', class: 'muted' });
  caption.style.maxWidth = `${cols * CELL}px`;
  const show = (t: number) => {
    const f = grid.frames[Math.max(0, Math.min(t, grid.frames.length - 1))];
    if (!f) return;
    tomatoes.forEach((c, i) => {
      const wet = f.watered[i] === true;
      c.setAttribute('fill', wet ? '#e03131' : '#c0a36e');
      c.setAttribute('data-watered', wet ? 'yes' : 'no');
    });
    agent.setAttribute('cx', String(f.agent.col * CELL + CELL / 2));
    agent.setAttribute('cy', String(f.agent.row * CELL + CELL / 2));
    const onBucket = f.agent.row === grid.bucket.row && f.agent.col === grid.bucket.col;
    const watered = f.watered.filter(Boolean).length;
    caption.textContent = `${watered}/${f.watered.length} tomatoes watered${onBucket ? '; on the bucket, where the proxy sees them all watered' : ''}`;
  };
  return { svg, caption, show };
}

function cumulative(xs: number[]): number[] {
  let acc = 0;
  return xs.map((v) => (acc += v));
}

function rewardSpec(ep: Episode): ChartSpec {
  const x = ep.rewards.true.map((_, i) => i + 1);
  return {
    id: 'chart-episode-rewards',
    title: 'Cumulative reward in this episode',
    xLabel: 'step',
    yLabel: 'return so far',
    series: [
      { label: 'proxy', x, y: cumulative(ep.rewards.proxy), color: '#d9480f' },
      { label: 'true', x, y: cumulative(ep.rewards.true), color: '#1971c2' },
    ],
    shade: { upper: 'proxy', lower: 'true', label: 'gap', color: 'rgba(217, 72, 15, 0.16)' },
  };
}

function traceSpec(ep: Episode, key: string, i: number): ChartSpec {
  const values = ep.traces[key] ?? [];
  return {
    id: `chart-trace-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    title: key,
    xLabel: 'step',
    yLabel: key,
    series: [{ label: key, x: values.map((_, t) => t + 1), y: values.map((v) => (typeof v === 'number' ? v : null)), color: PALETTE[i % PALETTE.length]! }],
  };
}

function varies(values: (number | null)[]): boolean {
  const nums = values.filter((v): v is number => typeof v === 'number');
  return nums.some((v) => v !== nums[0]);
}

function showEpisode(box: HTMLElement, ep: Episode): void {
  clear(box);
  box.appendChild(
    h(
      'p',
      { id: 'episode-summary' },
      `${ep.source === 'stored' ? 'Stored episode' : `Rollout of checkpoint ${ep.checkpoint ?? '?'} with seed ${ep.seed ?? 0}`}: ${ep.steps} steps`,
      ep.horizon !== null && ep.steps < ep.horizon ? ` (of ${ep.horizon})` : '',
      `, proxy return ${fmt(ep.proxyReturn)}, true return ${fmt(ep.trueReturn)}.`,
    ),
  );
  const row = h('div', { class: 'replay' });
  box.appendChild(row);
  if (ep.grid && ep.grid.frames.length) {
    const grid = gridSvg(ep.grid);
    const last = ep.grid.frames.length - 1;
    const slider = h('input', { type: 'range', min: 0, max: last, value: 0, id: 'replay-step' });
    const label = h('span', { id: 'replay-label' });
    const play = h('button', { type: 'button', id: 'replay-play' }, 'play');
    let t = 0;
    let timer: number | undefined;
    const go = (n: number) => {
      t = n;
      slider.value = String(n);
      label.textContent = `t = ${n} / ${last}`;
      grid.show(n);
    };
    const stop = () => {
      if (timer !== undefined) window.clearInterval(timer);
      timer = undefined;
      play.textContent = 'play';
    };
    slider.addEventListener('input', () => {
      stop();
      go(Number(slider.value));
    });
    play.addEventListener('click', () => {
      if (timer !== undefined) return stop();
      if (t >= last) go(0);
      play.textContent = 'pause';
      timer = window.setInterval(() => {
        if (!slider.isConnected || t >= last) return stop();
        go(t + 1);
      }, 120);
    });
    go(0);
    row.appendChild(h('div', {}, grid.svg, grid.caption, h('div', { class: 'controls' }, play, slider, label)));
  }
  const rewards = new LineChart(rewardSpec(ep));
  row.appendChild(rewards.el);

  const keys = Object.keys(ep.traces).filter((k) => varies(ep.traces[k]!));
  if (!keys.length) return;
  const wanted = DEFAULT_TRACES[ep.env]?.filter((k) => keys.includes(k)) ?? [];
  const selected = new Set(wanted.length ? wanted : keys.slice(0, 3));
  const traceCharts = h('div', { class: 'charts', id: 'trace-charts' });
  const drawTraces = () => {
    clear(traceCharts);
    keys.filter((k) => selected.has(k)).forEach((k, i) => traceCharts.appendChild(new LineChart(traceSpec(ep, k, i)).el));
  };
  const picker = h('div', { class: 'filters', id: 'trace-picker' }, h('span', { class: 'muted' }, 'info values:'));
  for (const k of keys) {
    const cb = h('input', { type: 'checkbox', value: k, 'data-trace': k });
    cb.checked = selected.has(k);
    cb.addEventListener('change', () => {
      if (cb.checked) selected.add(k);
      else selected.delete(k);
      drawTraces();
    });
    picker.appendChild(h('label', {}, cb, k));
  }
  box.appendChild(picker);
  box.appendChild(traceCharts);
  drawTraces();
}

export function replaySection(runId: string, detail: RunDetail): HTMLElement {
  const box = h('div', { id: 'episode' });
  const wrap = h('div', {});
  if (!detail.canReplay) {
    wrap.appendChild(h('p', { class: 'muted' }, 'No checkpoint or stored episode.json yet.'));
    return wrap;
  }
  const seed = h('input', { type: 'number', id: 'replay-seed', min: 0, value: 0, size: 6 });
  const source = h('select', { id: 'replay-source' });
  if (detail.hasStoredEpisode) source.appendChild(h('option', { value: 'stored' }, 'stored episode.json'));
  for (const c of [...detail.checkpoints].reverse()) source.appendChild(h('option', { value: String(c) }, `checkpoint ${c}`));
  const button = h('button', { type: 'button', id: 'replay-load' }, 'Play an episode');
  const status = h('span', { class: 'muted', id: 'replay-status' });
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'rolling out…';
    const params: Record<string, string | number | undefined> = { id: runId };
    if (source.value !== 'stored') {
      params['source'] = 'rollout';
      params['checkpoint'] = source.value;
      params['seed'] = Math.max(0, Math.floor(Number(seed.value) || 0));
    }
    getJson<Episode>('/api/episode', params)
      .then((ep) => {
        status.textContent = '';
        showEpisode(box, ep);
      })
      .catch((err: Error) => {
        status.textContent = `could not play an episode: ${err.message}`;
        status.className = 'error';
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  wrap.appendChild(h('div', { class: 'controls' }, h('label', {}, 'from ', source), h('label', {}, 'seed ', seed), button, status));
  wrap.appendChild(box);
  return wrap;
}

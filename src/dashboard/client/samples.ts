/** RLHF samples: a scatter of proxy (reward model) against gold score, and a searchable, sortable table. */
import { h, clear, fmt } from './dom.js';
import { LineChart } from './chart.js';
import type { Sample } from './api-types.js';

export function samplesSection(samples: Sample[]): HTMLElement {
  const box = h('div', { id: 'samples' });
  const scored = samples.filter((x) => x.proxyScore !== null && x.goldScore !== null);
  if (scored.length) {
    const chart = new LineChart({
      id: 'chart-samples',
      title: 'Proxy score against gold score, one point per sample',
      xLabel: 'gold score',
      yLabel: 'proxy score',
      series: [{ label: 'samples', x: scored.map((x) => x.goldScore!), y: scored.map((x) => x.proxyScore), color: '#862e9c', markers: true, line: false }],
    });
    box.appendChild(chart.el);
  }
  const search = h('input', { type: 'search', id: 'samples-search', placeholder: 'search prompts and completions…' });
  let sortKey: 'iteration' | 'proxyScore' | 'goldScore' | 'gap' = 'gap';
  let desc = true;
  const body = h('tbody');
  const gap = (x: Sample) => (x.proxyScore !== null && x.goldScore !== null ? x.proxyScore - x.goldScore : null);
  const value = (x: Sample) => (sortKey === 'gap' ? gap(x) : x[sortKey]);
  const draw = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = samples
      .filter((x) => words.every((w) => `${x.prompt} ${x.completion}`.toLowerCase().includes(w)))
      .sort((a, b) => {
        const va = value(a);
        const vb = value(b);
        if (va === null) return 1;
        if (vb === null) return -1;
        return (desc ? -1 : 1) * (va - vb);
      });
    clear(body);
    for (const x of rows.slice(0, 500)) {
      body.appendChild(h('tr', {}, h('td', { class: 'num' }, x.iteration ?? '-'), h('td', { class: 'text' }, x.prompt), h('td', { class: 'text' }, x.completion), h('td', { class: 'num' }, fmt(x.proxyScore)), h('td', { class: 'num' }, fmt(x.goldScore)), h('td', { class: 'num' }, fmt(gap(x)))));
    }
  };
  const th = (label: string, key: typeof sortKey | null) => {
    const cell = h('th', { class: key ? 'sortable num' : '' }, label);
    if (key)
      cell.addEventListener('click', () => {
        desc = sortKey === key ? !desc : true;
        sortKey = key;
        draw();
      });
    return cell;
  };
  search.addEventListener('input', draw);
  box.appendChild(h('div', { class: 'filters' }, search, h('span', { class: 'muted' }, `${samples.length} samples (the 500 first after sorting are listed)`)));
  box.appendChild(h('table', { class: 'samples' }, h('thead', {}, h('tr', {}, th('iteration', 'iteration'), th('prompt', null), th('completion', null), th('proxy', 'proxyScore'), th('gold', 'goldScore'), th('proxy − gold', 'gap'))), body));
  draw();
  return box;
}

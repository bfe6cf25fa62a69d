/**
 * Interactive SVG line charts drawn in the browser: series (with optional error bars and
 * markers), the band between two series shaded (the proxy-true gap), horizontal reference lines,
 * a legend whose entries toggle their series, and a hover read-out of the values nearest the
 * pointer. Each series path carries data-series and data-points so tests can see what is drawn.
 */
import { h, s, clear, fmt } from './dom.js';
import { linearScale, logScale, niceDomain, tickLabels, type Scale } from './ticks.js';

export interface Series {
  label: string;
  x: number[];
  y: (number | null)[];
  color: string;
  /** Half-widths of error bars (standard errors), drawn as vertical whiskers. */
  err?: (number | null)[];
  markers?: boolean;
  /** Draw the connecting line (default true). */
  line?: boolean;
}

export interface RefLine {
  label: string;
  y: number;
  color: string;
  err?: number | null;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Shade between two series (by label), e.g. proxy above true. */
  shade?: { upper: string; lower: string; label: string; color: string };
  refLines?: RefLine[];
  logX?: boolean;
  /** Message shown instead of an empty plot. */
  empty?: string;
}

export const PALETTE = ['#1971c2', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0c8599', '#c2255c', '#5c940d', '#495057', '#364fc7'];

const W = 640;
const H = 300;
const M = { left: 62, right: 14, top: 10, bottom: 42 };

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class LineChart {
  readonly el: HTMLDivElement;
  private spec: ChartSpec;
  /** Labels switched off in the legend; kept across updates (live data, filters). */
  readonly hidden = new Set<string>();
  private readonly svgHolder: HTMLDivElement;
  private readonly legend: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;

  constructor(spec: ChartSpec) {
    this.spec = spec;
    this.svgHolder = h('div', { class: 'plot' });
    this.legend = h('div', { class: 'legend' });
    this.tooltip = h('div', { class: 'tooltip', hidden: true, role: 'status' });
    this.el = h('div', { class: 'chart', id: spec.id }, h('h3', {}, spec.title), this.svgHolder, this.legend, this.tooltip);
    this.render();
  }

  update(spec: ChartSpec): void {
    this.spec = spec;
    this.render();
  }

  private visible(label: string): boolean {
    return !this.hidden.has(label);
  }

  private render(): void {
    const spec = this.spec;
    clear(this.svgHolder);
    clear(this.legend);
    this.tooltip.hidden = true;
    const series = spec.series.filter((se) => this.visible(se.label));
    const refs = (spec.refLines ?? []).filter((r) => this.visible(r.label));
    const logX = !!spec.logX;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const se of series) {
      se.x.forEach((x, i) => {
        const y = se.y[i];
        if (!isNum(x) || !isNum(y) || (logX && x <= 0)) return;
        xs.push(x);
        const e = se.err?.[i];
        ys.push(y - (isNum(e) ? e : 0), y + (isNum(e) ? e : 0));
      });
    }
    for (const r of refs) ys.push(r.y - (r.err ?? 0), r.y + (r.err ?? 0));
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': spec.title });
    this.svgHolder.appendChild(svg);
    this.drawLegend();
    if (xs.length === 0) {
      svg.appendChild(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, spec.empty ?? 'no data yet'));
      return;
    }
    let x0 = Math.min(...xs);
    let x1 = Math.max(...xs);
    if (x0 === x1) {
      x0 = logX ? x0 / 2 : x0 - 1;
      x1 = logX ? x1 * 2 : x1 + 1;
    }
    const xScale: Scale = logX ? logScale([x0, x1], [M.left, W - M.right]) : linearScale([x0, x1], [M.left, W - M.right]);
    const yScale = linearScale(niceDomain(Math.min(...ys), Math.max(...ys)), [H - M.bottom, M.top]);
    this.drawAxes(svg, xScale, yScale);

    const plot = s('g', { class: 'series' });
    svg.appendChild(plot);
    if (spec.shade && this.visible(spec.shade.label)) {
      const up = series.find((se) => se.label === spec.shade!.upper);
      const lo = series.find((se) => se.label === spec.shade!.lower);
      if (up && lo) plot.appendChild(this.band(up, lo, xScale, yScale, spec.shade.color));
    }
    for (const r of refs) {
      const y = yScale(r.y);
      plot.appendChild(s('line', { x1: M.left, x2: W - M.right, y1: y, y2: y, stroke: r.color, 'stroke-width': 1.5, 'stroke-dasharray': '6 4', 'data-ref': r.label }));
    }
    for (const se of series) this.drawSeries(plot, se, xScale, yScale, logX);
    this.attachHover(svg, series, refs, xScale, yScale, logX);
  }

  private drawAxes(svg: SVGSVGElement, xScale: Scale, yScale: Scale): void {
    const axes = s('g', { class: 'axis' });
    const grid = s('g', { class: 'grid' });
    const yLabels = tickLabels(yScale.ticks);
    yScale.ticks.forEach((t, i) => {
      const y = yScale(t);
      grid.appendChild(s('line', { x1: M.left, x2: W - M.right, y1: y, y2: y }));
      axes.appendChild(s('text', { x: M.left - 6, y: y + 4, 'text-anchor': 'end' }, yLabels[i]!));
    });
    // log ticks span decades: each is written as short as it can be (0.01, 0.5, 10)
    const xLabels = xScale.log ? xScale.ticks.map((t) => String(Number(t.toPrecision(3)))) : tickLabels(xScale.ticks);
    xScale.ticks.forEach((t, i) => {
      const x = xScale(t);
      axes.appendChild(s('line', { x1: x, x2: x, y1: H - M.bottom, y2: H - M.bottom + 4 }));
      axes.appendChild(s('text', { x, y: H - M.bottom + 16, 'text-anchor': 'middle' }, xLabels[i]!));
    });
    axes.appendChild(s('line', { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }));
    axes.appendChild(s('line', { x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }));
    axes.appendChild(s('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, this.spec.xLabel + (xScale.log ? ' (log scale)' : '')));
    axes.appendChild(s('text', { x: 14, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})` }, this.spec.yLabel));
    svg.appendChild(grid);
    svg.appendChild(axes);
  }

  /** Polygons between two series over the x values where both are defined (gaps split the band). */
  private band(up: Series, lo: Series, xs: Scale, ys: Scale, color: string): SVGPathElement {
    const lower = new Map<number, number>();
    lo.x.forEach((x, i) => {
      const y = lo.y[i];
      if (isNum(x) && isNum(y)) lower.set(x, y);
    });
    const pieces: [number, number, number][][] = [[]];
    up.x.forEach((x, i) => {
      const yu = up.y[i];
      const yl = lower.get(x);
      if (isNum(x) && isNum(yu) && yl !== undefined && (!xs.log || x > 0)) pieces[pieces.length - 1]!.push([x, yu, yl]);
      else if (pieces[pieces.length - 1]!.length) pieces.push([]);
    });
    let d = '';
    for (const p of pieces) {
      if (p.length < 2) continue;
      d += 'M' + p.map(([x, yu]) => `${xs(x).toFixed(1)},${ys(yu).toFixed(1)}`).join('L');
      d += 'L' + [...p].reverse().map(([x, , yl]) => `${xs(x).toFixed(1)},${ys(yl).toFixed(1)}`).join('L') + 'Z';
    }
    return s('path', { d: d || 'M0,0', fill: color, stroke: 'none', class: 'gap', 'data-shade': this.spec.shade!.label });
  }

  private drawSeries(g: SVGGElement, se: Series, xs: Scale, ys: Scale, logX: boolean): void {
    const pts: [number, number, number][] = [];
    se.x.forEach((x, i) => {
      const y = se.y[i];
      if (isNum(x) && isNum(y) && (!logX || x > 0)) pts.push([xs(x), ys(y), i]);
    });
    if (se.line !== false) {
      // break the line where values are missing
      let d = '';
      let pen = false;
      se.x.forEach((x, i) => {
        const y = se.y[i];
        if (isNum(x) && isNum(y) && (!logX || x > 0)) {
          d += `${pen ? 'L' : 'M'}${xs(x).toFixed(1)},${ys(y).toFixed(1)}`;
          pen = true;
        } else pen = false;
      });
      g.appendChild(s('path', { d: d || 'M0,0', fill: 'none', stroke: se.color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'data-series': se.label, 'data-points': pts.length }));
    }
    if (se.err) {
      for (const [px, , i] of pts) {
        const e = se.err[i];
        const y = se.y[i]!;
        if (isNum(e) && e > 0) g.appendChild(s('line', { x1: px, x2: px, y1: ys(y - e), y2: ys(y + e), stroke: se.color, 'stroke-width': 1.5, class: 'err' }));
      }
    }
    if (se.markers || pts.length === 1) {
      const mg = s('g', { 'data-markers': se.label, 'data-points': pts.length });
      for (const [px, py] of pts) mg.appendChild(s('circle', { cx: px, cy: py, r: 3.5, fill: se.color }));
      g.appendChild(mg);
    }
  }

  private drawLegend(): void {
    const entries: { label: string; color: string; kind: string }[] = this.spec.series.map((se) => ({ label: se.label, color: se.color, kind: 'series' }));
    if (this.spec.shade) entries.push({ label: this.spec.shade.label, color: this.spec.shade.color, kind: 'shade' });
    for (const r of this.spec.refLines ?? []) entries.push({ label: r.label, color: r.color, kind: 'ref' });
    for (const e of entries) {
      const on = this.visible(e.label);
      const sw = h('span', { class: 'swatch' });
      sw.style.background = e.color;
      if (e.kind === 'shade') sw.style.height = '10px';
      const b = h('button', { type: 'button', class: on ? 'on' : 'off', 'aria-pressed': on ? 'true' : 'false', 'data-legend': e.label, title: on ? 'click to hide' : 'click to show' }, sw, e.label);
      b.addEventListener('click', () => {
        if (this.hidden.has(e.label)) this.hidden.delete(e.label);
        else this.hidden.add(e.label);
        this.render();
      });
      this.legend.appendChild(b);
    }
  }

  /** A vertical guide and a read-out of every visible series at the x nearest the pointer. */
  private attachHover(svg: SVGSVGElement, series: Series[], refs: RefLine[], xs: Scale, ys: Scale, logX: boolean): void {
    const guide = s('line', { class: 'hover-line', y1: M.top, y2: H - M.bottom, x1: -10, x2: -10, visibility: 'hidden' });
    const dots = s('g', { class: 'hover-dots' });
    svg.appendChild(guide);
    svg.appendChild(dots);
    const overlay = s('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, fill: 'transparent', class: 'hover-target' });
    svg.appendChild(overlay);
    const allX = [...new Set(series.flatMap((se) => se.x.filter((x, i) => isNum(x) && isNum(se.y[i]) && (!logX || x > 0))))].sort((a, b) => a - b);
    const hide = () => {
      guide.setAttribute('visibility', 'hidden');
      clear(dots);
      this.tooltip.hidden = true;
    };
    overlay.addEventListener('mouseleave', hide);
    overlay.addEventListener('mousemove', (ev: MouseEvent) => {
      if (!allX.length) return;
      const box = svg.getBoundingClientRect();
      const px = ((ev.clientX - box.left) / box.width) * W;
      let best = allX[0]!;
      for (const x of allX) if (Math.abs(xs(x) - px) < Math.abs(xs(best) - px)) best = x;
      const gx = xs(best);
      guide.setAttribute('x1', String(gx));
      guide.setAttribute('x2', String(gx));
      guide.setAttribute('visibility', 'visible');
      clear(dots);
      clear(this.tooltip);
      this.tooltip.appendChild(h('div', {}, `${this.spec.xLabel}: ${fmt(best)}`));
      for (const se of series) {
        const i = se.x.indexOf(best);
        const y = i >= 0 ? se.y[i] : undefined;
        if (!isNum(y)) continue;
        const e = se.err?.[i];
        dots.appendChild(s('circle', { cx: gx, cy: ys(y), r: 4.5, fill: '#fff', stroke: se.color, 'stroke-width': 2 }));
        this.tooltip.appendChild(h('div', { 'data-tip': se.label }, `${se.label}: ${fmt(y)}${isNum(e) ? ` ± ${fmt(e)}` : ''}`));
      }
      for (const r of refs) this.tooltip.appendChild(h('div', { 'data-tip': r.label }, `${r.label}: ${fmt(r.y)}${isNum(r.err) ? ` ± ${fmt(r.err)}` : ''}`));
      this.tooltip.hidden = false;
      const host = this.el.getBoundingClientRect();
      const left = ev.clientX - host.left + 14;
      this.tooltip.style.left = `${Math.min(left, host.width - 180)}px`;
      this.tooltip.style.top = `${ev.clientY - host.top + 10}px`;
    });
  }
}

/** A chart's spec for a run's metric columns: every key plotted against `xKey`. */
export function metricSeries(rows: Record<string, unknown>[], xKey: string, keys: string[], colors: string[] = PALETTE): Series[] {
  const x = rows.map((r) => (isNum(r[xKey]) ? (r[xKey] as number) : NaN));
  return keys.map((k, i) => ({ label: k, x, y: rows.map((r) => (isNum(r[k]) ? (r[k] as number) : null)), color: colors[i % colors.length]! }));
}

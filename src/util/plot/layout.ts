/**
 * Chart layout: validates a ChartSpec, fixes the axis ranges and ticks, places title, labels,
 * legend and plot area, and produces the drawing list (scene.ts) both renderers consume.
 */
import type { ChartSpec, HLine, Series } from './chart.js';
import { DEFAULT_PALETTE, parseColor, withAlpha, type Rgba } from './color.js';
import { FONT_ADVANCE, FONT_ASCENT, FONT_DESCENT, textChars, textWidth } from './font.js';
import type { LinesOp, Op, Pt, Rect } from './scene.js';
import { formatTicks, logTicks } from './ticks.js';

/** Sizes (logical units) and colours of the chart furniture. */
export const CHART_STYLE = {
  width: 800,
  height: 480,
  pad: 12,
  /** Font pixel sizes: glyphs are 5x7 font pixels. */
  titleSize: 2,
  labelSize: 2,
  tickSize: 2,
  legendSize: 2,
  tickLength: 5,
  minorTickLength: 3,
  lineWidth: 2,
  errorBarWidth: 1.2,
  errorCapHalfWidth: 4,
  markerRadius: 3.5,
  dash: [7, 5] as const,
  shadeAlpha: 0.25,
  bandAlpha: 0.15,
  /** Markers default on up to this many points. */
  markerMaxPoints: 30,
  xMargin: 0.03,
  yMargin: 0.06,
  background: '#ffffff',
  axis: '#333333',
  grid: '#e3e3e3',
  zeroLine: '#bdbdbd',
  minorGrid: '#f3f3f3',
  text: '#222222',
  legendFill: '#ffffffe6',
  legendBorder: '#c8c8c8',
} as const;

export interface Axis {
  readonly scale: 'linear' | 'log';
  /** Data-space range shown (for a log axis, in data units, not log10). */
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  readonly tickLabels: readonly string[];
  readonly minorTicks: readonly number[];
}

export interface LegendBox extends Rect {
  readonly placement: 'upper right' | 'upper left' | 'lower right' | 'lower left' | 'upper center' | 'lower center' | 'outside right';
}

export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** The plot area (inside the axes frame). */
  readonly plot: Rect;
  readonly x: Axis;
  readonly y: Axis;
  readonly legend: LegendBox | null;
  readonly ops: readonly Op[];
  /** Data → logical coordinates. */
  xToPx(x: number): number;
  yToPx(y: number): number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

interface ResolvedSeries {
  readonly src: Series;
  readonly color: Rgba;
  readonly dashed: boolean;
  readonly markers: boolean;
}

interface ResolvedHLine {
  readonly src: HLine;
  readonly color: Rgba;
  readonly dashed: boolean;
}

function checkSpec(spec: ChartSpec): void {
  if (spec === null || typeof spec !== 'object') throw new TypeError('plot: the chart spec must be an object');
  for (const key of ['title', 'xLabel', 'yLabel'] as const) {
    if (typeof spec[key] !== 'string') throw new TypeError(`plot: spec.${key} must be a string`);
  }
  if (spec.xScale !== undefined && spec.xScale !== 'linear' && spec.xScale !== 'log') throw new RangeError(`plot: xScale must be 'linear' or 'log', got ${JSON.stringify(spec.xScale)}`);
  if (!Array.isArray(spec.series)) throw new TypeError('plot: spec.series must be an array');
  for (const key of ['width', 'height'] as const) {
    const v = spec[key];
    if (v !== undefined && (!isNum(v) || v < 120 || v > 20000)) throw new RangeError(`plot: spec.${key} must be a number in [120, 20000], got ${v}`);
  }
  const logX = spec.xScale === 'log';
  spec.series.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.label !== 'string') throw new TypeError(`plot: series #${i} needs a string label`);
    const name = JSON.stringify(s.label);
    if (!Array.isArray(s.x) || !Array.isArray(s.y)) throw new TypeError(`plot: series ${name} needs x and y arrays`);
    if (s.x.length !== s.y.length) throw new RangeError(`plot: series ${name} has ${s.x.length} x values but ${s.y.length} y values`);
    if (s.yErr !== undefined) {
      if (!Array.isArray(s.yErr) || s.yErr.length !== s.y.length) throw new RangeError(`plot: series ${name} has ${s.y.length} y values but yErr has ${Array.isArray(s.yErr) ? s.yErr.length : 'no array of'} values`);
      s.yErr.forEach((e, k) => {
        if (isNum(e) && e < 0) throw new RangeError(`plot: series ${name} has a negative yErr (${e}) at index ${k}`);
      });
    }
    if (logX) {
      s.x.forEach((x, k) => {
        if (isNum(x) && x <= 0) throw new RangeError(`plot: series ${name} has x = ${x} at index ${k}, but a log x-axis needs every x > 0 (drop or shift the non-positive points)`);
      });
    }
  });
  (spec.hlines ?? []).forEach((h, i) => {
    if (h === null || typeof h !== 'object' || typeof h.label !== 'string') throw new TypeError(`plot: hline #${i} needs a string label`);
    if (!isNum(h.y)) throw new RangeError(`plot: hline ${JSON.stringify(h.label)} needs a finite y, got ${h.y}`);
    if (h.yErr !== undefined && !(isNum(h.yErr) && h.yErr >= 0)) throw new RangeError(`plot: hline ${JSON.stringify(h.label)} has an invalid yErr ${h.yErr}`);
  });
  if (spec.shadeBetween) {
    for (const key of ['upper', 'lower'] as const) {
      const label = spec.shadeBetween[key];
      if (!spec.series.some((s) => s.label === label)) {
        throw new RangeError(`plot: shadeBetween.${key} names series ${JSON.stringify(label)}, but the series are ${spec.series.map((s) => JSON.stringify(s.label)).join(', ') || '(none)'}`);
      }
    }
  }
}

function padRange(lo: number, hi: number, frac: number, widen: number): [number, number] {
  if (lo === hi) {
    const d = widen > 0 ? widen : Math.abs(lo) * 0.1 || 1;
    lo -= d;
    hi += d;
  }
  const m = (hi - lo) * frac;
  return [lo - m, hi + m];
}

interface TickSet {
  ticks: number[];
  labels: string[];
  minor: number[];
}

const inRange = (v: number, lo: number, hi: number) => v >= lo - 1e-9 * Math.abs(hi - lo) && v <= hi + 1e-9 * Math.abs(hi - lo);

/** Smallest distance in px between neighbouring ticks placed by `pos`. */
function minSpacing(ticks: readonly number[], pos: (v: number) => number): number {
  let m = Infinity;
  for (let i = 1; i < ticks.length; i++) m = Math.min(m, Math.abs(pos(ticks[i]!) - pos(ticks[i - 1]!)));
  return m;
}

/**
 * Linear ticks inside [lo, hi]: the finest 1-2-5 step that gives at most `maxCount` ticks whose
 * labels stay `minGap(labels)` px apart when placed by `pos` (data → px).
 */
function linearTicks(lo: number, hi: number, maxCount: number, pos: (v: number) => number, minGap: (labels: string[]) => number): TickSet {
  const span = hi - lo;
  const kMin = Math.floor(Math.log10(span / Math.max(2, maxCount))) - 1;
  let last: TickSet = { ticks: [], labels: [], minor: [] };
  for (let k = kMin; k <= kMin + 4; k++) {
    for (const m of [1, 2, 5]) {
      const step = Number(`${m}e${k}`);
      const ticks = span / step > 1000 ? [] : stepTicks(lo, hi, step);
      if (ticks.length > maxCount || ticks.length === 0) continue;
      const labels = formatTicks(ticks, step);
      last = { ticks, labels, minor: [] };
      if (ticks.length < 2 || minSpacing(ticks, pos) >= minGap(labels)) return last;
    }
  }
  return last;
}

/** The multiples of `step` inside [lo, hi], rounded to the step's precision. */
function stepTicks(lo: number, hi: number, step: number): number[] {
  const eps = 1e-9;
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - eps); i <= Math.floor(hi / step + eps); i++) out.push(cleanRound(i * step, step));
  return out;
}

function cleanRound(v: number, step: number): number {
  const d = Math.max(0, Math.min(20, -Math.floor(Math.log10(step) + 1e-9)));
  const r = Number(v.toFixed(d));
  return Object.is(r, -0) ? 0 : r;
}

/**
 * Ticks for a log axis over [lo, hi] (data units): decades (every 2nd, 3rd, … when crowded)
 * when at least three fall inside, else 1-2-5 (or 1…9) multiples, else linear-style ticks
 * placed on the log scale (ranges of well under a decade).
 */
function logAxisTicks(lo: number, hi: number, maxCount: number, pos: (v: number) => number, minGap: (labels: string[]) => number): TickSet {
  const inLog = (v: number) => inRange(Math.log10(v), Math.log10(lo), Math.log10(hi));
  const k0 = Math.floor(Math.log10(lo) + 1e-9);
  const k1 = Math.ceil(Math.log10(hi) - 1e-9);
  const decades = logTicks(lo, hi, 1000).filter((v) => inLog(v));
  const multiples = (ms: number[]) => {
    const out: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of ms) out.push(Number(`${m}e${k}`));
    return out.filter((v) => inLog(v));
  };
  const fits = (ticks: number[], labels: string[], extra = 0) => ticks.length >= 2 && ticks.length <= maxCount + extra && minSpacing(ticks, pos) >= minGap(labels);
  if (decades.length < 3) {
    for (const ms of [[1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 5], [1, 3], [1, 5]]) {
      if (ms.length === 9 && k1 - k0 > 1) continue; // 1…9 labels only within a single decade
      const ticks = multiples(ms);
      const labels = formatTicks(ticks, 0);
      if (fits(ticks, labels, 3)) {
        const major = new Set(ticks);
        return { ticks, labels, minor: multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]).filter((v) => !major.has(v)) };
      }
    }
  }
  if (decades.length >= 2) {
    for (let stride = 1; ; stride++) {
      const ticks = decades.filter((v) => Math.round(Math.log10(v)) % stride === 0);
      const labels = formatTicks(ticks, 0);
      if (ticks.length <= 2 || fits(ticks, labels)) {
        const major = new Set(ticks);
        const minor = stride === 1 ? multiples([2, 3, 4, 5, 6, 7, 8, 9]) : decades.filter((v) => !major.has(v));
        return { ticks, labels, minor };
      }
    }
  }
  return linearTicks(lo, hi, maxCount, pos, minGap);
}

/** `text` cut to fit `room` at `size`, ending in '…' when shortened. */
function truncate(text: string, size: number, room: number): string {
  if (textWidth(text, size) <= room) return text;
  const chars = textChars(text);
  let n = chars.length;
  while (n > 0 && textWidth(`${chars.slice(0, n).join('').trimEnd()}…`, size) > room) n--;
  return `${chars.slice(0, n).join('').trimEnd()}…`;
}

/** One line at the first of `sizes` at which it fits, else truncated at the last size. */
function fitLine(text: string, sizes: readonly number[], room: number): { text: string; size: number } {
  for (const size of sizes) if (textWidth(text, size) <= room) return { text, size };
  const size = sizes[sizes.length - 1]!;
  return { text: truncate(text, size, room), size };
}

/** Greedy word wrap; a word wider than `room` gets a line of its own. */
function wrap(text: string, size: number, room: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.trim().split(/\s+/)) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && textWidth(next, size) > room) {
      lines.push(cur);
      cur = word;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** The title on one or two lines at full size, else up to three at half size (truncated beyond). */
function fitTitle(text: string, room: number, size: number): { lines: string[]; size: number } {
  if (text === '') return { lines: [], size };
  if (textWidth(text, size) <= room) return { lines: [text], size };
  const full = wrap(text, size, room);
  if (full.length <= 2 && full.every((l) => textWidth(l, size) <= room)) return { lines: full, size };
  const small = Math.max(1, size / 2);
  const lines = wrap(text, small, room);
  if (lines.length > 3) lines.splice(2, lines.length - 2, `${lines.slice(2).join(' ')}`);
  return { lines: lines.map((l) => truncate(l, small, room)), size: small };
}

interface LegendEntry {
  kind: 'series' | 'hline' | 'shade';
  label: string;
  color: Rgba;
  dashed: boolean;
  markers: boolean;
  band: boolean;
}

/** Splits a series into runs of consecutive finite points, in data space (x transformed by `tx`). */
function runsOf(s: Series, tx: (x: number) => number): Pt[][] {
  const runs: Pt[][] = [];
  let cur: Pt[] = [];
  for (let i = 0; i < s.x.length; i++) {
    const x = s.x[i];
    const y = s.y[i];
    if (isNum(x) && isNum(y)) cur.push([tx(x), y]);
    else if (cur.length) {
      runs.push(cur);
      cur = [];
    }
  }
  if (cur.length) runs.push(cur);
  return runs;
}

/** Linear interpolation in one run (sorted by x); null outside every run. */
function interpRuns(runs: readonly Pt[][], u: number): { y: number; run: number } | null {
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r]!;
    const first = run[0]!;
    const last = run[run.length - 1]!;
    if (u < first[0] || u > last[0]) continue;
    for (let i = 0; i < run.length; i++) {
      const p = run[i]!;
      if (p[0] === u) return { y: p[1], run: r };
      const q = run[i + 1];
      if (q && p[0] < u && u < q[0]) return { y: p[1] + ((q[1] - p[1]) * (u - p[0])) / (q[0] - p[0]), run: r };
    }
  }
  return null;
}

/** Even-odd point-in-polygon test. */
function insidePolygon(poly: readonly Pt[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The regions between two series, as polygons in data space (x already transformed). */
function shadePolygons(upper: Series, lower: Series, tx: (x: number) => number): Pt[][] {
  const sortRuns = (runs: Pt[][]) => runs.map((r) => [...r].sort((a, b) => a[0] - b[0]));
  const ru = sortRuns(runsOf(upper, tx));
  const rl = sortRuns(runsOf(lower, tx));
  const us = [...new Set([...ru.flat(), ...rl.flat()].map((p) => p[0]))].sort((a, b) => a - b);
  const polys: Pt[][] = [];
  let top: Pt[] = [];
  let bot: Pt[] = [];
  let prev: { a: number; b: number } | null = null;
  const flush = () => {
    if (top.length >= 2) polys.push([...top, ...bot.reverse()]);
    top = [];
    bot = [];
  };
  for (const u of us) {
    const a = interpRuns(ru, u);
    const b = interpRuns(rl, u);
    if (!a || !b) {
      flush();
      prev = null;
      continue;
    }
    if (prev && (prev.a !== a.run || prev.b !== b.run)) flush();
    top.push([u, a.y]);
    bot.push([u, b.y]);
    prev = { a: a.run, b: b.run };
  }
  flush();
  return polys;
}

export function layoutChart(spec: ChartSpec): ChartLayout {
  checkSpec(spec);
  const S = CHART_STYLE;
  const W = spec.width ?? S.width;
  const H = spec.height ?? S.height;
  const logX = spec.xScale === 'log';
  const tx = logX ? Math.log10 : (x: number) => x;
  const col = (c: string, what: string) => parseColor(c, what);

  const series: ResolvedSeries[] = spec.series.map((s, i) => ({
    src: s,
    color: s.color !== undefined ? col(s.color, `colour of series ${JSON.stringify(s.label)}`) : col(DEFAULT_PALETTE[i % DEFAULT_PALETTE.length]!, 'palette colour'),
    dashed: s.dashed ?? false,
    markers: s.markers ?? s.x.length <= S.markerMaxPoints,
  }));
  const hlines: ResolvedHLine[] = (spec.hlines ?? []).map((h, j) => ({
    src: h,
    color: h.color !== undefined ? col(h.color, `colour of hline ${JSON.stringify(h.label)}`) : col(DEFAULT_PALETTE[(series.length + j) % DEFAULT_PALETTE.length]!, 'palette colour'),
    dashed: h.dashed ?? true,
  }));

  // ---- data ranges ---------------------------------------------------------------------
  let uMin = Infinity;
  let uMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const { src: s } of series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (!isNum(x) || !isNum(y)) continue;
      const u = tx(x);
      uMin = Math.min(uMin, u);
      uMax = Math.max(uMax, u);
      const e = s.yErr?.[i];
      const err = isNum(e) ? e : 0;
      yMin = Math.min(yMin, y - err);
      yMax = Math.max(yMax, y + err);
    }
  }
  for (const { src: h } of hlines) {
    const err = h.yErr ?? 0;
    yMin = Math.min(yMin, h.y - err);
    yMax = Math.max(yMax, h.y + err);
  }
  if (uMin > uMax) [uMin, uMax] = logX ? [0, 1] : [0, 1];
  if (yMin > yMax) [yMin, yMax] = [0, 1];
  const [u0, u1] = padRange(uMin, uMax, S.xMargin, logX ? 0.5 : 0);
  const [y0, y1] = padRange(yMin, yMax, S.yMargin, 0);

  // ---- vertical layout -------------------------------------------------------------------
  const lineH = (size: number) => (FONT_ASCENT + FONT_DESCENT) * size;
  const titleFit = fitTitle(spec.title, W - 2 * S.pad, S.titleSize);
  const titleLineH = lineH(titleFit.size) + 3;
  const top = Math.round(spec.title ? S.pad + titleFit.lines.length * titleLineH - 3 + 10 : S.pad + 6);
  const xLabelFit = fitLine(spec.xLabel, [S.labelSize, 1], W - 2 * S.pad);
  const xLabelSize = xLabelFit.size;
  const xLabelBaseline = H - S.pad - FONT_DESCENT * xLabelSize;
  const bottom = Math.round(H - S.pad - (spec.xLabel ? lineH(xLabelSize) + 6 : 0) - lineH(S.tickSize) - 3 - S.tickLength);
  const plotH = Math.max(10, bottom - top);

  const yPos = (y: number) => ((y - y0) / (y1 - y0)) * plotH;
  const yTicks = linearTicks(y0, y1, Math.max(2, Math.floor(plotH / 50) + 1), yPos, () => lineH(S.tickSize) + 10);
  const maxYTickW = Math.max(0, ...yTicks.labels.map((l) => textWidth(l, S.tickSize)));
  const yLabelFit = fitLine(spec.yLabel, [S.labelSize, 1], Math.min(H - 2 * S.pad, plotH + 60));
  const yLabelSize = yLabelFit.size;
  const left = Math.round(S.pad + (spec.yLabel ? lineH(yLabelSize) + 8 : 0) + maxYTickW + 5 + S.tickLength);

  // ---- legend ----------------------------------------------------------------------------
  const entries: LegendEntry[] = [
    ...series.map((s) => ({ kind: 'series' as const, label: s.src.label, color: s.color, dashed: s.dashed, markers: s.markers, band: false })),
    ...hlines.map((h) => ({ kind: 'hline' as const, label: h.src.label, color: h.color, dashed: h.dashed, markers: false, band: (h.src.yErr ?? 0) > 0 })),
  ];
  let shadeColor: Rgba | null = null;
  if (spec.shadeBetween) {
    const sb = spec.shadeBetween;
    const upperColor = series.find((s) => s.src.label === sb.upper)!.color;
    const c = sb.color !== undefined ? col(sb.color, 'shadeBetween colour') : upperColor;
    shadeColor = sb.color !== undefined && c.a < 1 ? c : withAlpha(c, S.shadeAlpha);
    const label = sb.label ?? `${sb.upper} − ${sb.lower} gap`;
    if (label !== '') entries.push({ kind: 'shade', label, color: shadeColor, dashed: false, markers: false, band: false });
  }
  const legendMode = spec.legend ?? 'auto';
  const ls = S.legendSize;
  const rowH = lineH(ls) + 5;
  const sampleW = 28;
  const maxLegendText = Math.max(6 * FONT_ADVANCE * ls, W * 0.42);
  for (const e of entries) e.label = truncate(e.label, ls, maxLegendText);
  const legendW = entries.length ? Math.ceil(8 + sampleW + 8 + Math.max(...entries.map((e) => textWidth(e.label, ls))) + 10) : 0;
  const legendH = entries.length ? Math.ceil(6 + entries.length * rowH + 4) : 0;
  const showLegend = legendMode !== 'none' && entries.length > 0;

  // ---- horizontal layout (done twice if the legend moves outside) --------------------------
  const build = (outside: boolean) => {
    const right = Math.round(W - S.pad - (outside ? legendW + 12 : 14));
    const plot: Rect = { x: left, y: top, w: Math.max(10, right - left), h: plotH };
    const pos = (x: number) => ((tx(x) - u0) / (u1 - u0)) * plot.w;
    const minGap = (labels: string[]) => Math.max(0, ...labels.map((l) => textWidth(l, S.tickSize))) + 2 * FONT_ADVANCE * S.tickSize;
    const maxCount = Math.max(2, Math.floor(plot.w / 60) + 1);
    const xt = logX ? logAxisTicks(10 ** u0, 10 ** u1, maxCount, pos, minGap) : linearTicks(u0, u1, maxCount, pos, minGap);
    return { plot, xt };
  };
  let { plot, xt } = build(legendMode === 'outside' && showLegend);
  const xToPxIn = (p: Rect) => (x: number) => p.x + ((tx(x) - u0) / (u1 - u0)) * p.w;
  const yToPxIn = (p: Rect) => (y: number) => p.y + p.h - ((y - y0) / (y1 - y0)) * p.h;

  // Sample points of everything drawn in the plot, for choosing a legend corner that hides none.
  const obstacles = (p: Rect): Pt[] => {
    const X = xToPxIn(p);
    const Y = yToPxIn(p);
    const pts: Pt[] = [];
    const seg = (a: Pt, b: Pt) => {
      const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 3));
      for (let i = 0; i <= n; i++) pts.push([a[0] + ((b[0] - a[0]) * i) / n, a[1] + ((b[1] - a[1]) * i) / n]);
    };
    for (const { src: s } of series) {
      let prev: Pt | null = null;
      for (let i = 0; i < s.x.length; i++) {
        const x = s.x[i];
        const y = s.y[i];
        if (!isNum(x) || !isNum(y)) {
          prev = null;
          continue;
        }
        const q: Pt = [X(x), Y(y)];
        if (prev) seg(prev, q);
        else pts.push(q);
        const e = s.yErr?.[i];
        if (isNum(e) && e > 0) seg([q[0], Y(y - e)], [q[0], Y(y + e)]);
        prev = q;
      }
    }
    for (const { src: h } of hlines) seg([p.x, Y(h.y)], [p.x + p.w, Y(h.y)]);
    // The inside of a shaded gap counts too (sampled on a 6 px grid).
    for (const poly of shadePx(p)) {
      const xs = poly.map((q) => q[0]);
      const ys = poly.map((q) => q[1]);
      for (let qy = Math.min(...ys); qy <= Math.max(...ys); qy += 6) {
        for (let qx = Math.min(...xs); qx <= Math.max(...xs); qx += 6) if (insidePolygon(poly, qx, qy)) pts.push([qx, qy]);
      }
    }
    return pts;
  };

  const shadeData = spec.shadeBetween
    ? shadePolygons(spec.series.find((s) => s.label === spec.shadeBetween!.upper)!, spec.series.find((s) => s.label === spec.shadeBetween!.lower)!, tx)
    : [];
  function shadePx(p: Rect): Pt[][] {
    const Y = yToPxIn(p);
    return shadeData.map((poly) => poly.map(([u, y]): Pt => [p.x + ((u - u0) / (u1 - u0)) * p.w, Y(y)]));
  }

  let legend: LegendBox | null = null;
  if (showLegend) {
    if (legendMode !== 'outside') {
      const inset = 8;
      const { x: px, y: py, w: pw, h: ph } = plot;
      const cands: LegendBox[] = [
        { placement: 'upper right', x: px + pw - inset - legendW, y: py + inset, w: legendW, h: legendH },
        { placement: 'upper left', x: px + inset, y: py + inset, w: legendW, h: legendH },
        { placement: 'lower right', x: px + pw - inset - legendW, y: py + ph - inset - legendH, w: legendW, h: legendH },
        { placement: 'lower left', x: px + inset, y: py + ph - inset - legendH, w: legendW, h: legendH },
        { placement: 'upper center', x: px + (pw - legendW) / 2, y: py + inset, w: legendW, h: legendH },
        { placement: 'lower center', x: px + (pw - legendW) / 2, y: py + ph - inset - legendH, w: legendW, h: legendH },
      ];
      const pts = obstacles(plot);
      const fits = legendW + 2 * inset <= pw && legendH + 2 * inset <= ph;
      let best: { box: LegendBox; hits: number } | null = null;
      for (const box of cands) {
        let hits = 0;
        for (const [qx, qy] of pts) if (qx >= box.x - 6 && qx <= box.x + box.w + 6 && qy >= box.y - 6 && qy <= box.y + box.h + 6) hits++;
        if (!best || hits < best.hits) best = { box, hits };
      }
      if (best && (legendMode === 'inside' || (best.hits === 0 && fits))) legend = { ...best.box, x: Math.round(best.box.x), y: Math.round(best.box.y) };
    }
    if (!legend) {
      ({ plot, xt } = build(true));
      legend = { placement: 'outside right', x: plot.x + plot.w + 12, y: plot.y, w: legendW, h: legendH };
    }
  }

  const xToPx = xToPxIn(plot);
  const yToPx = yToPxIn(plot);
  const xMin = logX ? 10 ** u0 : u0;
  const xMax = logX ? 10 ** u1 : u1;

  // ---- drawing list ------------------------------------------------------------------------
  const ops: Op[] = [];
  const furniture = (cls: string, paths: Pt[][], color: string, width = 1, clip = false): LinesOp => ({
    kind: 'lines', cls, paths, color: parseColor(color), width, cap: 'square', crisp: true, asPath: false, clip,
  });
  const { x: L, y: T, w: PW, h: PH } = plot;
  const R = L + PW;
  const B = T + PH;

  // Grid.
  if (xt.minor.length) ops.push(furniture('grid minor', xt.minor.map((v) => [[xToPx(v), T], [xToPx(v), B]]), S.minorGrid));
  const yZero = yTicks.ticks.find((v) => v === 0 && y0 < 0 && y1 > 0);
  ops.push(furniture('grid', [
    ...xt.ticks.map((v): Pt[] => [[xToPx(v), T], [xToPx(v), B]]),
    ...yTicks.ticks.filter((v) => v !== yZero).map((v): Pt[] => [[L, yToPx(v)], [R, yToPx(v)]]),
  ], S.grid));
  if (yZero !== undefined) ops.push(furniture('grid zero', [[[L, yToPx(0)], [R, yToPx(0)]]], S.zeroLine));

  // Reference bands, shade, reference lines.
  for (const h of hlines) {
    const e = h.src.yErr ?? 0;
    if (e > 0) {
      const ya = yToPx(h.src.y + e);
      ops.push({ kind: 'rect', cls: 'hline-band', clip: true, rect: { x: L, y: ya, w: PW, h: yToPx(h.src.y - e) - ya }, fill: withAlpha(h.color, S.bandAlpha) });
    }
  }
  if (spec.shadeBetween && shadeColor) {
    const polys = shadePx(plot);
    ops.push({ kind: 'polygons', cls: 'shade', clip: true, polys, fill: shadeColor });
  }
  for (const h of hlines) {
    ops.push({
      kind: 'lines', cls: 'hline', label: h.src.label, clip: true, paths: [[[L, yToPx(h.src.y)], [R, yToPx(h.src.y)]]],
      color: h.color, width: S.lineWidth, cap: 'square', crisp: true, asPath: false, ...(h.dashed ? { dash: S.dash } : {}),
    });
  }

  // Series: error bars, line, markers.
  for (const s of series) {
    const { src } = s;
    const whiskers: Pt[][] = [];
    const paths: Pt[][] = [];
    const dots: Pt[] = [];
    let cur: Pt[] = [];
    for (let i = 0; i < src.x.length; i++) {
      const x = src.x[i];
      const y = src.y[i];
      if (!isNum(x) || !isNum(y)) {
        if (cur.length) paths.push(cur);
        cur = [];
        continue;
      }
      const p: Pt = [xToPx(x), yToPx(y)];
      cur.push(p);
      if (s.markers) dots.push(p);
      const e = src.yErr?.[i];
      if (isNum(e) && e > 0) {
        const ya = yToPx(y + e);
        const yb = yToPx(y - e);
        const c = S.errorCapHalfWidth;
        whiskers.push([[p[0], ya], [p[0], yb]], [[p[0] - c, ya], [p[0] + c, ya]], [[p[0] - c, yb], [p[0] + c, yb]]);
      }
    }
    if (cur.length) paths.push(cur);
    if (whiskers.length) {
      ops.push({ kind: 'lines', cls: 'error-bars', label: src.label, clip: true, paths: whiskers, color: withAlpha(s.color, 0.85), width: S.errorBarWidth, cap: 'square', crisp: true, asPath: false });
    }
    ops.push({
      kind: 'lines', cls: 'series-line', label: src.label, clip: true, paths, color: s.color, width: S.lineWidth, cap: 'round', crisp: false, asPath: true,
      ...(s.dashed ? { dash: S.dash } : {}),
    });
    if (dots.length) ops.push({ kind: 'circles', cls: 'markers', clip: true, centers: dots, r: S.markerRadius, fill: s.color });
  }

  // Frame and ticks.
  ops.push(furniture('frame', [[[L, T], [R, T]], [[R, T], [R, B]], [[R, B], [L, B]], [[L, B], [L, T]]], S.axis));
  const tl = S.tickLength;
  const mtl = S.minorTickLength;
  ops.push(furniture('ticks', [
    ...xt.ticks.map((v): Pt[] => [[xToPx(v), B], [xToPx(v), B + tl]]),
    ...yTicks.ticks.map((v): Pt[] => [[L - tl, yToPx(v)], [L, yToPx(v)]]),
  ], S.axis));
  if (xt.minor.length) ops.push(furniture('ticks minor', xt.minor.map((v): Pt[] => [[xToPx(v), B], [xToPx(v), B + mtl]]), S.axis));

  // Text.
  const textColor = parseColor(S.text);
  const text = (cls: string, x: number, y: number, t: string, size: number, anchor: 'start' | 'middle' | 'end', extra: { rotate?: boolean; bold?: boolean } = {}): void => {
    if (t !== '') ops.push({ kind: 'text', cls, clip: false, x, y, text: t, size, anchor, color: textColor, rotate: extra.rotate ?? false, bold: extra.bold ?? false });
  };
  const ts = S.tickSize;
  xt.ticks.forEach((v, i) => {
    const label = xt.labels[i]!;
    const half = textWidth(label, ts) / 2;
    const cx = Math.min(W - S.pad - half, Math.max(S.pad + half, xToPx(v)));
    text('tick-label x', cx, B + tl + 3 + FONT_ASCENT * ts, label, ts, 'middle');
  });
  yTicks.ticks.forEach((v, i) => text('tick-label y', L - tl - 5, yToPx(v) + (FONT_ASCENT * ts) / 2, yTicks.labels[i]!, ts, 'end'));
  // Centred over the plot where that fits, else shifted just enough to stay on the image.
  const centred = (t: string, size: number, mid: number, extent: number) => {
    const half = textWidth(t, size) / 2;
    return Math.min(extent - S.pad - half, Math.max(S.pad + half, mid));
  };
  titleFit.lines.forEach((line, i) => {
    text('title', centred(line, titleFit.size, L + PW / 2, W), S.pad + FONT_ASCENT * titleFit.size + i * titleLineH, line, titleFit.size, 'middle', { bold: true });
  });
  text('axis-label x', centred(xLabelFit.text, xLabelSize, L + PW / 2, W), xLabelBaseline, xLabelFit.text, xLabelSize, 'middle');
  text('axis-label y', S.pad + FONT_ASCENT * yLabelSize, centred(yLabelFit.text, yLabelSize, T + PH / 2, H), yLabelFit.text, yLabelSize, 'middle', { rotate: true });

  // Legend (last, so it sits on top).
  if (legend) {
    const { x: lx, y: ly, w: lw, h: lh } = legend;
    ops.push({ kind: 'rect', cls: 'legend-box', clip: false, rect: { x: lx, y: ly, w: lw, h: lh }, fill: parseColor(S.legendFill) });
    ops.push(furniture('legend-border', [[[lx, ly], [lx + lw, ly]], [[lx + lw, ly], [lx + lw, ly + lh]], [[lx + lw, ly + lh], [lx, ly + lh]], [[lx, ly + lh], [lx, ly]]], S.legendBorder));
    entries.forEach((e, i) => {
      const rowTop = ly + 6 + i * rowH;
      const mid = Math.round(rowTop + (FONT_ASCENT * ls) / 2);
      const sx0 = lx + 8;
      const sx1 = sx0 + sampleW;
      if (e.kind === 'shade' || e.band) {
        ops.push({ kind: 'rect', cls: 'legend-swatch', clip: false, rect: { x: sx0, y: mid - 6, w: sampleW, h: 12 }, fill: e.kind === 'shade' ? e.color : withAlpha(e.color, S.bandAlpha) });
      }
      if (e.kind !== 'shade') {
        ops.push({
          kind: 'lines', cls: 'legend-line', clip: false, paths: [[[sx0, mid], [sx1, mid]]], color: e.color, width: S.lineWidth,
          cap: e.kind === 'hline' ? 'square' : 'round', crisp: e.kind === 'hline', asPath: false, ...(e.dashed ? { dash: S.dash } : {}),
        });
      }
      if (e.markers) ops.push({ kind: 'circles', cls: 'legend-marker', clip: false, centers: [[(sx0 + sx1) / 2, mid]], r: S.markerRadius, fill: e.color });
      text('legend-label', sx1 + 8, rowTop + FONT_ASCENT * ls, e.label, ls, 'start');
    });
  }

  return {
    width: W,
    height: H,
    title: spec.title,
    plot,
    x: { scale: logX ? 'log' : 'linear', min: xMin, max: xMax, ticks: xt.ticks, tickLabels: xt.labels, minorTicks: xt.minor },
    y: { scale: 'linear', min: y0, max: y1, ticks: yTicks.ticks, tickLabels: yTicks.labels, minorTicks: [] },
    legend,
    ops,
    xToPx,
    yToPx,
  };
}

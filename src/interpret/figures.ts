/**
 * Saliency figures as PNG: a grid of heat maps, one panel per (input plane, channel), each cell
 * coloured by its value (diverging blue-white-red for signed maps, white-to-red for magnitudes),
 * with a title per panel and optional letters marking what the board holds. ASCII labels only
 * (the project's bitmap font).
 */
import { Canvas, type Color } from '../util/png.js';
import { FONT_ADVANCE, FONT_ASCENT, FONT_DESCENT, GLYPH_WIDTH, glyphFor, textChars } from '../util/plot/font.js';

export interface HeatPanel {
  title: string;
  height: number;
  width: number;
  values: ArrayLike<number>;
  /** Optional one-character labels per cell (e.g. 'A' agent, 'G' goal, '#' wall); '' for none. */
  labels?: readonly string[];
}

export interface HeatFigureOptions {
  cellSize?: number;
  columns?: number;
  /** 'signed' centres the colour scale on 0; 'magnitude' maps 0..max to white..red. Default: signed if any value is negative. */
  scale?: 'signed' | 'magnitude';
  /** Share one colour scale across panels (default true), so panels compare. */
  shared?: boolean;
  title?: string;
}

export function drawText(canvas: Canvas, x: number, y: number, text: string, color: Color, size = 1): void {
  textChars(text).forEach((ch, i) => {
    const g = glyphFor(ch);
    for (let row = 0; row < FONT_ASCENT + FONT_DESCENT; row++) {
      const bits = g[row] ?? 0;
      for (let c = 0; c < GLYPH_WIDTH; c++) if ((bits >> (GLYPH_WIDTH - 1 - c)) & 1) canvas.fillRect(x + (i * FONT_ADVANCE + c) * size, y + row * size, size, size, color);
    }
  });
}

function colorFor(v: number, max: number, signed: boolean): Color {
  const t = max > 0 ? Math.max(-1, Math.min(1, v / max)) : 0;
  if (!signed) {
    const a = Math.abs(t);
    return [255, Math.round(255 * (1 - a)), Math.round(255 * (1 - a))];
  }
  return t >= 0 ? [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))] : [Math.round(255 * (1 + t)), Math.round(255 * (1 + t)), 255];
}

export function heatFigurePNG(panels: readonly HeatPanel[], opts: HeatFigureOptions = {}): Buffer {
  if (panels.length === 0) throw new RangeError('heatFigure: no panels');
  const s = opts.cellSize ?? 14;
  const columns = Math.min(opts.columns ?? panels.length, panels.length);
  const signed = opts.scale ? opts.scale === 'signed' : panels.some((p) => Array.from(p.values).some((v) => v < 0));
  const maxOf = (p: HeatPanel) => Math.max(...Array.from(p.values, (v) => Math.abs(v)));
  const sharedMax = Math.max(...panels.map(maxOf));
  const titleH = 14;
  const pad = 8;
  const header = opts.title ? 16 : 0;
  const pw = Math.max(...panels.map((p) => p.width * s), ...panels.map((p) => p.title.length * FONT_ADVANCE));
  const ph = Math.max(...panels.map((p) => p.height * s)) + titleH + 12;
  const rows = Math.ceil(panels.length / columns);
  const canvas = new Canvas(columns * (pw + pad) + pad, header + rows * (ph + pad) + pad, [255, 255, 255]);
  if (opts.title) drawText(canvas, pad, 4, opts.title, [0, 0, 0]);
  panels.forEach((p, i) => {
    const x0 = pad + (i % columns) * (pw + pad);
    const y0 = header + pad + Math.floor(i / columns) * (ph + pad);
    drawText(canvas, x0, y0, p.title, [0, 0, 0]);
    const max = opts.shared === false ? maxOf(p) : sharedMax;
    for (let r = 0; r < p.height; r++)
      for (let c = 0; c < p.width; c++) {
        const k = r * p.width + c;
        canvas.fillRect(x0 + c * s, y0 + titleH + r * s, s, s, colorFor(p.values[k]!, max, signed));
        const label = p.labels?.[k];
        if (label) drawText(canvas, x0 + c * s + Math.floor((s - GLYPH_WIDTH) / 2), y0 + titleH + r * s + Math.floor((s - FONT_ASCENT) / 2), label, [60, 60, 60]);
      }
    // A thin frame, and the scale's maximum under the panel.
    canvas.fillRect(x0 - 1, y0 + titleH - 1, p.width * s + 2, 1, [120, 120, 120]);
    canvas.fillRect(x0 - 1, y0 + titleH + p.height * s, p.width * s + 2, 1, [120, 120, 120]);
    canvas.fillRect(x0 - 1, y0 + titleH - 1, 1, p.height * s + 2, [120, 120, 120]);
    canvas.fillRect(x0 + p.width * s, y0 + titleH - 1, 1, p.height * s + 2, [120, 120, 120]);
    drawText(canvas, x0, y0 + titleH + p.height * s + 3, `max ${formatShort(max)}`, [90, 90, 90]);
  });
  return canvas.toPNG();
}

function formatShort(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 0.01 && a < 1000 ? v.toPrecision(3) : v.toExponential(1);
}

/**
 * Rasterises a chart layout onto a Canvas (src/util/png.ts). Every drawing op is first rendered
 * into an anti-aliased coverage mask (0..1 per pixel) and then blended once in its colour, so
 * translucent fills and overlapping strokes of one op never double-blend.
 *
 * Lines use coverage from the distance to each segment (the thick-line generalisation of Wu's
 * anti-aliased algorithm: a pixel's ink is how much of it lies within width/2 of the segment),
 * which gives round caps and joins to match SVG's stroke-linecap/linejoin="round". Axis-aligned
 * furniture (grid, ticks, frame, error bars) is snapped to whole pixels so it stays crisp.
 */
import type { Canvas } from '../png.js';
import type { Rgba } from './color.js';
import { FONT_ADVANCE, FONT_ASCENT, FONT_DESCENT, glyphFor, GLYPH_WIDTH, textChars } from './font.js';
import type { ChartLayout } from './layout.js';
import { textStartOffset, type LinesOp, type Pt, type TextOp } from './scene.js';

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const clamp01 = (v: number) => (v <= 0 ? 0 : v >= 1 ? 1 : v);

/** Per-pixel coverage for one op, with the bounding box of what was touched. */
export class CoverageMask {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  private dirty: Box | null = null;
  /** Pixels outside this box (device px, half-open) are never written. */
  clip: Box;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.data = new Float32Array(width * height);
    this.clip = { x0: 0, y0: 0, x1: width, y1: height };
  }

  /** The integer pixel range [x0, x1) x [y0, y1) of a float box, clipped and marked dirty. */
  private range(x0: number, y0: number, x1: number, y1: number): Box | null {
    const c = this.clip;
    const r = { x0: Math.max(c.x0, Math.floor(x0)), y0: Math.max(c.y0, Math.floor(y0)), x1: Math.min(c.x1, Math.ceil(x1)), y1: Math.min(c.y1, Math.ceil(y1)) };
    if (r.x0 >= r.x1 || r.y0 >= r.y1) return null;
    const d = this.dirty;
    this.dirty = d ? { x0: Math.min(d.x0, r.x0), y0: Math.min(d.y0, r.y0), x1: Math.max(d.x1, r.x1), y1: Math.max(d.y1, r.y1) } : { ...r };
    return r;
  }

  /** A stroke of half-width hw from a to b with round caps; coverage combines by max. */
  capsule(ax: number, ay: number, bx: number, by: number, hw: number): void {
    const r = this.range(Math.min(ax, bx) - hw - 1, Math.min(ay, by) - hw - 1, Math.max(ax, bx) + hw + 1, Math.max(ay, by) + hw + 1);
    if (!r) return;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const reach = hw + 0.5;
    for (let py = r.y0; py < r.y1; py++) {
      const cy = py + 0.5;
      for (let px = r.x0; px < r.x1; px++) {
        const cx = px + 0.5;
        let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = cx - ax - t * dx;
        const ey = cy - ay - t * dy;
        const d2 = ex * ex + ey * ey;
        if (d2 >= reach * reach) continue;
        const cov = clamp01(reach - Math.sqrt(d2));
        const i = py * this.width + px;
        if (cov > this.data[i]!) this.data[i] = cov;
      }
    }
  }

  /** A filled disc, anti-aliased at its edge; combines by max. */
  disc(cx: number, cy: number, rad: number): void {
    const r = this.range(cx - rad - 1, cy - rad - 1, cx + rad + 1, cy + rad + 1);
    if (!r) return;
    for (let py = r.y0; py < r.y1; py++) {
      for (let px = r.x0; px < r.x1; px++) {
        const cov = clamp01(rad + 0.5 - Math.hypot(px + 0.5 - cx, py + 0.5 - cy));
        const i = py * this.width + px;
        if (cov > this.data[i]!) this.data[i] = cov;
      }
    }
  }

  /** An axis-aligned rectangle with exact fractional-edge coverage; `add` sums (for abutting rects), else max. */
  rect(x0: number, y0: number, x1: number, y1: number, add: boolean): void {
    const r = this.range(x0, y0, x1, y1);
    if (!r) return;
    for (let py = r.y0; py < r.y1; py++) {
      const cy = Math.min(py + 1, y1) - Math.max(py, y0);
      if (cy <= 0) continue;
      for (let px = r.x0; px < r.x1; px++) {
        const cx = Math.min(px + 1, x1) - Math.max(px, x0);
        if (cx <= 0) continue;
        const i = py * this.width + px;
        this.data[i] = add ? this.data[i]! + cx * cy : Math.max(this.data[i]!, cx * cy);
      }
    }
  }

  /** Even-odd filled polygons, scan-converted with 8 sub-scanlines per pixel row; coverage adds. */
  polygons(polys: readonly (readonly Pt[])[]): void {
    const SUB = 8;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const p of polys) {
      for (const [x, y] of p) {
        minX = Math.min(minX, x);
        minY = Math.min(minY, y);
        maxX = Math.max(maxX, x);
        maxY = Math.max(maxY, y);
      }
    }
    const r = this.range(minX, minY, maxX, maxY);
    if (!r) return;
    const edges: [number, number, number, number][] = [];
    for (const p of polys) {
      for (let i = 0; i < p.length; i++) {
        const a = p[i]!;
        const b = p[(i + 1) % p.length]!;
        if (a[1] !== b[1]) edges.push([a[0], a[1], b[0], b[1]]);
      }
    }
    const xs: number[] = [];
    for (let py = r.y0; py < r.y1; py++) {
      for (let s = 0; s < SUB; s++) {
        const sy = py + (s + 0.5) / SUB;
        xs.length = 0;
        for (const [x0, y0, x1, y1] of edges) {
          if ((sy >= y0 && sy < y1) || (sy >= y1 && sy < y0)) xs.push(x0 + ((sy - y0) * (x1 - x0)) / (y1 - y0));
        }
        xs.sort((a, b) => a - b);
        for (let k = 0; k + 1 < xs.length; k += 2) {
          const xa = Math.max(xs[k]!, r.x0);
          const xb = Math.min(xs[k + 1]!, r.x1);
          for (let px = Math.floor(xa); px < Math.ceil(xb); px++) {
            const cov = Math.min(px + 1, xb) - Math.max(px, xa);
            if (cov > 0) this.data[py * this.width + px]! += cov / SUB;
          }
        }
      }
    }
  }

  /** Blends the covered pixels onto the canvas in `color` and clears the mask. */
  composite(canvas: Canvas, color: Rgba): void {
    const d = this.dirty;
    if (!d) return;
    const alpha = color.a * 255;
    for (let py = d.y0; py < d.y1; py++) {
      for (let px = d.x0; px < d.x1; px++) {
        const i = py * this.width + px;
        const m = this.data[i]!;
        if (m <= 0) continue;
        this.data[i] = 0;
        canvas.setPixel(px, py, [color.r, color.g, color.b, alpha * Math.min(1, m)]);
      }
    }
    this.dirty = null;
  }
}

/** Splits a polyline into its "on" pieces for an [on, off] dash pattern (restarting per polyline, as SVG does). */
export function dashPolyline(pts: readonly Pt[], on: number, off: number): Pt[][] {
  if (pts.length < 2 || !(on > 0) || !(off > 0)) return pts.length ? [pts.slice()] : [];
  const out: Pt[][] = [];
  let drawing = true;
  let left = on;
  let cur: Pt[] = [pts[0]!];
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    let pos = 0;
    while (len - pos > left) {
      pos += left;
      const t = pos / len;
      const p: Pt = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
      if (drawing) {
        cur.push(p);
        out.push(cur);
        cur = [];
      } else cur = [p];
      drawing = !drawing;
      left = drawing ? on : off;
    }
    left -= len - pos;
    if (drawing) cur.push(b);
  }
  if (drawing && cur.length >= 2) out.push(cur);
  return out;
}

/** Snaps a device coordinate so a stroke of integer width w covers whole pixels. */
function snap(c: number, w: number): number {
  return w % 2 === 1 ? Math.floor(c) + 0.5 : Math.round(c);
}

function drawLines(mask: CoverageMask, op: LinesOp, s: number): void {
  const w = op.width * s;
  const pieces: Pt[][] = [];
  for (const path of op.paths) {
    const dev = path.map(([x, y]): Pt => [x * s, y * s]);
    if (op.dash) pieces.push(...dashPolyline(dev, op.dash[0] * s, op.dash[1] * s));
    else pieces.push(dev);
  }
  for (const piece of pieces) {
    if (piece.length === 1) {
      const [x, y] = piece[0]!;
      mask.capsule(x, y, x, y, w / 2);
      continue;
    }
    for (let i = 1; i < piece.length; i++) {
      const [ax, ay] = piece[i - 1]!;
      const [bx, by] = piece[i]!;
      const horizontal = Math.abs(ay - by) < 1e-9;
      const vertical = Math.abs(ax - bx) < 1e-9;
      if (op.crisp && (horizontal || vertical)) {
        const wd = Math.max(1, Math.round(w));
        const ext = op.cap === 'square' ? wd / 2 : 0;
        if (horizontal) {
          const y = snap(ay, wd);
          const lo = snap(Math.min(ax, bx), wd) - ext;
          const hi = snap(Math.max(ax, bx), wd) + ext;
          mask.rect(lo, y - wd / 2, hi, y + wd / 2, false);
        } else {
          const x = snap(ax, wd);
          const lo = snap(Math.min(ay, by), wd) - ext;
          const hi = snap(Math.max(ay, by), wd) + ext;
          mask.rect(x - wd / 2, lo, x + wd / 2, hi, false);
        }
      } else {
        mask.capsule(ax, ay, bx, by, w / 2);
      }
    }
  }
}

function drawText(mask: CoverageMask, op: TextOp, s: number): void {
  let ps = op.size * s;
  if (Math.abs(ps - Math.round(ps)) < 0.02 && ps >= 1) ps = Math.round(ps);
  const off = textStartOffset(op) * s;
  const bold = op.bold ? Math.max(1, Math.floor(ps / 2)) : 0;
  // Snap the text origin to whole pixels so integer-sized glyph pixels land crisply.
  const baseX = Math.round(op.x * s);
  const baseY = Math.round(op.y * s);
  const start = op.rotate ? Math.round(op.y * s - off) : Math.round(op.x * s + off);
  textChars(op.text).forEach((ch, i) => {
    const g = glyphFor(ch);
    const gx = i * FONT_ADVANCE * ps;
    for (let row = 0; row < FONT_ASCENT + FONT_DESCENT; row++) {
      const bits = g[row] ?? 0;
      if (!bits) continue;
      const v0 = (row - FONT_ASCENT) * ps;
      const v1 = v0 + ps;
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (!((bits >> (GLYPH_WIDTH - 1 - c)) & 1)) continue;
        let c1 = c;
        while (c1 + 1 < GLYPH_WIDTH && (bits >> (GLYPH_WIDTH - 2 - c1)) & 1) c1++;
        const u0 = gx + c * ps;
        const u1 = gx + (c1 + 1) * ps + bold;
        if (op.rotate) mask.rect(baseX + v0, start - u1, baseX + v1, start - u0, true);
        else mask.rect(start + u0, baseY + v0, start + u1, baseY + v1, true);
        c = c1;
      }
    }
  });
}

/** Draws every op of the layout onto `canvas` at `scale` device pixels per logical unit. */
export function rasterize(canvas: Canvas, layout: ChartLayout, scale: number): void {
  const mask = new CoverageMask(canvas.width, canvas.height);
  const full: Box = { x0: 0, y0: 0, x1: canvas.width, y1: canvas.height };
  const p = layout.plot;
  const plotClip: Box = { x0: Math.round(p.x * scale), y0: Math.round(p.y * scale), x1: Math.round((p.x + p.w) * scale), y1: Math.round((p.y + p.h) * scale) };
  for (const op of layout.ops) {
    mask.clip = op.clip ? plotClip : full;
    switch (op.kind) {
      case 'lines':
        drawLines(mask, op, scale);
        mask.composite(canvas, op.color);
        break;
      case 'circles':
        for (const [x, y] of op.centers) mask.disc(x * scale, y * scale, op.r * scale);
        mask.composite(canvas, op.fill);
        break;
      case 'polygons':
        mask.polygons(op.polys.map((poly) => poly.map(([x, y]): Pt => [x * scale, y * scale])));
        mask.composite(canvas, op.fill);
        break;
      case 'rect':
        mask.rect(op.rect.x * scale, op.rect.y * scale, (op.rect.x + op.rect.w) * scale, (op.rect.y + op.rect.h) * scale, false);
        mask.composite(canvas, op.fill);
        break;
      case 'text':
        drawText(mask, op, scale);
        mask.composite(canvas, op.color);
        break;
    }
  }
}

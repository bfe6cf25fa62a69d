/** Writes a chart layout's drawing list as a standalone SVG document. */
import { toHex, type Rgba } from './color.js';
import { FONT_ADVANCE } from './font.js';
import type { ChartLayout } from './layout.js';
import { textStartOffset, type Op, type Pt } from './scene.js';

/** Escapes text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** A number with at most two decimals and no trailing zeros. */
function n(v: number): string {
  const s = String(Number(v.toFixed(2)));
  return s === '-0' ? '0' : s;
}

function paint(kind: 'fill' | 'stroke', c: Rgba): string {
  return `${kind}="${toHex(c)}"${c.a < 1 ? ` ${kind}-opacity="${Number(c.a.toFixed(3))}"` : ''}`;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

const FONT_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

function opToSvg(op: Op): string {
  const cls = `class="${escapeXml(op.cls)}"`;
  switch (op.kind) {
    case 'lines': {
      const stroke = `${paint('stroke', op.color)} stroke-width="${n(op.width)}" stroke-linecap="${op.cap}"${op.cap === 'round' ? ' stroke-linejoin="round"' : ''}${
        op.dash ? ` stroke-dasharray="${n(op.dash[0])} ${n(op.dash[1])}"` : ''
      }${op.crisp ? ' shape-rendering="crispEdges"' : ''}`;
      const label = op.label !== undefined ? ` data-label="${escapeXml(op.label)}"` : '';
      if (op.asPath) {
        const d = op.paths
          .map((p: readonly Pt[]) => {
            const pts = p.length === 1 ? [p[0]!, p[0]!] : p; // a lone point still shows as a dot with round caps
            return pts.map(([x, y], i) => `${i ? 'L' : 'M'}${n(x)} ${n(y)}`).join(' ');
          })
          .join(' ');
        return `<path ${cls}${label} d="${d}" fill="none" ${stroke}/>`;
      }
      const lines: string[] = [];
      for (const p of op.paths) {
        for (let i = 1; i < p.length; i++) {
          const [x1, y1] = p[i - 1]!;
          const [x2, y2] = p[i]!;
          lines.push(`<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}"/>`);
        }
      }
      return lines.length ? `<g ${cls}${label} ${stroke}>${lines.join('')}</g>` : '';
    }
    case 'circles':
      return op.centers.length ? `<g ${cls} ${paint('fill', op.fill)}>${op.centers.map(([x, y]) => `<circle cx="${n(x)}" cy="${n(y)}" r="${n(op.r)}"/>`).join('')}</g>` : '';
    case 'polygons':
      return op.polys.length
        ? `<g ${cls} ${paint('fill', op.fill)} fill-rule="evenodd">${op.polys.map((p) => `<polygon points="${p.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}"/>`).join('')}</g>`
        : '';
    case 'rect':
      return `<rect ${cls} x="${n(op.rect.x)}" y="${n(op.rect.y)}" width="${n(Math.max(0, op.rect.w))}" height="${n(Math.max(0, op.rect.h))}" ${paint('fill', op.fill)}/>`;
    case 'text': {
      const chars = Array.from(op.text).length;
      const off = textStartOffset(op);
      const x = op.rotate ? op.x : op.x + off;
      const y = op.rotate ? op.y - off : op.y;
      // Lay the text out like the bitmap font: 6 font pixels per character at font-size 10.
      const attrs = [
        cls,
        `x="${n(x)}"`,
        `y="${n(y)}"`,
        `font-size="${n(op.size * 10)}"`,
        `textLength="${n(chars * FONT_ADVANCE * op.size)}"`,
        'lengthAdjust="spacing"',
        paint('fill', op.color),
        op.bold ? 'font-weight="bold"' : '',
        op.rotate ? `transform="rotate(-90 ${n(x)} ${n(y)})"` : '',
      ].filter(Boolean);
      return `<text ${attrs.join(' ')}>${escapeXml(op.text)}</text>`;
    }
  }
}

/** Serialises a layout as SVG (UTF-8), with a clip path for the plot area. */
export function toSvg(layout: ChartLayout): string {
  const { width: W, height: H, plot } = layout;
  const clipId = `plot-clip-${fnv1a(JSON.stringify([layout.title, W, H, plot, layout.ops.length]))}`;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(W)}" height="${n(H)}" viewBox="0 0 ${n(W)} ${n(H)}" font-family="${escapeXml(FONT_FAMILY)}">`,
    `<title>${escapeXml(layout.title)}</title>`,
    `<defs><clipPath id="${clipId}"><rect x="${n(plot.x)}" y="${n(plot.y)}" width="${n(plot.w)}" height="${n(plot.h)}"/></clipPath></defs>`,
    `<rect class="background" x="0" y="0" width="${n(W)}" height="${n(H)}" fill="#ffffff"/>`,
  ];
  let clipped: string[] | null = null;
  const flush = () => {
    if (clipped && clipped.length) out.push(`<g clip-path="url(#${clipId})">`, ...clipped, '</g>');
    clipped = null;
  };
  for (const op of layout.ops) {
    const el = opToSvg(op);
    if (!el) continue;
    if (op.clip) (clipped ??= []).push(el);
    else {
      flush();
      out.push(el);
    }
  }
  flush();
  out.push('</svg>', '');
  return out.join('\n');
}

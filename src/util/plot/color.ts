/** Colours for charts: parsing of CSS-style colour strings and the default palette. */

/** Red, green, blue 0..255 and alpha 0..1. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

/**
 * Okabe & Ito's colour-blind-safe palette, reordered so the first colours are the most
 * distinct on white (the pale yellow comes last).
 */
export const OKABE_ITO = {
  blue: '#0072B2',
  vermillion: '#D55E00',
  bluishGreen: '#009E73',
  reddishPurple: '#CC79A7',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  black: '#000000',
  yellow: '#F0E442',
} as const;

/** Series colours, in the order series receive them. */
export const DEFAULT_PALETTE: readonly string[] = Object.values(OKABE_ITO);

const NAMED: Record<string, string> = {
  black: '#000000',
  white: '#ffffff',
  gray: '#808080',
  grey: '#808080',
  darkgray: '#a9a9a9',
  darkgrey: '#a9a9a9',
  lightgray: '#d3d3d3',
  lightgrey: '#d3d3d3',
  red: '#ff0000',
  green: '#008000',
  blue: '#0000ff',
  orange: '#ffa500',
  purple: '#800080',
  yellow: '#ffff00',
  magenta: '#ff00ff',
  cyan: '#00ffff',
  brown: '#a52a2a',
  pink: '#ffc0cb',
  navy: '#000080',
  teal: '#008080',
  transparent: '#00000000',
};

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

/**
 * Parses '#rgb', '#rgba', '#rrggbb', '#rrggbbaa', 'rgb(r, g, b)', 'rgba(r, g, b, a)' (a in
 * 0..1) or a basic CSS colour name; throws a RangeError naming `what` for anything else.
 */
export function parseColor(input: string, what = 'colour'): Rgba {
  const s = String(input).trim().toLowerCase();
  const named = NAMED[s];
  if (named !== undefined) return parseColor(named, what);
  let m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (m) {
    let hex = m[1]!;
    if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
    const byte = (i: number) => parseInt(hex.slice(i, i + 2), 16);
    return { r: byte(0), g: byte(2), b: byte(4), a: hex.length === 8 ? byte(6) / 255 : 1 };
  }
  m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(s);
  if (m) {
    const a = m[4] === undefined ? 1 : Number(m[4]);
    const parts = [Number(m[1]), Number(m[2]), Number(m[3]), a];
    if (parts.every(Number.isFinite) && a >= 0 && a <= 1) return { r: clampByte(parts[0]!), g: clampByte(parts[1]!), b: clampByte(parts[2]!), a };
  }
  throw new RangeError(`plot: cannot parse ${what} ${JSON.stringify(input)} (use #rrggbb, #rrggbbaa, rgb(…), rgba(…) or a basic colour name)`);
}

/** The same colour with its alpha multiplied by `f`. */
export function withAlpha(c: Rgba, f: number): Rgba {
  return { r: c.r, g: c.g, b: c.b, a: Math.max(0, Math.min(1, c.a * f)) };
}

/** '#rrggbb' (alpha is written separately, as an SVG opacity). */
export function toHex(c: Rgba): string {
  return `#${[c.r, c.g, c.b].map((v) => clampByte(v).toString(16).padStart(2, '0')).join('')}`;
}

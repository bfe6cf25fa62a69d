/**
 * The drawing list a chart layout produces, in logical units (1 unit = 1 SVG user unit = 1 PNG
 * pixel at scale 1). Both renderers consume the same list, so SVG and PNG share one layout.
 */
import type { Rgba } from './color.js';
import { textWidth } from './font.js';

export type Pt = readonly [number, number];

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

interface OpBase {
  /** Clip to the plot area. */
  readonly clip: boolean;
  /** A class name for the SVG element (series-line, grid, tick, …). */
  readonly cls: string;
}

/** Stroked polylines. */
export interface LinesOp extends OpBase {
  readonly kind: 'lines';
  readonly paths: readonly (readonly Pt[])[];
  readonly color: Rgba;
  readonly width: number;
  /** [on, off] lengths in logical units. */
  readonly dash?: readonly [number, number];
  /** Round caps and joins (data lines) or square caps (axis furniture). */
  readonly cap: 'round' | 'square';
  /** Axis-aligned furniture that renderers snap to whole pixels. */
  readonly crisp: boolean;
  /** Emit as one SVG <path> (a data series) rather than separate <line>s. */
  readonly asPath: boolean;
  readonly label?: string;
}

export interface CirclesOp extends OpBase {
  readonly kind: 'circles';
  readonly centers: readonly Pt[];
  readonly r: number;
  readonly fill: Rgba;
}

/** Filled polygons (even-odd rule). */
export interface PolygonsOp extends OpBase {
  readonly kind: 'polygons';
  readonly polys: readonly (readonly Pt[])[];
  readonly fill: Rgba;
}

export interface RectOp extends OpBase {
  readonly kind: 'rect';
  readonly rect: Rect;
  readonly fill: Rgba;
}

export interface TextOp extends OpBase {
  readonly kind: 'text';
  /** Anchor point; y is the baseline (for rotated text, x is the baseline). */
  readonly x: number;
  readonly y: number;
  readonly text: string;
  /** Logical units per font pixel (the 5x7 glyphs are 5*size wide, 7*size tall). */
  readonly size: number;
  readonly anchor: 'start' | 'middle' | 'end';
  readonly color: Rgba;
  /** Rotated 90° anticlockwise (reads bottom to top), about (x, y). */
  readonly rotate: boolean;
  readonly bold: boolean;
}

export type Op = LinesOp | CirclesOp | PolygonsOp | RectOp | TextOp;

/** Offset from the anchor to where the text starts, along the text direction. */
export function textStartOffset(op: TextOp): number {
  const w = textWidth(op.text, op.size);
  return op.anchor === 'start' ? 0 : op.anchor === 'middle' ? -w / 2 : -w;
}

/**
 * Declarative line charts for experiment reports and training curves, rendered either as a
 * standalone SVG string or as a PNG (via the dependency-free Canvas in src/util/png.ts). Both
 * renderers draw the same layout (see layout.ts), so the two files look alike.
 *
 *   const spec: ChartSpec = {
 *     title: 'Proxy vs true return', xLabel: 'environment steps', yLabel: 'return',
 *     series: [{ label: 'proxy', x, y: proxy }, { label: 'true', x, y: truth, yErr: sd }],
 *     shadeBetween: { upper: 'proxy', lower: 'true' },
 *   };
 *   writeFileSync('fig.svg', renderSvg(spec));
 *   writeFileSync('fig.png', renderPng(spec, { scale: 2 }));
 */
import { Canvas } from '../png.js';
import { layoutChart } from './layout.js';
import { rasterize } from './raster.js';
import { toSvg } from './svg.js';

export interface Series {
  label: string;
  x: number[];
  /** NaN (or null) values are skipped and break the line. */
  y: number[];
  /** Symmetric error bars (e.g. one standard deviation or a CI half-width); NaN skips a bar. */
  yErr?: number[];
  /** Any colour parseColor accepts; defaults to the next Okabe–Ito palette colour. */
  color?: string;
  dashed?: boolean;
  /** Filled circles at the data points; default: on when the series has at most 30 points. */
  markers?: boolean;
}

/** A horizontal reference line across the plot (e.g. an optimal or random-policy return). */
export interface HLine {
  label: string;
  y: number;
  /** Draws a translucent band y ± yErr behind the line. */
  yErr?: number;
  color?: string;
  /** Default true: reference lines are dashed unless told otherwise. */
  dashed?: boolean;
}

export interface ShadeBetween {
  /** Labels of the two series whose gap is filled (which is higher may change along x). */
  upper: string;
  lower: string;
  /** Fill colour; without an alpha of its own it is drawn at 25% opacity. Default: the upper series' colour. */
  color?: string;
  /** Legend text; default `${upper} − ${lower} gap`. Pass '' to leave it out of the legend. */
  label?: string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xScale?: 'linear' | 'log';
  series: Series[];
  hlines?: HLine[];
  /** Fills the area between two series (by label), e.g. the gap between proxy and true return. */
  shadeBetween?: ShadeBetween;
  /** Logical size (SVG user units; PNG pixels at scale 1). Default 800 x 480. */
  width?: number;
  height?: number;
  /**
   * 'auto' (default): inside the plot in the corner that covers the least data, or to the
   * right of the plot when every corner would cover data. 'inside' always picks a corner.
   */
  legend?: 'auto' | 'inside' | 'outside' | 'none';
}

export interface PngOptions {
  /** Pixels per logical unit (2 gives a crisp 1600 x 960 image for the default size). Default 1. */
  scale?: number;
}

/** The chart as a standalone SVG document (UTF-8 text). */
export function renderSvg(spec: ChartSpec): string {
  return toSvg(layoutChart(spec));
}

/** The chart drawn on a Canvas, for composing figures (Canvas.drawCanvas) before encoding. */
export function renderCanvas(spec: ChartSpec, options: PngOptions = {}): Canvas {
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 16) throw new RangeError(`renderPng: scale must be in (0, 16], got ${scale}`);
  const layout = layoutChart(spec);
  const canvas = new Canvas(Math.max(1, Math.round(layout.width * scale)), Math.max(1, Math.round(layout.height * scale)), [255, 255, 255, 255]);
  rasterize(canvas, layout, scale);
  return canvas;
}

/** The chart as a PNG file: (width * scale) x (height * scale) pixels, RGBA. */
export function renderPng(spec: ChartSpec, options: PngOptions = {}): Buffer {
  return renderCanvas(spec, options).toPNG();
}

/** Dependency-free charts (SVG and PNG) for experiment reports and training curves. */
export { renderSvg, renderPng, renderCanvas } from './chart.js';
export type { ChartSpec, Series, HLine, ShadeBetween, PngOptions } from './chart.js';
export { layoutChart, CHART_STYLE } from './layout.js';
export type { ChartLayout, Axis, LegendBox } from './layout.js';
export type { Op, LinesOp, CirclesOp, PolygonsOp, RectOp, TextOp, Pt, Rect } from './scene.js';
export { niceTicks, niceStep, logTicks, formatTick, formatTicks, formatLogTick } from './ticks.js';
export { parseColor, withAlpha, toHex, OKABE_ITO, DEFAULT_PALETTE } from './color.js';
export type { Rgba } from './color.js';
export { glyphFor, hasGlyph, textWidth, FONT_ASCENT, FONT_DESCENT, FONT_ADVANCE, GLYPH_WIDTH } from './font.js';
export type { Glyph } from './font.js';
export { escapeXml } from './svg.js';
export { dashPolyline, CoverageMask } from './raster.js';

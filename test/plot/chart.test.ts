import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import {
  DEFAULT_PALETTE,
  dashPolyline,
  formatTick,
  formatTicks,
  glyphFor,
  hasGlyph,
  layoutChart,
  logTicks,
  niceTicks,
  parseColor,
  renderPng,
  renderSvg,
  textWidth,
  type ChartSpec,
  type LinesOp,
} from '../../src/util/plot/index.js';

// ---- helpers -------------------------------------------------------------------------------

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes the RGBA8, non-interlaced, filter-0 PNGs src/util/png.ts writes. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIG, 'PNG signature');
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      assert.equal(data[9], 6, 'colour type RGBA');
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, (stride + 1) * height);
  const rgba = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, 'the encoder writes filter type 0 on every row');
    rgba.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, rgba };
}

function countColour(img: { rgba: Uint8Array }, [r, g, b]: readonly number[], tol = 0): number {
  let n = 0;
  for (let i = 0; i < img.rgba.length; i += 4) {
    if (Math.abs(img.rgba[i]! - r!) <= tol && Math.abs(img.rgba[i + 1]! - g!) <= tol && Math.abs(img.rgba[i + 2]! - b!) <= tol) n++;
  }
  return n;
}

function pixel(img: { width: number; rgba: Uint8Array }, x: number, y: number): number[] {
  const i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return [...img.rgba.subarray(i, i + 3)];
}

/** Checks the SVG is well-formed XML as far as tags go; returns the element names in order. */
function checkXml(svg: string): string[] {
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([<>])/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(body))) {
    const between = body.slice(last, m.index);
    assert.doesNotMatch(between, /&(?!amp;|lt;|gt;|quot;|#39;)/, `unescaped & in text ${JSON.stringify(between)}`);
    last = re.lastIndex;
    if (m[5]) assert.fail(`stray ${m[5]} at offset ${m.index}: ${JSON.stringify(body.slice(Math.max(0, m.index - 40), m.index + 40))}`);
    const [, close, name, attrs, selfClose] = m;
    assert.doesNotMatch(attrs ?? '', /&(?!amp;|lt;|gt;|quot;|#39;)/, `unescaped & in attributes of <${name}>`);
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the open element`);
    else {
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
  }
  assert.deepEqual(stack, [], 'every element is closed');
  assert.equal(names[0], 'svg');
  assert.equal(body.slice(last).trim(), '');
  return names;
}

const steps = [1e3, 1e4, 1e5, 1e6];
const basic: ChartSpec = {
  title: 'Proxy & true return <seed 0> "demo"',
  xLabel: 'environment steps',
  yLabel: 'return (± sd)',
  series: [
    { label: 'proxy', x: [0, 1, 2, 3, 4], y: [0, 2, 4, 6, 8], color: '#ff00ff' },
    { label: 'true', x: [0, 1, 2, 3, 4], y: [0, 1.5, 2, 1.8, 1], yErr: [0.1, 0.2, 0.3, 0.2, 0.1] },
  ],
};

// ---- ticks ---------------------------------------------------------------------------------

test('niceTicks picks 1-2-5 steps that cover the range', () => {
  assert.deepEqual(niceTicks(0, 9.7), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-3.2, 7.1), [-4, -2, 0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(0.1, 0.35), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  assert.deepEqual(niceTicks(0, 1000, 3), [0, 500, 1000]);
  assert.deepEqual(niceTicks(9.7, 0), [0, 2, 4, 6, 8, 10], 'reversed bounds');
  const flat = niceTicks(5, 5);
  assert.ok(flat.length >= 2 && flat[0]! < 5 && flat[flat.length - 1]! > 5);
  assert.throws(() => niceTicks(0, Infinity), RangeError);
});

test('logTicks gives powers of ten, thinned when there are many decades', () => {
  assert.deepEqual(logTicks(0.01, 1), [0.01, 0.1, 1]);
  assert.deepEqual(logTicks(3, 4000), [1, 10, 100, 1000, 10000]);
  const wide = logTicks(1e-10, 1e10, 8);
  assert.ok(wide.length <= 9, `${wide.length} ticks`);
  for (const v of wide) assert.ok(Number.isInteger(Math.log10(v)), `${v} is a power of ten`);
  assert.ok(wide[0]! <= 1e-10 && wide[wide.length - 1]! >= 1e10);
  assert.throws(() => logTicks(0, 10), /positive/);
});

test('tick labels are short and consistent per axis', () => {
  assert.equal(formatTick(0.1 + 0.2, 0.1), '0.3');
  assert.equal(formatTick(2.5, 0.5), '2.5');
  assert.deepEqual(formatTicks([-1, -0.5, 0, 0.5], 0.5), ['-1.0', '-0.5', '0.0', '0.5']);
  assert.deepEqual(formatTicks([0, 50000, 100000, 150000], 50000), ['0', '50k', '100k', '150k']);
  assert.deepEqual(formatTicks([0, 5e5, 1e6, 1.5e6], 5e5), ['0', '500k', '1M', '1.5M']);
  assert.deepEqual(formatTicks([0.01, 0.1, 1], 0), ['0.01', '0.1', '1']);
  assert.deepEqual(formatTicks([1e2, 1e3, 1e4, 1e5, 1e6], 0), ['100', '1k', '10k', '100k', '1M']);
  assert.deepEqual(formatTicks([1e-6, 1e-2, 1e2, 1e6], 0), ['1e-6', '1e-2', '1e2', '1e6']);
});

// ---- SVG -----------------------------------------------------------------------------------

test('renderSvg writes well-formed SVG with one path per series, title, labels and escaped text', () => {
  const svg = renderSvg(basic);
  const names = checkXml(svg);
  assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="800" height="480" viewBox="0 0 800 480"/);
  assert.equal(names.filter((n) => n === 'path').length, 2, 'one <path> per series and no other paths');
  assert.equal(names.filter((n) => n === 'polyline').length, 0);
  assert.equal((svg.match(/<path class="series-line"/g) ?? []).length, 2);
  assert.match(svg, /data-label="proxy"/);
  assert.match(svg, /data-label="true"/);
  assert.ok(svg.includes('Proxy &amp; true return &lt;seed 0&gt; &quot;demo&quot;'), 'title escaped');
  assert.ok(!svg.includes('<seed 0>'));
  assert.ok(svg.includes('>environment steps</text>'));
  assert.ok(svg.includes('>return (± sd)</text>'));
  assert.ok(svg.includes('transform="rotate(-90'), 'y label is rotated');
  assert.ok(svg.includes('stroke="#ff00ff"'), 'explicit series colour');
  assert.ok(svg.includes(`stroke="${DEFAULT_PALETTE[1]!.toLowerCase()}"`), 'second series gets the second palette colour');
  assert.ok(svg.includes('<clipPath id="plot-clip-'));
  // Error bars: a whisker and two caps per point of the 'true' series.
  const bars = /<g class="error-bars" data-label="true"[^>]*>(.*?)<\/g>/.exec(svg);
  assert.ok(bars, 'error bar group');
  assert.equal((bars[1]!.match(/<line /g) ?? []).length, 15);
  // Markers default on for short series; ticks and grid are there.
  assert.equal((svg.match(/<circle /g) ?? []).length, 10 + 2, 'five markers per series plus one per legend entry');
  assert.match(svg, /class="tick-label y"[^>]*>8<\/text>/);
  assert.match(svg, /class="grid"/);
  // Legend entries.
  assert.match(svg, /class="legend-label"[^>]*>proxy<\/text>/);
  assert.match(svg, /class="legend-label"[^>]*>true<\/text>/);
  // Deterministic.
  assert.equal(renderSvg(basic), svg);
});

test('escapes special characters in labels everywhere, including legend and data-label attributes', () => {
  const svg = renderSvg({ title: 'a<b', xLabel: 'x&y', yLabel: '"q"', series: [{ label: `it's <A&B>`, x: [1, 2], y: [1, 2] }], hlines: [{ label: 'h>0', y: 1.5 }] });
  checkXml(svg);
  assert.ok(svg.includes('it&#39;s &lt;A&amp;B&gt;'));
  assert.ok(svg.includes('h&gt;0'));
  assert.ok(svg.includes('x&amp;y'));
  assert.ok(svg.includes('&quot;q&quot;'));
});

test('NaN and null points break the line instead of being joined', () => {
  const spec: ChartSpec = {
    title: 't', xLabel: 'x', yLabel: 'y',
    series: [{ label: 'gappy', x: [0, 1, 2, 3, 4, 5], y: [1, 2, NaN, 4, null as unknown as number, 6], markers: false }],
  };
  const layout = layoutChart(spec);
  const line = layout.ops.find((op): op is LinesOp => op.kind === 'lines' && op.cls === 'series-line')!;
  assert.deepEqual(line.paths.map((p) => p.length), [2, 1, 1]);
  const svg = renderSvg(spec);
  const d = /<path class="series-line"[^>]* d="([^"]*)"/.exec(svg)![1]!;
  assert.equal((d.match(/M/g) ?? []).length, 3, d);
  assert.ok(!d.includes('NaN'));
  // A NaN x is skipped as well, and NaN never leaks into the SVG.
  const svg2 = renderSvg({ ...spec, series: [{ label: 's', x: [0, NaN, 2], y: [1, 2, 3] }] });
  assert.ok(!svg2.includes('NaN'));
});

test('axis ranges include all data, error bars and hlines with a margin', () => {
  const layout = layoutChart({
    title: '', xLabel: '', yLabel: '',
    series: [{ label: 's', x: [10, 20], y: [1, 2], yErr: [3, 0.5] }],
    hlines: [{ label: 'ceiling', y: 9, yErr: 1 }],
  });
  assert.ok(layout.y.min < 1 - 3, `y.min ${layout.y.min}`);
  assert.ok(layout.y.max > 9 + 1, `y.max ${layout.y.max}`);
  assert.ok(layout.x.min < 10 && layout.x.max > 20);
  // Margins are small (a few percent).
  assert.ok(layout.y.max < 10.2 + 1 && layout.x.max < 21);
  // Every tick lies inside the shown range and maps inside the plot.
  for (const v of layout.y.ticks) {
    const py = layout.yToPx(v);
    assert.ok(py >= layout.plot.y - 0.01 && py <= layout.plot.y + layout.plot.h + 0.01);
  }
});

test('log x-axis: ticks at powers of ten, and non-positive x is rejected naming the series', () => {
  const layout = layoutChart({ title: '', xLabel: '', yLabel: '', xScale: 'log', series: [{ label: 'a', x: [0.01, 0.1, 1], y: [1, 2, 3] }] });
  assert.equal(layout.x.scale, 'log');
  assert.deepEqual(layout.x.ticks, [0.01, 0.1, 1]);
  assert.deepEqual(layout.x.tickLabels, ['0.01', '0.1', '1']);
  assert.ok(layout.x.minorTicks.includes(0.05));
  // Equal ratios get equal distances.
  const d1 = layout.xToPx(0.1) - layout.xToPx(0.01);
  const d2 = layout.xToPx(1) - layout.xToPx(0.1);
  assert.ok(Math.abs(d1 - d2) < 1e-6);
  for (const bad of [0, -3]) {
    assert.throws(
      () => renderSvg({ title: '', xLabel: '', yLabel: '', xScale: 'log', series: [{ label: 'ok', x: [1], y: [1] }, { label: 'bad run', x: [1, bad], y: [1, 2] }] }),
      (e: Error) => e instanceof RangeError && e.message.includes('"bad run"') && e.message.includes('log'),
    );
  }
  assert.throws(() => renderPng({ title: '', xLabel: '', yLabel: '', xScale: 'log', series: [{ label: 'zero', x: [0], y: [1] }] }), /"zero"/);
});

test('invalid specs fail with clear errors', () => {
  const base = { title: '', xLabel: '', yLabel: '' };
  assert.throws(() => renderSvg({ ...base, series: [{ label: 'short', x: [1, 2], y: [1] }] }), /"short" has 2 x values but 1 y values/);
  assert.throws(() => renderSvg({ ...base, series: [{ label: 'e', x: [1], y: [1], yErr: [1, 2] }] }), /yErr/);
  assert.throws(() => renderSvg({ ...base, series: [{ label: 'c', x: [1], y: [1], color: 'notacolour' }] }), /colour of series "c"/);
  assert.throws(() => renderSvg({ ...base, series: [{ label: 'a', x: [1], y: [1] }], shadeBetween: { upper: 'a', lower: 'nope' } }), /"nope"/);
  assert.throws(() => renderPng(basic, { scale: 0 }), /scale/);
});

test('shadeBetween fills the gap between two series, broken where either has a gap', () => {
  const x = [0, 1, 2, 3, 4, 5, 6];
  const spec: ChartSpec = {
    title: 'gap', xLabel: 'x', yLabel: 'y',
    series: [
      { label: 'proxy', x, y: [0, 2, 4, 6, 8, 10, 12] },
      { label: 'true', x, y: [0, 1, 2, NaN, 2, 1, 0] },
    ],
    shadeBetween: { upper: 'proxy', lower: 'true', color: '#D55E00' },
  };
  const svg = renderSvg(spec);
  checkXml(svg);
  assert.equal((svg.match(/<polygon /g) ?? []).length, 2, 'two shaded regions around the NaN');
  assert.match(svg, /class="shade" fill="#d55e00" fill-opacity="0.25"/);
  assert.match(svg, /class="legend-label"[^>]*>proxy − true gap<\/text>/);
  const img = decodePng(renderPng(spec));
  // 25% vermillion over white.
  const shade = [0xd5, 0x5e, 0x00].map((c) => Math.round(c * 0.25 + 255 * 0.75));
  assert.ok(countColour(img, shade, 2) > 500, 'shaded pixels');
});

test('hlines draw across the plot, dashed by default, with an optional band', () => {
  const svg = renderSvg({ ...basic, hlines: [{ label: 'optimum', y: 5, yErr: 0.5 }, { label: 'solid', y: 3, dashed: false }] });
  checkXml(svg);
  assert.match(svg, /<g class="hline" data-label="optimum"[^>]*stroke-dasharray/);
  assert.doesNotMatch(/<g class="hline" data-label="solid"[^>]*>/.exec(svg)![0], /dasharray/);
  assert.match(svg, /<rect class="hline-band"/);
  assert.equal((svg.match(/<path /g) ?? []).length, 2, 'hlines are not series paths');
});

test('dashed series get a dash array in SVG; the PNG dash splitter matches SVG dashing', () => {
  const svg = renderSvg({ ...basic, series: [{ ...basic.series[0]!, dashed: true }] });
  assert.match(svg, /<path class="series-line"[^>]*stroke-dasharray="7 5"/);
  const pieces = dashPolyline([[0, 0], [30, 0]], 7, 5);
  assert.deepEqual(pieces.map((p) => [p[0]![0], p[p.length - 1]![0]]), [[0, 7], [12, 19], [24, 30]]);
  // The pattern carries on around corners.
  const bent = dashPolyline([[0, 0], [4, 0], [4, 10]], 7, 5);
  assert.deepEqual(bent[0], [[0, 0], [4, 0], [4, 3]]);
});

// ---- PNG -----------------------------------------------------------------------------------

test('renderPng writes a PNG of the requested size, at any scale', () => {
  const png = renderPng({ ...basic, width: 400, height: 300 });
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIG);
  assert.equal(png.toString('ascii', 12, 16), 'IHDR');
  assert.equal(png.readUInt32BE(16), 400);
  assert.equal(png.readUInt32BE(20), 300);
  const png2 = renderPng({ ...basic, width: 400, height: 300 }, { scale: 2 });
  assert.equal(png2.readUInt32BE(16), 800);
  assert.equal(png2.readUInt32BE(20), 600);
  const img = decodePng(renderPng(basic));
  assert.equal(img.width, 800);
  assert.equal(img.height, 480);
});

test('series colours actually appear in the PNG, at the data points the layout puts them', () => {
  for (const scale of [1, 2]) {
    const img = decodePng(renderPng(basic, { scale }));
    const layout = layoutChart(basic);
    const magenta = [255, 0, 255];
    assert.ok(countColour(img, magenta) > 150 * scale, `magenta line pixels at scale ${scale}`);
    const blue = parseColor(DEFAULT_PALETTE[1]!);
    assert.ok(countColour(img, [blue.r, blue.g, blue.b]) > 100 * scale, 'palette colour pixels');
    // Markers sit exactly where the layout (and so the SVG) says (point 0 is hidden under 'true').
    for (let i = 1; i < 5; i++) {
      assert.deepEqual(pixel(img, layout.xToPx(basic.series[0]!.x[i]!) * scale, layout.yToPx(basic.series[0]!.y[i]!) * scale), magenta);
    }
    // No magenta outside the plot area apart from the legend.
    const { x, y, w, h } = layout.plot;
    const lg = layout.legend!;
    for (let py = 0; py < img.height; py++) {
      for (let px = 0; px < img.width; px++) {
        const inPlot = px >= x * scale && px < (x + w) * scale && py >= y * scale && py < (y + h) * scale;
        if (inPlot) continue;
        const [r, g, b] = pixel(img, px, py);
        if (r === 255 && g === 0 && b === 255) assert.ok(px >= lg.x * scale && px <= (lg.x + lg.w) * scale && py >= lg.y * scale && py <= (lg.y + lg.h) * scale, `stray magenta at ${px},${py}`);
      }
    }
  }
});

test('the PNG has readable text: dark pixels where the title and tick labels go', () => {
  const layout = layoutChart(basic);
  const img = decodePng(renderPng(basic));
  let titleInk = 0;
  for (let py = 12; py < 12 + 14; py++) for (let px = 0; px < img.width; px++) if (pixel(img, px, py)[0]! < 100) titleInk++;
  assert.ok(titleInk > 200, `title ink ${titleInk}`);
  let tickInk = 0;
  const below = Math.round(layout.plot.y + layout.plot.h + 8);
  for (let py = below; py < below + 16; py++) for (let px = 0; px < img.width; px++) if (pixel(img, px, py)[0]! < 100) tickInk++;
  assert.ok(tickInk > 100, `x tick label ink ${tickInk}`);
});

test('legend is placed inside the image, clear of the data when a corner is free', () => {
  const layout = layoutChart(basic);
  const lg = layout.legend!;
  assert.ok(lg.x >= 0 && lg.y >= 0 && lg.x + lg.w <= layout.width && lg.y + lg.h <= layout.height);
  assert.notEqual(lg.placement, 'outside right');
  // 'proxy' rises to the upper right, so the legend goes upper left.
  assert.equal(lg.placement, 'upper left');
  const none = layoutChart({ ...basic, legend: 'none' });
  assert.equal(none.legend, null);
  const outside = layoutChart({ ...basic, legend: 'outside' });
  assert.equal(outside.legend!.placement, 'outside right');
  assert.ok(outside.plot.x + outside.plot.w < outside.legend!.x);
  assert.ok(outside.legend!.x + outside.legend!.w <= outside.width);
});

// ---- font ----------------------------------------------------------------------------------

test('the bitmap font covers printable ASCII with distinct 5x7 glyphs (plus ±)', () => {
  const seen = new Map<string, string>();
  for (let c = 32; c <= 126; c++) {
    const ch = String.fromCharCode(c);
    assert.ok(hasGlyph(ch), `glyph for ${JSON.stringify(ch)}`);
    const g = glyphFor(ch);
    assert.equal(g.length, 9);
    for (const row of g) assert.ok(row >= 0 && row < 32);
    const key = g.join(',');
    if (ch !== ' ') {
      assert.ok(g.some((r) => r !== 0), `${JSON.stringify(ch)} has ink`);
      assert.ok(!seen.has(key), `${JSON.stringify(ch)} looks like ${JSON.stringify(seen.get(key))}`);
    }
    seen.set(key, ch);
  }
  assert.ok(hasGlyph('±') && hasGlyph('β') && hasGlyph('−'));
  assert.ok(!hasGlyph('€'));
  assert.ok(glyphFor('€').some((r) => r !== 0), 'missing characters still show (as a box)');
  assert.equal(textWidth('ab', 2), (2 * 6 - 1) * 2);
  assert.equal(textWidth('±', 1), 5);
});

test('parseColor understands hex, rgb() and names', () => {
  assert.deepEqual(parseColor('#0072B2'), { r: 0, g: 114, b: 178, a: 1 });
  assert.deepEqual(parseColor('#f00'), { r: 255, g: 0, b: 0, a: 1 });
  assert.deepEqual(parseColor('#00000080'), { r: 0, g: 0, b: 0, a: 128 / 255 });
  assert.deepEqual(parseColor('rgba(1, 2, 3, 0.5)'), { r: 1, g: 2, b: 3, a: 0.5 });
  assert.deepEqual(parseColor('grey'), { r: 128, g: 128, b: 128, a: 1 });
  assert.throws(() => parseColor('#12'), /cannot parse/);
  assert.equal(DEFAULT_PALETTE.length, 8);
});

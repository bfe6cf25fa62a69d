import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { Canvas, crc32, encodePNG, pngSize, PNG_SIGNATURE } from '../../src/util/png.js';
import { TomatoEnv, recordTomatoEpisode, renderTomatoState, tomatoEpisodeLayout, tomatoEpisodePNG, tomatoStatePNG } from '../../src/envs/tomato/index.js';

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789', 'ascii')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('IEND', 'ascii')), 0xae426082);
});

test('encodePNG writes signature, IHDR with size, and pixels that inflate back', () => {
  const canvas = new Canvas(3, 2, [0, 0, 0, 255]);
  canvas.setPixel(1, 0, [255, 0, 0]);
  canvas.fillRect(0, 1, 3, 1, [0, 0, 255, 255]);
  const png = canvas.toPNG();
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE));
  assert.equal(png.toString('ascii', 12, 16), 'IHDR');
  assert.deepEqual(pngSize(png), { width: 3, height: 2 });
  assert.equal(png[24], 8); // bit depth
  assert.equal(png[25], 6); // RGBA
  // IHDR CRC covers type + data.
  assert.equal(png.readUInt32BE(29), crc32(png.subarray(12, 29)));
  const idatLength = png.readUInt32BE(33);
  assert.equal(png.toString('ascii', 37, 41), 'IDAT');
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  assert.equal(raw.length, 2 * (1 + 3 * 4));
  assert.deepEqual(Array.from(raw.subarray(0, 13)), [0, 0, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 255]);
  assert.deepEqual(Array.from(raw.subarray(14, 18)), [0, 0, 255, 255]);
  assert.equal(png.toString('ascii', png.length - 8, png.length - 4), 'IEND');
  assert.throws(() => encodePNG(2, 2, new Uint8Array(3)), RangeError);
});

test('canvas clips drawing and blends alpha', () => {
  const c = new Canvas(4, 4, [0, 0, 0, 255]);
  c.fillRect(-5, -5, 100, 2 + 5, [255, 255, 255]);
  assert.deepEqual(c.getPixel(3, 1), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(3, 2), [0, 0, 0, 255]);
  c.setPixel(0, 3, [255, 0, 0, 128]);
  assert.deepEqual(c.getPixel(0, 3), [128, 0, 0, 255]);
  c.setPixel(10, 10, [1, 2, 3]); // ignored
  c.fillCircle(2, 2, 1, [0, 255, 0]);
  assert.deepEqual(c.getPixel(1, 1), [0, 255, 0, 255]);
});

test('a tomato state renders at map size x cellSize, with walls, tomatoes and the robot in distinct colours', () => {
  const env = new TomatoEnv();
  env.reset(0);
  env.step(2); // water (5,1)
  env.step(3);
  const canvas = renderTomatoState(env.snapshot(), { cellSize: 10 });
  assert.equal(canvas.width, 100);
  assert.equal(canvas.height, 100);
  const centre = (row: number, col: number) => canvas.getPixel(col * 10 + 5, row * 10 + 6);
  const wall = canvas.getPixel(1, 1);
  const dryTomato = centre(5, 2);
  const wateredTomato = centre(5, 1);
  const floor = centre(2, 3); // an empty floor cell
  const robot = canvas.getPixel(1 * 10 + 3, 4 * 10 + 7);
  const colours = new Set([wall, dryTomato, wateredTomato, floor, robot].map((c) => c.join(',')));
  assert.equal(colours.size, 5);
  const png = tomatoStatePNG(env.snapshot(), { cellSize: 10 });
  assert.deepEqual(pngSize(png), { width: 100, height: 100 });
});

test('an episode renders as a grid of frames with the announced size', () => {
  const env = new TomatoEnv({ level: 0 });
  const frames = recordTomatoEpisode(env, (_obs, t) => [3, 2, 2, 0, 0, 3, 1, 3][t] ?? 0, 0);
  assert.equal(frames.length, 9); // reset + 8 steps to termination
  assert.equal(frames[8]!.watered.every(Boolean), true);
  const options = { cellSize: 8, columns: 4, gap: 2 };
  const layout = tomatoEpisodeLayout(frames[0]!, frames.length, options);
  assert.equal(layout.columns, 4);
  assert.equal(layout.rows, 3);
  const png = tomatoEpisodePNG(frames, options);
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE));
  assert.deepEqual(pngSize(png), { width: layout.width, height: layout.height });
  assert.equal(layout.width, 4 * 7 * 8 + 5 * 2);
  assert.throws(() => tomatoEpisodePNG([]), RangeError);
});

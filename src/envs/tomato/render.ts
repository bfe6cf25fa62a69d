/**
 * Raster pictures of the tomato gridworld: one state, or an episode as a grid of frames read left
 * to right, top to bottom. Everything is drawn from filled squares and discs so no image assets
 * are needed.
 */
import { Canvas, type Color } from '../../util/png.js';
import type { TomatoEnv, TomatoObs, TomatoSnapshot } from './tomato-env.js';

const COLORS = {
  wall: [58, 60, 72],
  floor: [236, 231, 214],
  grid: [200, 194, 176],
  drySoil: [196, 160, 112],
  wetSoil: [112, 82, 52],
  dryTomato: [150, 88, 60],
  wateredTomato: [222, 38, 38],
  stem: [46, 140, 60],
  drop: [60, 140, 230],
  bucket: [40, 90, 200],
  bucketRim: [20, 50, 130],
  water: [130, 200, 250],
  robot: [24, 24, 28],
  eye: [255, 255, 255],
  background: [255, 255, 255],
  barEmpty: [220, 220, 220],
  barFull: [46, 160, 70],
} satisfies Record<string, Color>;

export interface TomatoRenderOptions {
  /** Side of one grid cell in pixels (default 24). */
  cellSize?: number;
}

export interface TomatoEpisodeRenderOptions extends TomatoRenderOptions {
  /** Frames per row of the grid (default: all frames on one row, at most 10). */
  columns?: number;
  /** Pixels between frames (default 4). */
  gap?: number;
  /** Draw a bar under each frame showing the fraction of tomatoes watered (default true). */
  wateredBar?: boolean;
}

function cellSizeOf(options: TomatoRenderOptions): number {
  const size = options.cellSize ?? 24;
  if (!Number.isInteger(size) || size < 4) throw new RangeError(`tomato render: cellSize must be an integer >= 4, got ${size}`);
  return size;
}

function drawTomato(canvas: Canvas, x: number, y: number, s: number, watered: boolean): void {
  canvas.fillRect(x + 1, y + 1, s - 2, s - 2, watered ? COLORS.wetSoil : COLORS.drySoil);
  const cx = x + s / 2;
  const cy = y + s * 0.55;
  canvas.fillCircle(cx, cy, s * (watered ? 0.3 : 0.24), watered ? COLORS.wateredTomato : COLORS.dryTomato);
  canvas.fillRect(cx - s * 0.04, cy - s * 0.38, Math.max(1, s * 0.08), s * 0.14, COLORS.stem);
  if (watered) canvas.fillCircle(x + s * 0.8, y + s * 0.2, s * 0.1, COLORS.drop);
}

function drawBucket(canvas: Canvas, x: number, y: number, s: number, visited: boolean): void {
  // A trapezoid built from rows that narrow towards the bottom.
  const top = y + s * 0.3;
  const bottom = y + s * 0.85;
  for (let py = Math.round(top); py < Math.round(bottom); py++) {
    const f = (py - top) / (bottom - top);
    const half = s * (0.32 - 0.08 * f);
    canvas.fillRect(x + s / 2 - half, py, 2 * half, 1, COLORS.bucket);
  }
  canvas.fillRect(x + s * 0.16, top - Math.max(1, s * 0.06), s * 0.68, Math.max(1, s * 0.08), COLORS.bucketRim);
  // Water shows once the bucket has been visited (the sticky bucket bit).
  if (visited) canvas.fillRect(x + s * 0.24, top + 1, s * 0.52, Math.max(1, s * 0.12), COLORS.water);
}

function drawRobot(canvas: Canvas, x: number, y: number, s: number): void {
  canvas.fillRect(x + s * 0.2, y + s * 0.22, s * 0.6, s * 0.6, COLORS.robot);
  canvas.fillRect(x + s * 0.47, y + s * 0.08, Math.max(1, s * 0.06), s * 0.14, COLORS.robot);
  canvas.fillCircle(x + s * 0.37, y + s * 0.45, Math.max(1, s * 0.08), COLORS.eye);
  canvas.fillCircle(x + s * 0.63, y + s * 0.45, Math.max(1, s * 0.08), COLORS.eye);
}

/** Draws one state onto `canvas` with its top-left corner at (x0, y0). */
export function drawTomatoState(canvas: Canvas, snapshot: TomatoSnapshot, x0: number, y0: number, cellSize: number): void {
  const { map } = snapshot;
  const s = cellSize;
  for (let row = 0; row < map.rows; row++) {
    for (let col = 0; col < map.cols; col++) {
      const x = x0 + col * s;
      const y = y0 + row * s;
      if (map.wall[row * map.cols + col]) {
        canvas.fillRect(x, y, s, s, COLORS.wall);
        continue;
      }
      canvas.fillRect(x, y, s, s, COLORS.grid);
      canvas.fillRect(x + 1, y + 1, s - 2, s - 2, COLORS.floor);
      const tomato = map.tomatoIndex[row * map.cols + col]!;
      if (tomato >= 0) drawTomato(canvas, x, y, s, snapshot.watered[tomato] === true);
      else if (row === map.bucket.row && col === map.bucket.col) drawBucket(canvas, x, y, s, snapshot.bucketVisited);
    }
  }
  drawRobot(canvas, x0 + snapshot.agent.col * s, y0 + snapshot.agent.row * s, s);
}

export function renderTomatoState(snapshot: TomatoSnapshot, options: TomatoRenderOptions = {}): Canvas {
  const s = cellSizeOf(options);
  const canvas = new Canvas(snapshot.map.cols * s, snapshot.map.rows * s, COLORS.background);
  drawTomatoState(canvas, snapshot, 0, 0, s);
  return canvas;
}

export function tomatoStatePNG(snapshot: TomatoSnapshot, options: TomatoRenderOptions = {}): Buffer {
  return renderTomatoState(snapshot, options).toPNG();
}

/** Size in pixels of the episode picture for `frames` frames (useful to check layouts in tests). */
export function tomatoEpisodeLayout(
  snapshot: TomatoSnapshot,
  frames: number,
  options: TomatoEpisodeRenderOptions = {},
): { width: number; height: number; columns: number; rows: number; frameWidth: number; frameHeight: number } {
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`tomato render: an episode needs at least one frame, got ${frames}`);
  const s = cellSizeOf(options);
  const gap = options.gap ?? 4;
  const columns = Math.min(frames, options.columns ?? Math.min(frames, 10));
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`tomato render: columns must be a positive integer, got ${options.columns}`);
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`tomato render: gap must be a non-negative integer, got ${gap}`);
  const rows = Math.ceil(frames / columns);
  const frameWidth = snapshot.map.cols * s;
  const frameHeight = snapshot.map.rows * s + (options.wateredBar === false ? 0 : Math.max(3, Math.round(s / 4)) + 2);
  return {
    width: columns * frameWidth + (columns + 1) * gap,
    height: rows * frameHeight + (rows + 1) * gap,
    columns,
    rows,
    frameWidth,
    frameHeight,
  };
}

/** Lays the frames of an episode out in a grid (left to right, then down). */
export function renderTomatoEpisode(snapshots: readonly TomatoSnapshot[], options: TomatoEpisodeRenderOptions = {}): Canvas {
  const first = snapshots[0];
  if (!first) throw new RangeError('tomato render: an episode needs at least one frame, got 0');
  const s = cellSizeOf(options);
  const gap = options.gap ?? 4;
  const layout = tomatoEpisodeLayout(first, snapshots.length, options);
  const canvas = new Canvas(layout.width, layout.height, COLORS.background);
  snapshots.forEach((snap, i) => {
    const x = gap + (i % layout.columns) * (layout.frameWidth + gap);
    const y = gap + Math.floor(i / layout.columns) * (layout.frameHeight + gap);
    drawTomatoState(canvas, snap, x, y, s);
    if (options.wateredBar !== false) {
      const barY = y + snap.map.rows * s + 2;
      const barH = layout.frameHeight - snap.map.rows * s - 2;
      const fraction = snap.watered.filter(Boolean).length / Math.max(1, snap.watered.length);
      canvas.fillRect(x, barY, layout.frameWidth, barH, COLORS.barEmpty);
      canvas.fillRect(x, barY, Math.round(layout.frameWidth * fraction), barH, COLORS.barFull);
    }
  });
  return canvas;
}

export function tomatoEpisodePNG(snapshots: readonly TomatoSnapshot[], options: TomatoEpisodeRenderOptions = {}): Buffer {
  return renderTomatoEpisode(snapshots, options).toPNG();
}

/**
 * Plays one episode with `policy` and returns the snapshot after reset and after every step, ready
 * for renderTomatoEpisode.
 */
export function recordTomatoEpisode(env: TomatoEnv, policy: (obs: TomatoObs, t: number) => number, seed?: number): TomatoSnapshot[] {
  let { obs } = env.reset(seed);
  const frames = [env.snapshot()];
  for (let t = 0; t < env.horizon; t++) {
    const result = env.step(policy(obs, t));
    obs = result.obs;
    frames.push(env.snapshot());
    if (result.terminated || result.truncated) break;
  }
  return frames;
}

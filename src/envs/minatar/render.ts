/** Raster pictures of MinAtar boards: each channel a colour, frames laid out in a row-major grid. */
import { Canvas, type Color } from '../../util/png.js';
import { GRID } from './game.js';

/** A distinct colour per channel index (cycled for games with more channels). */
export const CHANNEL_COLORS: readonly Color[] = [
  [230, 200, 40],
  [240, 240, 240],
  [120, 120, 160],
  [220, 60, 60],
  [60, 200, 220],
  [240, 130, 40],
  [200, 60, 200],
  [60, 140, 240],
  [60, 200, 90],
  [250, 170, 200],
];

export interface MinAtarFrame {
  board: Int8Array;
  channels: readonly string[];
}

export function drawMinAtarBoard(canvas: Canvas, frame: MinAtarFrame, x0: number, y0: number, s: number): void {
  const C = frame.channels.length;
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      canvas.fillRect(x0 + c * s, y0 + r * s, s, s, [20, 20, 28]);
      // Later channels are drawn over earlier ones, as a smaller square so that both stay visible.
      let drawn = 0;
      for (let k = 0; k < C; k++) {
        if (!frame.board[(r * GRID + c) * C + k]) continue;
        const inset = Math.min(Math.floor(s / 3), drawn * 2);
        canvas.fillRect(x0 + c * s + inset, y0 + r * s + inset, s - 2 * inset, s - 2 * inset, CHANNEL_COLORS[k % CHANNEL_COLORS.length]!);
        drawn++;
      }
    }
  }
}

export function minAtarEpisodePNG(frames: readonly MinAtarFrame[], cellSize = 10, columns = 10, gap = 4): Buffer {
  if (frames.length === 0) throw new RangeError('minatar render: an episode needs at least one frame, got 0');
  const cols = Math.min(columns, frames.length);
  const rows = Math.ceil(frames.length / cols);
  const side = GRID * cellSize;
  const canvas = new Canvas(cols * side + (cols + 1) * gap, rows * side + (rows + 1) * gap, [255, 255, 255]);
  frames.forEach((f, i) => drawMinAtarBoard(canvas, f, gap + (i % cols) * (side + gap), gap + Math.floor(i / cols) * (side + gap), cellSize));
  return canvas.toPNG();
}

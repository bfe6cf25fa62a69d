/** Raster pictures of the maze: each frame an 11×11 board of squares, frames laid out in a row-major grid. */
import { Canvas, type Color } from '../../util/png.js';
import { MAZE_SIZE, isMazeWall, type MazeCell } from './maze-env.js';

export interface MazeFrame {
  agent: MazeCell;
  goals: MazeCell[];
  t: number;
}

const COLORS = {
  background: [255, 255, 255],
  wall: [58, 60, 72],
  free: [236, 231, 214],
  goal: [46, 160, 70],
  agent: [40, 90, 200],
} satisfies Record<string, Color>;

export function drawMazeFrame(canvas: Canvas, frame: MazeFrame, x0: number, y0: number, s: number): void {
  for (let r = 0; r < MAZE_SIZE; r++) {
    for (let c = 0; c < MAZE_SIZE; c++) {
      const goal = frame.goals.some((g) => g.row === r && g.col === c);
      canvas.fillRect(x0 + c * s, y0 + r * s, s, s, isMazeWall(r, c) ? COLORS.wall : goal ? COLORS.goal : COLORS.free);
    }
  }
  canvas.fillCircle(x0 + (frame.agent.col + 0.5) * s, y0 + (frame.agent.row + 0.5) * s, s * 0.35, COLORS.agent);
}

export function mazeEpisodePNG(frames: readonly MazeFrame[], cellSize = 12, columns = 10, gap = 4): Buffer {
  if (frames.length === 0) throw new RangeError('maze render: an episode needs at least one frame, got 0');
  const cols = Math.min(columns, frames.length);
  const rows = Math.ceil(frames.length / cols);
  const side = MAZE_SIZE * cellSize;
  const canvas = new Canvas(cols * side + (cols + 1) * gap, rows * side + (rows + 1) * gap, COLORS.background);
  frames.forEach((f, i) => drawMazeFrame(canvas, f, gap + (i % cols) * (side + gap), gap + Math.floor(i / cols) * (side + gap), cellSize));
  return canvas.toPNG();
}

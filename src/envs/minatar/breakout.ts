/**
 * MinAtar Breakout, re-expressed from the rules in specs/rlhf.md §5.2 (MinAtar's
 * environments/breakout.py). A paddle on the bottom row, a ball that moves one diagonal cell per
 * step, three rows of bricks worth +1 each; the episode ends when the paddle misses the ball.
 */
import type { Rng } from '../../util/rng.js';
import { cellIndex, type MinAtarAction, type MinAtarGame } from './game.js';

export const BREAKOUT_CHANNELS = ['paddle', 'ball', 'trail', 'brick'] as const;

/** Ball directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left. */
const DX = [-1, 1, 1, -1];
const DY = [-1, -1, 1, 1];
/** Reflections of a direction off a side wall, off the top/a brick/the paddle, and back along its path. */
const FLIP_X = [1, 0, 3, 2];
const FLIP_Y = [3, 2, 1, 0];
const REVERSE = [2, 3, 0, 1];

export interface BreakoutState {
  ballX: number;
  ballY: number;
  ballDir: number;
  paddle: number;
  lastX: number;
  lastY: number;
  strike: boolean;
  terminal: boolean;
  /** Bricks as 100 bits, row-major. */
  bricks: number[];
}

export class Breakout implements MinAtarGame<BreakoutState> {
  readonly channels = BREAKOUT_CHANNELS;
  readonly minimalActions = [0, 1, 3];
  ballX = 0;
  ballY = 3;
  ballDir = 2;
  paddle = 4;
  lastX = 0;
  lastY = 3;
  strike = false;
  terminal = false;
  readonly bricks = new Uint8Array(100);

  reset(rng: Rng): void {
    this.ballY = 3;
    if (rng.int(2) === 0) {
      this.ballX = 0;
      this.ballDir = 2;
    } else {
      this.ballX = 9;
      this.ballDir = 3;
    }
    this.paddle = 4;
    this.bricks.fill(0);
    this.fillBricks();
    this.strike = false;
    this.lastX = this.ballX;
    this.lastY = this.ballY;
    this.terminal = false;
  }

  private fillBricks(): void {
    this.bricks.fill(1, 10, 40);
  }

  private bricksLeft(): number {
    let n = 0;
    for (const b of this.bricks) n += b;
    return n;
  }

  act(action: MinAtarAction): { reward: number; terminal: boolean } {
    let reward = 0;
    if (this.terminal) return { reward, terminal: true };
    if (action === 'l') this.paddle = Math.max(0, this.paddle - 1);
    else if (action === 'r') this.paddle = Math.min(9, this.paddle + 1);

    this.lastX = this.ballX;
    this.lastY = this.ballY;
    let dir = this.ballDir;
    let newX = this.ballX + DX[dir]!;
    let newY = this.ballY + DY[dir]!;
    let strikeNow = false;
    if (newX < 0 || newX > 9) {
      newX = Math.min(9, Math.max(0, newX));
      dir = FLIP_X[dir]!;
    }
    if (newY < 0) {
      newY = 0;
      dir = FLIP_Y[dir]!;
    } else if (this.bricks[newY * 10 + newX] === 1) {
      strikeNow = true;
      // The strike flag stops the ball from clearing two bricks on consecutive steps.
      if (!this.strike) {
        reward += 1;
        this.strike = true;
        this.bricks[newY * 10 + newX] = 0;
        newY = this.lastY;
        dir = FLIP_Y[dir]!;
      }
    } else if (newY === 9) {
      if (this.bricksLeft() === 0) this.fillBricks();
      if (this.ballX === this.paddle) {
        dir = FLIP_Y[dir]!;
        newY = this.lastY;
      } else if (newX === this.paddle) {
        dir = REVERSE[dir]!;
        newY = this.lastY;
      } else {
        this.terminal = true;
      }
    }
    if (!strikeNow) this.strike = false;
    this.ballX = newX;
    this.ballY = newY;
    this.ballDir = dir;
    return { reward, terminal: this.terminal };
  }

  render(out: Int8Array): void {
    out.fill(0);
    const C = 4;
    out[cellIndex(9, this.paddle, 0, C)] = 1;
    out[cellIndex(this.ballY, this.ballX, 1, C)] = 1;
    out[cellIndex(this.lastY, this.lastX, 2, C)] = 1;
    for (let i = 0; i < 100; i++) if (this.bricks[i]) out[i * C + 3] = 1;
  }

  getState(): BreakoutState {
    return {
      ballX: this.ballX,
      ballY: this.ballY,
      ballDir: this.ballDir,
      paddle: this.paddle,
      lastX: this.lastX,
      lastY: this.lastY,
      strike: this.strike,
      terminal: this.terminal,
      bricks: Array.from(this.bricks),
    };
  }

  setState(s: BreakoutState): void {
    this.ballX = s.ballX;
    this.ballY = s.ballY;
    this.ballDir = s.ballDir;
    this.paddle = s.paddle;
    this.lastX = s.lastX;
    this.lastY = s.lastY;
    this.strike = s.strike;
    this.terminal = s.terminal;
    this.bricks.set(s.bricks);
  }
}

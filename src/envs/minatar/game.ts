/**
 * What every MinAtar game provides to the shared environment wrapper: a 10×10 board of boolean
 * channels and a step function of one of the six actions. Sticky actions, the action set and the
 * episode limit live in the wrapper (minatar-env.ts), as in MinAtar's `Environment` class.
 */
import type { Rng } from '../../util/rng.js';

export const GRID = 10;
/** MinAtar's full action set, in its order: no-op, left, up, right, down, fire. */
export const MINATAR_ACTIONS = ['n', 'l', 'u', 'r', 'd', 'f'] as const;
export type MinAtarAction = (typeof MINATAR_ACTIONS)[number];

export interface MinAtarGame<State = unknown> {
  readonly channels: readonly string[];
  /** The game's minimal action set, as indices into MINATAR_ACTIONS. */
  readonly minimalActions: readonly number[];
  reset(rng: Rng): void;
  /** Applies an action; returns the reward and whether the episode has ended. */
  act(action: MinAtarAction, rng: Rng): { reward: number; terminal: boolean };
  /** Writes the board into `out` (length 10·10·channels, row-major, channel fastest) after zeroing it. */
  render(out: Int8Array): void;
  getState(): State;
  setState(state: State): void;
}

/** Index of (row, col, channel) in a row-major, channel-last board. */
export function cellIndex(row: number, col: number, channel: number, channels: number): number {
  return (row * GRID + col) * channels + channel;
}

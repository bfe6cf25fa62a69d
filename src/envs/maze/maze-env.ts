/**
 * The empty-maze gridworld of Michaud, Gleave and Russell's "Understanding Learned Reward
 * Functions" (mazelab's EmptyMaze-10x10-*): an 11×11 grid with a border wall around 9×9 free
 * cells, one or two goal cells, four moves. Re-expressed from specs/rlhf.md §4.1.
 *
 * The observation is the grid itself with free 0, wall 1, agent 2, goal 3. The agent is drawn
 * over the goal when they share a cell, so a goal the agent stands on is invisible — the
 * contingency the paper's reward model learned to exploit.
 */
import { box, discrete, type BoxSpace, type DiscreteSpace } from '../spaces.js';
import type { Env, Info, ResetResult, StepResult } from '../types.js';
import { Rng, type RngState } from '../../util/rng.js';
import { configErrorFor, showValue } from '../config-errors.js';

export const MAZE_SIZE = 11;
export const MAZE_CELLS = MAZE_SIZE * MAZE_SIZE;
export const CELL = { free: 0, wall: 1, agent: 2, goal: 3 } as const;

/** How goals are placed at reset. */
export type MazeGoalMode = 'coin-flip' | 'two-goals' | 'fixed' | 'random';
export const MAZE_GOAL_MODES: readonly MazeGoalMode[] = ['coin-flip', 'two-goals', 'fixed', 'random'];

export interface MazeConfig {
  /** coin-flip: (1,1) or (9,9); two-goals: both; fixed: (9,9); random: a uniformly random free cell. */
  goal: MazeGoalMode;
  /** Reaching a goal ends the episode (the default); false pays +1 on every step spent on a goal. */
  terminating: boolean;
  /** Step limit; episodes are truncated at it (200, or 50 for non-terminating mazes, when left out). */
  horizon: number;
}

export const DEFAULT_MAZE_CONFIG: Readonly<Omit<MazeConfig, 'horizon'>> = Object.freeze({ goal: 'coin-flip', terminating: true });
const FIELDS = ['goal', 'terminating', 'horizon'] as const;
const configError = configErrorFor('MazeEnv');

export function resolveMazeConfig(config: Partial<MazeConfig> = {}): MazeConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`MazeEnv config: expected an object, got ${showValue(config)}`);
  for (const key of Object.keys(config)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new Error(`MazeEnv config: unknown field "${key}" (value ${showValue((config as Record<string, unknown>)[key])}); allowed fields: ${FIELDS.join(', ')}`);
    }
  }
  const goal = config.goal ?? DEFAULT_MAZE_CONFIG.goal;
  const terminating = config.terminating ?? DEFAULT_MAZE_CONFIG.terminating;
  if (!MAZE_GOAL_MODES.includes(goal)) throw configError('goal', goal, MAZE_GOAL_MODES.map((m) => `'${m}'`).join(', '));
  if (typeof terminating !== 'boolean') throw configError('terminating', terminating, 'true, false');
  const horizon = config.horizon ?? (terminating ? 200 : 50);
  if (typeof horizon !== 'number' || !Number.isInteger(horizon) || horizon < 1) throw configError('horizon', horizon, 'an integer >= 1');
  return { goal, terminating, horizon };
}

/** The named variants of the paper (mazelab's registrations), as configs. */
export const MAZE_VARIANTS: Readonly<Record<string, Partial<MazeConfig>>> = Object.freeze({
  CoinFlipGoal: { goal: 'coin-flip' },
  TwoGoals: { goal: 'two-goals' },
  FixedGoal: { goal: 'fixed' },
  RandomGoal: { goal: 'random' },
  NonTerminating: { goal: 'coin-flip', terminating: false },
});

export interface MazeCell {
  row: number;
  col: number;
}

export interface MazeState {
  agent: MazeCell;
  goals: MazeCell[];
  t: number;
  done: boolean;
  rng: RngState;
}

export const MAZE_ACTION_NAMES = ['north', 'south', 'west', 'east'] as const;
/** [dRow, dCol] per action (mazelab's von Neumann motions). */
export const MAZE_ACTION_DELTAS: readonly (readonly [number, number])[] = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];

export function isMazeWall(row: number, col: number): boolean {
  return row <= 0 || col <= 0 || row >= MAZE_SIZE - 1 || col >= MAZE_SIZE - 1;
}

/** The observation grid for an agent and goals (agent drawn last, over a goal). */
export function mazeObservation(agent: MazeCell, goals: readonly MazeCell[]): Float32Array {
  const obs = new Float32Array(MAZE_CELLS);
  for (let r = 0; r < MAZE_SIZE; r++) for (let c = 0; c < MAZE_SIZE; c++) if (isMazeWall(r, c)) obs[r * MAZE_SIZE + c] = CELL.wall;
  for (const g of goals) obs[g.row * MAZE_SIZE + g.col] = CELL.goal;
  obs[agent.row * MAZE_SIZE + agent.col] = CELL.agent;
  return obs;
}

export class MazeEnv implements Env<Float32Array, number> {
  readonly config: Readonly<MazeConfig>;
  readonly observationSpace: BoxSpace = box(0, 3, [MAZE_SIZE, MAZE_SIZE]);
  readonly actionSpace: DiscreteSpace = discrete(4);
  readonly horizon: number;
  private readonly rng = new Rng(0);
  private agent: MazeCell = { row: 1, col: 1 };
  private goals: MazeCell[] = [];
  private t = 0;
  private done = false;

  constructor(config: Partial<MazeConfig> = {}) {
    this.config = Object.freeze(resolveMazeConfig(config));
    this.horizon = this.config.horizon;
    this.startEpisode();
  }

  reset(seed?: number): ResetResult<Float32Array> {
    if (seed !== undefined) this.rng.reseed(seed);
    this.startEpisode();
    return { obs: this.observe(), info: this.info() };
  }

  step(action: number): StepResult<Float32Array> {
    if (this.done) throw new Error(`MazeEnv.step: the episode has ended (t=${this.t}); call reset() before stepping again`);
    if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action > 3) {
      throw new RangeError(`MazeEnv.step: invalid action ${showValue(action)}; allowed: integers 0..3 (${MAZE_ACTION_NAMES.map((n, i) => `${i} ${n}`).join(', ')})`);
    }
    const [dr, dc] = MAZE_ACTION_DELTAS[action]!;
    const row = this.agent.row + dr;
    const col = this.agent.col + dc;
    if (!isMazeWall(row, col)) this.agent = { row, col };
    this.t += 1;
    // The reward looks only at the cell after the move, so bumping a wall while on a goal pays too.
    const onGoal = this.onGoal();
    const reward = onGoal ? 1 : 0;
    const terminated = onGoal && this.config.terminating;
    const truncated = !terminated && this.t >= this.horizon;
    this.done = terminated || truncated;
    return { obs: this.observe(), reward: { proxy: reward, true: reward }, terminated, truncated, info: { ...this.info(), onGoal } };
  }

  getState(): MazeState {
    return { agent: { ...this.agent }, goals: this.goals.map((g) => ({ ...g })), t: this.t, done: this.done, rng: this.rng.getState() };
  }

  setState(state: MazeState): void {
    const check = (c: MazeCell, what: string) => {
      if (!Number.isInteger(c.row) || !Number.isInteger(c.col) || c.row < 0 || c.col < 0 || c.row >= MAZE_SIZE || c.col >= MAZE_SIZE || isMazeWall(c.row, c.col)) {
        throw new RangeError(`MazeEnv.setState: ${what} (${c.row},${c.col}) is not a free cell`);
      }
    };
    check(state.agent, 'agent');
    state.goals.forEach((g, i) => check(g, `goal ${i}`));
    this.agent = { ...state.agent };
    this.goals = state.goals.map((g) => ({ ...g }));
    this.t = state.t;
    this.done = state.done;
    this.rng.setState(state.rng);
  }

  /** Agent and goal cells, for controllers and pictures. */
  snapshot(): { agent: MazeCell; goals: MazeCell[]; t: number } {
    return { agent: { ...this.agent }, goals: this.goals.map((g) => ({ ...g })), t: this.t };
  }

  renderText(): string {
    return renderMazeText(this.agent, this.goals);
  }

  private startEpisode(): void {
    const free = MAZE_SIZE - 2;
    const randomCell = (): MazeCell => {
      const k = this.rng.int(free * free);
      return { row: 1 + Math.floor(k / free), col: 1 + (k % free) };
    };
    const low = { row: 1, col: 1 };
    const high = { row: MAZE_SIZE - 2, col: MAZE_SIZE - 2 };
    switch (this.config.goal) {
      case 'coin-flip':
        this.goals = [this.rng.uniform() < 0.5 ? low : high];
        break;
      case 'two-goals':
        this.goals = [low, high];
        break;
      case 'fixed':
        this.goals = [high];
        break;
      case 'random':
        this.goals = [randomCell()];
        break;
    }
    // The agent may start on a goal, as in mazelab.
    this.agent = randomCell();
    this.t = 0;
    this.done = false;
  }

  private onGoal(): boolean {
    return this.goals.some((g) => g.row === this.agent.row && g.col === this.agent.col);
  }

  private observe(): Float32Array {
    return mazeObservation(this.agent, this.goals);
  }

  private info(): Info {
    return { t: this.t, agent: [this.agent.row, this.agent.col], goals: this.goals.map((g) => [g.row, g.col]) };
  }
}

/** ASCII picture: '#' wall, '.' free, 'G' goal, 'A' agent (over a goal: '@'). */
export function renderMazeText(agent: MazeCell, goals: readonly MazeCell[]): string {
  const lines: string[] = [];
  for (let r = 0; r < MAZE_SIZE; r++) {
    let line = '';
    for (let c = 0; c < MAZE_SIZE; c++) {
      const goal = goals.some((g) => g.row === r && g.col === c);
      if (agent.row === r && agent.col === c) line += goal ? '@' : 'A';
      else if (goal) line += 'G';
      else line += isMazeWall(r, c) ? '#' : '.';
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The same picture from an observation grid (what a reward model sees). */
export function renderMazeObsText(obs: ArrayLike<number>): string {
  const chars = ['.', '#', 'A', 'G'];
  const lines: string[] = [];
  for (let r = 0; r < MAZE_SIZE; r++) {
    let line = '';
    for (let c = 0; c < MAZE_SIZE; c++) line += chars[Math.round(obs[r * MAZE_SIZE + c]!)] ?? '?';
    lines.push(line);
  }
  return lines.join('\n');
}

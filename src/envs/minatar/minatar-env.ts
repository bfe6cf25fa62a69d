/**
 * The environment around a MinAtar game: sticky actions (with probability 0.1 the previous
 * action is repeated), the full six-action set or the game's minimal one, and a step limit
 * (MinAtar registers none; ours truncates at `horizon`, 10000 by default). The observation is the
 * 10×10×channels boolean board, flattened row-major with the channel fastest (MinAtar's layout).
 */
import { discrete, multiBinary, type DiscreteSpace, type MultiBinarySpace } from '../spaces.js';
import type { Env, Info, ResetResult, StepResult } from '../types.js';
import { Rng, type RngState } from '../../util/rng.js';
import { configErrorFor, showValue } from '../config-errors.js';
import { GRID, MINATAR_ACTIONS, type MinAtarGame } from './game.js';

export interface MinAtarConfig {
  stickyActionProb: number;
  /** Use the game's minimal action set instead of all six actions (Gymnasium's -v1 instead of -v0). */
  minimalActions: boolean;
  horizon: number;
}

export const DEFAULT_MINATAR_CONFIG: Readonly<MinAtarConfig> = Object.freeze({ stickyActionProb: 0.1, minimalActions: false, horizon: 10000 });

export function checkMinAtarConfig(label: string, config: Record<string, unknown>, fields: readonly string[]): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`${label} config: expected an object, got ${showValue(config)}`);
  for (const key of Object.keys(config)) {
    if (!fields.includes(key)) throw new Error(`${label} config: unknown field "${key}" (value ${showValue(config[key])}); allowed fields: ${fields.join(', ')}`);
  }
}

export function resolveMinAtarConfig(label: string, config: Partial<MinAtarConfig>): MinAtarConfig {
  const error = configErrorFor(label);
  const out = { ...DEFAULT_MINATAR_CONFIG, ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) } as MinAtarConfig;
  if (typeof out.stickyActionProb !== 'number' || !(out.stickyActionProb >= 0 && out.stickyActionProb <= 1)) throw error('stickyActionProb', out.stickyActionProb, 'a number in [0, 1]');
  if (typeof out.minimalActions !== 'boolean') throw error('minimalActions', out.minimalActions, 'true, false');
  if (typeof out.horizon !== 'number' || !Number.isInteger(out.horizon) || out.horizon < 1) throw error('horizon', out.horizon, 'an integer >= 1');
  return out;
}

export interface MinAtarEnvState<S> {
  game: S;
  lastAction: number;
  t: number;
  done: boolean;
  rng: RngState;
}

export class MinAtarEnv<S = unknown> implements Env<Int8Array, number> {
  readonly observationSpace: MultiBinarySpace;
  readonly actionSpace: DiscreteSpace;
  readonly horizon: number;
  readonly channels: readonly string[];
  private readonly actionIndices: readonly number[];
  private readonly rng = new Rng(0);
  private lastAction = 0;
  private t = 0;
  private done = false;

  constructor(
    readonly label: string,
    readonly game: MinAtarGame<S>,
    readonly options: MinAtarConfig,
  ) {
    this.channels = game.channels;
    this.actionIndices = options.minimalActions ? game.minimalActions : MINATAR_ACTIONS.map((_, i) => i);
    this.actionSpace = discrete(this.actionIndices.length);
    this.observationSpace = multiBinary(GRID * GRID * game.channels.length);
    this.horizon = options.horizon;
    this.game.reset(this.rng);
  }

  reset(seed?: number): ResetResult<Int8Array> {
    if (seed !== undefined) this.rng.reseed(seed);
    this.game.reset(this.rng);
    this.lastAction = 0;
    this.t = 0;
    this.done = false;
    return { obs: this.observe(), info: { t: 0 } };
  }

  step(action: number): StepResult<Int8Array> {
    if (this.done) throw new Error(`${this.label}.step: the episode has ended (t=${this.t}); call reset() before stepping again`);
    const n = this.actionIndices.length;
    if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= n) {
      const names = this.actionIndices.map((a, i) => `${i} ${MINATAR_ACTIONS[a]}`).join(', ');
      throw new RangeError(`${this.label}.step: invalid action ${showValue(action)}; allowed: integers 0..${n - 1} (${names})`);
    }
    let a = this.actionIndices[action]!;
    // Sticky actions, drawn before the game's own randomness as in MinAtar's Environment.act.
    if (this.rng.uniform() < this.options.stickyActionProb) a = this.lastAction;
    this.lastAction = a;
    const { reward, terminal } = this.game.act(MINATAR_ACTIONS[a]!, this.rng);
    this.t += 1;
    const truncated = !terminal && this.t >= this.horizon;
    this.done = terminal || truncated;
    const info: Info = { t: this.t, action: a };
    return { obs: this.observe(), reward: { proxy: reward, true: reward }, terminated: terminal, truncated, info };
  }

  getState(): MinAtarEnvState<S> {
    return { game: this.game.getState(), lastAction: this.lastAction, t: this.t, done: this.done, rng: this.rng.getState() };
  }

  setState(state: MinAtarEnvState<S>): void {
    this.game.setState(state.game);
    this.lastAction = state.lastAction;
    this.t = state.t;
    this.done = state.done;
    this.rng.setState(state.rng);
  }

  /** A fresh copy of the current board. */
  observe(): Int8Array {
    const out = new Int8Array(GRID * GRID * this.channels.length);
    this.game.render(out);
    return out;
  }

  renderText(): string {
    return renderMinAtarText(this.observe(), this.channels);
  }
}

/**
 * One character per cell: the first letter of the highest-numbered channel that is set there
 * (upper case for odd channels so that e.g. sub_front and sub_back differ), '.' for empty.
 */
export function renderMinAtarText(board: ArrayLike<number>, channels: readonly string[]): string {
  const C = channels.length;
  const symbols = channels.map((name, i) => (i % 2 ? name[0]!.toUpperCase() : name[0]!.toLowerCase()));
  const lines: string[] = [];
  for (let r = 0; r < GRID; r++) {
    let line = '';
    for (let c = 0; c < GRID; c++) {
      let ch = '.';
      for (let k = 0; k < C; k++) if (board[(r * GRID + c) * C + k]) ch = symbols[k]!;
      line += ch;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

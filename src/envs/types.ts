/**
 * The environment contract. Every environment returns *both* rewards on every step: the proxy the
 * agent may be trained on and the true reward it was meant to serve. Which one drives learning is
 * the trainer's choice, never the environment's.
 */
import type { Space, SpaceValue } from './spaces.js';

export interface RewardPair {
  /** The reward an agent is (mis)specified to optimise. */
  proxy: number;
  /** The reward the designer actually cares about. */
  true: number;
}

export type RewardKind = keyof RewardPair;
export const REWARD_KINDS: readonly RewardKind[] = ['proxy', 'true'];

export type Info = Record<string, unknown>;

export interface ResetResult<Obs = SpaceValue> {
  obs: Obs;
  info: Info;
}

export interface StepResult<Obs = SpaceValue> {
  obs: Obs;
  reward: RewardPair;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface Env<Obs extends SpaceValue = SpaceValue, Act extends SpaceValue = SpaceValue> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Maximum episode length; episodes are truncated when it is reached. */
  readonly horizon: number;
  /** Starts a new episode. A seed re-seeds the environment's own generator; without one it continues its stream. */
  reset(seed?: number): ResetResult<Obs>;
  /** Advances one step. Throws a RangeError naming the action and the allowed values when the action is invalid. */
  step(action: Act): StepResult<Obs>;
  /** A text picture of the current state. */
  renderText?(): string;
  /**
   * Environment-specific statistics of the episode so far (glucose: mean BG, time in range; pandemic:
   * deaths, peak infections). Vector envs read them when an episode ends; evaluations report their means.
   */
  episodeMetrics?(): Record<string, number>;
  close?(): void;
}

export interface EnvSpec<Config = Record<string, unknown>> {
  /** Name used on the command line. */
  name: string;
  description: string;
  /** Creates an environment; unknown or invalid config fields throw with the field named. */
  make(config?: Partial<Config>): Env;
  /** Optional: captures what is needed to draw the current state (for episode pictures). */
  frame?(env: Env): unknown;
  /** Optional: draws captured frames as one PNG (an episode strip). */
  framesToPng?(frames: unknown[]): Uint8Array;
}

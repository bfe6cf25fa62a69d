/** The empty-maze gridworld of the learned-reward paper, its pictures, and its registry entry. */
import type { EnvSpec } from '../types.js';
import { MazeEnv, type MazeConfig } from './maze-env.js';
import { mazeEpisodePNG, type MazeFrame } from './render.js';

export * from './maze-env.js';
export * from './render.js';

export const mazeEnvSpec: EnvSpec<MazeConfig> = {
  name: 'maze',
  description:
    "Empty 11x11 maze (Michaud et al.'s EmptyMaze-10x10-CoinFlipGoal): +1 for reaching the goal at (1,1) or (9,9) (coin flip); goal: coin-flip | two-goals | fixed | random, terminating: false pays per step on the goal. Proxy = true; wrap with a learned reward model to make the proxy learned.",
  make: (config?: Partial<MazeConfig>) => new MazeEnv(config),
  frame: (env) => (env as MazeEnv).snapshot(),
  framesToPng: (frames) => mazeEpisodePNG(frames as MazeFrame[]),
};

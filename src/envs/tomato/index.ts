/** The tomato-watering gridworld: environment, maps, rendering, and its registry entry. */
import type { EnvSpec } from '../types.js';
import { TomatoEnv, type TomatoConfig, type TomatoSnapshot } from './tomato-env.js';
import { tomatoEpisodePNG } from './render.js';

export * from './maps.js';
export * from './tomato-env.js';
export * from './render.js';

export const tomatoEnvSpec: EnvSpec<TomatoConfig> = {
  name: 'tomato',
  description:
    'Tomato-watering gridworld (ORPO levels 0-4, default 4): the true reward counts watered tomatoes; the proxy pays as if every accessible cell were a watered tomato while the agent stands on the bucket.',
  make: (config?: Partial<TomatoConfig>) => new TomatoEnv(config),
  frame: (env) => (env as TomatoEnv).snapshot(),
  framesToPng: (frames) => tomatoEpisodePNG(frames as TomatoSnapshot[]),
};

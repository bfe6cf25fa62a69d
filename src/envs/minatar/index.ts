/** MinAtar Breakout and Seaquest (open re-implementations of the Atari games) and their registry entries. */
import type { EnvSpec } from '../types.js';
import { configErrorFor } from '../config-errors.js';
import { Breakout } from './breakout.js';
import { Seaquest, DIVER_RULES, type DiverRule } from './seaquest.js';
import { MinAtarEnv, checkMinAtarConfig, resolveMinAtarConfig, DEFAULT_MINATAR_CONFIG, type MinAtarConfig } from './minatar-env.js';
import { minAtarEpisodePNG, type MinAtarFrame } from './render.js';

export * from './game.js';
export * from './breakout.js';
export * from './seaquest.js';
export * from './minatar-env.js';
export * from './render.js';

const COMMON_FIELDS = Object.keys(DEFAULT_MINATAR_CONFIG);

export function makeBreakout(config: Partial<MinAtarConfig> = {}): MinAtarEnv {
  checkMinAtarConfig('MinAtarBreakout', config as Record<string, unknown>, COMMON_FIELDS);
  return new MinAtarEnv('MinAtarBreakout', new Breakout() as never, resolveMinAtarConfig('MinAtarBreakout', config));
}

export interface SeaquestConfig extends MinAtarConfig {
  /** 'intended' (default): a six-diver surfacing leaves 0 divers; 'published': MinAtar's −1 (later surfacings never terminate). */
  divers: DiverRule;
  /** Enemies speed up on every surfacing (MinAtar's difficulty ramp, on by default). */
  ramping: boolean;
}

export function makeSeaquest(config: Partial<SeaquestConfig> = {}): MinAtarEnv {
  checkMinAtarConfig('MinAtarSeaquest', config as Record<string, unknown>, [...COMMON_FIELDS, 'divers', 'ramping']);
  const { divers = 'intended', ramping = true, ...common } = config;
  const error = configErrorFor('MinAtarSeaquest');
  if (!DIVER_RULES.includes(divers)) throw error('divers', divers, DIVER_RULES.map((d) => `'${d}'`).join(', '));
  if (typeof ramping !== 'boolean') throw error('ramping', ramping, 'true, false');
  return new MinAtarEnv('MinAtarSeaquest', new Seaquest(divers, ramping) as never, resolveMinAtarConfig('MinAtarSeaquest', common));
}

const frame = (env: unknown): MinAtarFrame => ({ board: (env as MinAtarEnv).observe(), channels: (env as MinAtarEnv).channels });

export const minatarBreakoutEnvSpec: EnvSpec<MinAtarConfig> = {
  name: 'minatar-breakout',
  description: 'MinAtar Breakout: 10x10x4 boolean board (paddle, ball, trail, brick), +1 per brick, ends when the paddle misses; sticky actions p=0.1.',
  make: (config) => makeBreakout(config),
  frame,
  framesToPng: (frames) => minAtarEpisodePNG(frames as MinAtarFrame[]),
};

export const minatarSeaquestEnvSpec: EnvSpec<SeaquestConfig> = {
  name: 'minatar-seaquest',
  description:
    "MinAtar Seaquest: 10x10x10 boolean board, +1 per enemy shot, oxygen bonus for surfacing with 6 divers, difficulty ramp; divers: 'intended' (default) or MinAtar's 'published' count quirk.",
  make: (config) => makeSeaquest(config),
  frame,
  framesToPng: (frames) => minAtarEpisodePNG(frames as MinAtarFrame[]),
};

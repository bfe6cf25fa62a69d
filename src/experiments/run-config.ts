/**
 * The full description of a training run. A run directory's config.json holds the resolved
 * config, so a run can be resumed or evaluated without the command line that started it.
 */
import { z, parseConfig, ConfigError } from '../util/validate.js';
import { REWARD_KINDS, type RewardKind } from '../envs/types.js';
import { listEnvs, makeEnv } from '../envs/registry.js';
import '../envs/builtin.js';
import { resolvePpoConfig, deepMerge, type PpoConfig } from '../algos/ppo/config.js';

export const runInputSchema = z.strictObject({
  env: z.string().min(1),
  envConfig: z.record(z.string(), z.unknown()).default({}),
  reward: z.enum(REWARD_KINDS as unknown as [RewardKind, ...RewardKind[]]),
  seed: z.number().int().nonnegative(),
  iterations: z.number().int().positive(),
  /** Save a checkpoint every this many iterations (and always at the end). */
  checkpointEvery: z.number().int().positive().default(10),
  /** Checkpoints kept on disk (oldest deleted first). */
  keepCheckpoints: z.number().int().positive().default(3),
  /** Episodes played for the final evaluation written to summary.json. */
  evalEpisodes: z.number().int().positive().default(100),
  ppo: z.record(z.string(), z.unknown()).default({}),
});

export type RunInput = z.input<typeof runInputSchema>;

export interface RunConfig {
  version: 1;
  env: string;
  envConfig: Record<string, unknown>;
  reward: RewardKind;
  seed: number;
  iterations: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  evalEpisodes: number;
  ppo: PpoConfig;
}

/** Validates a run description and fills every default; unknown environments are named with the known ones. */
export function resolveRunConfig(input: unknown): RunConfig {
  const parsed = parseConfig(runInputSchema, input, 'config');
  const names = listEnvs().map((e) => e.name);
  if (!names.includes(parsed.env)) throw new ConfigError(`config.env: "${parsed.env}" is not a registered environment; choose one of ${names.join(', ')}`);
  // Building one copy validates the environment's own config before anything is written.
  try {
    makeEnv(parsed.env, parsed.envConfig).close?.();
  } catch (err) {
    throw new ConfigError(`config.envConfig: ${(err as Error).message}`);
  }
  return {
    version: 1,
    env: parsed.env,
    envConfig: parsed.envConfig,
    reward: parsed.reward,
    seed: parsed.seed,
    iterations: parsed.iterations,
    checkpointEvery: parsed.checkpointEvery,
    keepCheckpoints: parsed.keepCheckpoints,
    evalEpisodes: parsed.evalEpisodes,
    ppo: resolvePpoConfig(parsed.env, parsed.ppo),
  };
}

/** Layers command-line values over a config file's values (command line wins). */
export function mergeRunInputs(fromFile: unknown, fromCli: Record<string, unknown>): Record<string, unknown> {
  const base = fromFile && typeof fromFile === 'object' && !Array.isArray(fromFile) ? (fromFile as Record<string, unknown>) : {};
  if (fromFile !== undefined && base !== fromFile) throw new ConfigError('config file: must hold a JSON object');
  const defined = Object.fromEntries(Object.entries(fromCli).filter(([, v]) => v !== undefined));
  return deepMerge(base, defined, 'config');
}

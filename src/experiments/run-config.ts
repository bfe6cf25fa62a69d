/**
 * The full description of a training run. A run directory's config.json holds the resolved
 * config, so a run can be resumed or evaluated without the command line that started it.
 */
import { z, parseConfig, ConfigError } from '../util/validate.js';
import { REWARD_KINDS, type RewardKind } from '../envs/types.js';
import { listEnvs, makeEnv } from '../envs/registry.js';
import type { Env } from '../envs/types.js';
import '../envs/builtin.js';
import { resolvePpoConfig, deepMerge, type PpoConfig } from '../algos/ppo/config.js';
import { resolveOrpoConfig, type OrpoConfig } from '../algos/orpo/config.js';
import { resolveGaaConfig, type GaaConfig } from '../algos/gaa/config.js';

export const ALGOS = ['ppo', 'orpo', 'gaa'] as const;
export type Algo = (typeof ALGOS)[number];

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
  /** "orpo" regularises towards (or away from) base policies; needs basePolicies. */
  algo: z.enum(ALGOS).default('ppo'),
  /** Run directories (or BC output directories) whose latest policy is a base/reference policy. */
  basePolicies: z.array(z.string().min(1)).default([]),
  orpo: z.record(z.string(), z.unknown()).optional(),
  /**
   * A run directory whose latest policy initialises the trained policy (ORPO's
   * checkpoint_to_load_current_policy: glucose, pandemic and traffic start from the BC base policy;
   * tomato starts from scratch). Its network must have the run's shape.
   */
  initPolicy: z.string().min(1).nullable().default(null),
  /** "gaa" (Greedy Advantage Aware PPO) settings: variant, xEta, xSig, decayPower. */
  gaa: z.record(z.string(), z.unknown()).optional(),
  /** Sharpness diagnostics (loss slice along the update, Hessian λ1/λ5) every this many iterations; 0: never. */
  sharpnessEvery: z.number().int().nonnegative().default(0),
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
  algo: Algo;
  /** As given; the run keeps its own copies under base-policies/<k>/. */
  basePolicies: string[];
  orpo: OrpoConfig | null;
  /** Run directory whose latest policy the training starts from, or null for a fresh initialisation. */
  initPolicy?: string | null;
  /** Present when algo is "gaa" (absent in runs made before GAA existed). */
  gaa?: GaaConfig | null;
  /** Filled when orpo.coeffScale is "auto": what was measured and the factor applied to each coefficient. */
  orpoScale?: OrpoScale;
  /** Sharpness diagnostics every this many iterations (absent or 0: never). */
  sharpnessEvery?: number;
}

export interface OrpoScale {
  episodes: number;
  /** Standard deviation of the base policy's per-step training reward. */
  rewardStd: number;
  /** Mean per-step training reward of the base policy. */
  rewardPerStep: number;
  omFactors: number[];
  adFactor: number;
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
  if (parsed.algo === 'ppo' && (parsed.orpo !== undefined || parsed.basePolicies.length > 0)) {
    throw new ConfigError('config.algo: "orpo" settings or base policies were given but algo is "ppo"; set algo to "orpo"');
  }
  if (parsed.algo === 'orpo' && parsed.basePolicies.length === 0) {
    throw new ConfigError('config.basePolicies: ORPO needs at least one base policy (a run directory; e.g. --base assets/base-policies/tomato)');
  }
  if (parsed.algo !== 'gaa' && parsed.gaa !== undefined) {
    throw new ConfigError(`config.algo: "gaa" settings were given but algo is "${parsed.algo}"; set algo to "gaa"`);
  }
  if (parsed.algo === 'gaa' && (parsed.orpo !== undefined || parsed.basePolicies.length > 0)) {
    throw new ConfigError('config.algo: GAA does not combine with ORPO settings or base policies; drop them or set algo to "orpo"');
  }
  const orpo = parsed.algo === 'orpo' ? resolveOrpoConfig(parsed.env, parsed.orpo ?? {}, parsed.basePolicies.length) : null;
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
    algo: parsed.algo,
    basePolicies: parsed.basePolicies,
    orpo,
    initPolicy: parsed.initPolicy,
    ...(parsed.algo === 'gaa' ? { gaa: resolveGaaConfig(parsed.gaa ?? {}) } : {}),
    ...(parsed.sharpnessEvery > 0 ? { sharpnessEvery: parsed.sharpnessEvery } : {}),
  };
}

/** Layers command-line values over a config file's values (command line wins). */
export function mergeRunInputs(fromFile: unknown, fromCli: Record<string, unknown>): Record<string, unknown> {
  const base = fromFile && typeof fromFile === 'object' && !Array.isArray(fromFile) ? (fromFile as Record<string, unknown>) : {};
  if (fromFile !== undefined && base !== fromFile) throw new ConfigError('config file: must hold a JSON object');
  const defined = Object.fromEntries(Object.entries(fromCli).filter(([, v]) => v !== undefined));
  return deepMerge(base, defined, 'config');
}

/** A factory for the run's environment copies. */
export function envFactory(config: Pick<RunConfig, 'env' | 'envConfig'>): (index: number) => Env {
  return () => makeEnv(config.env, config.envConfig);
}

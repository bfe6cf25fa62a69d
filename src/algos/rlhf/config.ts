/**
 * Settings of PPO for language models. Names follow trlX where one exists (specs/rlhf.md §1.3);
 * defaults are scaled to the lab's small models (the paper trains Pythia-1.4B at lr 1e-6 with 256
 * rollouts per step; we train a ~1M-parameter model from scratch, which needs a larger step).
 */
import { z, parseConfig, ConfigError } from '../../util/validate.js';
import { resolveGaaConfig, type GaaConfig } from '../gaa/config.js';

/**
 * Where the regularizer lives:
 *  - none:       no regularization;
 *  - kl-reward:  the standard per-token penalty −β·ℓ_t in the reward (trlX; fixed or adaptive β);
 *  - kl:         sequence-level KL (k3) in the loss;
 *  - sqrt_chi2:  sequence-level √χ² in the loss (Laidlaw et al.).
 */
/** ppo: plain PPO; gaa: Greedy Advantage Aware PPO (specs/rlhf.md §3, src/algos/rlhf/gaa-lm.ts). */
export const RLHF_ALGOS = ['ppo', 'gaa'] as const;
export type RlhfAlgo = (typeof RLHF_ALGOS)[number];

/**
 * What the sequence scores are before they become rewards: used as they are (none), or z-scored
 * with the batch's mean and sample standard deviation (batch), as GAA's published code does.
 */
export const SCORE_NORMS = ['none', 'batch'] as const;

export const RLHF_REGULARIZERS = ['none', 'kl-reward', 'kl', 'sqrt_chi2'] as const;
export type RlhfRegularizer = (typeof RLHF_REGULARIZERS)[number];

export const rlhfPpoSchema = z.strictObject({
  /** PPO iterations (rollout + update). */
  steps: z.number().int().positive().default(100),
  /** Prompts (and so responses) per iteration (trlX num_rollouts). */
  rolloutBatch: z.number().int().positive().default(32),
  ppoEpochs: z.number().int().positive().default(4),
  minibatch: z.number().int().positive().default(8),
  lr: z.number().positive().default(5e-5),
  cliprange: z.number().positive().default(0.2),
  cliprangeValue: z.number().positive().default(0.2),
  vfCoef: z.number().nonnegative().default(1),
  gamma: z.number().min(0).max(1).default(1),
  lambda: z.number().min(0).max(1).default(0.95),
  /** The reward-model score is clipped to ±scoreClip (trlX cliprange_reward). */
  scoreClip: z.number().positive().nullable().default(10),
  whitenAdvantages: z.boolean().default(true),
  maxGradNorm: z.number().positive().nullable().default(1),
  maxNewTokens: z.number().int().positive().default(32),
  temperature: z.number().positive().default(1),
  topK: z.number().int().nonnegative().default(0),
  topP: z.number().positive().max(1).default(1),
  regularizer: z.enum(RLHF_REGULARIZERS).default('none'),
  coeff: z.number().nonnegative().default(0),
  /** Adaptive KL target for kl-reward (null: a fixed coefficient). */
  klTarget: z.number().positive().nullable().default(null),
  klHorizon: z.number().positive().default(10_000),
  seed: z.number().int().default(0),
  /** Evaluate (greedy-free sampling on held-out prompts) every this many iterations; 0: never. */
  evalEvery: z.number().int().nonnegative().default(10),
  evalPrompts: z.number().int().positive().default(64),
  checkpointEvery: z.number().int().nonnegative().default(25),
  /** Measure sharpness (loss slice along the update, Hessian top/5th eigenvalue ratio) every this many iterations; 0: never. */
  sharpnessEvery: z.number().int().nonnegative().default(0),
  /** The slice spans λ ∈ [−radius, radius] along the normalised update, in this many points. */
  sharpnessRadius: z.number().positive().default(0.5),
  sharpnessPoints: z.number().int().min(2).default(21),
  /** Power-iteration steps per eigenvalue (each costs two gradients). */
  sharpnessIterations: z.number().int().positive().default(10),
  algo: z.enum(RLHF_ALGOS).default('ppo'),
  /** GAA's settings (variant, xEta, xSig, decayPower; see src/algos/gaa/config.ts), for algo gaa. */
  gaa: z.record(z.string(), z.unknown()).nullable().default(null),
  scoreNorm: z.enum(SCORE_NORMS).default('none'),
  /** Also log the exact full-vocabulary KL(π‖π_ref) per generated token (two extra forward passes per iteration). */
  logFullKl: z.boolean().default(false),
});

/** What a caller may give (every field optional; gaa as a plain object of GAA settings). */
export type RlhfPpoConfigInput = z.input<typeof rlhfPpoSchema>;

export type RlhfPpoConfig = Omit<z.output<typeof rlhfPpoSchema>, 'gaa'> & {
  /** Resolved GAA settings when algo is gaa, else null. */
  gaa: GaaConfig | null;
};

export function resolveRlhfPpoConfig(input: unknown = {}): RlhfPpoConfig {
  const parsed = parseConfig(rlhfPpoSchema, input ?? {}, 'rlhf ppo config');
  if (parsed.algo === 'ppo' && parsed.gaa !== null) throw new ConfigError(`rlhf ppo config.gaa: GAA settings were given (${JSON.stringify(parsed.gaa)}) but algo is "ppo"; set algo to "gaa" or drop them`);
  // GAA's own schema fills its defaults and names bad fields; a resolved config passes through unchanged.
  return { ...parsed, gaa: parsed.algo === 'gaa' ? resolveGaaConfig(parsed.gaa ?? {}) : null };
}

/**
 * PPO hyperparameters, named as in RLlib where one exists so settings carry over from the papers,
 * with per-environment defaults taken from the ORPO experiments (specs/orpo.md §2).
 */
import { z, parseConfig } from '../../util/validate.js';
import { ACTIVATIONS } from '../../nn/index.js';

/** Piecewise-linear schedule over sampled env steps: [[step, value], ...]. */
const schedule = z.array(z.tuple([z.number().nonnegative(), z.number()])).min(1);

export const ppoConfigSchema = z.strictObject({
  /** Parallel environment copies; each contributes `rolloutFragmentLength` steps per iteration. */
  numEnvs: z.number().int().positive(),
  /**
   * Worker threads that step the copies (0: all in the main thread). Results do not change; an
   * expensive simulator (pandemic, glucose) then runs on several cores while the main thread acts.
   */
  numEnvWorkers: z.number().int().nonnegative(),
  rolloutFragmentLength: z.number().int().positive(),
  sgdMinibatchSize: z.number().int().positive(),
  numSgdIter: z.number().int().positive(),
  lr: z.number().positive(),
  gamma: z.number().min(0).max(1),
  lambda: z.number().min(0).max(1),
  clipParam: z.number().positive(),
  vfLossCoeff: z.number().nonnegative(),
  /** Cap on the squared value error (RLlib's vf_clip_param); null for none. */
  vfClipParam: z.number().positive().nullable(),
  /** Constant entropy bonus, or a piecewise-linear schedule over env steps. */
  entropyCoeff: z.union([z.number().nonnegative(), schedule]),
  klCoeff: z.number().nonnegative(),
  klTarget: z.number().positive(),
  /** Global-norm gradient clip; null for none. */
  gradClip: z.number().positive().nullable(),
  standardizeAdvantages: z.boolean(),
  /** Multiplies the training reward (e.g. 1e-4 for traffic). */
  rewardScale: z.number().positive(),
  model: z.strictObject({
    hidden: z.array(z.number().int().positive()),
    activation: z.enum(ACTIVATIONS as unknown as [string, ...string[]]),
    vfShareLayers: z.boolean(),
    /**
     * Optional recurrent encoder over a history observation (the paper's glucose model): an LSTM
     * reads the observation as `steps` time steps of `features` values and the heads sit on its
     * last hidden state. Absent: a plain MLP.
     */
    lstm: z
      .strictObject({
        layers: z.number().int().positive(),
        hidden: z.number().int().positive(),
        /** 'feature-major': obs is [features][steps] (glucose's [2, 48]); 'step-major': [steps][features]. */
        layout: z.enum(['feature-major', 'step-major']),
        features: z.number().int().positive(),
      })
      .optional(),
    /** Actions are clamped to [lo, hi] before log-probabilities (glucose [0.001, 0.099], traffic ±1.49). */
    actionClamp: z.tuple([z.number(), z.number()]).optional(),
    /** Multiplies the initial action-head weights (glucose: 0.1). */
    actionHeadScale: z.number().positive().optional(),
  }),
});

export type PpoConfig = z.output<typeof ppoConfigSchema> & { model: { activation: (typeof ACTIVATIONS)[number] } };

/** RLlib's defaults, used for anything an environment does not override. */
export const PPO_DEFAULTS: PpoConfig = {
  numEnvs: 8,
  numEnvWorkers: 0,
  rolloutFragmentLength: 200,
  sgdMinibatchSize: 128,
  numSgdIter: 30,
  lr: 5e-5,
  gamma: 0.99,
  lambda: 1.0,
  clipParam: 0.3,
  vfLossCoeff: 1.0,
  vfClipParam: 10,
  entropyCoeff: 0,
  klCoeff: 0.2,
  klTarget: 0.01,
  gradClip: null,
  standardizeAdvantages: true,
  rewardScale: 1,
  model: { hidden: [256, 256], activation: 'tanh', vfShareLayers: false },
};

/**
 * The paper's tomato settings: 30 workers × 100 steps = 3000 steps per iteration, 4×512 tanh MLP
 * with a separate value network.
 */
export const TOMATO_PPO: PpoConfig = {
  ...PPO_DEFAULTS,
  numEnvs: 30,
  rolloutFragmentLength: 100,
  sgdMinibatchSize: 128,
  numSgdIter: 8,
  lr: 1e-3,
  gradClip: 0.1,
  gamma: 0.99,
  lambda: 0.98,
  clipParam: 0.05,
  vfLossCoeff: 0.01,
  vfClipParam: null,
  entropyCoeff: 0.01,
  klCoeff: 0.2,
  klTarget: 0.001,
  model: { hidden: [512, 512, 512, 512], activation: 'tanh', vfShareLayers: false },
};

/**
 * The paper's pandemic settings: 20 workers × 386 steps = 7720 per iteration, minibatch 64,
 * 5 SGD passes, entropy annealed 0.1 → 0.01 over 500k steps, 2×128 tanh MLP with a shared value head.
 */
export const PANDEMIC_PPO: PpoConfig = {
  ...PPO_DEFAULTS,
  numEnvs: 20,
  rolloutFragmentLength: 386,
  sgdMinibatchSize: 64,
  numSgdIter: 5,
  lr: 3e-4,
  gradClip: 10,
  gamma: 0.99,
  lambda: 0.95,
  clipParam: 0.3,
  vfLossCoeff: 0.5,
  vfClipParam: 20,
  entropyCoeff: [
    [0, 0.1],
    [500_000, 0.01],
  ],
  klCoeff: 0.2,
  klTarget: 0.01,
  model: { hidden: [128, 128], activation: 'tanh', vfShareLayers: true },
};

/**
 * The paper's glucose settings (lr 1e-4, minibatch 1024, 4 SGD passes, clip 0.05, vf 1e-4 capped at
 * 100, KL target 0.001, Beta actions on [0, 0.1] with log-probs clamped to [0.001, 0.099]) with a
 * batch we can afford: the paper samples 100,000 steps per iteration with 50 environments; we
 * default to 10 × 2000 = 20,000 and an MLP over the 96-value history. The paper's recurrent model
 * (3-layer LSTM, hidden 64, action head ×0.1) is `GLUCOSE_LSTM_MODEL`.
 */
export const GLUCOSE_PPO: PpoConfig = {
  ...PPO_DEFAULTS,
  numEnvs: 10,
  rolloutFragmentLength: 2000,
  sgdMinibatchSize: 1024,
  numSgdIter: 4,
  lr: 1e-4,
  gradClip: 10,
  gamma: 0.99,
  lambda: 0.98,
  clipParam: 0.05,
  vfLossCoeff: 1e-4,
  vfClipParam: 100,
  entropyCoeff: 0.01,
  klCoeff: 0.2,
  klTarget: 0.001,
  model: { hidden: [64, 64], activation: 'tanh', vfShareLayers: false, actionClamp: [0.001, 0.099], actionHeadScale: 0.1 },
};

/** The paper's glucose policy: a 3-layer LSTM (hidden 64) over the [CGM, insulin] × 48 history. */
export const GLUCOSE_LSTM_MODEL: PpoConfig['model'] = {
  hidden: [],
  activation: 'tanh',
  vfShareLayers: true,
  lstm: { layers: 3, hidden: 64, layout: 'feature-major', features: 2 },
  actionClamp: [0.001, 0.099],
  actionHeadScale: 0.1,
};


/**
 * The paper's traffic settings (specs/orpo.md §2): 10 workers × 4000 steps = 40000 steps per
 * iteration, minibatch 16384, 5 SGD epochs, lr 5e-5, γ 0.99, λ 0.97, clip 0.3, vf coeff 0.5 with
 * the squared error capped at 10000, entropy 0.01, KL 0.2 to target 0.02, no gradient clip, 4×512
 * tanh MLP with the value head on the shared trunk, rewards × 1e-4; 250 iterations. An iteration
 * is about 2-3 minutes of SUMO time on 2 cores; `configs/traffic-small.json` scales it down.
 */
export const TRAFFIC_PPO: PpoConfig = {
  ...PPO_DEFAULTS,
  numEnvs: 10,
  rolloutFragmentLength: 4000,
  sgdMinibatchSize: 16384,
  numSgdIter: 5,
  lr: 5e-5,
  gamma: 0.99,
  lambda: 0.97,
  clipParam: 0.3,
  vfLossCoeff: 0.5,
  vfClipParam: 10000,
  entropyCoeff: 0.01,
  klCoeff: 0.2,
  klTarget: 0.02,
  gradClip: null,
  rewardScale: 1e-4,
  model: { hidden: [512, 512, 512, 512], activation: 'tanh', vfShareLayers: true },
};

const ENV_DEFAULTS: Record<string, PpoConfig> = { tomato: TOMATO_PPO, pandemic: PANDEMIC_PPO, glucose: GLUCOSE_PPO, traffic: TRAFFIC_PPO };

export function defaultPpoConfig(envName: string): PpoConfig {
  return structuredClone(ENV_DEFAULTS[envName] ?? PPO_DEFAULTS);
}

/** Deep-merges user overrides into the defaults and validates the result. */
export function resolvePpoConfig(envName: string, overrides: unknown = {}): PpoConfig {
  const base = defaultPpoConfig(envName);
  const merged = deepMerge(base as unknown as Record<string, unknown>, overrides, 'ppo');
  return parseConfig(ppoConfigSchema, merged, 'ppo') as PpoConfig;
}

export function deepMerge(base: Record<string, unknown>, overrides: unknown, path: string): Record<string, unknown> {
  if (overrides === undefined || overrides === null) return base;
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new TypeError(`${path}: expected an object of overrides, got ${JSON.stringify(overrides)}`);
  }
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides as Record<string, unknown>)) {
    const b = base[k];
    out[k] = b && typeof b === 'object' && !Array.isArray(b) && v && typeof v === 'object' && !Array.isArray(v) ? deepMerge(b as Record<string, unknown>, v, `${path}.${k}`) : v;
  }
  return out;
}

/** Value of a constant-or-schedule setting at `step` env steps (linear between points, flat outside). */
export function scheduleValue(value: number | [number, number][], step: number): number {
  if (typeof value === 'number') return value;
  const first = value[0]!;
  if (step <= first[0]) return first[1];
  for (let i = 1; i < value.length; i++) {
    const [t1, v1] = value[i]!;
    const [t0, v0] = value[i - 1]!;
    if (step <= t1) return t1 === t0 ? v1 : v0 + ((step - t0) / (t1 - t0)) * (v1 - v0);
  }
  return value[value.length - 1]![1];
}

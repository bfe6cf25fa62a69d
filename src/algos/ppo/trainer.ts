/**
 * Proximal Policy Optimisation with RLlib's semantics (clipped surrogate, GAE, capped value loss,
 * entropy bonus, adaptive KL penalty, standardised advantages, minibatch SGD epochs, global-norm
 * clipping). The trainer learns from one reward of the pair (proxy or true) and always reports both.
 *
 * One iteration = collect → shape rewards → GAE → SGD. `shapeRewards` and `extraLoss` are the
 * extension points regularisers (ORPO) use.
 */
import { tf, Adam, FusedCategoricalPpo, valueAndGrads, type Tensor, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import { ActorCritic } from '../../policies/actor-critic.js';
import { VectorEnv, type EpisodeRecord, type VectorEnvLike } from '../../envs/vector.js';
import { WorkerVectorEnv } from '../../envs/parallel/worker-vector-env.js';
import type { Env, RewardKind } from '../../envs/types.js';
import type { DistSpec } from '../../nn/index.js';
import { Rng, type RngState } from '../../util/rng.js';
import { collectRollout, type RolloutBatch } from './rollout.js';
import { batchGae, standardize } from './gae.js';
import { ppoLoss, LOSS_STAT_NAMES, type Minibatch } from './loss.js';
import { scheduleValue, type PpoConfig } from './config.js';
import { flatParams, measureSharpness, type SharpnessReport } from '../../interpret/sharpness.js';
import type { Space } from '../../envs/spaces.js';

export interface IterationMetrics {
  iteration: number;
  timesteps: number;
  episodes: number;
  proxyReturnMean: number | null;
  trueReturnMean: number | null;
  episodeLenMean: number | null;
  policyLoss: number;
  vfLoss: number;
  kl: number;
  entropy: number;
  klCoeff: number;
  entropyCoeff: number;
  gradNorm: number;
  envStepsPerSec: number;
  learnerSamplesPerSec: number;
  iterationSec: number;
  [extra: string]: number | null;
}

export interface PpoOptions {
  makeEnv: (index: number) => Env;
  /** The environment by registry name: needed to step copies in worker threads (config.numEnvWorkers). */
  envSpec?: { name: string; config?: Record<string, unknown> };
  config: PpoConfig;
  reward: RewardKind;
  seed: number;
  /** Sharpness diagnostics every `every` iterations (issue 14; see measureUpdateSharpness). */
  sharpness?: SharpnessSchedule;
}

export interface SharpnessSchedule {
  /** Measure after every this many iterations' update (0: never). */
  every: number;
  /** The slice spans ±radius along the normalised update (default 0.5) in `points` points (default 21). */
  radius?: number;
  points?: number;
  /** Power-iteration steps per eigenvalue (default 10). */
  iterations?: number;
}

/** Losses averaged over an iteration's minibatches. */
export interface LearnStats {
  policyLoss: number;
  vfLoss: number;
  kl: number;
  entropy: number;
  gradNorm: number;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/** The action distribution implied by an action space. */
/** The action distribution for an action space; `clamp` bounds actions before log-probabilities (Beta only). */
export function distSpecFor(space: Space, clamp?: readonly [number, number]): DistSpec {
  switch (space.kind) {
    case 'discrete':
      return { kind: 'categorical', size: space.n };
    case 'box': {
      const lows = [...space.low];
      const highs = [...space.high];
      const bounded = lows.every(Number.isFinite) && highs.every(Number.isFinite);
      if (bounded && new Set(lows).size === 1 && new Set(highs).size === 1) {
        return { kind: 'beta', size: lows.length, low: lows[0]!, high: highs[0]!, ...(clamp ? { clampLow: clamp[0], clampHigh: clamp[1] } : {}) };
      }
      return { kind: 'diag_gaussian', size: lows.length };
    }
    default:
      throw new RangeError(`action space "${space.kind}" is not supported by PPO (use discrete or box)`);
  }
}

/** A model a trainer saves in its checkpoints. */
export interface CheckpointModel {
  name: string;
  params: import('../../nn/index.js').ParamSet;
  optimizer?: Adam;
}

export interface PpoState {
  /** Extra state of subclasses (e.g. ORPO's base-policy environments and generators). */
  extra?: unknown;
  iteration: number;
  timesteps: number;
  klCoeff: number;
  rngs: { act: RngState; sgd: RngState };
  env: unknown;
  recentEpisodes: EpisodeRecord[];
}

export class PPO {
  readonly config: PpoConfig;
  readonly reward: RewardKind;
  readonly env: VectorEnvLike;
  readonly policy: ActorCritic;
  readonly optimizer: Adam;
  iteration = 0;
  timesteps = 0;
  klCoeff: number;
  private readonly actRng: Rng;
  private readonly sgdRng: Rng;
  /** The most recent finished episodes; returns are reported over this window, as RLlib smooths over 100. */
  private recentEpisodes: EpisodeRecord[] = [];
  static readonly EPISODE_WINDOW = 100;

  private readonly envSpec: PpoOptions['envSpec'];
  /** The latest sharpness measurement (set on the iterations the schedule picks, else null). */
  lastSharpness: SharpnessReport | null = null;
  private readonly sharpness: SharpnessSchedule | null;

  constructor(opts: PpoOptions) {
    this.config = opts.config;
    this.envSpec = opts.envSpec;
    this.sharpness = opts.sharpness && opts.sharpness.every > 0 ? opts.sharpness : null;
    this.reward = opts.reward;
    const root = new Rng(opts.seed);
    const initRng = root.fork();
    this.actRng = root.fork();
    this.sgdRng = root.fork();
    const envSeed = root.nextU32();
    this.env = makeVectorEnv(opts);
    this.env.reset(envSeed);
    this.policy = new ActorCritic(this.env.obsDim, distSpecFor(this.env.actionSpace, opts.config.model.actionClamp), opts.config.model, initRng);
    this.optimizer = new Adam(this.policy.params, { lr: opts.config.lr });
    this.klCoeff = opts.config.klCoeff;
  }

  /** Training rewards for a batch: the chosen reward, scaled. Subclasses add penalties here. */
  protected shapeRewards(batch: RolloutBatch): Float64Array {
    const src = batch[this.reward];
    const out = new Float64Array(src.length);
    const scale = this.config.rewardScale;
    for (let i = 0; i < src.length; i++) out[i] = src[i]! * scale;
    return out;
  }

  /** An additional loss term on the current distribution parameters (none for plain PPO). */
  protected extraLoss(_distParams: Tensor2D, _indices: Tensor1D): Tensor | null {
    return null;
  }

  /**
   * Whether extraLoss contributes this iteration. A subclass that overrides extraLoss is assumed
   * to use it unless it overrides this too; plain PPO's loss may then run as one fused native step.
   */
  protected usesExtraLoss(): boolean {
    return Object.getPrototypeOf(this).extraLoss !== PPO.prototype.extraLoss;
  }

  /** Hook for subclasses to prepare per-iteration tensors before SGD; returns extra metrics. */
  protected beforeLearn(_batch: RolloutBatch): Record<string, number> {
    return {};
  }

  protected afterLearn(): void {}

  trainIteration(): IterationMetrics {
    const start = performance.now();
    const batch = collectRollout(this.env, this.policy, this.config.rolloutFragmentLength, this.actRng);
    const sampled = batch.length * batch.num;
    this.timesteps += sampled;
    const rolloutSec = (performance.now() - start) / 1000;
    const extraMetrics = this.beforeLearn(batch);
    const rewards = this.shapeRewards(batch);
    const { advantages, valueTargets } = batchGae(batch, rewards, this.config.gamma, this.config.lambda);
    const learnStart = performance.now();
    const used = this.config.standardizeAdvantages ? standardize(advantages) : advantages;
    const sharpNow = this.sharpness !== null && (this.iteration + 1) % this.sharpness.every === 0;
    const before = sharpNow ? flatParams(this.policy.params, this.policy.params.names()) : null;
    const stats = this.learn(batch, used, valueTargets);
    const learnSec = (performance.now() - learnStart) / 1000;
    this.afterLearn();
    this.lastSharpness = before ? this.measureUpdateSharpness(batch, used, valueTargets, before) : null;
    const sharpMetrics: Record<string, number> = this.lastSharpness
      ? { sharpnessTop: this.lastSharpness.eigenvalues[0] ?? NaN, sharpnessFifth: this.lastSharpness.eigenvalues[4] ?? NaN, sharpnessRatio: this.lastSharpness.topToFifth, sharpnessLoss: this.lastSharpness.loss }
      : {};
    // RLlib's adaptive KL coefficient.
    if (stats.kl > 2 * this.config.klTarget) this.klCoeff *= 1.5;
    else if (stats.kl < 0.5 * this.config.klTarget) this.klCoeff *= 0.5;
    this.iteration += 1;
    const total = (performance.now() - start) / 1000;
    this.recentEpisodes = [...this.recentEpisodes, ...batch.episodes].slice(-PPO.EPISODE_WINDOW);
    return {
      iteration: this.iteration,
      timesteps: this.timesteps,
      ...episodeSummary(this.recentEpisodes),
      episodesThisIter: batch.episodes.length,
      ...stats,
      klCoeff: this.klCoeff,
      entropyCoeff: scheduleValue(this.config.entropyCoeff, this.timesteps),
      envStepsPerSec: sampled / Math.max(rolloutSec, 1e-9),
      learnerSamplesPerSec: (sampled * this.config.numSgdIter) / Math.max(learnSec, 1e-9),
      iterationSec: total,
      ...extraMetrics,
      ...sharpMetrics,
    };
  }

  /** The fused native minibatch step when it applies to this policy and loss (created once), else null. */
  private fusedStep(): FusedCategoricalPpo | null {
    if (this.usesExtraLoss()) return null;
    if (this.fused === undefined) {
      const net = this.policy.fusedNetwork();
      this.fused = net ? FusedCategoricalPpo.create(net, this.policy.params) : null;
    }
    return this.fused;
  }

  private fused: FusedCategoricalPpo | null | undefined;

  /**
   * Sharpness of PPO's own loss (clipped surrogate, value loss, entropy bonus and KL penalty at this
   * iteration's coefficients; a subclass's extraLoss is left out) on the batch's first minibatch
   * (its first sgdMinibatchSize samples), at the updated parameters: the slice along the
   * normalised update θ_after − θ_before, and the top five Hessian eigenvalues with λ1/λ5. It uses
   * no training random numbers and restores the parameters, so training goes on exactly as without it.
   */
  private measureUpdateSharpness(batch: RolloutBatch, advantages: Float32Array, valueTargets: Float32Array, before: Float32Array): SharpnessReport {
    const sched = this.sharpness!;
    const c = this.config;
    const names = this.policy.params.names();
    const after = flatParams(this.policy.params, names);
    const update = after.map((v, i) => v - before[i]!);
    const n = Math.min(c.sgdMinibatchSize, batch.length * batch.num);
    const mb: Minibatch = tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs.subarray(0, n * batch.obsDim), [n, batch.obsDim]);
      const actions = tf.tensor2d(batch.actions.subarray(0, n * batch.actionDim), [n, batch.actionDim]);
      const oldDistParams = tf.tensor2d(batch.distParams.subarray(0, n * batch.paramDim), [n, batch.paramDim]);
      return { obs, actions, oldDistParams, oldLogp: this.policy.dist.logProb(oldDistParams, actions), advantages: tf.tensor1d(advantages.subarray(0, n)), valueTargets: tf.tensor1d(valueTargets.subarray(0, n)) };
    });
    const coeffs = { clipParam: c.clipParam, vfLossCoeff: c.vfLossCoeff, vfClipParam: c.vfClipParam, entropyCoeff: scheduleValue(c.entropyCoeff, this.timesteps), klCoeff: this.klCoeff };
    try {
      return measureSharpness(this.policy.params, names, () => ppoLoss(this.policy, mb, coeffs).total, update, {
        radius: sched.radius ?? 0.5,
        points: sched.points ?? 21,
        k: 5,
        iterations: sched.iterations ?? 10,
        seed: this.iteration,
      });
    } finally {
      tf.dispose(Object.values(mb));
    }
  }

  /** Minibatch SGD epochs on one batch; returns losses averaged over all minibatches. */
  learn(batch: RolloutBatch, advantages: Float32Array, valueTargets: Float32Array): LearnStats {
    const fused = this.fusedStep();
    if (fused) return this.learnFused(fused, batch, advantages, valueTargets);
    const c = this.config;
    const size = batch.length * batch.num;
    const entropyCoeff = scheduleValue(c.entropyCoeff, this.timesteps);
    const full = tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs, [size, batch.obsDim]);
      const actions = tf.tensor2d(batch.actions, [size, batch.actionDim]);
      const oldDistParams = tf.tensor2d(batch.distParams, [size, batch.paramDim]);
      const oldLogp = this.policy.dist.logProb(oldDistParams, actions);
      return { obs, actions, oldDistParams, oldLogp, advantages: tf.tensor1d(advantages), valueTargets: tf.tensor1d(valueTargets) };
    });
    const numMinibatches = Math.max(1, Math.floor(size / c.sgdMinibatchSize));
    const mbSize = Math.min(c.sgdMinibatchSize, size);
    const sums = new Float64Array(LOSS_STAT_NAMES.length + 1);
    let count = 0;
    try {
      for (let epoch = 0; epoch < c.numSgdIter; epoch++) {
        const perm = this.sgdRng.permutation(size);
        for (let m = 0; m < numMinibatches; m++) {
          const idx = tf.tensor1d(perm.subarray(m * mbSize, (m + 1) * mbSize), 'int32');
          let statsT: Tensor1D | null = null;
          const mb: Minibatch = tf.tidy(() => ({
            obs: tf.gather(full.obs, idx) as Tensor2D,
            actions: tf.gather(full.actions, idx) as Tensor2D,
            oldLogp: tf.gather(full.oldLogp, idx) as Tensor1D,
            oldDistParams: tf.gather(full.oldDistParams, idx) as Tensor2D,
            advantages: tf.gather(full.advantages, idx) as Tensor1D,
            valueTargets: tf.gather(full.valueTargets, idx) as Tensor1D,
          }));
          const { loss, grads } = valueAndGrads(this.policy.params, () => {
            const parts = ppoLoss(
              this.policy,
              mb,
              { clipParam: c.clipParam, vfLossCoeff: c.vfLossCoeff, vfClipParam: c.vfClipParam, entropyCoeff, klCoeff: this.klCoeff },
              (dp) => this.extraLoss(dp, idx) ?? tf.scalar(0),
            );
            statsT = tf.keep(parts.stats);
            return parts.total;
          });
          if (!Number.isFinite(loss)) {
            for (const g of grads.values()) g.dispose();
            throw new NonFiniteLossError(`PPO loss became ${loss} at iteration ${this.iteration + 1}, epoch ${epoch + 1}, minibatch ${m + 1}`);
          }
          const gradNorm = this.optimizer.applyClipped(grads, c.gradClip);
          const s = (statsT as Tensor1D | null)!.dataSync();
          for (let k = 0; k < LOSS_STAT_NAMES.length; k++) sums[k]! += s[k]!;
          sums[LOSS_STAT_NAMES.length]! += gradNorm;
          count += 1;
          (statsT as Tensor1D | null)!.dispose();
          tf.dispose([idx, mb.obs, mb.actions, mb.oldLogp, mb.oldDistParams, mb.advantages, mb.valueTargets]);
        }
      }
    } finally {
      tf.dispose(Object.values(full));
    }
    return {
      policyLoss: sums[0]! / count,
      vfLoss: sums[1]! / count,
      kl: sums[2]! / count,
      entropy: sums[3]! / count,
      gradNorm: sums[4]! / count,
    };
  }

  /** `learn` through the fused native step: the same minibatches, generator draws and numbers. */
  private learnFused(fused: FusedCategoricalPpo, batch: RolloutBatch, advantages: Float32Array, valueTargets: Float32Array): LearnStats {
    const c = this.config;
    const size = batch.length * batch.num;
    const coefficients = { clipParam: c.clipParam, vfLossCoeff: c.vfLossCoeff, vfClipParam: c.vfClipParam, entropyCoeff: scheduleValue(c.entropyCoeff, this.timesteps), klCoeff: this.klCoeff };
    const data = { obs: batch.obs, actions: batch.actions, oldLogits: batch.distParams, advantages, targets: valueTargets };
    fused.setBatch(data);
    const numMinibatches = Math.max(1, Math.floor(size / c.sgdMinibatchSize));
    const mbSize = Math.min(c.sgdMinibatchSize, size);
    const sums = new Float64Array(LOSS_STAT_NAMES.length + 1);
    let count = 0;
    for (let epoch = 0; epoch < c.numSgdIter; epoch++) {
      const perm = this.sgdRng.permutation(size);
      for (let m = 0; m < numMinibatches; m++) {
        const s = fused.step(data, perm.subarray(m * mbSize, (m + 1) * mbSize), coefficients);
        if (!Number.isFinite(s.total)) {
          throw new NonFiniteLossError(`PPO loss became ${s.total} at iteration ${this.iteration + 1}, epoch ${epoch + 1}, minibatch ${m + 1}`);
        }
        sums[4]! += this.optimizer.applyClipped(fused.grads, c.gradClip, { keepGrads: true });
        sums[0]! += s.policyLoss;
        sums[1]! += s.vfLoss;
        sums[2]! += s.kl;
        sums[3]! += s.entropy;
        count += 1;
      }
    }
    return { policyLoss: sums[0]! / count, vfLoss: sums[1]! / count, kl: sums[2]! / count, entropy: sums[3]! / count, gradNorm: sums[4]! / count };
  }

  /** Runs `episodes` full episodes with the current policy on fresh copies; returns their records. */
  /** With numEnvWorkers > 0 (and envSpec given) the copies run in worker threads, built from envSpec. */
  evaluate(makeEnv: (index: number) => Env, episodes: number, seed: number, deterministic = false): EpisodeRecord[] {
    const num = Math.min(episodes, this.config.numEnvs);
    const spec = this.envSpec;
    const workers = this.config.numEnvWorkers;
    const inWorkers = spec && workers > 0 ? (n: number) => new WorkerVectorEnv({ env: spec.name, ...(spec.config ? { envConfig: spec.config } : {}), num: n, workers }) : undefined;
    return evaluatePolicy(this.policy, makeEnv, episodes, num, seed, deterministic, inWorkers);
  }

  /** Models saved in every checkpoint (subclasses add theirs). */
  checkpointModels(): CheckpointModel[] {
    return [{ name: 'policy', params: this.policy.params, optimizer: this.optimizer }];
  }

  getState(): PpoState {
    return {
      iteration: this.iteration,
      timesteps: this.timesteps,
      klCoeff: this.klCoeff,
      rngs: { act: this.actRng.getState(), sgd: this.sgdRng.getState() },
      env: this.env.getState(),
      recentEpisodes: this.recentEpisodes,
    };
  }

  /** Restores counters and generators; returns false when the environments could not be restored exactly. */
  setState(state: PpoState, resetSeed: number): boolean {
    this.iteration = state.iteration;
    this.timesteps = state.timesteps;
    this.klCoeff = state.klCoeff;
    this.actRng.setState(state.rngs.act);
    this.sgdRng.setState(state.rngs.sgd);
    this.recentEpisodes = state.recentEpisodes ?? [];
    if (state.env !== null && state.env !== undefined) {
      this.env.setState(state.env);
      return true;
    }
    this.env.reset(resetSeed);
    return false;
  }

  dispose(): void {
    this.env.close();
    this.fused?.dispose();
    this.optimizer.dispose();
    this.policy.dispose();
  }
}

/** `num` copies (default: the training copies) in this thread, or in `numEnvWorkers` worker threads. */
export function makeVectorEnv(opts: PpoOptions, num = opts.config.numEnvs): VectorEnvLike {
  const { numEnvWorkers } = opts.config;
  const numEnvs = num;
  if (numEnvWorkers === 0) return new VectorEnv(opts.makeEnv, numEnvs);
  if (!opts.envSpec) throw new RangeError('numEnvWorkers: worker threads need the environment by name (PpoOptions.envSpec); use 0 for an environment given only as a function');
  return new WorkerVectorEnv({ env: opts.envSpec.name, ...(opts.envSpec.config ? { envConfig: opts.envSpec.config } : {}), num: numEnvs, workers: numEnvWorkers });
}

/** Means over finished episodes; the environment's own statistics appear as flat `env.<name>` entries. */
export function episodeSummary(episodes: EpisodeRecord[]): { episodes: number; proxyReturnMean: number | null; trueReturnMean: number | null; episodeLenMean: number | null; [envMetric: `env.${string}`]: number } {
  if (episodes.length === 0) return { episodes: 0, proxyReturnMean: null, trueReturnMean: null, episodeLenMean: null };
  const mean = (f: (e: EpisodeRecord) => number) => episodes.reduce((a, e) => a + f(e), 0) / episodes.length;
  const envMetrics = meanEnvMetrics(episodes);
  const flat = Object.fromEntries(Object.entries(envMetrics ?? {}).map(([k, v]) => [`env.${k}`, v]));
  return { episodes: episodes.length, proxyReturnMean: mean((e) => e.proxyReturn), trueReturnMean: mean((e) => e.trueReturn), episodeLenMean: mean((e) => e.length), ...flat };
}

/** Per-key means of the environments' own episode statistics, or undefined when none reported any. */
export function meanEnvMetrics(episodes: readonly EpisodeRecord[]): Record<string, number> | undefined {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const e of episodes) {
    for (const [k, v] of Object.entries(e.metrics ?? {})) {
      const s = sums.get(k) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n += 1;
      sums.set(k, s);
    }
  }
  if (sums.size === 0) return undefined;
  return Object.fromEntries([...sums].map(([k, s]) => [k, s.sum / s.n]));
}

/** Plays complete episodes with a policy on `num` parallel copies until `episodes` have finished. */
export function evaluatePolicy(
  policy: ActorCritic,
  makeEnv: (index: number) => Env,
  episodes: number,
  num: number,
  seed: number,
  deterministic: boolean,
  makeVector?: (num: number) => VectorEnvLike,
): EpisodeRecord[] {
  const env = makeVector ? makeVector(num) : new VectorEnv(makeEnv, num);
  const rng = new Rng(seed);
  env.reset(seed);
  const done: EpisodeRecord[] = [];
  // Each copy plays a fixed share so that early-finishing copies do not bias towards short episodes.
  const quota = Array.from({ length: num }, (_, i) => Math.floor(episodes / num) + (i < episodes % num ? 1 : 0));
  const counts = new Array<number>(num).fill(0);
  while (done.length < episodes) {
    const { actions } = policy.act(env.observations, num, rng, deterministic);
    const step = env.step(actions);
    // The vector env reports finished episodes in copy order, with the environment's own statistics.
    const finished = env.drainEpisodes();
    let k = 0;
    for (let i = 0; i < num; i++) {
      if (!step.terminated[i] && !step.truncated[i]) continue;
      const record = finished[k++]!;
      if (counts[i]! < quota[i]!) {
        done.push(record);
        counts[i]! += 1;
      }
    }
  }
  env.close();
  return done;
}

/**
 * ORPO: PPO whose reward is penalised by an occupancy-measure divergence to one or more base
 * policies, estimated with discriminators (specs/orpo.md §1.2). Per iteration:
 *   1. roll out the current policy and, on their own environment copies, the base policies;
 *   2. train each base policy's discriminator on [current ; base] samples (first);
 *   3. score the current samples, turn scores into per-step distances, and add the clipped
 *      penalty −Σ coeff·distance to the rewards *before* GAE;
 *   4. PPO on the current samples, optionally with the action-distribution divergence term;
 *   5. Wasserstein without gradient penalty: clamp discriminator weights.
 */
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import { PPO, episodeSummary, makeVectorEnv, type CheckpointModel, type PpoOptions, type PpoState } from '../ppo/trainer.js';
import { collectRollout, type RolloutBatch } from '../ppo/rollout.js';
import type { VectorEnvLike } from '../../envs/vector.js';
import type { ActorCritic } from '../../policies/actor-critic.js';
import { Rng, type RngState } from '../../util/rng.js';
import { Discriminator, discriminatorFeatures, discriminatorInputDim } from './discriminator.js';
import { lossFamily, perStepDistances, omPenalty, omEstimates } from './divergences.js';
import { adDivergence, adEstimates } from './action-divergence.js';
import type { OrpoConfig } from './config.js';

export interface OrpoOptions extends PpoOptions {
  orpo: OrpoConfig;
  /** Base (or reference) policies, already loaded; one coefficient each. */
  basePolicies: ActorCritic[];
  /** Coefficients after scaling (coeffScale applied). */
  omCoeffs: number[];
  adCoeff: number;
}

interface OrpoExtraState {
  baseEnvs: unknown[];
  rngs: { base: RngState; disc: RngState };
}

/** Splits `total` environment copies into current-policy copies and copies per base policy. */
export function splitEnvCopies(total: number, percentSafe: number, numBase: number): { current: number; base: number[] } {
  const baseTotal = Math.round(total * percentSafe);
  if (baseTotal < numBase || total - baseTotal < 1) {
    throw new RangeError(`ppo.numEnvs: ${total} copies cannot be split into at least one for the current policy and one per base policy (${numBase}) with percentSafePolicy ${percentSafe}`);
  }
  const base = Array.from({ length: numBase }, (_, k) => Math.floor(baseTotal / numBase) + (k < baseTotal % numBase ? 1 : 0));
  return { current: total - baseTotal, base };
}

export class ORPO extends PPO {
  readonly orpo: OrpoConfig;
  readonly basePolicies: ActorCritic[];
  readonly baseEnvs: VectorEnvLike[];
  readonly discriminators: Discriminator[];
  readonly omCoeffs: number[];
  readonly adCoeff: number;
  private readonly baseRng: Rng;
  private readonly discRng: Rng;
  private penalty: Float64Array | null = null;
  private baseDistParams: Tensor2D | null = null;

  constructor(opts: OrpoOptions) {
    const split = splitEnvCopies(opts.config.numEnvs, opts.orpo.percentSafePolicy, opts.basePolicies.length);
    super({ ...opts, config: { ...opts.config, numEnvs: split.current } });
    this.orpo = opts.orpo;
    this.basePolicies = opts.basePolicies;
    this.omCoeffs = opts.omCoeffs;
    this.adCoeff = opts.adCoeff;
    // Streams of their own, so adding base policies does not change the current policy's sampling.
    const root = new Rng(opts.seed ^ 0x5eed0f0);
    this.baseRng = root.fork();
    this.discRng = root.fork();
    for (const [k, base] of this.basePolicies.entries()) {
      if (base.obsDim !== this.env.obsDim || base.dist.kind !== this.policy.dist.kind || base.dist.paramDim !== this.policy.dist.paramDim) {
        throw new Error(`base policy ${k}: its observation or action shape does not match the environment's`);
      }
    }
    this.baseEnvs = split.base.map((n) => {
      const venv = makeVectorEnv(opts, n);
      venv.reset(root.nextU32());
      return venv;
    });
    const inputDim = discriminatorInputDim(this.env.obsDim, this.env.actionSpace, this.policy.dist.actionDim, opts.orpo.useActionForDisc);
    this.discriminators = this.basePolicies.map((_b, k) => {
      const type = opts.orpo.omDivergenceType[k]!;
      return new Discriminator(
        {
          inputDim,
          width: opts.orpo.discriminatorWidth,
          depth: opts.orpo.discriminatorDepth,
          lr: opts.config.lr,
          gradClip: opts.config.gradClip,
          family: lossFamily(type),
          gradPenaltyWeight: type === 'wasserstein' ? opts.orpo.wganGradPenaltyWeight : null,
        },
        root.fork(),
      );
    });
    if (opts.orpo.initCurrentFromBase) this.policy.params.copyFrom(this.basePolicies[0]!.params);
  }

  private features(batch: RolloutBatch): { features: Float32Array; dim: number } {
    return discriminatorFeatures(batch.obs, batch.obsDim, batch.actions, this.env.actionSpace, batch.length * batch.num, this.orpo.useActionForDisc);
  }

  protected override beforeLearn(batch: RolloutBatch): Record<string, number> {
    const metrics: Record<string, number> = {};
    const nCur = batch.length * batch.num;
    const cur = this.features(batch);
    const epochs = this.orpo.discriminatorNumSgdIter ?? this.config.numSgdIter;
    const distances: Float64Array[] = [];
    const started = performance.now();
    for (const [k, base] of this.basePolicies.entries()) {
      const suffix = k === 0 ? '' : `_${k}`;
      const baseBatch = collectRollout(this.baseEnvs[k]!, base, this.config.rolloutFragmentLength, this.baseRng);
      const ep = episodeSummary(baseBatch.episodes);
      if (ep.proxyReturnMean !== null) {
        metrics[`baseProxyReturnMean${suffix}`] = ep.proxyReturnMean;
        metrics[`baseTrueReturnMean${suffix}`] = ep.trueReturnMean!;
      }
      const nBase = baseBatch.length * baseBatch.num;
      // RLlib counts every sampled step, the base workers' included (step-based schedules depend on it).
      this.timesteps += nBase;
      const b = this.features(baseBatch);
      const both = new Float32Array((nCur + nBase) * cur.dim);
      both.set(cur.features, 0);
      both.set(b.features, nCur * cur.dim);
      const disc = this.discriminators[k]!;
      metrics[`discLoss${suffix}`] = disc.train(both, nCur, nBase, epochs, this.config.sgdMinibatchSize, this.discRng);
      const scores = disc.scores(cur.features, nCur);
      const type = this.orpo.omDivergenceType[k]!;
      const baseScores = type === 'wasserstein' && this.orpo.wassersteinDistanceSubtractMeanSafePolicyScore ? disc.scores(b.features, nBase) : undefined;
      distances.push(perStepDistances(type, scores, { subtractMeanBaseScore: this.orpo.wassersteinDistanceSubtractMeanSafePolicyScore, ...(baseScores ? { baseScores } : {}) }));
      const est = omEstimates(scores);
      metrics[`omKl${suffix}`] = est.omKl;
      metrics[`omChi2${suffix}`] = est.omChi2;
      metrics[`omSqrtChi2${suffix}`] = est.omSqrtChi2;
    }
    this.penalty = omPenalty(distances, this.omCoeffs, this.orpo.discriminatorRewardClip);
    let penaltySum = 0;
    for (const v of this.penalty) penaltySum += v;
    metrics['omPenaltyMean'] = penaltySum / Math.max(nCur, 1);
    metrics['orpoSec'] = (performance.now() - started) / 1000;

    // The first base policy's action distributions on the current states: fixed for this iteration.
    const base = this.basePolicies[0]!;
    this.baseDistParams = tf.tidy(() => base.distParams(tf.tensor2d(batch.obs, [nCur, batch.obsDim])));
    const ad = tf.tidy(() => {
      const current = this.policy.distParams(tf.tensor2d(batch.obs, [nCur, batch.obsDim]));
      return adEstimates(this.policy.dist, current, this.baseDistParams!);
    });
    Object.assign(metrics, ad);
    return metrics;
  }

  protected override shapeRewards(batch: RolloutBatch): Float64Array {
    const rewards = super.shapeRewards(batch);
    if (this.penalty) for (let i = 0; i < rewards.length; i++) rewards[i]! += this.penalty[i]!;
    return rewards;
  }

  protected override usesExtraLoss(): boolean {
    return this.adCoeff !== 0 && this.baseDistParams !== null;
  }

  protected override extraLoss(distParams: Tensor2D, indices: Tensor1D): Tensor | null {
    if (this.adCoeff === 0 || !this.baseDistParams) return null;
    const baseRows = tf.gather(this.baseDistParams, indices) as Tensor2D;
    const d = adDivergence(this.orpo.actionDistDivergenceType, this.policy.dist, distParams, baseRows);
    return tf.mul(tf.mean(d), this.adCoeff / (1 - this.config.gamma));
  }

  protected override afterLearn(): void {
    this.baseDistParams?.dispose();
    this.baseDistParams = null;
    this.penalty = null;
    for (const [k, disc] of this.discriminators.entries()) {
      if (this.orpo.omDivergenceType[k] === 'wasserstein' && this.orpo.wganGradPenaltyWeight === null) disc.clampWeights(this.orpo.wganGradClip);
    }
  }

  override checkpointModels(): CheckpointModel[] {
    return [...super.checkpointModels(), ...this.discriminators.map((d, k) => ({ name: `discriminator${k}`, params: d.params, optimizer: d.optimizer }))];
  }

  override getState(): PpoState {
    const extra: OrpoExtraState = { baseEnvs: this.baseEnvs.map((e) => e.getState()), rngs: { base: this.baseRng.getState(), disc: this.discRng.getState() } };
    return { ...super.getState(), extra };
  }

  override setState(state: PpoState, resetSeed: number): boolean {
    let exact = super.setState(state, resetSeed);
    const extra = state.extra as OrpoExtraState | undefined;
    if (extra) {
      this.baseRng.setState(extra.rngs.base);
      this.discRng.setState(extra.rngs.disc);
      this.baseEnvs.forEach((env, k) => {
        const s = extra.baseEnvs[k];
        if (s !== null && s !== undefined) env.setState(s);
        else {
          env.reset(resetSeed + 1000 * (k + 1));
          exact = false;
        }
      });
    }
    return exact;
  }

  override dispose(): void {
    for (const e of this.baseEnvs) e.close();
    for (const d of this.discriminators) d.dispose();
    this.baseDistParams?.dispose();
    super.dispose();
  }
}

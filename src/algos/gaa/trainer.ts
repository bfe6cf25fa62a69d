/**
 * Greedy Advantage Aware PPO on a discrete-action environment (specs/rlhf.md §3): the core PPO,
 * plus per iteration
 *   1. after the rollout: the greedy action x* = argmax π_old(·|s) at every step, its probability,
 *      and its one-step advantage A* = r(s, x*) + γ·V(s*′) − V(s), where s*′ is found by stepping a
 *      restored copy of the environment (env-probe.ts); and the sampled action's one-step advantage
 *      A = r + γ·V(s′) − V(s) from the same value function, so σ compares like with like;
 *   2. in every minibatch: η, σ, a, b (coefficients.ts) and the loss a·L_PPO − b·J_greedy, i.e.
 *      the ascent step a·∇J + b·∇J_greedy (objective.ts).
 * The PPO surrogate itself still uses the usual standardised GAE advantages.
 *
 * It rides on PPO's hooks: beforeLearn (step 1), learn (keeps the batch's tensors at hand) and
 * extraLoss, which adds (a − 1)·L_PPO − b·J_greedy to PPO's own loss. When σ′ = 0 (a = 1, b = 0)
 * it adds nothing, so the update is plain PPO's, bit for bit.
 */
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import { PPO, NonFiniteLossError, type IterationMetrics, type PpoOptions } from '../ppo/trainer.js';
import { batchGae } from '../ppo/gae.js';
import { ppoLoss, type Minibatch } from '../ppo/loss.js';
import { scheduleValue } from '../ppo/config.js';
import type { RolloutBatch } from '../ppo/rollout.js';
import type { Env } from '../../envs/types.js';
import type { Snapshottable } from '../../envs/vector.js';
import { StateRecordingEnv, probeSuccessors, requireSnapshottable } from './env-probe.js';
import { greedyFromLogits, oneStepAdvantages } from './greedy.js';
import { etaSigma, gaaCoefficients, normaliseGreedyAdvantages, type EtaSigma } from './coefficients.js';
import { greedyObjective } from './objective.js';
import type { GaaConfig } from './config.js';

export interface GaaOptions extends PpoOptions {
  gaa: GaaConfig;
}

/** Per-step GAA quantities of one rollout, indexed like the batch (t·num + i). */
export interface GreedyBatch {
  actions: Int32Array;
  /** π_old(x*). */
  probs: Float64Array;
  logProbs: Float64Array;
  /** A* = r(x*) + γ·V(s*′) − V(s). */
  greedyAdvantages: Float64Array;
  /** A = r + γ·V(s′) − V(s) of the sampled action. */
  advantages: Float64Array;
  /** The training reward the greedy step would have earned. */
  greedyRewards: Float64Array;
}

export interface MinibatchRecord extends EtaSigma {
  a: number;
  b: number;
}

/** Per-iteration means of the minibatch records, as logged to metrics.jsonl. */
export function summariseMinibatches(records: readonly MinibatchRecord[]): Record<string, number> {
  if (!records.length) return {};
  const avg = (f: (r: MinibatchRecord) => number) => records.reduce((s, r) => s + f(r), 0) / records.length;
  return {
    gaaA: avg((r) => r.a),
    gaaB: avg((r) => r.b),
    gaaEta: avg((r) => r.eta),
    gaaSigma: avg((r) => r.sigma),
    gaaEtaScaled: avg((r) => r.etaScaled),
    gaaSigmaScaled: avg((r) => r.sigmaScaled),
    gaaBMin: Math.min(...records.map((r) => r.b)),
    /** Fraction of minibatches whose update differed from PPO's (σ′ > 0). */
    gaaActiveFrac: avg((r) => (r.sigmaScaled > 0 ? 1 : 0)),
  };
}

interface FullTensors {
  obs: Tensor2D;
  actions: Tensor2D;
  oldDistParams: Tensor2D;
  oldLogp: Tensor1D;
  advantages: Tensor1D;
  valueTargets: Tensor1D;
  greedyActions: Tensor2D;
  greedyLogpOld: Tensor1D;
}

export class GAA extends PPO {
  readonly gaa: GaaConfig;
  private readonly recorders: StateRecordingEnv[];
  private readonly probeEnv: Env & Snapshottable;
  private greedy: GreedyBatch | null = null;
  private full: FullTensors | null = null;
  private records: MinibatchRecord[] = [];

  constructor(opts: GaaOptions) {
    const recorders: StateRecordingEnv[] = [];
    const makeEnv = (index: number): Env => {
      const rec = new StateRecordingEnv(requireSnapshottable(opts.makeEnv(index), 'GAA'));
      recorders.push(rec);
      return rec;
    };
    if (opts.config.numEnvWorkers > 0) throw new RangeError('numEnvWorkers: GAA probes the successor states of its own copies, which must run in this thread; use 0');
    super({ ...opts, makeEnv, envSpec: undefined });
    if (this.env.actionSpace.kind !== 'discrete') {
      throw new Error(`GAA: the greedy action is defined for discrete action spaces; this environment's is "${this.env.actionSpace.kind}"`);
    }
    this.gaa = opts.gaa;
    this.recorders = recorders;
    this.probeEnv = requireSnapshottable(opts.makeEnv(opts.config.numEnvs), 'GAA');
  }

  /** The greedy quantities of the latest rollout (for tests and diagnostics). */
  get lastGreedy(): GreedyBatch | null {
    return this.greedy;
  }

  protected override beforeLearn(batch: RolloutBatch): Record<string, number> {
    const metrics = super.beforeLearn(batch);
    const size = batch.length * batch.num;
    const states = new Array<unknown>(size);
    this.recorders.forEach((rec, i) => {
      const s = rec.takeStates();
      if (s.length !== batch.length) throw new Error(`GAA: environment copy ${i} recorded ${s.length} states for a rollout of ${batch.length} steps`);
      for (let t = 0; t < batch.length; t++) states[t * batch.num + i] = s[t];
    });
    this.greedy = this.greedyBatch(batch, states);
    let pSum = 0;
    let aSum = 0;
    let same = 0;
    for (let k = 0; k < size; k++) {
      pSum += this.greedy.probs[k]!;
      aSum += this.greedy.greedyAdvantages[k]! - this.greedy.advantages[k]!;
      if (this.greedy.actions[k] === batch.actions[k]) same += 1;
    }
    return { ...metrics, greedyProbMean: pSum / size, greedyAdvGapMean: aSum / size, greedySampledFrac: same / size };
  }

  /** Greedy actions, their probabilities and one-step advantages for a rollout whose pre-step states are `states`. */
  greedyBatch(batch: RolloutBatch, states: readonly unknown[]): GreedyBatch {
    const size = batch.length * batch.num;
    const g = greedyFromLogits(batch.distParams, size, batch.paramDim);
    const probe = probeSuccessors(this.probeEnv, states, g.actions);
    const scale = this.config.rewardScale;
    const greedyRewards = Float64Array.from(probe[this.reward], (r) => r * scale);
    const nextValues = this.policy.values(probe.obs, size);
    const greedyAdvantages = oneStepAdvantages({ rewards: greedyRewards, nextValues, values: batch.values, terminal: probe.terminated, gamma: this.config.gamma });
    // λ = 0 turns GAE into the one-step estimate, with PPO's own handling of episode ends.
    const td = batchGae(batch, this.shapeRewards(batch), this.config.gamma, 0).advantages;
    return { actions: g.actions, probs: g.probs, logProbs: g.logProbs, greedyAdvantages, advantages: Float64Array.from(td), greedyRewards };
  }

  override learn(batch: RolloutBatch, advantages: Float32Array, valueTargets: Float32Array) {
    const g = this.greedy;
    if (!g) throw new Error('GAA.learn: no greedy quantities for this batch (beforeLearn did not run)');
    const size = batch.length * batch.num;
    this.full = tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs, [size, batch.obsDim]);
      const actions = tf.tensor2d(batch.actions, [size, batch.actionDim]);
      const oldDistParams = tf.tensor2d(batch.distParams, [size, batch.paramDim]);
      return {
        obs,
        actions,
        oldDistParams,
        oldLogp: this.policy.dist.logProb(oldDistParams, actions),
        advantages: tf.tensor1d(advantages),
        valueTargets: tf.tensor1d(valueTargets),
        greedyActions: tf.tensor2d(Float32Array.from(g.actions), [size, 1]),
        greedyLogpOld: tf.tensor1d(Float32Array.from(g.logProbs)),
      };
    });
    this.records = [];
    try {
      return super.learn(batch, advantages, valueTargets);
    } finally {
      tf.dispose(Object.values(this.full));
      this.full = null;
    }
  }

  /** Adds (a − 1)·L_PPO − b·J_greedy, so that PPO's loss becomes a·L_PPO − b·J_greedy. */
  protected override extraLoss(distParams: Tensor2D, indices: Tensor1D): Tensor | null {
    const g = this.greedy!;
    const full = this.full!;
    const idx = indices.dataSync();
    const n = idx.length;
    const probs = new Float64Array(n);
    const gAdv = new Float64Array(n);
    const adv = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const k = idx[j]!;
      probs[j] = g.probs[k]!;
      gAdv[j] = g.greedyAdvantages[k]!;
      adv[j] = g.advantages[k]!;
    }
    const es = etaSigma({ greedyProbs: probs, greedyAdvantages: gAdv, advantages: adv }, this.gaa);
    if (!Number.isFinite(es.eta) || !Number.isFinite(es.sigma)) {
      throw new NonFiniteLossError(`GAA: eta = ${es.eta}, sigma = ${es.sigma} at iteration ${this.iteration + 1} (non-finite advantages or probabilities)`);
    }
    const { a, b } = gaaCoefficients(es.etaScaled, es.sigmaScaled, this.gaa.decayPower);
    this.records.push({ ...es, a, b });
    if (a === 1 && b === 0) return null;

    const actions = tf.gather(full.actions, indices) as Tensor2D;
    const oldLogp = tf.gather(full.oldLogp, indices) as Tensor1D;
    const jGreedy = greedyObjective(this.gaa.variant, {
      sampledLogp: this.policy.dist.logProb(distParams, actions),
      sampledLogpOld: oldLogp,
      greedyLogp: this.policy.dist.logProb(distParams, tf.gather(full.greedyActions, indices) as Tensor2D),
      greedyLogpOld: tf.gather(full.greedyLogpOld, indices) as Tensor1D,
      greedyAdvantages: tf.tensor1d(normaliseGreedyAdvantages(gAdv, adv)),
      clip: this.config.clipParam,
    });
    let extra: Tensor = tf.mul(jGreedy, -b);
    if (a !== 1) {
      // PPO's loss once more on the same minibatch (a second forward pass), weighted by a − 1.
      const mb: Minibatch = {
        obs: tf.gather(full.obs, indices) as Tensor2D,
        actions,
        oldLogp,
        oldDistParams: tf.gather(full.oldDistParams, indices) as Tensor2D,
        advantages: tf.gather(full.advantages, indices) as Tensor1D,
        valueTargets: tf.gather(full.valueTargets, indices) as Tensor1D,
      };
      const c = this.config;
      const parts = ppoLoss(this.policy, mb, {
        clipParam: c.clipParam,
        vfLossCoeff: c.vfLossCoeff,
        vfClipParam: c.vfClipParam,
        entropyCoeff: scheduleValue(c.entropyCoeff, this.timesteps),
        klCoeff: this.klCoeff,
      });
      extra = tf.add(extra, tf.mul(parts.total, a - 1));
    }
    return extra;
  }

  override trainIteration(): IterationMetrics {
    const m = super.trainIteration();
    this.greedy = null;
    return { ...m, ...summariseMinibatches(this.records) };
  }

  override dispose(): void {
    this.probeEnv.close?.();
    super.dispose();
  }
}

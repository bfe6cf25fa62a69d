/**
 * PPO for a language-model policy against a learned proxy reward, watched by a gold reward.
 *
 * One iteration: sample prompts; generate a response each (temperature, top-k/top-p); score the
 * responses with the proxy (the only reward the policy learns from) and the gold reward (logged
 * only); compute old and reference per-token log-probs and values in one pass; build token rewards
 * (the clipped score at the last token, plus −β·ℓ_t per token for the in-reward KL); GAE (γ 1,
 * λ 0.95); then `ppoEpochs` passes over minibatches of the clipped policy loss, the clipped value
 * loss and, for the in-loss regularizers, coeff·KL̂ or coeff·√χ̂² of the sequence log-ratios
 * (regularizers.ts, specs/rlhf.md §1.4).
 */
import { tf, Adam, dense, valueAndGrads, type Grads, type ParamSet, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import { generate, packPromptResponse, responseLogProbs, withAdapterTraining, type GptNeoX, type PackedBatch } from '../../lm/index.js';
import { flatParams, measureSharpness, type SharpnessReport } from '../../interpret/sharpness.js';
import { Rng, type RngState } from '../../util/rng.js';
import { regularizerLoss, regularizerStats, sequenceLogRatios, perTokenKlPenalty } from './regularizers.js';
import { makeKlController, type KlController } from './kl-controller.js';
import { tokenRewards, tokenGae, whitenMasked } from './token-gae.js';
import type { RlhfPpoConfig } from './config.js';
import { combineGradients, gradientCosine, greedyFinalRewards, greedyObjectiveFn, minibatchCoefficients, observeGreedyTokens, type SwappedSequence, type TokenGreedy } from './gaa-lm.js';
import { summariseMinibatches, type MinibatchRecord } from '../gaa/trainer.js';
import { SIGMA_STD_EPS, meanStd } from '../gaa/coefficients.js';

export const VALUE_WEIGHT = 'v_head.weight';
export const VALUE_BIAS = 'v_head.bias';

/** Scores of responses (token ids) to prompts (token ids): the proxy the policy is trained on, or the gold. */
export type SequenceScorer = (prompts: readonly number[][], responses: readonly number[][], promptIndices: readonly number[]) => ArrayLike<number>;

export interface LmPpoOptions {
  policy: GptNeoX;
  /**
   * The frozen reference policy π_ref (normally the SFT model); never updated. Leave it out when
   * the policy carries an adapter (LoRA): π_ref is then the policy with its adapter switched off,
   * and only the adapter (and the value head) trains.
   */
  reference?: GptNeoX;
  /** Token ids of every training prompt. */
  prompts: readonly number[][];
  proxy: SequenceScorer;
  gold: SequenceScorer;
  config: RlhfPpoConfig;
  stopTokens: readonly number[];
  padId: number;
}

export interface LmPpoStepMetrics {
  iteration: number;
  /** Means over this iteration's rollouts. */
  proxyReward: number;
  goldReward: number;
  responseLength: number;
  /** Sequence-level estimates between the sampling policy and the reference. */
  kl: number;
  chi2: number;
  sqrtChi2: number;
  ratioClipFrac: number;
  entropy: number;
  klCoeff: number;
  policyLoss: number;
  valueLoss: number;
  regLoss: number;
  clipFrac: number;
  seconds: number;
  /** Every sharpnessEvery iterations: the slice along this iteration's update and the Hessian spectrum of the PPO loss. */
  sharpness?: SharpnessReport;
  /** With logFullKl: the exact full-vocabulary KL(π_old‖π_ref) per response token, mean over tokens. */
  klFull?: number;
  /**
   * With algo gaa: per-iteration means over minibatches of a, b, η, σ (gaaA, gaaB, gaaEta, gaaSigma,
   * their scaled values, gaaBMin, gaaActiveFrac), cos(∇J, ∇J_greedy) (gaaCos), and over the
   * rollout's tokens P(greedy) (greedyProbMean), the mean A* − A (greedyAdvGapMean) and the share of
   * tokens whose greedy token was the one sampled (greedySampledFrac).
   */
  gaa?: Record<string, number>;
}

interface Rollout {
  prompt: number[];
  promptIndex: number;
  response: number[];
  oldLogp: Float32Array;
  refLogp: Float32Array;
  values: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** With GAA: the row's per-token greedy ids, π_old(x*), log π_old(x*), A* and the sampled one-step A. */
  greedy?: { ids: Int32Array; probs: Float64Array; logpOld: Float32Array; advantages: Float64Array; sampledAdvantages: Float64Array };
}

/**
 * Adds the per-token value head (a linear map of the final hidden state), zero-initialised, to
 * `into`: the policy's own parameters, or the adapter's when only the adapter trains.
 */
export function ensureValueHead(policy: GptNeoX, into: ParamSet = policy.params): void {
  if (into.names().includes(VALUE_WEIGHT)) return;
  const H = policy.config.hiddenSize;
  into.add(VALUE_WEIGHT, [H, 1], new Float32Array(H));
  into.add(VALUE_BIAS, [1], new Float32Array(1));
}

/** The parameters PPO trains: the adapter's when the policy has one (the base stays frozen), else all of the policy's. */
export function trainableParams(policy: GptNeoX): ParamSet {
  return policy.adapter ? policy.adapter.params : policy.params;
}

/** Per-token log-probs, values and entropies of packed responses (differentiable when called in valueAndGrads). */
function policyOutputs(policy: GptNeoX, packed: PackedBatch, entropy = false): { logp: Tensor2D; values: Tensor2D; entropy?: Tensor2D } {
  const { batch: B, responseLength: R } = packed;
  const H = policy.config.hiddenSize;
  const heads = trainableParams(policy);
  const out = responseLogProbs(policy, packed, { hidden: true, entropy });
  const v = dense(tf.reshape(out.hidden!, [B * R, H]) as Tensor2D, heads.get(VALUE_WEIGHT) as unknown as Tensor2D, heads.get(VALUE_BIAS) as unknown as Tensor1D);
  return { logp: out.logProbs, values: tf.reshape(v, [B, R]) as Tensor2D, ...(out.entropy ? { entropy: out.entropy } : {}) };
}

/** Rows of per-token arrays laid out [B × R] to match a packed batch (zeros in the padding). */
function padRows(rows: readonly Float32Array[], R: number): Float32Array {
  const out = new Float32Array(rows.length * R);
  rows.forEach((r, i) => out.set(r.subarray(0, Math.min(r.length, R)), i * R));
  return out;
}

/** Sequence scores z-scored with the batch's mean and sample standard deviation (GAA's published code). */
export function normaliseScores(scores: Float64Array, norm: 'none' | 'batch'): Float64Array {
  if (norm === 'none') return scores;
  const { mean, std } = meanStd(scores);
  return scores.map((s) => (s - mean) / (std + SIGMA_STD_EPS));
}

/** Exact KL(p‖q) per row of two [rows × V] logit arrays, in float64. */
export function fullKlRows(pLogits: ArrayLike<number>, qLogits: ArrayLike<number>, rows: number, V: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    let pMax = -Infinity;
    let qMax = -Infinity;
    for (let j = 0; j < V; j++) (pMax = Math.max(pMax, pLogits[o + j]!), (qMax = Math.max(qMax, qLogits[o + j]!)));
    let pZ = 0;
    let qZ = 0;
    for (let j = 0; j < V; j++) (pZ += Math.exp(pLogits[o + j]! - pMax), (qZ += Math.exp(qLogits[o + j]! - qMax)));
    const pLog = Math.log(pZ) + pMax;
    const qLog = Math.log(qZ) + qMax;
    let kl = 0;
    for (let j = 0; j < V; j++) {
      const lp = pLogits[o + j]! - pLog;
      kl += Math.exp(lp) * (lp - (qLogits[o + j]! - qLog));
    }
    out[r] = kl;
  }
  return out;
}

export class LmPpoTrainer {
  readonly config: RlhfPpoConfig;
  readonly policy: GptNeoX;
  /** Null: π_ref is the policy with its adapter disabled. */
  readonly reference: GptNeoX | null;
  /** What the optimiser updates (and holds state for): the adapter plus value head, or the whole policy. */
  readonly trainable: ParamSet;
  readonly optimizer: Adam;
  readonly kl: KlController;
  iteration = 0;
  private readonly rng: Rng;
  private order: Int32Array;
  private cursor = 0;
  /** GAA's per-minibatch records and gradient cosines of the current iteration. */
  private gaaRecords: MinibatchRecord[] = [];
  private gaaCosines: number[] = [];

  constructor(private readonly opts: LmPpoOptions) {
    this.config = opts.config;
    this.policy = opts.policy;
    this.reference = opts.reference ?? null;
    if (!this.reference && !this.policy.adapter) throw new Error('LmPpoTrainer: give a reference policy, or a policy with an adapter (its base is then the reference)');
    if (opts.prompts.length === 0) throw new Error('LmPpoTrainer: no training prompts');
    this.trainable = trainableParams(this.policy);
    ensureValueHead(this.policy, this.trainable);
    this.optimizer = new Adam(this.trainable, { lr: this.config.lr, beta1: 0.9, beta2: 0.95 });
    this.kl = makeKlController(this.config.regularizer === 'kl-reward' ? this.config.coeff : 0, this.config.regularizer === 'kl-reward' ? this.config.klTarget : null, this.config.klHorizon);
    this.rng = new Rng(this.config.seed);
    this.order = this.rng.permutation(opts.prompts.length);
  }

  /** The next `n` prompt indices, cycling through a reshuffled order each pass. */
  private nextPrompts(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.cursor >= this.order.length) {
        this.order = this.rng.permutation(this.opts.prompts.length);
        this.cursor = 0;
      }
      out.push(this.order[this.cursor++]!);
    }
    return out;
  }

  step(): LmPpoStepMetrics {
    const started = performance.now();
    const c = this.config;
    const idx = this.nextPrompts(c.rolloutBatch);
    const prompts = idx.map((i) => this.opts.prompts[i]!);
    const gens = generate(this.policy, prompts, { maxNewTokens: c.maxNewTokens, temperature: c.temperature, topK: c.topK, topP: c.topP, stopTokens: this.opts.stopTokens, padId: this.opts.padId, rng: this.rng });
    const responses = gens.map((g) => g.tokens);
    const proxy = Float64Array.from(this.opts.proxy(prompts, responses, idx));
    const gold = Float64Array.from(this.opts.gold(prompts, responses, idx));

    // Old log-probs, values and entropies from the same forward pass the update uses (not the
    // generation's cached pass), so the first ratio of every update is exactly 1.
    const packed = packPromptResponse(prompts, responses, this.opts.padId);
    const { batch: B, responseLength: R, responseMask: mask } = packed;
    const [oldLogp, values, entropy] = tf.tidy(() => {
      const o = policyOutputs(this.policy, packed, true);
      return [o.logp.dataSync() as Float32Array, o.values.dataSync() as Float32Array, o.entropy!.dataSync() as Float32Array];
    });
    const reference = this.reference;
    const refLogp = tf.tidy(() => (reference ? responseLogProbs(reference, packed) : this.policy.withAdapterDisabled(() => responseLogProbs(this.policy, packed))).logProbs.dataSync() as Float32Array);

    const L = sequenceLogRatios(oldLogp, refLogp, mask, B, R);
    const stats = regularizerStats(L);
    const beta = this.kl.value;
    const perToken = c.regularizer === 'kl-reward' && beta > 0 ? perTokenKlPenalty(oldLogp, refLogp, beta) : undefined;
    const scores = normaliseScores(proxy, c.scoreNorm);
    const rewards = tokenRewards({ n: B, T: R, mask, scores, scoreClip: c.scoreClip, ...(perToken ? { perToken } : {}) });
    const gae = tokenGae(rewards, values, mask, B, R, c.gamma, c.lambda);
    const advantages = c.whitenAdvantages ? whitenMasked(gae.advantages, mask) : gae.advantages;
    const greedy = c.gaa ? this.observeGreedy(packed, prompts, responses, idx, proxy, values, rewards, beta) : null;
    const klFull = c.logFullKl ? this.fullKl(packed) : undefined;

    const rollouts: Rollout[] = idx.map((promptIndex, b) => {
      const n = packed.responseLengths[b]!;
      const row = <T extends Float32Array | Float64Array | Int32Array>(a: T): T => a.slice(b * R, b * R + n) as T;
      const g = greedy ? { greedy: { ids: row(greedy.ids), probs: row(greedy.probs), logpOld: row(greedy.logpOld), advantages: row(greedy.advantages), sampledAdvantages: row(greedy.sampledAdvantages) } } : {};
      return { prompt: prompts[b]!, promptIndex, response: responses[b]!, oldLogp: row(oldLogp), refLogp: row(refLogp), values: row(values), advantages: row(advantages), returns: row(gae.returns), ...g };
    });
    const sharpNow = c.sharpnessEvery > 0 && (this.iteration + 1) % c.sharpnessEvery === 0;
    const names = this.trainable.names();
    const before = sharpNow ? flatParams(this.trainable, names) : null;
    const losses = this.learn(rollouts);
    let sharpness: SharpnessReport | undefined;
    if (before) {
      // The loss of the first minibatch of this iteration's rollouts at the updated parameters,
      // sliced along the normalised update θ_after − θ_before.
      const after = flatParams(this.trainable, names);
      const update = after.map((v, i) => v - before[i]!);
      const mb = this.minibatchLoss(rollouts.slice(0, c.minibatch));
      try {
        sharpness = measureSharpness(this.trainable, names, mb.lossFn, update, { radius: c.sharpnessRadius, points: c.sharpnessPoints, k: 5, iterations: c.sharpnessIterations, seed: c.seed + this.iteration });
      } finally {
        mb.dispose();
      }
    }
    // The adaptive controller sees the per-token KL summed over each response (trlX's measure).
    if (c.regularizer === 'kl-reward') this.kl.update(L.reduce((a, b) => a + b, 0) / B, B);

    let tokens = 0;
    let entSum = 0;
    for (let k = 0; k < mask.length; k++) if (mask[k]) (tokens++, (entSum += entropy[k]!));
    this.iteration++;
    return {
      iteration: this.iteration,
      proxyReward: mean(proxy),
      goldReward: mean(gold),
      responseLength: tokens / B,
      kl: stats.kl,
      chi2: stats.chi2,
      sqrtChi2: stats.sqrtChi2,
      ratioClipFrac: stats.ratioClipFrac,
      entropy: tokens ? entSum / tokens : 0,
      klCoeff: c.regularizer === 'kl-reward' ? beta : c.coeff,
      ...losses,
      seconds: (performance.now() - started) / 1000,
      ...(sharpness ? { sharpness } : {}),
      ...(klFull === undefined ? {} : { klFull }),
      ...(greedy ? { gaa: this.gaaMetrics(greedy, mask) } : {}),
    };
  }

  /** The greedy tokens of this rollout and their advantages (gaa-lm.ts). */
  private observeGreedy(packed: PackedBatch, prompts: number[][], responses: number[][], idx: number[], proxyRaw: Float64Array, values: Float32Array, rewards: Float64Array, beta: number): TokenGreedy {
    const c = this.config;
    const { batch: B, responseLength: R } = packed;
    const logits = tf.tidy(() => responseLogProbs(this.policy, packed, { logits: true }).logits!.dataSync() as Float32Array);
    const reference = this.reference;
    const logpOf = (model: GptNeoX | null, ids: Int32Array) =>
      tf.tidy(() => {
        const run = () => responseLogProbs(model ?? this.policy, packed, { targets: ids }).targetLogProbs!.dataSync() as Float32Array;
        return model ? run() : this.policy.withAdapterDisabled(run);
      });
    return observeGreedyTokens({
      batch: B,
      responseLength: R,
      mask: packed.responseMask,
      responseIds: packed.responseIds,
      responses,
      logits,
      vocab: this.policy.config.vocabSize,
      values,
      rewards,
      gamma: c.gamma,
      logpOf: (ids) => logpOf(this.policy, ids),
      ...(c.regularizer === 'kl-reward' && beta > 0 ? { shapingOf: (ids: Int32Array, logpOld: Float32Array) => perTokenKlPenalty(logpOld, logpOf(reference, ids), beta) } : {}),
      valueAfter: (seqs: readonly SwappedSequence[]) => this.valuesAfter(prompts, seqs),
      finalReward: (seqs: readonly SwappedSequence[]) => {
        const raw = Float64Array.from(this.opts.proxy(seqs.map((q) => prompts[q.row]!), seqs.map((q) => q.response), seqs.map((q) => idx[q.row]!)));
        return greedyFinalRewards(raw, proxyRaw, c.scoreNorm, c.scoreClip);
      },
    });
  }

  /**
   * V(prompt + response) after the last response token of each sequence (`prompts[seq.row]` is its
   * prompt): the value head at that token's own position, read as the value "before" a dummy token
   * appended after it (causal attention never lets the dummy change it). Batched in chunks.
   */
  valuesAfter(prompts: readonly number[][], seqs: readonly SwappedSequence[]): Float64Array {
    const out = new Float64Array(seqs.length);
    const chunk = 64;
    for (let s = 0; s < seqs.length; s += chunk) {
      const part = seqs.slice(s, s + chunk);
      const p = packPromptResponse(part.map((q) => prompts[q.row]!), part.map((q) => [...q.response, q.response[q.response.length - 1]!]), this.opts.padId);
      const v = tf.tidy(() => policyOutputs(this.policy, p).values.dataSync() as Float32Array);
      part.forEach((q, i) => (out[s + i] = v[i * p.responseLength + q.response.length]!));
    }
    return out;
  }

  /** Mean exact KL(π‖π_ref) per response token of a packed batch. */
  private fullKl(packed: PackedBatch): number {
    const V = this.policy.config.vocabSize;
    const rows = packed.batch * packed.responseLength;
    const logitsOf = (model: GptNeoX) => tf.tidy(() => responseLogProbs(model, packed, { logits: true }).logits!.dataSync() as Float32Array);
    const p = logitsOf(this.policy);
    const q = this.reference ? logitsOf(this.reference) : this.policy.withAdapterDisabled(() => logitsOf(this.policy));
    const kl = fullKlRows(p, q, rows, V);
    let sum = 0;
    let n = 0;
    for (let k = 0; k < rows; k++) if (packed.responseMask[k]) (n++, (sum += kl[k]!));
    return n ? sum / n : 0;
  }

  private gaaMetrics(greedy: TokenGreedy, mask: Float32Array): Record<string, number> {
    let n = 0;
    let p = 0;
    let gap = 0;
    for (let k = 0; k < mask.length; k++) {
      if (!mask[k]) continue;
      n++;
      p += greedy.probs[k]!;
      gap += greedy.advantages[k]! - greedy.sampledAdvantages[k]!;
    }
    const cos = this.gaaCosines.filter(Number.isFinite);
    const out = {
      ...summariseMinibatches(this.gaaRecords),
      gaaCos: cos.length ? cos.reduce((a, b) => a + b, 0) / cos.length : NaN,
      greedyProbMean: p / Math.max(n, 1),
      greedyAdvGapMean: gap / Math.max(n, 1),
      greedySampledFrac: greedy.sampledIsGreedy / Math.max(n, 1),
    };
    this.gaaRecords = [];
    this.gaaCosines = [];
    return out;
  }

  /** The PPO epochs over minibatches of one iteration's rollouts. */
  private learn(rollouts: readonly Rollout[]): { policyLoss: number; valueLoss: number; regLoss: number; clipFrac: number } {
    const c = this.config;
    const sums = { policyLoss: 0, valueLoss: 0, regLoss: 0, clipFrac: 0 };
    let updates = 0;
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      const order = this.rng.permutation(rollouts.length);
      for (let s = 0; s < rollouts.length; s += c.minibatch) {
        const mb = Array.from(order.subarray(s, s + c.minibatch), (i) => rollouts[i]!);
        const loss = this.minibatchLoss(mb);
        const { grads } = withAdapterTraining(this.policy, () => valueAndGrads(this.trainable, loss.lossFn));
        this.optimizer.applyClipped(c.gaa ? this.gaaGradients(mb, grads) : grads, c.maxGradNorm);
        const parts = loss.parts;
        loss.dispose();
        sums.policyLoss += parts[0]!;
        sums.valueLoss += parts[1]!;
        sums.regLoss += parts[2]!;
        sums.clipFrac += parts[3]!;
        updates++;
      }
    }
    return { policyLoss: sums.policyLoss / updates, valueLoss: sums.valueLoss / updates, regLoss: sums.regLoss / updates, clipFrac: sums.clipFrac / updates };
  }

  /**
   * GAA's update direction for a minibatch from PPO's gradient: ∇(a·L_PPO − b·J_greedy), with a and
   * b from the minibatch's η and σ. ∇J_greedy is a second backward pass, also taken when a = 1 and
   * b = 0 so that cos(∇J, ∇J_greedy) is logged; then PPO's gradient is returned untouched (and
   * without adapter dropout, which would draw random numbers), so the update is PPO's bit for bit.
   */
  private gaaGradients(mb: readonly Rollout[], ppoGrads: Grads): Grads {
    const c = this.config;
    const gaa = c.gaa!;
    const packed = packPromptResponse(mb.map((r) => r.prompt), mb.map((r) => r.response), this.opts.padId);
    const R = packed.responseLength;
    const tokenIndex: number[] = [];
    const cat = <T extends Float32Array | Float64Array>(pick: (r: Rollout) => T, make: (n: number) => T): T => {
      const parts = mb.map(pick);
      const out = make(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) (out.set(p, o), (o += p.length));
      return out;
    };
    mb.forEach((r, i) => r.response.forEach((_t, t) => tokenIndex.push(i * R + t)));
    const greedyIds = new Int32Array(mb.length * R);
    mb.forEach((r, i) => greedyIds.set(r.greedy!.ids, i * R));
    const probs = cat((r) => r.greedy!.probs, (n) => new Float64Array(n));
    const greedyAdvantages = cat((r) => r.greedy!.advantages, (n) => new Float64Array(n));
    const sampledAdvantages = cat((r) => r.greedy!.sampledAdvantages, (n) => new Float64Array(n));
    const rec = minibatchCoefficients(probs, greedyAdvantages, sampledAdvantages, gaa);
    this.gaaRecords.push(rec);
    const obj = greedyObjectiveFn(
      this.policy,
      { packed, tokenIndex: Int32Array.from(tokenIndex), greedyIds, sampledLogpOld: cat((r) => r.oldLogp, (n) => new Float32Array(n)), greedyLogpOld: cat((r) => r.greedy!.logpOld, (n) => new Float32Array(n)), greedyAdvantages, sampledAdvantages },
      gaa.variant,
      c.cliprange,
    );
    const plain = rec.a === 1 && rec.b === 0;
    let greedyGrads: Grads;
    try {
      greedyGrads = plain ? valueAndGrads(this.trainable, obj.fn).grads : withAdapterTraining(this.policy, () => valueAndGrads(this.trainable, obj.fn)).grads;
    } finally {
      obj.dispose();
    }
    this.gaaCosines.push(gradientCosine(ppoGrads, greedyGrads));
    if (plain) {
      for (const g of greedyGrads.values()) g.dispose();
      return ppoGrads;
    }
    const combined = combineGradients(ppoGrads, greedyGrads, rec.a, rec.b);
    for (const g of [...ppoGrads.values(), ...greedyGrads.values()]) g.dispose();
    return combined;
  }

  /**
   * The PPO loss of a minibatch of rollouts as a closure over the current parameters (the clipped
   * policy term, vfCoef times the clipped value loss, and the in-loss regularizer); `parts` holds
   * the last evaluation's [policy, value, regularizer, clip fraction].
   */
  private minibatchLoss(mb: readonly Rollout[]): { lossFn: () => tf.Scalar; parts: number[]; dispose: () => void } {
    const c = this.config;
    const packed = packPromptResponse(mb.map((r) => r.prompt), mb.map((r) => r.response), this.opts.padId);
    const { batch: B, responseLength: R } = packed;
    const mask = tf.tensor2d(packed.responseMask, [B, R]);
    const tokens = Math.max(1, packed.responseMask.reduce((a, b) => a + b, 0));
    const oldLogp = tf.tensor2d(padRows(mb.map((r) => r.oldLogp), R), [B, R]);
    const refLogp = tf.tensor2d(padRows(mb.map((r) => r.refLogp), R), [B, R]);
    const oldValues = tf.tensor2d(padRows(mb.map((r) => r.values), R), [B, R]);
    const adv = tf.tensor2d(padRows(mb.map((r) => r.advantages), R), [B, R]);
    const ret = tf.tensor2d(padRows(mb.map((r) => r.returns), R), [B, R]);
    const parts: number[] = [0, 0, 0, 0];
    const lossFn = (): tf.Scalar => {
      const o = policyOutputs(this.policy, packed);
      const maskedMean = (x: tf.Tensor) => tf.div(tf.sum(tf.mul(x, mask)), tokens);
      const ratio = tf.exp(tf.sub(o.logp, oldLogp));
      const pg = maskedMean(tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - c.cliprange, 1 + c.cliprange))));
      const vClipped = tf.add(oldValues, tf.clipByValue(tf.sub(o.values, oldValues), -c.cliprangeValue, c.cliprangeValue));
      const vf = tf.mul(0.5, maskedMean(tf.maximum(tf.square(tf.sub(o.values, ret)), tf.square(tf.sub(vClipped, ret)))));
      const seqL = tf.sum(tf.mul(tf.sub(o.logp, refLogp), mask), 1) as Tensor1D;
      const reg = c.regularizer === 'kl' || c.regularizer === 'sqrt_chi2' ? regularizerLoss(c.regularizer, seqL, c.coeff) : tf.scalar(0);
      const clipFrac = maskedMean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.cliprange), 'float32'));
      const stat = tf.stack([pg, vf, reg, clipFrac]).dataSync();
      for (let k = 0; k < 4; k++) parts[k] = stat[k]!;
      return tf.add(tf.add(pg, tf.mul(c.vfCoef, vf)), reg) as tf.Scalar;
    };
    return { lossFn, parts, dispose: () => tf.dispose([mask, oldLogp, refLogp, oldValues, adv, ret]) };
  }

  getState(): { iteration: number; rng: RngState; order: number[]; cursor: number; kl: { value: number } } {
    return { iteration: this.iteration, rng: this.rng.getState(), order: Array.from(this.order), cursor: this.cursor, kl: this.kl.getState() };
  }

  setState(s: { iteration: number; rng: RngState; order: number[]; cursor: number; kl: { value: number } }): void {
    this.iteration = s.iteration;
    this.rng.setState(s.rng);
    this.order = Int32Array.from(s.order);
    this.cursor = s.cursor;
    this.kl.setState(s.kl);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length ? s / a.length : 0;
}

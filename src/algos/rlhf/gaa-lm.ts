/**
 * Greedy Advantage Aware PPO for a language-model policy (specs/rlhf.md §3.2): the token-level
 * pieces that the LM PPO trainer (trainer.ts) calls when `algo` is gaa. The formulas themselves
 * (η, σ, a, b, J_greedy) live in src/algos/gaa and are shared with the discrete-action trainer.
 *
 * Per generated token t of every rollout:
 *   x*_t  = argmax of the rollout policy's logits at the prefix x_<t (observed only, never sampled);
 *   π(x*_t) and log π_old(x*_t);
 *   A*_t  = r*_t + γ·V(x_<t, x*_t) − V(x_<t), where V(x_<t, x*_t) comes from one more forward pass
 *           over the grid of sequences with token t swapped for the greedy one; at the last
 *           position the reward of the sequence whose last token is greedy replaces V (normalised
 *           like the sampled scores and, when z-scored, clamped to ±3, as the published code does);
 *           r*_t is the greedy token's own per-token reward (−β·(log π − log π_ref) under kl-reward,
 *           else 0);
 *   A_t   = r_t + γ·V(x_≤t) − V(x_<t), the sampled token's one-step advantage from the same value
 *           head, so that σ compares like with like (PPO's surrogate keeps its GAE advantages).
 * Where the greedy token is the sampled one, A*_t is A_t exactly (no extra pass).
 */
import { tf, type Grads, type Tensor1D } from '../../nn/index.js';
import { responseLogProbs, type GptNeoX, type PackedBatch } from '../../lm/index.js';
import { greedyFromLogits, oneStepAdvantages } from '../gaa/greedy.js';
import { etaSigma, gaaCoefficients, meanStd, normaliseGreedyRewards, normaliseGreedyAdvantages } from '../gaa/coefficients.js';
import { greedyObjective } from '../gaa/objective.js';
import type { GaaConfig } from '../gaa/config.js';
import type { MinibatchRecord } from '../gaa/trainer.js';

/** The published code clamps the z-scored greedy rewards to ±3. */
export const GREEDY_REWARD_CLAMP = 3;

/** Per-token greedy quantities of a rollout batch, laid out [B × R] like the packed batch (zeros in the padding). */
export interface TokenGreedy {
  ids: Int32Array;
  /** π_old(x*_t), float64 from the logits. */
  probs: Float64Array;
  /** log π_old(x*_t) computed as the loss computes it (so the first ratio of the prose objective is exactly 1). */
  logpOld: Float32Array;
  /** A*_t. */
  advantages: Float64Array;
  /** A_t of the sampled token (one-step). */
  sampledAdvantages: Float64Array;
  /** Rollout tokens whose greedy token is the sampled one. */
  sampledIsGreedy: number;
  /** Extra sequences evaluated for V(x_<t, x*_t) and for the greedy final rewards. */
  swappedValues: number;
  swappedRewards: number;
}

/** A swapped sequence: row b's prompt, its first t response tokens, then the greedy token. */
export interface SwappedSequence {
  row: number;
  position: number;
  response: number[];
}

export interface GreedyObservationInput {
  batch: number;
  responseLength: number;
  /** 1 on response tokens, [B × R]. */
  mask: ArrayLike<number>;
  /** Sampled response tokens, [B × R]. */
  responseIds: ArrayLike<number>;
  responses: readonly (readonly number[])[];
  /** Logits of the rollout policy at every response position, [B × R × vocab]. */
  logits: ArrayLike<number>;
  vocab: number;
  /** V(x_<t) from the rollout pass, [B × R]. */
  values: ArrayLike<number>;
  /** The sampled tokens' rewards as PPO uses them (per-token shaping plus the processed score at the last token), [B × R]. */
  rewards: ArrayLike<number>;
  gamma: number;
  /** log π_old of the given tokens at every position, [B × R] (the loss's own computation). */
  logpOf: (ids: Int32Array) => Float32Array;
  /** The greedy tokens' per-token rewards (kl-reward's −β·(log π − log π_ref)); leave out when rewards come only at the end. */
  shapingOf?: (ids: Int32Array, logpOld: Float32Array) => ArrayLike<number>;
  /** V(prompt + response) after the last token of each swapped sequence. */
  valueAfter: (seqs: readonly SwappedSequence[]) => ArrayLike<number>;
  /** The processed reward (greedyFinalRewards) of each swapped complete response. */
  finalReward: (seqs: readonly SwappedSequence[]) => ArrayLike<number>;
}

/** One-step advantages r_t + γ·V_{t+1} − V_t of the sampled tokens (V = 0 after the last token). */
export function sampledOneStep(rewards: ArrayLike<number>, values: ArrayLike<number>, mask: ArrayLike<number>, B: number, R: number, gamma: number): Float64Array {
  const out = new Float64Array(B * R);
  for (let b = 0; b < B; b++) {
    let next = 0;
    for (let t = R - 1; t >= 0; t--) {
      const k = b * R + t;
      if (!mask[k]) continue;
      out[k] = rewards[k]! + gamma * next - values[k]!;
      next = values[k]!;
    }
  }
  return out;
}

/** Greedy tokens, their probabilities and advantages for a rollout batch (see the module comment). */
export function observeGreedyTokens(input: GreedyObservationInput): TokenGreedy {
  const { batch: B, responseLength: R, mask, responseIds, values, rewards, gamma } = input;
  const g = greedyFromLogits(input.logits, B * R, input.vocab);
  const ids = g.actions;
  for (let k = 0; k < B * R; k++) if (!mask[k]) ids[k] = 0;
  const logpOld = input.logpOf(ids);
  const shaping = input.shapingOf?.(ids, logpOld);
  const sampledAdvantages = sampledOneStep(rewards, values, mask, B, R, gamma);

  // Which positions need a swapped sequence: the greedy token differs from the sampled one.
  const inner: SwappedSequence[] = [];
  const last: SwappedSequence[] = [];
  let same = 0;
  for (let b = 0; b < B; b++) {
    const n = input.responses[b]!.length;
    for (let t = 0; t < n; t++) {
      const k = b * R + t;
      if (ids[k] === responseIds[k]) {
        same++;
        continue;
      }
      const seq = { row: b, position: t, response: [...input.responses[b]!.slice(0, t), ids[k]!] };
      (t === n - 1 ? last : inner).push(seq);
    }
  }
  const nextValues = new Float64Array(B * R);
  const terminal = new Uint8Array(B * R);
  const greedyRewards = new Float64Array(B * R);
  if (inner.length) {
    const v = input.valueAfter(inner);
    inner.forEach((s, i) => (nextValues[s.row * R + s.position] = v[i]!));
  }
  if (last.length) {
    const r = input.finalReward(last);
    last.forEach((s, i) => {
      const k = s.row * R + s.position;
      terminal[k] = 1;
      greedyRewards[k] = r[i]!;
    });
  }
  if (shaping) for (let k = 0; k < B * R; k++) if (mask[k]) greedyRewards[k]! += shaping[k]!;
  const oneStep = oneStepAdvantages({ rewards: greedyRewards, nextValues, values, terminal, gamma });
  const advantages = new Float64Array(B * R);
  for (let k = 0; k < B * R; k++) {
    if (!mask[k]) continue;
    advantages[k] = ids[k] === responseIds[k] ? sampledAdvantages[k]! : oneStep[k]!;
  }
  const probs = new Float64Array(B * R);
  for (let k = 0; k < B * R; k++) if (mask[k]) probs[k] = g.probs[k]!;
  return { ids, probs, logpOld, advantages, sampledAdvantages, sampledIsGreedy: same, swappedValues: inner.length, swappedRewards: last.length };
}

/**
 * The reward of a sequence whose last token is the greedy one, processed as the sampled scores
 * are: z-scored with the sampled batch's mean and standard deviation and clamped to ±3 (batch), or
 * clipped to ±scoreClip as PPO clips the sampled scores (none).
 */
export function greedyFinalRewards(raw: ArrayLike<number>, sampledRaw: ArrayLike<number>, scoreNorm: 'none' | 'batch', scoreClip: number | null): Float64Array {
  if (scoreNorm === 'batch') {
    const { mean, std } = meanStd(sampledRaw);
    return normaliseGreedyRewards(raw, mean, std, GREEDY_REWARD_CLAMP);
  }
  return Float64Array.from(raw, (r) => (scoreClip === null ? r : Math.min(Math.max(r, -scoreClip), scoreClip)));
}

/** The minibatch's η, σ, a and b from its response tokens' greedy quantities. */
export function minibatchCoefficients(probs: ArrayLike<number>, greedyAdvantages: ArrayLike<number>, sampledAdvantages: ArrayLike<number>, gaa: GaaConfig): MinibatchRecord {
  const es = etaSigma({ greedyProbs: probs, greedyAdvantages, advantages: sampledAdvantages }, gaa);
  if (!Number.isFinite(es.eta) || !Number.isFinite(es.sigma)) throw new Error(`GAA: eta = ${es.eta}, sigma = ${es.sigma} (non-finite advantages or probabilities)`);
  return { ...es, ...gaaCoefficients(es.etaScaled, es.sigmaScaled, gaa.decayPower) };
}

export interface GreedyMinibatch {
  packed: PackedBatch;
  /** Indices (into the flattened [B × R]) of the real response tokens, in order. */
  tokenIndex: Int32Array;
  /** Padded [B × R] greedy ids. */
  greedyIds: Int32Array;
  /** Per real token, in tokenIndex order. */
  sampledLogpOld: Float32Array;
  greedyLogpOld: Float32Array;
  greedyAdvantages: Float64Array;
  sampledAdvantages: Float64Array;
}

/**
 * J_greedy of a minibatch as a closure over the current parameters (to be maximised): the chosen
 * reading's clipped surrogate on the normalised greedy advantages (src/algos/gaa/objective.ts).
 */
export function greedyObjectiveFn(policy: GptNeoX, mb: GreedyMinibatch, variant: GaaConfig['variant'], clip: number): { fn: () => tf.Scalar; dispose: () => void } {
  // Work on the padded [B × R] layout (no gather: its gradient has no wasm kernel). Padding holds
  // advantage 0, so it adds exactly 0 to the surrogate and its gradient; the mean over all B·R
  // entries is rescaled to the mean over real tokens.
  const size = mb.packed.batch * mb.packed.responseLength;
  const n = mb.tokenIndex.length;
  const scatter = (xs: ArrayLike<number>) => {
    const out = new Float32Array(size);
    mb.tokenIndex.forEach((k, i) => (out[k] = xs[i]!));
    return tf.tensor1d(out);
  };
  const sampledOld = scatter(mb.sampledLogpOld);
  const greedyOld = scatter(mb.greedyLogpOld);
  const adv = scatter(normaliseGreedyAdvantages(mb.greedyAdvantages, mb.sampledAdvantages));
  const fn = (): tf.Scalar => {
    const o = responseLogProbs(policy, mb.packed, { targets: mb.greedyIds });
    const flat = (x: tf.Tensor) => tf.reshape(x, [size]) as Tensor1D;
    const j = greedyObjective(variant, { sampledLogp: flat(o.logProbs), sampledLogpOld: sampledOld, greedyLogp: flat(o.targetLogProbs!), greedyLogpOld: greedyOld, greedyAdvantages: adv, clip });
    return tf.mul(j, size / n) as tf.Scalar;
  };
  return { fn, dispose: () => tf.dispose([sampledOld, greedyOld, adv]) };
}

/**
 * The gradient of the loss a·L_PPO − b·J_greedy from ∇L_PPO and ∇J_greedy (the published code's
 * two backward passes). Parameters J_greedy does not reach (the value head) get a·∇L_PPO.
 */
export function combineGradients(ppo: Grads, greedy: Grads, a: number, b: number): Grads {
  const out: Grads = new Map();
  for (const [name, g] of ppo) {
    const h = greedy.get(name);
    out.set(name, tf.tidy(() => (h ? tf.sub(tf.mul(g, a), tf.mul(h, b)) : tf.mul(g, a))));
  }
  for (const [name, h] of greedy) if (!ppo.has(name)) out.set(name, tf.tidy(() => tf.mul(h, -b)));
  return out;
}

/** cos(∇J, ∇J_greedy) where ∇J = −∇L_PPO (NaN when either gradient is zero). */
export function gradientCosine(ppo: Grads, greedy: Grads): number {
  let dot = 0;
  let nJ = 0;
  let nG = 0;
  for (const [name, g] of ppo) {
    const a = g.dataSync();
    for (let i = 0; i < a.length; i++) nJ += a[i]! * a[i]!;
    const h = greedy.get(name);
    if (h) {
      const c = h.dataSync();
      for (let i = 0; i < a.length; i++) dot -= a[i]! * c[i]!;
    }
  }
  for (const h of greedy.values()) {
    const c = h.dataSync();
    for (let i = 0; i < c.length; i++) nG += c[i]! * c[i]!;
  }
  return nJ > 0 && nG > 0 ? dot / Math.sqrt(nJ * nG) : NaN;
}

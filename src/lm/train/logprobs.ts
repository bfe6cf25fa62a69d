/**
 * Log-probabilities of responses given prompts, batched: the quantity SFT maximises and PPO's
 * ratios, KL and χ² estimates are built from.
 */
import { Categorical, tf, type Tensor2D } from '../../nn/index.js';
import type { GptNeoX } from '../model/transformer.js';
import { packPromptResponse, type PackedBatch } from './batch.js';

export interface ResponseLogProbOptions {
  /** Also return the entropy of the next-token distribution at every response position. */
  entropy?: boolean;
  /** Also return the final hidden state at the position that predicts each response token ([B, R, hidden]; for value heads). */
  hidden?: boolean;
  /** Also return the log-probs of these token ids ([B × R], one per response position) from the same logits (GAA's greedy tokens). */
  targets?: Int32Array;
  /** Also return the logits at every response position ([B × R, vocab]). */
  logits?: boolean;
}

export interface ResponseLogProbs {
  /** [B, R]: log π(response_r | prompt, response_<r); padding positions hold meaningless values (multiply by responseMask). */
  logProbs: Tensor2D;
  entropy?: Tensor2D;
  hidden?: tf.Tensor3D;
  /** [B, R]: log π(targets_r | prompt, response_<r), when `targets` was given. */
  targetLogProbs?: Tensor2D;
  logits?: Tensor2D;
}

/**
 * Differentiable per-token log-probs of the packed responses (call inside valueAndGrads for
 * training; the caller disposes the tensors otherwise).
 */
export function responseLogProbs(model: GptNeoX, packed: PackedBatch, options: ResponseLogProbOptions = {}): ResponseLogProbs {
  const { batch: B, promptLength: P, responseLength: R } = packed;
  const V = model.config.vocabSize;
  return tf.tidy((): tf.TensorContainerObject => {
    const out = model.forward({ ids: packed.ids, batch: B, mask: packed.mask }, { logitsRange: [P - 1, P - 1 + R], hidden: options.hidden ?? false });
    const logits = tf.reshape(out.logits!, [B * R, V]) as Tensor2D;
    const dist = new Categorical(V);
    const targets = tf.tensor2d(Float32Array.from(packed.responseIds), [B * R, 1]);
    const result: ResponseLogProbs = { logProbs: tf.reshape(dist.logProb(logits, targets), [B, R]) as Tensor2D };
    if (options.entropy) result.entropy = tf.reshape(dist.entropy(logits), [B, R]) as Tensor2D;
    if (options.targets) {
      if (options.targets.length !== B * R) throw new RangeError(`responseLogProbs: ${options.targets.length} targets for ${B} × ${R} response positions`);
      result.targetLogProbs = tf.reshape(dist.logProb(logits, tf.tensor2d(Float32Array.from(options.targets), [B * R, 1])), [B, R]) as Tensor2D;
    }
    if (options.logits) result.logits = logits;
    if (options.hidden) result.hidden = tf.slice(out.hidden!, [0, P - 1, 0], [B, R, model.config.hiddenSize]) as tf.Tensor3D;
    return result as unknown as tf.TensorContainerObject;
  }) as unknown as ResponseLogProbs;
}

/**
 * Per-token log-probs (plain numbers, no gradient) of each response given its prompt, computed
 * in batches of `batchSize`: the reference policy's log-probs for PPO, or an evaluation.
 */
export function scoreResponses(
  model: GptNeoX,
  prompts: readonly (readonly number[])[],
  responses: readonly (readonly number[])[],
  options: { batchSize?: number; padId?: number } = {},
): number[][] {
  const size = options.batchSize ?? 16;
  const out: number[][] = [];
  for (let start = 0; start < prompts.length; start += size) {
    const packed = packPromptResponse(prompts.slice(start, start + size), responses.slice(start, start + size), options.padId ?? 0);
    const { logProbs } = responseLogProbs(model, packed);
    const flat = logProbs.dataSync() as Float32Array;
    logProbs.dispose();
    for (let b = 0; b < packed.batch; b++) {
      const row = flat.subarray(b * packed.responseLength, b * packed.responseLength + packed.responseLengths[b]!);
      out.push(Array.from(row));
    }
  }
  return out;
}

/** Σ_t log π(response_t | ·) of each response: log π(response | prompt). */
export function sequenceLogProbs(
  model: GptNeoX,
  prompts: readonly (readonly number[])[],
  responses: readonly (readonly number[])[],
  options: { batchSize?: number; padId?: number } = {},
): number[] {
  return scoreResponses(model, prompts, responses, options).map((row) => row.reduce((a, b) => a + b, 0));
}

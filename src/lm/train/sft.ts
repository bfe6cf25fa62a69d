/**
 * Supervised fine-tuning: next-token cross-entropy on (prompt, response) pairs with the loss on the
 * response tokens only (the prompt is context, not a target), averaged over the batch's response
 * tokens; Adam with global-norm gradient clipping; a progress bar; checkpoints written as
 * Hugging Face model directories.
 */
import { join } from 'node:path';
import { Adam, tf, valueAndGrads } from '../../nn/index.js';
import { ProgressBar } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import { parseConfig, z } from '../../util/validate.js';
import type { GptNeoX } from '../model/transformer.js';
import type { LmTokenizer } from '../tokenizer/tokenizer.js';
import { savePretrained } from '../io/pretrained.js';
import { packPromptResponse, type PackedBatch } from './batch.js';
import { responseLogProbs } from './logprobs.js';

export interface SftExample {
  prompt: number[];
  /** The target continuation, normally ending with the EOS token. */
  response: number[];
}

const sftSchema = z
  .object({
    epochs: z.number().int().positive().default(3),
    batchSize: z.number().int().positive().default(16),
    lr: z.number().positive().default(1e-3),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    eps: z.number().positive().default(1e-8),
    /** Global-norm gradient clipping; null: none. */
    maxGradNorm: z.number().positive().nullable().default(1),
    seed: z.number().int().default(0),
    /** Stop after this many optimiser steps (null: all epochs). */
    maxSteps: z.number().int().positive().nullable().default(null),
    /** Drop examples whose prompt + response is longer than this (null: the model's maxPositionEmbeddings). */
    maxLength: z.number().int().positive().nullable().default(null),
    padId: z.number().int().nonnegative().default(0),
    /** Write a checkpoint every this many steps (0: only at the end) into checkpointDir/step-N. */
    checkpointEvery: z.number().int().nonnegative().default(0),
    checkpointDir: z.string().nullable().default(null),
    progress: z.boolean().default(true),
  })
  .strict();

export type SftConfig = z.output<typeof sftSchema>;
export type SftConfigInput = z.input<typeof sftSchema>;

export function resolveSftConfig(input: SftConfigInput = {}): SftConfig {
  return parseConfig(sftSchema, input, 'sft config');
}

export interface SftStepInfo {
  step: number;
  epoch: number;
  /** Mean cross-entropy per response token of this batch (nats). */
  loss: number;
  /** Global gradient norm before clipping (NaN without clipping). */
  gradNorm: number;
  /** Response tokens in this batch. */
  tokens: number;
}

export interface SftResult {
  steps: number;
  /** Per step. */
  losses: number[];
  /** Token-weighted mean loss of each epoch. */
  epochLosses: number[];
  /** Response tokens per second of training (packed prompt tokens are extra work, not counted). */
  tokensPerSecond: number;
  seconds: number;
  /** Examples dropped for being longer than maxLength. */
  dropped: number;
}

/** Mean −log π over the real response tokens of a packed batch, as a differentiable scalar. */
export function sftLoss(model: GptNeoX, packed: PackedBatch): tf.Scalar {
  return tf.tidy(() => {
    const { logProbs } = responseLogProbs(model, packed);
    const mask = tf.tensor2d(packed.responseMask, [packed.batch, packed.responseLength]);
    const count = Math.max(1, packed.responseMask.reduce((a, b) => a + b, 0));
    return tf.div(tf.neg(tf.sum(tf.mul(logProbs, mask))), count) as tf.Scalar;
  });
}

/** Runs `fn` with the model's adapter (if any) in training mode (its dropout on). */
export function withAdapterTraining<T>(model: GptNeoX, fn: () => T): T {
  const a = model.adapter;
  if (!a) return fn();
  const was = a.training ?? false;
  a.training = true;
  try {
    return fn();
  } finally {
    a.training = was;
  }
}

export function trainSft(
  model: GptNeoX,
  examples: readonly SftExample[],
  configInput: SftConfigInput = {},
  hooks: { onStep?: (info: SftStepInfo) => void; tokenizer?: LmTokenizer | null } = {},
): SftResult {
  const cfg = resolveSftConfig(configInput);
  const maxLength = cfg.maxLength ?? model.config.maxPositionEmbeddings;
  const data = examples.filter((e) => e.prompt.length > 0 && e.response.length > 0 && e.prompt.length + e.response.length <= maxLength);
  const dropped = examples.length - data.length;
  if (data.length === 0) throw new Error(`trainSft: no usable examples (${examples.length} given; each needs a prompt, a response, and at most ${maxLength} tokens)`);
  const rng = new Rng(cfg.seed);
  // With an adapter attached (LoRA) only its parameters train and hold optimiser state; the base is frozen.
  const trainable = model.adapter ? model.adapter.params : model.params;
  const opt = new Adam(trainable, { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps });
  const batchesPerEpoch = Math.ceil(data.length / cfg.batchSize);
  const totalSteps = Math.min(cfg.maxSteps ?? Infinity, cfg.epochs * batchesPerEpoch);
  const bar = cfg.progress ? new ProgressBar({ total: totalSteps, label: 'sft', unit: 'step' }) : null;
  const losses: number[] = [];
  const epochLosses: number[] = [];
  let step = 0;
  let tokens = 0;
  const started = performance.now();
  const checkpoint = () => {
    if (cfg.checkpointDir) savePretrained(join(cfg.checkpointDir, `step-${step}`), model, { tokenizer: hooks.tokenizer ?? null, files: { 'trainer_state.json': { step, losses, epochLosses } } });
  };
  try {
    outer: for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const order = rng.permutation(data.length);
      let epochSum = 0;
      let epochTokens = 0;
      for (let start = 0; start < data.length; start += cfg.batchSize) {
        if (step >= totalSteps) break outer;
        const picked = Array.from(order.subarray(start, start + cfg.batchSize), (i) => data[i]!);
        const packed = packPromptResponse(
          picked.map((e) => e.prompt),
          picked.map((e) => e.response),
          cfg.padId,
        );
        const { loss, grads } = withAdapterTraining(model, () => valueAndGrads(trainable, () => sftLoss(model, packed)));
        if (!Number.isFinite(loss)) {
          for (const g of grads.values()) g.dispose();
          throw new Error(`trainSft: loss became ${loss} at step ${step + 1}; the last checkpoint (if any) is kept`);
        }
        const gradNorm = opt.applyClipped(grads, cfg.maxGradNorm);
        step += 1;
        const n = packed.responseLengths.reduce((a, b) => a + b, 0);
        tokens += n;
        epochSum += loss * n;
        epochTokens += n;
        losses.push(loss);
        hooks.onStep?.({ step, epoch, loss, gradNorm, tokens: n });
        bar?.update(step, { epoch, loss });
        if (cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0) checkpoint();
      }
      epochLosses.push(epochSum / Math.max(1, epochTokens));
    }
  } finally {
    opt.dispose();
  }
  if (cfg.checkpointDir && (cfg.checkpointEvery === 0 || step % cfg.checkpointEvery !== 0)) checkpoint();
  const seconds = (performance.now() - started) / 1000;
  bar?.finish(`sft: ${step} steps, ${tokens} response tokens in ${seconds.toFixed(1)} s`);
  return { steps: step, losses, epochLosses, tokensPerSecond: tokens / seconds, seconds, dropped };
}

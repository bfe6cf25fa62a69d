/**
 * Trains a reward model on preference pairs with the pairwise loss (pairwise-loss.ts), and measures
 * it on held-out pairs against the *gold* order (noise-free), which is what a proxy should recover.
 */
import { tf, Adam, valueAndGrads } from '../../nn/index.js';
import { packPromptResponse } from '../../lm/index.js';
import { Rng } from '../../util/rng.js';
import { ProgressBar } from '../../util/progress.js';
import { z, parseConfig } from '../../util/validate.js';
import { pairwiseLossT, pairAccuracy, SCORE_L2 } from './pairwise-loss.js';
import type { PreferencePair } from './preference-data.js';
import type { RewardModel } from './reward-model.js';

export const rmTrainSchema = z.strictObject({
  epochs: z.number().int().positive().default(3),
  /** Pairs per optimiser step. */
  batchSize: z.number().int().positive().default(16),
  lr: z.number().positive().default(3e-4),
  l2: z.number().nonnegative().default(SCORE_L2),
  maxGradNorm: z.number().positive().nullable().default(1),
  seed: z.number().int().default(0),
  padId: z.number().int().nonnegative().default(0),
  progress: z.boolean().default(true),
});
export type RmTrainConfig = z.output<typeof rmTrainSchema>;

export interface RmTrainResult {
  steps: number;
  losses: number[];
  /** Fraction of held-out pairs ordered as the gold reward orders them. */
  goldAccuracy: number | null;
  /** Fraction of training pairs ordered as labelled (noisy labels included). */
  trainAccuracy: number;
  seconds: number;
}

function scorePairs(rm: RewardModel, pairs: readonly PreferencePair[], padId: number): { chosen: Float64Array; rejected: Float64Array } {
  const prompts = pairs.map((p) => p.prompt);
  return {
    chosen: rm.score(prompts, pairs.map((p) => p.chosen), { padId }),
    rejected: rm.score(prompts, pairs.map((p) => p.rejected), { padId }),
  };
}

/** Accuracy against the gold order: a flipped pair counts as right when the model prefers its "rejected" answer. */
export function goldOrderAccuracy(rm: RewardModel, pairs: readonly PreferencePair[], padId = 0): number {
  if (pairs.length === 0) return NaN;
  const { chosen, rejected } = scorePairs(rm, pairs, padId);
  const better = pairs.map((p, i) => (p.goldChosen > p.goldRejected ? chosen[i]! : rejected[i]!));
  const worse = pairs.map((p, i) => (p.goldChosen > p.goldRejected ? rejected[i]! : chosen[i]!));
  return pairAccuracy(better, worse);
}

export function trainRewardModel(rm: RewardModel, train: readonly PreferencePair[], heldOut: readonly PreferencePair[], input: Partial<RmTrainConfig> = {}): RmTrainResult {
  const cfg = parseConfig(rmTrainSchema, input, 'rm config') as RmTrainConfig;
  if (train.length === 0) throw new Error('trainRewardModel: no training pairs');
  const rng = new Rng(cfg.seed);
  const opt = new Adam(rm.params, { lr: cfg.lr, beta1: 0.9, beta2: 0.95 });
  const stepsPerEpoch = Math.ceil(train.length / cfg.batchSize);
  const total = cfg.epochs * stepsPerEpoch;
  const bar = cfg.progress ? new ProgressBar({ total, label: 'reward model', unit: 'step' }) : null;
  const losses: number[] = [];
  const started = performance.now();
  let step = 0;
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const order = rng.permutation(train.length);
      for (let s = 0; s < train.length; s += cfg.batchSize) {
        const mb = Array.from(order.subarray(s, s + cfg.batchSize), (i) => train[i]!);
        const n = mb.length;
        // Chosen and rejected answers in one packed batch: rows [0, n) chosen, [n, 2n) rejected.
        const packed = packPromptResponse(
          [...mb.map((p) => p.prompt), ...mb.map((p) => p.prompt)],
          [...mb.map((p) => p.chosen), ...mb.map((p) => p.rejected)],
          cfg.padId,
        );
        const { loss, grads } = valueAndGrads(rm.params, () => {
          const scores = rm.scoresT(packed);
          return pairwiseLossT(tf.slice(scores, [0], [n]), tf.slice(scores, [n], [n]), cfg.l2);
        });
        if (!Number.isFinite(loss)) {
          for (const g of grads.values()) g.dispose();
          throw new Error(`trainRewardModel: loss became ${loss} at step ${step + 1}`);
        }
        opt.applyClipped(grads, cfg.maxGradNorm);
        losses.push(loss);
        step++;
        bar?.update(step, { epoch, loss });
      }
    }
  } finally {
    opt.dispose();
  }
  bar?.finish();
  const trainScores = scorePairs(rm, train.slice(0, 512), cfg.padId);
  return {
    steps: step,
    losses,
    goldAccuracy: heldOut.length ? goldOrderAccuracy(rm, heldOut, cfg.padId) : null,
    trainAccuracy: pairAccuracy(trainScores.chosen, trainScores.rejected),
    seconds: (performance.now() - started) / 1000,
  };
}

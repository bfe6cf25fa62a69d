/**
 * Regression of a reward model on transitions: squared error summed over each minibatch (the
 * paper's `MSELoss(reduction='sum')`), Adam, minibatches of 20, 5 epochs by default (§4.2).
 */
import { tf, Adam, valueAndGrads } from '../../nn/index.js';
import { Rng } from '../../util/rng.js';
import { ProgressBar } from '../../util/progress.js';
import { RewardModel, type RewardModelConfig } from './model.js';
import type { Transitions } from './data.js';

export interface RewardTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  progress?: boolean;
  /** Called after every epoch with the training loss (mean squared error over the epoch) and the test metrics. */
  onEpoch?: (epoch: number, trainMse: number, test: RewardEval | null) => void;
}

export const DEFAULT_REWARD_TRAINING: Omit<RewardTrainOptions, 'seed'> = { epochs: 5, batchSize: 20, lr: 1e-3 };

export interface RewardEval {
  n: number;
  /** Mean squared error over all rows, and separately over rows with zero and non-zero reward. */
  mse: number;
  mseZero: number | null;
  mseNonzero: number | null;
  nZero: number;
  nNonzero: number;
  /** The error of always predicting the mean reward (the variance), for scale. */
  baselineMse: number;
  /** Pearson correlation of prediction and reward. */
  correlation: number;
}

export interface EpochRecord {
  epoch: number;
  trainMse: number;
  test: RewardEval | null;
  seconds: number;
}

function batchOf(d: Transitions, idx: Int32Array, from: number, to: number): { s: Float32Array; next: Float32Array; y: Float32Array } {
  const n = to - from;
  const s = new Float32Array(n * d.obsDim);
  const next = new Float32Array(n * d.obsDim);
  const y = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[from + k]!;
    s.set(d.s.subarray(i * d.obsDim, (i + 1) * d.obsDim), k * d.obsDim);
    next.set(d.next.subarray(i * d.obsDim, (i + 1) * d.obsDim), k * d.obsDim);
    y[k] = d.reward[i]!;
  }
  return { s, next, y };
}

/** Predictions for every row, in batches. */
export function predictAll(model: RewardModel, d: Transitions, batch = 512): Float32Array {
  const out = new Float32Array(d.n);
  for (let from = 0; from < d.n; from += batch) {
    const to = Math.min(d.n, from + batch);
    out.set(model.predict(d.s.subarray(from * d.obsDim, to * d.obsDim), d.next.subarray(from * d.obsDim, to * d.obsDim), to - from), from);
  }
  return out;
}

export function evaluateRewardModel(model: RewardModel, d: Transitions): RewardEval {
  const pred = predictAll(model, d);
  return rewardErrors(pred, d.reward);
}

export function rewardErrors(pred: ArrayLike<number>, reward: ArrayLike<number>): RewardEval {
  const n = reward.length;
  let se = 0;
  let seZero = 0;
  let seNon = 0;
  let nZero = 0;
  let meanY = 0;
  let meanP = 0;
  for (let i = 0; i < n; i++) {
    const e = (pred[i]! - reward[i]!) ** 2;
    se += e;
    if (reward[i] === 0) {
      seZero += e;
      nZero++;
    } else seNon += e;
    meanY += reward[i]!;
    meanP += pred[i]!;
  }
  meanY /= n;
  meanP /= n;
  let vy = 0;
  let vp = 0;
  let cov = 0;
  for (let i = 0; i < n; i++) {
    vy += (reward[i]! - meanY) ** 2;
    vp += (pred[i]! - meanP) ** 2;
    cov += (reward[i]! - meanY) * (pred[i]! - meanP);
  }
  const nNon = n - nZero;
  return {
    n,
    mse: se / n,
    mseZero: nZero ? seZero / nZero : null,
    mseNonzero: nNon ? seNon / nNon : null,
    nZero,
    nNonzero: nNon,
    baselineMse: vy / n,
    correlation: vy > 0 && vp > 0 ? cov / Math.sqrt(vy * vp) : 0,
  };
}

export function trainRewardModel(config: RewardModelConfig, train: Transitions, test: Transitions | null, opts: RewardTrainOptions): { model: RewardModel; history: EpochRecord[] } {
  const model = new RewardModel(config, opts.seed);
  if (train.obsDim !== model.obsDim) throw new RangeError(`reward model: observations have ${train.obsDim} entries, the model expects ${model.obsDim}`);
  const optimizer = new Adam(model.params, { lr: opts.lr });
  const rng = new Rng(opts.seed + 1);
  const history: EpochRecord[] = [];
  const steps = Math.ceil(train.n / opts.batchSize);
  const bar = opts.progress ? new ProgressBar({ total: opts.epochs * steps, label: 'reward model', unit: 'batch' }) : null;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const start = performance.now();
      const perm = rng.permutation(train.n);
      let sse = 0;
      for (let b = 0; b < steps; b++) {
        const from = b * opts.batchSize;
        const to = Math.min(train.n, from + opts.batchSize);
        const batch = batchOf(train, perm, from, to);
        const n = to - from;
        const st = tf.tensor2d(batch.s, [n, train.obsDim]);
        const nt = tf.tensor2d(batch.next, [n, train.obsDim]);
        const yt = tf.tensor1d(batch.y);
        const { loss, grads } = valueAndGrads(model.params, () => tf.sum(tf.square(tf.sub(model.apply(st, nt), yt))));
        tf.dispose([st, nt, yt]);
        if (!Number.isFinite(loss)) {
          for (const g of grads.values()) g.dispose();
          throw new Error(`reward model: the loss became ${loss} in epoch ${epoch}, batch ${b + 1}`);
        }
        optimizer.applyClipped(grads, null);
        sse += loss;
        if (bar && (b % 50 === 0 || b === steps - 1)) bar.update((epoch - 1) * steps + b + 1, { epoch, mse: sse / to });
      }
      const testEval = test ? evaluateRewardModel(model, test) : null;
      const record = { epoch, trainMse: sse / train.n, test: testEval, seconds: (performance.now() - start) / 1000 };
      history.push(record);
      opts.onEpoch?.(epoch, record.trainMse, testEval);
    }
    bar?.finish();
  } finally {
    optimizer.dispose();
  }
  return { model, history };
}

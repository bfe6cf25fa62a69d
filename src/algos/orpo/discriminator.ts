/**
 * The occupancy-measure discriminator (specs/orpo.md §1.3): an MLP in → 256 → 256 → 1 with
 * LeakyReLU(0.01) and PyTorch's default initialisation, trained each iteration *before* the
 * policy on the current policy's samples (labelled 1) against a base policy's, with shuffled
 * minibatches (the published code's loader is suspected of not shuffling; we shuffle).
 */
import { tf, ParamSet, Adam, FusedMlpGrads, dense, initWeight, initBias, clipByGlobalNorm, valueAndGrads, type Tensor, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';
import type { Space } from '../../envs/spaces.js';
import type { DiscriminatorLoss } from './divergences.js';

export interface DiscriminatorConfig {
  inputDim: number;
  width: number;
  depth: number;
  lr: number;
  gradClip: number | null;
  family: DiscriminatorLoss;
  /** Wasserstein: weight of the gradient penalty at the data points; null to use weight clipping instead. */
  gradPenaltyWeight: number | null;
}

const LEAKY_SLOPE = 0.01;

export class Discriminator {
  readonly params = new ParamSet();
  readonly optimizer: Adam;
  private readonly weights: Tensor2D[] = [];
  private readonly biases: Tensor1D[] = [];

  constructor(
    readonly config: DiscriminatorConfig,
    rng: Rng,
  ) {
    const dims = [config.inputDim, ...Array.from({ length: config.depth }, () => config.width), 1];
    for (let i = 0; i + 1 < dims.length; i++) {
      const [fanIn, fanOut] = [dims[i]!, dims[i + 1]!];
      const init = { kind: 'torch_default' } as const;
      this.weights.push(this.params.add(`disc.${i}.weight`, [fanIn, fanOut], initWeight(rng, fanIn, fanOut, init)) as unknown as Tensor2D);
      this.biases.push(this.params.add(`disc.${i}.bias`, [fanOut], initBias(rng, fanIn, fanOut, init)) as unknown as Tensor1D);
    }
    this.optimizer = new Adam(this.params, { lr: config.lr });
  }

  /** Scores d(x) and the hidden pre-activations (kept for the gradient penalty). */
  private forwardWithPre(x: Tensor2D): { d: Tensor1D; pre: Tensor2D[] } {
    const pre: Tensor2D[] = [];
    let h = x;
    const last = this.weights.length - 1;
    for (let i = 0; i < last; i++) {
      const z = dense(h, this.weights[i]!, this.biases[i]!);
      pre.push(z);
      h = tf.leakyRelu(z, LEAKY_SLOPE);
    }
    const d = tf.reshape(dense(h, this.weights[last]!, this.biases[last]!), [-1]) as Tensor1D;
    return { d, pre };
  }

  forward(x: Tensor2D): Tensor1D {
    return this.forwardWithPre(x).d;
  }

  /** Scores for `n` feature rows (no gradient), in chunks to bound memory. */
  scores(features: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n);
    const chunk = 4096;
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const part = tf.tidy(() => this.forward(tf.tensor2d(features.subarray(start * this.config.inputDim, (start + m) * this.config.inputDim), [m, this.config.inputDim])).dataSync());
      out.set(part, start);
    }
    return out;
  }

  /**
   * ‖∇ₓ d(x)‖ per row, written out for the MLP so it stays differentiable in the weights:
   * ∇ₓd = W₁ᵀ·diag(σ'(z₁))·W₂ᵀ·diag(σ'(z₂))·w₃ with σ' ∈ {1, 0.01}.
   */
  private inputGradNorm(pre: Tensor2D[], batch: number): Tensor1D {
    const last = this.weights.length - 1;
    let g: Tensor2D = tf.tile(tf.transpose(this.weights[last]!), [batch, 1]) as Tensor2D;
    for (let i = last - 1; i >= 0; i--) {
      const slope = tf.step(pre[i]!, LEAKY_SLOPE);
      g = tf.matMul(tf.mul(g, slope) as Tensor2D, tf.transpose(this.weights[i]!));
    }
    return tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12)) as Tensor1D;
  }

  /** The loss on one minibatch: means over its current and base rows (a missing side contributes 0). */
  loss(x: Tensor2D, isBase: Float32Array): Tensor {
    const { d, pre } = this.forwardWithPre(x);
    return this.headLoss(d, isBase, pre);
  }

  /** The loss from the scores d; `pre` (the hidden pre-activations) only for the gradient penalty. */
  private headLoss(d: Tensor1D, isBase: Float32Array, pre?: Tensor2D[]): Tensor {
    const n = isBase.length;
    let nBase = 0;
    for (const v of isBase) nBase += v;
    const nCur = n - nBase;
    const wCur = new Float32Array(n);
    const wBase = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (isBase[i]) wBase[i] = 1 / nBase;
      else wCur[i] = 1 / nCur;
    }
    const wc = tf.tensor1d(wCur);
    const wb = tf.tensor1d(wBase);
    let termCur: Tensor;
    let termBase: Tensor;
    switch (this.config.family) {
      case 'logistic':
        termCur = tf.softplus(tf.neg(d));
        termBase = tf.softplus(d);
        break;
      case 'tv': {
        const sq = tf.mul(tf.square(d), 0.01);
        termCur = tf.add(tf.tanh(tf.neg(d)), sq);
        termBase = tf.add(tf.tanh(d), sq);
        break;
      }
      case 'wasserstein':
        termCur = tf.neg(d);
        termBase = d;
        break;
    }
    let total: Tensor = tf.add(tf.sum(tf.mul(termCur, wc)), tf.sum(tf.mul(termBase, wb)));
    if (this.usesGradPenalty()) {
      if (!pre) throw new Error('discriminator: the gradient penalty needs the hidden pre-activations');
      const norms = this.inputGradNorm(pre, n);
      total = tf.add(total, tf.mul(tf.mean(tf.square(tf.sub(norms, 1))), this.config.gradPenaltyWeight!));
    }
    return total;
  }

  private usesGradPenalty(): boolean {
    return this.config.family === 'wasserstein' && this.config.gradPenaltyWeight !== null;
  }

  /**
   * The native step (nn/fused-mlp.ts), created once: the MLP in one native call and only the loss
   * head in TensorFlow.js ops, with the same numbers. Not with the gradient penalty, which
   * differentiates through the input gradient.
   */
  private fusedStep(): FusedMlpGrads | null {
    if (this.fused === undefined) {
      this.fused = this.usesGradPenalty()
        ? null
        : FusedMlpGrads.create({ activation: 'leaky_relu', leakySlope: LEAKY_SLOPE, layers: this.weights.map((_, i) => ({ weight: `disc.${i}.weight`, bias: `disc.${i}.bias` })) }, this.params);
    }
    return this.fused;
  }

  private fused: FusedMlpGrads | null | undefined;

  /** One minibatch's loss, with its gradients left in the fused step's buffers. */
  private fusedMinibatch(fused: FusedMlpGrads, features: Float32Array, rows: Int32Array, isBase: Float32Array): number {
    let loss = NaN;
    fused.step(features, rows, (scores) =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((d: Tensor1D) => this.headLoss(d, isBase) as tf.Scalar)(tf.tensor1d(scores));
        loss = value.dataSync()[0]!;
        return grad.dataSync() as Float32Array;
      }),
    );
    return loss;
  }

  /**
   * Minibatch SGD epochs over [current ; base] rows, reshuffled every epoch. Returns the mean loss.
   * `features` holds current rows first, then base rows.
   */
  train(features: Float32Array, numCurrent: number, numBase: number, epochs: number, minibatch: number, rng: Rng): number {
    const n = numCurrent + numBase;
    const dim = this.config.inputDim;
    const fused = this.fusedStep();
    if (fused) return this.trainFused(fused, features.subarray(0, n * dim), numCurrent, epochs, minibatch, rng);
    const all = tf.tensor2d(features.subarray(0, n * dim), [n, dim]);
    const labels = new Float32Array(n);
    labels.fill(1, numCurrent);
    const mbSize = Math.min(minibatch, n);
    const numMb = Math.max(1, Math.floor(n / mbSize));
    let sum = 0;
    let count = 0;
    try {
      for (let e = 0; e < epochs; e++) {
        const perm = rng.permutation(n);
        for (let m = 0; m < numMb; m++) {
          const rows = perm.subarray(m * mbSize, (m + 1) * mbSize);
          const isBase = new Float32Array(rows.length);
          for (let i = 0; i < rows.length; i++) isBase[i] = labels[rows[i]!]!;
          const idx = tf.tensor1d(rows, 'int32');
          const x = tf.gather(all, idx) as Tensor2D;
          const { loss, grads } = valueAndGrads(this.params, () => this.loss(x, isBase));
          tf.dispose([idx, x]);
          if (!Number.isFinite(loss)) {
            for (const g of grads.values()) g.dispose();
            throw new Error(`discriminator loss became ${loss}`);
          }
          const clipped = this.config.gradClip === null ? { grads } : clipByGlobalNorm(grads, this.config.gradClip);
          this.optimizer.apply(clipped.grads);
          for (const g of clipped.grads.values()) g.dispose();
          sum += loss;
          count += 1;
        }
      }
    } finally {
      all.dispose();
    }
    return sum / Math.max(count, 1);
  }

  /** `train` through the fused step: the same minibatches, draws and numbers. */
  private trainFused(fused: FusedMlpGrads, features: Float32Array, numCurrent: number, epochs: number, minibatch: number, rng: Rng): number {
    const n = features.length / this.config.inputDim;
    const mbSize = Math.min(minibatch, n);
    const numMb = Math.max(1, Math.floor(n / mbSize));
    let sum = 0;
    let count = 0;
    for (let e = 0; e < epochs; e++) {
      const perm = rng.permutation(n);
      for (let m = 0; m < numMb; m++) {
        const rows = perm.subarray(m * mbSize, (m + 1) * mbSize);
        const isBase = new Float32Array(rows.length);
        for (let i = 0; i < rows.length; i++) isBase[i] = rows[i]! >= numCurrent ? 1 : 0;
        const loss = this.fusedMinibatch(fused, features, rows, isBase);
        if (!Number.isFinite(loss)) throw new Error(`discriminator loss became ${loss}`);
        this.optimizer.applyClipped(fused.grads, this.config.gradClip, { keepGrads: true });
        sum += loss;
        count += 1;
      }
    }
    return sum / Math.max(count, 1);
  }

  /** WGAN weight clipping: every parameter into [−c, c]. */
  clampWeights(c: number): void {
    tf.tidy(() => {
      for (const v of this.params.variables()) v.assign(tf.clipByValue(v, -c, c));
    });
  }

  dispose(): void {
    this.fused?.dispose();
    this.optimizer.dispose();
    this.params.dispose();
  }
}

/**
 * Discriminator inputs: state features, then the action (one-hot for a discrete space, the raw
 * vector otherwise) when `useAction`. `stateFeatures` may select a part of the flat observation
 * (e.g. pandemic's latest row); by default the whole observation is used.
 */
export function discriminatorFeatures(
  obs: Float32Array,
  obsDim: number,
  actions: Float32Array,
  actionSpace: Space,
  n: number,
  useAction: boolean,
  stateFeatures?: { dim: number; extract(obsRow: Float32Array, out: Float32Array, offset: number): void },
): { features: Float32Array; dim: number } {
  const sDim = stateFeatures ? stateFeatures.dim : obsDim;
  const aDim = !useAction ? 0 : actionSpace.kind === 'discrete' ? actionSpace.n : actions.length / Math.max(n, 1);
  const dim = sDim + aDim;
  const features = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const row = obs.subarray(i * obsDim, (i + 1) * obsDim);
    if (stateFeatures) stateFeatures.extract(row, features, i * dim);
    else features.set(row, i * dim);
    if (!useAction) continue;
    if (actionSpace.kind === 'discrete') features[i * dim + sDim + actions[i]!] = 1;
    else features.set(actions.subarray(i * aDim, (i + 1) * aDim), i * dim + sDim);
  }
  return { features, dim };
}

export function discriminatorInputDim(obsDim: number, actionSpace: Space, actionDim: number, useAction: boolean, stateDim?: number): number {
  const s = stateDim ?? obsDim;
  if (!useAction) return s;
  return s + (actionSpace.kind === 'discrete' ? actionSpace.n : actionDim);
}

/**
 * Learned reward models R(s, s') regressed on environment transitions (Michaud et al.,
 * specs/rlhf.md §4.2-4.3): an MLP on the flattened pair for gridworlds (242 → 64 → 64 → 1, tanh,
 * no output bias, as the paper's maze model) and a small CNN on the board for MinAtar.
 *
 * The model takes s and s' as two separate inputs (not one stacked tensor), so saliency can ask
 * for the gradient with respect to each, and so the CNN needs no slicing (whose gradient needs a
 * Pad kernel the wasm backend lacks): its first layer is conv(s)·W_s + conv(s')·W_s'.
 */
import { tf, ParamSet, denseAct, conv2dSame, extractPatches, type Tensor1D, type Tensor2D, type BoardShape, type NamedArray } from '../../nn/index.js';
import { Rng } from '../../util/rng.js';
import type { DifferentiableModel } from '../../interpret/saliency.js';
import { z, parseConfig } from '../../util/validate.js';

export const rewardModelConfigSchema = z.strictObject({
  arch: z.enum(['mlp', 'cnn']),
  /** 'transition': the model sees (s, s'); 'next': only s' (the paper's Atari models). */
  input: z.enum(['transition', 'next']),
  /** Observation layout: height × width × channels, row-major with the channel fastest. */
  board: z.strictObject({ height: z.number().int().positive(), width: z.number().int().positive(), channels: z.number().int().positive() }),
  /** CNN only: filters of each 3×3 'same' convolution. */
  filters: z.array(z.number().int().positive()),
  /** Dense hidden layers (after the convolutions for the CNN). */
  hidden: z.array(z.number().int().positive()),
  activation: z.enum(['tanh', 'relu']),
  outputBias: z.boolean(),
});
export type RewardModelConfig = z.output<typeof rewardModelConfigSchema>;

/** The paper's maze model for an observation of this layout. */
export function mlpRewardConfig(board: BoardShape): RewardModelConfig {
  return { arch: 'mlp', input: 'transition', board, filters: [], hidden: [64, 64], activation: 'tanh', outputBias: false };
}

/** A small CNN for MinAtar boards: two 3×3 convolutions of 16 filters, a dense layer of 64. */
export function cnnRewardConfig(board: BoardShape): RewardModelConfig {
  return { arch: 'cnn', input: 'transition', board, filters: [16, 16], hidden: [64], activation: 'relu', outputBias: true };
}

export function parseRewardModelConfig(value: unknown): RewardModelConfig {
  return parseConfig(rewardModelConfigSchema, value, 'rewardModel') as RewardModelConfig;
}

export function boardSize(b: BoardShape): number {
  return b.height * b.width * b.channels;
}

/** Parameter names and shapes of a model, in creation order (shared by the tensor and the plain-JS forward). */
export function rewardModelLayout(c: RewardModelConfig): { name: string; shape: number[]; fanIn: number }[] {
  const out: { name: string; shape: number[]; fanIn: number }[] = [];
  const planes = c.input === 'transition' ? 2 : 1;
  let width: number;
  if (c.arch === 'mlp') width = planes * boardSize(c.board);
  else {
    if (c.filters.length === 0) throw new RangeError('rewardModel: a CNN needs at least one convolution (filters)');
    let channels = c.board.channels;
    c.filters.forEach((f, i) => {
      if (i === 0) {
        // One kernel per input plane; their sum is a convolution of the stacked planes.
        out.push({ name: 'conv0.next.weight', shape: [9 * channels, f], fanIn: 9 * channels * planes });
        if (planes === 2) out.push({ name: 'conv0.s.weight', shape: [9 * channels, f], fanIn: 9 * channels * planes });
        out.push({ name: 'conv0.bias', shape: [f], fanIn: 9 * channels * planes });
      } else {
        out.push({ name: `conv${i}.weight`, shape: [9 * channels, f], fanIn: 9 * channels });
        out.push({ name: `conv${i}.bias`, shape: [f], fanIn: 9 * channels });
      }
      channels = f;
    });
    width = c.board.height * c.board.width * channels;
  }
  c.hidden.forEach((h, i) => {
    out.push({ name: `dense${i}.weight`, shape: [width, h], fanIn: width });
    out.push({ name: `dense${i}.bias`, shape: [h], fanIn: width });
    width = h;
  });
  out.push({ name: 'out.weight', shape: [width, 1], fanIn: width });
  if (c.outputBias) out.push({ name: 'out.bias', shape: [1], fanIn: width });
  return out;
}

export class RewardModel {
  readonly params = new ParamSet();
  readonly obsDim: number;
  readonly planes: number;
  private readonly zeroBias: Tensor1D;

  constructor(
    readonly config: RewardModelConfig,
    seed = 0,
  ) {
    const rng = new Rng(seed);
    this.obsDim = boardSize(config.board);
    this.planes = config.input === 'transition' ? 2 : 1;
    for (const p of rewardModelLayout(config)) {
      // PyTorch's default initialisation, uniform in ±1/sqrt(fan-in) (the paper's models are PyTorch modules).
      const bound = 1 / Math.sqrt(p.fanIn);
      const n = p.shape.reduce((a, b) => a * b, 1);
      this.params.add(p.name, p.shape, Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound));
    }
    this.zeroBias = tf.zeros([1]) as Tensor1D;
  }

  private w(name: string): Tensor2D {
    return this.params.get(name) as unknown as Tensor2D;
  }

  private b(name: string): Tensor1D {
    return this.params.get(name) as unknown as Tensor1D;
  }

  /** Predicted rewards [N] for s [N, obsDim] and s' [N, obsDim] (s is ignored by 'next' models). */
  apply(s: Tensor2D, next: Tensor2D): Tensor1D {
    const c = this.config;
    const act = c.activation;
    let h: Tensor2D;
    if (c.arch === 'mlp') {
      h = this.planes === 2 ? (tf.concat([s, next], 1) as Tensor2D) : next;
    } else {
      const shape = c.board;
      const f0 = c.filters[0]!;
      let pre = denseAct(extractPatchesOf(next, shape), this.w('conv0.next.weight'), this.b('conv0.bias'), 'linear');
      if (this.planes === 2) pre = tf.add(pre, denseAct(extractPatchesOf(s, shape), this.w('conv0.s.weight'), this.zeroBiasOf(f0), 'linear')) as Tensor2D;
      const n = next.shape[0];
      h = tf.reshape(act === 'relu' ? tf.relu(pre) : tf.tanh(pre), [n, shape.height * shape.width * f0]) as Tensor2D;
      let channels = f0;
      for (let i = 1; i < c.filters.length; i++) {
        h = conv2dSame(h, { height: shape.height, width: shape.width, channels }, this.w(`conv${i}.weight`), this.b(`conv${i}.bias`), act);
        channels = c.filters[i]!;
      }
    }
    for (let i = 0; i < c.hidden.length; i++) h = denseAct(h, this.w(`dense${i}.weight`), this.b(`dense${i}.bias`), act);
    const out = denseAct(h, this.w('out.weight'), c.outputBias ? this.b('out.bias') : this.zeroBias, 'linear');
    return tf.reshape(out, [out.shape[0]]) as Tensor1D;
  }

  private zeroBiasCache = new Map<number, Tensor1D>();
  private zeroBiasOf(n: number): Tensor1D {
    let t = this.zeroBiasCache.get(n);
    if (!t) {
      t = tf.keep(tf.zeros([n])) as Tensor1D;
      this.zeroBiasCache.set(n, t);
    }
    return t;
  }

  /** Batched prediction from flat arrays (rows of obsDim). */
  predict(s: Float32Array, next: Float32Array, n: number): Float32Array {
    return tf.tidy(() => {
      const st = tf.tensor2d(s, [n, this.obsDim]);
      const nt = tf.tensor2d(next, [n, this.obsDim]);
      return this.apply(st, nt).dataSync() as Float32Array;
    });
  }

  weights(): Map<string, NamedArray> {
    return this.params.read();
  }

  dispose(): void {
    this.params.dispose();
    this.zeroBias.dispose();
    for (const t of this.zeroBiasCache.values()) t.dispose();
    this.zeroBiasCache.clear();
  }
}

function extractPatchesOf(x: Tensor2D, shape: BoardShape): Tensor2D {
  return extractPatches(x, shape, 3);
}

/**
 * The model as saliency methods see it: inputs (s, s') for transition models, (s') alone for
 * next-state models (a gradient with respect to an unused input does not exist).
 */
export function asDifferentiable(model: RewardModel): DifferentiableModel {
  if (model.planes === 2) return { inputSizes: [model.obsDim, model.obsDim], apply: ([s, next]) => model.apply(s!, next!) };
  return { inputSizes: [model.obsDim], apply: ([next]) => model.apply(next!, next!) };
}

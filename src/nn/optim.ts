/**
 * Adam (PyTorch's update rule, bias-corrected) and global-norm gradient clipping. Optimiser state
 * lives in tensors keyed by parameter name so it can be saved and restored with the model.
 */
import { tf, type Tensor, type Variable } from './backend.js';
import type { NamedArray, ParamSet } from './params.js';

export type Grads = Map<string, Tensor>;

export interface AdamConfig {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface AdamState {
  step: number;
  m: Map<string, NamedArray>;
  v: Map<string, NamedArray>;
}

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private t = 0;
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();

  constructor(
    private readonly params: ParamSet,
    config: AdamConfig,
  ) {
    if (!(config.lr > 0)) throw new RangeError(`lr: must be a positive number, got ${config.lr}`);
    this.lr = config.lr;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.eps = config.eps ?? 1e-8;
    for (const [name, p] of params.entries()) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  /** Applies one update from gradients keyed by parameter name; parameters without a gradient are left alone. */
  apply(grads: Grads): void {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = Math.sqrt(1 - this.beta2 ** this.t);
    const stepSize = this.lr / c1;
    tf.tidy(() => {
      for (const [name, g] of grads) {
        const p = this.params.get(name);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m2 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v2 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m2);
        v.assign(v2);
        const denom = tf.add(tf.div(tf.sqrt(v2), c2), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m2, denom), stepSize)));
      }
    });
  }

  getState(): AdamState {
    const read = (src: Map<string, Variable>) => {
      const out = new Map<string, NamedArray>();
      for (const [k, t] of src) out.set(k, { shape: [...t.shape], data: t.dataSync() as Float32Array });
      return out;
    };
    return { step: this.t, m: read(this.m), v: read(this.v) };
  }

  setState(state: AdamState): void {
    this.t = state.step;
    for (const [slot, src] of [
      [this.m, state.m],
      [this.v, state.v],
    ] as const) {
      for (const [k, t] of slot) {
        const s = src.get(k);
        if (!s) throw new Error(`optimizer state: missing slot for parameter "${k}"`);
        t.assign(tf.tensor(s.data, s.shape, 'float32'));
      }
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** Global L2 norm of all gradients, as a scalar tensor. */
export function globalNorm(grads: Grads): Tensor {
  return tf.tidy(() => {
    let total: Tensor = tf.scalar(0);
    for (const g of grads.values()) total = tf.add(total, tf.sum(tf.square(g)));
    return tf.sqrt(total);
  });
}

/**
 * Scales gradients so their global norm is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_
 * does (coefficient maxNorm / (norm + 1e-6), capped at 1). Returns the new gradients and the norm
 * before clipping; the input gradients are disposed.
 */
export function clipByGlobalNorm(grads: Grads, maxNorm: number): { grads: Grads; norm: number } {
  const normT = globalNorm(grads);
  const norm = normT.dataSync()[0]!;
  normT.dispose();
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  const out: Grads = new Map();
  for (const [k, g] of grads) {
    out.set(k, tf.mul(g, coef));
    g.dispose();
  }
  return { grads: out, norm };
}

/**
 * Evaluates `lossFn` and its gradients with respect to every parameter in `params`.
 * Returns the loss value and gradients keyed by parameter name (caller disposes them).
 */
export function valueAndGrads(params: ParamSet, lossFn: () => Tensor): { loss: number; grads: Grads } {
  const entries = params.entries();
  const { value, grads } = tf.variableGrads(lossFn as () => tf.Scalar, entries.map(([, v]) => v));
  const out: Grads = new Map();
  for (const [name, v] of entries) {
    const g = grads[v.name];
    if (g) out.set(name, g);
  }
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { loss, grads: out };
}

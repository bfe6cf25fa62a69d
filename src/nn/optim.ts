/**
 * Adam (PyTorch's update rule, bias-corrected) and global-norm gradient clipping. Optimiser state
 * lives in tensors keyed by parameter name so it can be saved and restored with the model.
 *
 * With the native kernels (nn/native.ts) a step updates every parameter in place in one call,
 * bit-identical to the TensorFlow.js path below (which costs ~10 kernels per parameter), and the
 * global norm is one call summing in float64.
 */
import { tf, type Tensor, type Variable } from './backend.js';
import type { NamedArray, ParamSet } from './params.js';
import { activeNative, floatOffset, heapOf, ownsMemory, wasmBackend } from './native.js';

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
      // tidy disposes the zeros tensors, so each slot is the only owner of its memory.
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  /** Applies one update from gradients keyed by parameter name; parameters without a gradient are left alone. */
  apply(grads: Grads): void {
    this.step(grads, 1);
  }

  /**
   * Clips the gradients by their global norm (as clipByGlobalNorm; null: no clipping), applies
   * one update and disposes the gradients (unless `keepGrads`: the fused PPO step reuses its
   * gradient tensors). Returns the norm before clipping (NaN when not clipping). With the native
   * kernels this is two calls and no TensorFlow.js kernels.
   */
  applyClipped(grads: Grads, maxNorm: number | null, options: { keepGrads?: boolean } = {}): number {
    const keep = options.keepGrads === true;
    try {
      if (maxNorm === null) {
        this.apply(grads);
        return NaN;
      }
      const native = nativeSumSquares(grads);
      if (native === null && !keep) {
        const clipped = clipByGlobalNorm(grads, maxNorm);
        this.apply(clipped.grads);
        grads = clipped.grads;
        return clipped.norm;
      }
      const norm = native !== null ? Math.sqrt(native) : readScalar(globalNorm(grads));
      const coef = maxNorm / (norm + 1e-6);
      this.step(grads, coef < 1 ? coef : 1);
      return norm;
    } finally {
      if (!keep) for (const g of grads.values()) g.dispose();
    }
  }

  /** One Adam step with the gradients multiplied by `scale` first (skipped when 1). */
  private step(grads: Grads, scale: number): void {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = Math.sqrt(1 - this.beta2 ** this.t);
    const stepSize = this.lr / c1;
    const rest = this.applyNative(grads, scale, c2, stepSize);
    if (rest.size === 0) return;
    tf.tidy(() => {
      for (const [name, g0] of rest) {
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
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

  /**
   * Updates in place, in one native call, every parameter whose value and slots are float32 wasm
   * tensors owned by nobody else; returns the gradients left for the TensorFlow.js path.
   */
  private applyNative(grads: Grads, scale: number, c2: number, stepSize: number): Grads {
    const backend = wasmBackend();
    const native = activeNative();
    if (!backend || !native) return grads;
    const rest: Grads = new Map();
    const table: number[] = [];
    for (const [name, g] of grads) {
      const p = this.params.get(name);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const offs = [floatOffset(backend, p), floatOffset(backend, g), floatOffset(backend, m), floatOffset(backend, v)];
      const exclusive = ownsMemory(backend, p) && ownsMemory(backend, m) && ownsMemory(backend, v) && g.dataId !== p.dataId && g.dataId !== m.dataId && g.dataId !== v.dataId;
      if (!exclusive || offs.some((o) => o === null) || g.size !== p.size) {
        rest.set(name, g);
        continue;
      }
      table.push(...(offs as number[]), p.size);
    }
    if (table.length) {
      const hyper = Float64Array.of(this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, c2, this.eps, stepSize, scale, scale === 1 ? 0 : 1);
      native.adam(heapOf(backend), Float64Array.from(table), hyper);
    }
    return rest;
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
        tf.tidy(() => t.assign(tf.tensor(s.data, s.shape, 'float32')));
      }
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

function readScalar(t: Tensor): number {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
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
  const sumSq = nativeSumSquares(grads);
  let norm: number;
  if (sumSq !== null) {
    norm = Math.sqrt(sumSq);
  } else {
    const normT = globalNorm(grads);
    norm = normT.dataSync()[0]!;
    normT.dispose();
  }
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  const out: Grads = new Map();
  for (const [k, g] of grads) {
    out.set(k, tf.mul(g, coef));
    g.dispose();
  }
  return { grads: out, norm };
}

/** Σ g² over all gradients in float64 by the native kernels, or null when they do not apply. */
function nativeSumSquares(grads: Grads): number | null {
  const backend = wasmBackend();
  const native = activeNative();
  if (!backend || !native) return null;
  const table: number[] = [];
  for (const g of grads.values()) {
    const off = floatOffset(backend, g);
    if (off === null) return null;
    table.push(off, g.size);
  }
  return native.sumSquares(heapOf(backend), Float64Array.from(table));
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

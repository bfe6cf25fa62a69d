/**
 * Sharpness of a loss at the current parameters, for logging during training (GAA's diagnostics,
 * specs/rlhf.md §3.2):
 *  - a loss-landscape slice: L(θ + λ·d/‖d‖) for a range of step sizes λ along a direction d (the
 *    last update, or the gradient);
 *  - the Hessian's leading eigenvalues by power iteration with deflation on Hessian-vector
 *    products, and the ratio of the top to the fifth (PyHessian's measure of how dominated the
 *    curvature is by a few directions).
 * Hessian-vector products are central finite differences of gradients,
 * Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε: TensorFlow.js can nest gradients, but the native dense
 * kernel's gradient is not itself differentiable, so gradient-of-gradient is not available here.
 * Every function restores the parameters it perturbs.
 */
import { tf, type ParamSet, type Tensor } from '../nn/index.js';
import { Rng } from '../util/rng.js';

export type LossFn = () => Tensor;

/** The named parameters' values end to end (names order). */
export function flatParams(params: ParamSet, names: readonly string[]): Float32Array {
  const parts = names.map((n) => params.get(n).dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

/** Writes a flat vector (as flatParams lays it out) back into the named parameters. */
export function setFlatParams(params: ParamSet, names: readonly string[], flat: Float32Array): void {
  let o = 0;
  for (const n of names) {
    const v = params.get(n);
    const part = flat.subarray(o, o + v.size);
    tf.tidy(() => v.assign(tf.tensor(part, v.shape, 'float32')));
    o += v.size;
  }
  if (o !== flat.length) throw new RangeError(`setFlatParams: ${flat.length} values for ${o} parameters`);
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The loss as a number. */
export function lossValue(lossFn: LossFn): number {
  return tf.tidy(() => lossFn().dataSync()[0]!);
}

/** ∇L at the current parameters, flattened (zeros for parameters the loss does not reach). */
export function flatGradient(params: ParamSet, names: readonly string[], lossFn: LossFn): Float64Array {
  const vars = names.map((n) => params.get(n));
  const { value, grads } = tf.variableGrads(lossFn as () => tf.Scalar, vars);
  const out = new Float64Array(vars.reduce((a, v) => a + v.size, 0));
  let o = 0;
  for (const v of vars) {
    const g = grads[v.name];
    if (g) out.set(g.dataSync() as Float32Array, o);
    o += v.size;
  }
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return out;
}

export interface SliceOptions {
  /** Largest |λ| (in parameter-norm units, the direction being normalised); default 0.5. */
  radius?: number;
  /** Number of λ values from −radius to radius; default 21. */
  points?: number;
}

export interface LossSlice {
  lambdas: number[];
  losses: number[];
  /** ‖d‖ before normalising (e.g. the size of the update). */
  directionNorm: number;
}

/** L(θ + λ·d/‖d‖) on an even grid of λ; the parameters are restored afterwards. */
export function lossSlice(params: ParamSet, names: readonly string[], lossFn: LossFn, direction: ArrayLike<number>, options: SliceOptions = {}): LossSlice {
  const radius = options.radius ?? 0.5;
  const points = options.points ?? 21;
  if (!(points >= 2)) throw new RangeError(`lossSlice: points must be at least 2, got ${points}`);
  const theta = flatParams(params, names);
  if (direction.length !== theta.length) throw new RangeError(`lossSlice: direction has ${direction.length} entries for ${theta.length} parameters`);
  const dn = norm(direction);
  const lambdas: number[] = [];
  const losses: number[] = [];
  const moved = new Float32Array(theta.length);
  try {
    for (let k = 0; k < points; k++) {
      const lambda = -radius + (2 * radius * k) / (points - 1);
      const s = dn > 0 ? lambda / dn : 0;
      for (let i = 0; i < theta.length; i++) moved[i] = theta[i]! + s * direction[i]!;
      setFlatParams(params, names, moved);
      lambdas.push(lambda);
      losses.push(lossValue(lossFn));
    }
  } finally {
    setFlatParams(params, names, theta);
  }
  return { lambdas, losses, directionNorm: dn };
}

/** A Hessian-vector product v ↦ Hv. */
export type Hvp = (v: Float64Array) => Float64Array;


/** Hv by central differences of gradients at θ ± εv/‖v‖ (scaled back by ‖v‖). */
export function finiteDifferenceHvp(params: ParamSet, names: readonly string[], lossFn: LossFn, eps = 1e-3): Hvp {
  return (v) => {
    const theta = flatParams(params, names);
    const vn = norm(v);
    if (vn === 0) return new Float64Array(v.length);
    const shifted = new Float32Array(theta.length);
    const at = (sign: number) => {
      for (let i = 0; i < theta.length; i++) shifted[i] = theta[i]! + (sign * eps * v[i]!) / vn;
      setFlatParams(params, names, shifted);
      return flatGradient(params, names, lossFn);
    };
    try {
      const gp = at(1);
      const gm = at(-1);
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = ((gp[i]! - gm[i]!) / (2 * eps)) * vn;
      return out;
    } finally {
      setFlatParams(params, names, theta);
    }
  };
}

export interface EigenOptions {
  /** How many eigenvalues (largest in magnitude first); default 5. */
  k?: number;
  /** Power-iteration steps per eigenvalue; default 20. */
  iterations?: number;
  /** Stop an eigenvalue early when its relative change falls below this; default 1e-4. */
  tol?: number;
  seed?: number;
}

/**
 * The k eigenvalues of largest magnitude of a symmetric operator of dimension `dim`, by power
 * iteration; each later vector is deflated against the earlier ones (projected off them), which
 * for a symmetric matrix is the power iteration on H − Σ λ_i u_i u_iᵀ.
 */
export function topEigenvalues(hvp: Hvp, dim: number, options: EigenOptions = {}): { values: number[]; vectors: Float64Array[] } {
  const k = Math.min(options.k ?? 5, dim);
  const iterations = options.iterations ?? 20;
  const tol = options.tol ?? 1e-4;
  const rng = new Rng(options.seed ?? 0);
  const values: number[] = [];
  const vectors: Float64Array[] = [];
  const orthogonalise = (v: Float64Array) => {
    for (const u of vectors) {
      const c = dot(u, v);
      for (let i = 0; i < dim; i++) v[i] = v[i]! - c * u[i]!;
    }
    const n = norm(v);
    for (let i = 0; i < dim; i++) v[i] = v[i]! / (n || 1);
  };
  for (let j = 0; j < k; j++) {
    let v: Float64Array = new Float64Array(dim);
    for (let i = 0; i < dim; i++) v[i] = rng.normal();
    orthogonalise(v);
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      const w = hvp(v);
      // Deflation: remove what the earlier eigenpairs contribute (keeps w in their complement).
      for (let p = 0; p < vectors.length; p++) {
        const c = dot(vectors[p]!, v);
        for (let i = 0; i < dim; i++) w[i] = w[i]! - values[p]! * c * vectors[p]![i]!;
      }
      const next = dot(v, w);
      orthogonalise(w);
      v = w;
      const done = it > 0 && Math.abs(next - lambda) <= tol * Math.max(1e-12, Math.abs(next));
      lambda = next;
      if (done) break;
    }
    values.push(lambda);
    vectors.push(v);
  }
  // A short power iteration can stop below a later, larger eigenvalue; report them by magnitude.
  const order = values.map((_, i) => i).sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!));
  return { values: order.map((i) => values[i]!), vectors: order.map((i) => vectors[i]!) };
}

export interface SharpnessReport {
  loss: number;
  /** Leading Hessian eigenvalues (largest magnitude first). */
  eigenvalues: number[];
  /** λ_1 / λ_5 (NaN with fewer than five). */
  topToFifth: number;
  slice: LossSlice;
}

export interface SharpnessOptions extends SliceOptions, EigenOptions {
  /** Finite-difference step for Hessian-vector products; default 1e-3. */
  eps?: number;
}

/** Slice along `direction` plus the Hessian spectrum summary, at the current parameters. */
export function measureSharpness(params: ParamSet, names: readonly string[], lossFn: LossFn, direction: ArrayLike<number>, options: SharpnessOptions = {}): SharpnessReport {
  const loss = lossValue(lossFn);
  const slice = lossSlice(params, names, lossFn, direction, options);
  const dim = names.reduce((a, n) => a + params.get(n).size, 0);
  const { values } = topEigenvalues(finiteDifferenceHvp(params, names, lossFn, options.eps), dim, options);
  return { loss, eigenvalues: values, topToFifth: values.length >= 5 ? values[0]! / values[4]! : NaN, slice };
}

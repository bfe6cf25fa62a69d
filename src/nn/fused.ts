/**
 * Fused categorical-distribution kernels for the wasm backend: log π(a), entropy and KL(p ‖ q)
 * from logits, each one kernel forward and one backward instead of the ~10 TensorFlow.js kernels
 * (and their gradients) a log-softmax expression costs. For the small policies of the tomato
 * experiments the learner spends most of its time in per-kernel overhead, so this matters more
 * than arithmetic. Registered together with the native kernels (nn/native.ts) and used only when
 * they are active; the TensorFlow.js expressions in distributions.ts remain the fallback.
 *
 * Each row is computed in float64 (max-shifted log-sum-exp) and rounded to float32 once, in a
 * fixed order, so results are deterministic.
 */
import { tf } from './backend.js';
import type { Heap, Args } from './kernel-types.js';

export const CATEGORICAL_LOGP = 'GoodhartCategoricalLogProb';
export const CATEGORICAL_ENTROPY = 'GoodhartCategoricalEntropy';
export const CATEGORICAL_KL = 'GoodhartCategoricalKl';
const CATEGORICAL_LOGP_GRAD = 'GoodhartCategoricalLogProbGrad';
const CATEGORICAL_ENTROPY_GRAD = 'GoodhartCategoricalEntropyGrad';
const CATEGORICAL_KL_GRAD = 'GoodhartCategoricalKlGrad';


/** log-softmax of row `r` of `z` ([rows, n]) into `lp`, and the probabilities into `p` (float64). */
function logSoftmaxRow(z: Float32Array, r: number, n: number, lp: Float64Array, p: Float64Array): void {
  const base = r * n;
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, z[base + j]!);
  let s = 0;
  for (let j = 0; j < n; j++) {
    p[j] = Math.exp(z[base + j]! - max);
    s += p[j]!;
  }
  const logS = Math.log(s);
  for (let j = 0; j < n; j++) {
    lp[j] = z[base + j]! - max - logS;
    p[j] = p[j]! / s;
  }
}

function shape2(t: tf.TensorInfo, what: string): [number, number] {
  if (t.shape.length !== 2 || t.dtype !== 'float32') throw new Error(`${what}: expected float32 logits [batch, n], got ${t.dtype} [${t.shape}]`);
  return t.shape as [number, number];
}

/** The action index of row r as TensorFlow.js's oneHot(cast(a, int32)) sees it; -1 when outside [0, n). */
function actionIndex(a: Float32Array, r: number, n: number): number {
  const k = Math.trunc(a[r]!);
  return k >= 0 && k < n ? k : -1;
}

/**
 * log π(a) for `rows` rows of logits [rows, n] and actions [rows] into `out`: what the fused
 * logProb kernel computes (exported for the fused PPO learner, which must agree with it bit for bit).
 */
export function categoricalLogProbRows(z: Float32Array, a: Float32Array, rows: number, n: number, out: Float32Array): void {
  const lp = new Float64Array(n);
  const pr = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(z, r, n, lp, pr);
    const k = actionIndex(a, r, n);
    out[r] = k < 0 ? 0 : lp[k]!;
  }
}

function logProbForward({ inputs, backend }: Args): tf.TensorInfo {
  const b = backend as Heap;
  const [rows, n] = shape2(inputs['logits']!, 'categorical logProb');
  const out = b.makeOutput([rows], 'float32');
  categoricalLogProbRows(b.typedArrayFromHeap(inputs['logits']!), b.typedArrayFromHeap(inputs['actions']!), rows, n, b.typedArrayFromHeap(out));
  return out;
}

function logProbBackward({ inputs, backend }: Args): tf.TensorInfo {
  const b = backend as Heap;
  const [rows, n] = shape2(inputs['logits']!, 'categorical logProb gradient');
  const out = b.makeOutput([rows, n], 'float32');
  const z = b.typedArrayFromHeap(inputs['logits']!);
  const a = b.typedArrayFromHeap(inputs['actions']!);
  const dy = b.typedArrayFromHeap(inputs['dy']!);
  const o = b.typedArrayFromHeap(out);
  const lp = new Float64Array(n);
  const pr = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const k = actionIndex(a, r, n);
    if (k < 0) {
      o.fill(0, r * n, (r + 1) * n);
      continue;
    }
    logSoftmaxRow(z, r, n, lp, pr);
    for (let j = 0; j < n; j++) o[r * n + j] = dy[r]! * ((j === k ? 1 : 0) - pr[j]!);
  }
  return out;
}

function entropyForward({ inputs, backend }: Args): tf.TensorInfo {
  const b = backend as Heap;
  const [rows, n] = shape2(inputs['logits']!, 'categorical entropy');
  const out = b.makeOutput([rows], 'float32');
  const z = b.typedArrayFromHeap(inputs['logits']!);
  const o = b.typedArrayFromHeap(out);
  const lp = new Float64Array(n);
  const pr = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(z, r, n, lp, pr);
    let h = 0;
    for (let j = 0; j < n; j++) h -= pr[j]! * lp[j]!;
    o[r] = h;
  }
  return out;
}

function entropyBackward({ inputs, backend }: Args): tf.TensorInfo {
  const b = backend as Heap;
  const [rows, n] = shape2(inputs['logits']!, 'categorical entropy gradient');
  const out = b.makeOutput([rows, n], 'float32');
  const z = b.typedArrayFromHeap(inputs['logits']!);
  const dy = b.typedArrayFromHeap(inputs['dy']!);
  const o = b.typedArrayFromHeap(out);
  const lp = new Float64Array(n);
  const pr = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(z, r, n, lp, pr);
    let h = 0;
    for (let j = 0; j < n; j++) h -= pr[j]! * lp[j]!;
    // ∂H/∂z_j = −p_j (log p_j + H)
    for (let j = 0; j < n; j++) o[r * n + j] = -dy[r]! * pr[j]! * (lp[j]! + h);
  }
  return out;
}

function klForward({ inputs, backend }: Args): tf.TensorInfo {
  const b = backend as Heap;
  const [rows, n] = shape2(inputs['p']!, 'categorical kl');
  shape2(inputs['q']!, 'categorical kl');
  const out = b.makeOutput([rows], 'float32');
  const p = b.typedArrayFromHeap(inputs['p']!);
  const q = b.typedArrayFromHeap(inputs['q']!);
  const o = b.typedArrayFromHeap(out);
  const lp = new Float64Array(n);
  const lq = new Float64Array(n);
  const pp = new Float64Array(n);
  const pq = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(p, r, n, lp, pp);
    logSoftmaxRow(q, r, n, lq, pq);
    let kl = 0;
    for (let j = 0; j < n; j++) kl += pp[j]! * (lp[j]! - lq[j]!);
    o[r] = kl;
  }
  return out;
}

function klBackward({ inputs, backend }: Args): tf.TensorInfo[] {
  const b = backend as Heap;
  const [rows, n] = shape2(inputs['p']!, 'categorical kl gradient');
  const dpOut = b.makeOutput([rows, n], 'float32');
  const dqOut = b.makeOutput([rows, n], 'float32');
  const p = b.typedArrayFromHeap(inputs['p']!);
  const q = b.typedArrayFromHeap(inputs['q']!);
  const dy = b.typedArrayFromHeap(inputs['dy']!);
  const dp = b.typedArrayFromHeap(dpOut);
  const dq = b.typedArrayFromHeap(dqOut);
  const lp = new Float64Array(n);
  const lq = new Float64Array(n);
  const pp = new Float64Array(n);
  const pq = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(p, r, n, lp, pp);
    logSoftmaxRow(q, r, n, lq, pq);
    let kl = 0;
    for (let j = 0; j < n; j++) kl += pp[j]! * (lp[j]! - lq[j]!);
    for (let j = 0; j < n; j++) {
      // ∂KL/∂p_j = p_j (log p_j − log q_j − KL); ∂KL/∂q_j = q_j − p_j (as softmax probabilities).
      dp[r * n + j] = dy[r]! * pp[j]! * (lp[j]! - lq[j]! - kl);
      dq[r * n + j] = dy[r]! * (pq[j]! - pp[j]!);
    }
  }
  return [dpOut, dqOut];
}

function register(kernelName: string, kernelFunc: (args: Args) => tf.TensorInfo | tf.TensorInfo[]): void {
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

const run = (name: string, inputs: tf.NamedTensorMap) => tf.engine().runKernel(name, inputs, {});

/** Registers the fused categorical kernels and their gradients for the wasm backend. */
export function registerFusedKernels(): void {
  register(CATEGORICAL_LOGP, logProbForward);
  register(CATEGORICAL_LOGP_GRAD, logProbBackward);
  register(CATEGORICAL_ENTROPY, entropyForward);
  register(CATEGORICAL_ENTROPY_GRAD, entropyBackward);
  register(CATEGORICAL_KL, klForward);
  register(CATEGORICAL_KL_GRAD, klBackward);
  tf.registerGradient({
    kernelName: CATEGORICAL_LOGP,
    inputsToSave: ['logits', 'actions'],
    gradFunc: (dy, saved) => {
      const [logits, actions] = saved as [tf.Tensor, tf.Tensor];
      const d = run(CATEGORICAL_LOGP_GRAD, { dy: dy as tf.Tensor, logits, actions }) as tf.Tensor;
      return { logits: () => d, actions: () => tf.zerosLike(actions) };
    },
  });
  tf.registerGradient({
    kernelName: CATEGORICAL_ENTROPY,
    inputsToSave: ['logits'],
    gradFunc: (dy, saved) => {
      const d = run(CATEGORICAL_ENTROPY_GRAD, { dy: dy as tf.Tensor, logits: saved[0]! }) as tf.Tensor;
      return { logits: () => d };
    },
  });
  tf.registerGradient({
    kernelName: CATEGORICAL_KL,
    inputsToSave: ['p', 'q'],
    gradFunc: (dy, saved) => {
      // Both at once, here: the engine calls each input's closure inside its own tidy.
      const [dp, dq] = run(CATEGORICAL_KL_GRAD, { dy: dy as tf.Tensor, p: saved[0]!, q: saved[1]! }) as tf.Tensor[];
      return { p: () => dp!, q: () => dq! };
    },
  });
}

export function unregisterFusedKernels(): void {
  for (const name of [CATEGORICAL_LOGP, CATEGORICAL_LOGP_GRAD, CATEGORICAL_ENTROPY, CATEGORICAL_ENTROPY_GRAD, CATEGORICAL_KL, CATEGORICAL_KL_GRAD]) {
    tf.unregisterKernel(name, 'wasm');
  }
}

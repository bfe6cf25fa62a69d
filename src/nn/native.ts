/**
 * Native kernels for the wasm backend: an optional N-API addon (native/, built by
 * `npm install` where a C++ compiler exists) with a cache-blocked, multi-threaded float32 GEMM,
 * a fused dense layer and a fused Adam step. They work directly on the wasm backend's tensor
 * memory (one ArrayBuffer), so no data is copied.
 *
 * Installing them replaces the wasm backend's `BatchMatMul` and `_FusedMatMul` kernels (what
 * tf.matMul and tf.fused.matMul dispatch to), its copying `Identity` and its `GatherV2` (a
 * row-copying one), and adds two kernels of
 * our own for a dense layer with its activation fused (forward, and backward in one call), plus
 * the fused categorical-distribution kernels of nn/fused.ts. Whenever the addon is missing,
 * fails to load, or is disabled with GOODHART_NATIVE=0, nothing is registered and TensorFlow.js's
 * own kernels run as before (bit for bit). Results are deterministic: every output element is
 * summed in a fixed order whatever the number of threads.
 *
 * Environment (read once per process):
 *   GOODHART_NATIVE=0             TensorFlow.js kernels only (also skips the build in npm install)
 *   GOODHART_NATIVE_THREADS=n     threads for large products (default: all CPUs); results do not change
 *   GOODHART_NATIVE_ISA=name      avx512 | avx2 | generic micro-kernel (default: the best the CPU has;
 *                                 avx512 and avx2 give identical results, generic differs in rounding)
 *   GOODHART_NATIVE_ADDON=path    load another build of the addon (to try one before installing it)
 *   GOODHART_NATIVE_PAR_FLOPS=f   products below f flops stay on one thread (default 4e6)
 *   GOODHART_NATIVE_SPIN_US=us    how long idle workers spin before sleeping (default 100)
 *   GOODHART_NATIVE_NET_SPLIT=0   in the fused PPO step, split each product over the threads instead of
 *                                 running the policy and value networks on a thread each (same results)
 *   GOODHART_FUSED_PPO=0          build PPO's loss from TensorFlow.js ops instead of the fused native
 *                                 step of nn/fused-ppo.ts (same numbers, bit for bit; for comparisons)
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from './backend.js';
import { registerFusedKernels, unregisterFusedKernels } from './fused.js';
import { registerTransformerKernels, unregisterTransformerKernels } from './transformer-kernels.js';

/** The addon's functions; every tensor is a byte offset into `heap`. */
export interface NativeAddon {
  info(): { isa: string; threads: number; isas: string[] };
  setThreads(n: number): number;
  setIsa(name: string): boolean;
  gemm(heap: ArrayBuffer, a: number, b: number, c: number, batch: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, aBatched: boolean, bBatched: boolean, bias: number, act: number, alpha: number): void;
  denseBackward(heap: ArrayBuffer, x: number, w: number, y: number, dy: number, dx: number, dw: number, db: number, m: number, k: number, n: number, act: number, alpha: number): void;
  adam(heap: ArrayBuffer, table: Float64Array, hyper: Float64Array): void;
  sumSquares(heap: ArrayBuffer, table: Float64Array): number;
  scale(heap: ArrayBuffer, table: Float64Array, s: number): void;
  /** One PPO minibatch's loss statistics and gradients (native/src/ppo.cc; nn/fused-ppo.ts documents the arguments). */
  ppoCategoricalGrads(
    heap: ArrayBuffer,
    layout: Float64Array,
    obs: Float32Array,
    actions: Float32Array,
    oldLogits: Float32Array,
    oldLogp: Float32Array,
    advantages: Float32Array,
    targets: Float32Array,
    rows: Int32Array,
    coeffs: Float64Array,
    stats: Float64Array,
  ): void;
  /** An MLP actor-critic's outputs and values for plain float32 observations (same layout as ppoCategoricalGrads). */
  actorCriticForward(heap: ArrayBuffer, layout: Float64Array, obs: Float32Array, outputs: Float32Array, values: Float32Array): void;
  /** One MLP's gradients, with the loss head in JavaScript (nn/fused-mlp.ts). */
  mlpGrads(heap: ArrayBuffer, layout: Float64Array, features: Float32Array, rows: Int32Array, lossGrad: (outputs: Float32Array) => Float32Array): void;
}

/** Activation codes shared with native/src/kernels.h. */
export const NATIVE_ACT = { linear: 0, tanh: 1, relu: 2, leaky_relu: 3, sigmoid: 4, relu6: 5, elu: 6 } as const;
export type NativeActivation = keyof typeof NATIVE_ACT;

/** Names of the kernels we add for a dense layer (registered for the wasm backend only). */
export const DENSE_KERNEL = 'GoodhartDense';
export const DENSE_GRAD_KERNEL = 'GoodhartDenseGrad';

export interface NativeStatus {
  /** The addon loaded. */
  loaded: boolean;
  /** Our kernels are registered and the wasm backend is active. */
  active: boolean;
  /** Why not, when not loaded. */
  reason?: string;
  isa?: string;
  threads?: number;
}

let addon: NativeAddon | null | undefined;
let loadError = '';

/** True unless GOODHART_NATIVE is 0, false, off or no. */
export function nativeWanted(): boolean {
  const v = (process.env['GOODHART_NATIVE'] ?? '').trim().toLowerCase();
  return !['0', 'false', 'off', 'no'].includes(v);
}

/** Where the built addon lives: native/build/Release under the package root. */
function addonPath(): string | null {
  // This file is src/nn/native.ts, compiled to dist/src/nn/native.js; walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'native', 'build', 'Release', 'goodhart_native.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

/** Loads the addon once; null (with a reason in nativeStatus()) when disabled, missing or broken. */
export function loadNative(): NativeAddon | null {
  if (addon !== undefined) return addon;
  if (!nativeWanted()) {
    loadError = 'disabled by GOODHART_NATIVE';
    return (addon = null);
  }
  // GOODHART_NATIVE_ADDON names another build of the addon (for trying a build before installing it).
  const path = process.env['GOODHART_NATIVE_ADDON'] || addonPath();
  if (!path) {
    loadError = 'not built (npm install builds it when a C++ compiler is available)';
    return (addon = null);
  }
  try {
    const mod = createRequire(import.meta.url)(path) as NativeAddon;
    mod.info();
    addon = mod;
  } catch (err) {
    loadError = `failed to load: ${(err as Error).message.split('\n')[0]}`;
    addon = null;
  }
  return addon;
}

// ----------------------------------------------------------------------------------------------
// The wasm backend's internals we rely on (stable across tfjs 4.x; see BackendWasm).

interface WasmTensorData {
  memoryOffset: number;
  refCount: number;
  dtype: string;
}
interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
}
interface KernelArgs {
  inputs: Record<string, tf.TensorInfo | null | undefined>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}
type KernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

function offsetOf(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

function heapOf(backend: WasmBackend): ArrayBuffer {
  // Read after every allocation: growing the wasm memory replaces its buffer.
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

const FUSED_ACTIVATIONS: Record<string, number> = {
  linear: NATIVE_ACT.linear,
  relu: NATIVE_ACT.relu,
  leakyrelu: NATIVE_ACT.leaky_relu,
  sigmoid: NATIVE_ACT.sigmoid,
  relu6: NATIVE_ACT.relu6,
  elu: NATIVE_ACT.elu,
};

/**
 * Shared by BatchMatMul and _FusedMatMul: a (batched, broadcast) product with optional bias and
 * activation, or null when the case is not ours (then the original kernel runs).
 */
function matMulNative(native: NativeAddon, args: KernelArgs, bias: tf.TensorInfo | null, act: number, alpha: number): tf.TensorInfo | null {
  const a = args.inputs['a'];
  const b = args.inputs['b'];
  const backend = args.backend as WasmBackend;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1)) return null;
  const ta = args.attrs?.['transposeA'] === true;
  const tb = args.attrs?.['transposeB'] === true;
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = ta ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const k = ta ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const kb = tb ? b.shape[br - 1]! : b.shape[br - 2]!;
  const n = tb ? b.shape[br - 2]! : b.shape[br - 1]!;
  if (k !== kb) return null; // the original kernel reports the mismatch
  if (bias && bias.shape[0] !== n) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([...outer, m, n], 'float32');
  if (batch * m * n === 0) return out;
  native.gemm(
    heapOf(backend),
    offsetOf(backend, a),
    offsetOf(backend, b),
    offsetOf(backend, out),
    batch,
    m,
    n,
    k,
    ta,
    tb,
    batchA > 1,
    batchB > 1,
    bias ? offsetOf(backend, bias) : -1,
    act,
    alpha,
  );
  return out;
}

function denseForward(native: NativeAddon, args: KernelArgs): tf.TensorInfo {
  const { x, w, b } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; b: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const [m, k] = x.shape as [number, number];
  const n = w.shape[1]!;
  if (x.shape.length !== 2 || w.shape.length !== 2 || w.shape[0] !== k || b.shape.length !== 1 || b.shape[0] !== n) {
    throw new Error(`dense: shapes x [${x.shape}], w [${w.shape}], b [${b.shape}] do not fit`);
  }
  const out = backend.makeOutput([m, n], 'float32');
  if (m * n === 0) return out;
  native.gemm(heapOf(backend), offsetOf(backend, x), offsetOf(backend, w), offsetOf(backend, out), 1, m, n, k, false, false, false, false, offsetOf(backend, b), Number(args.attrs!['act']), Number(args.attrs!['alpha']));
  return out;
}

function denseBackward(native: NativeAddon, args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, w, y } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; w: tf.TensorInfo; y: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const [m, k] = x.shape as [number, number];
  const n = w.shape[1]!;
  const dx = backend.makeOutput([m, k], 'float32');
  const dw = backend.makeOutput([k, n], 'float32');
  const db = backend.makeOutput([n], 'float32');
  native.denseBackward(
    heapOf(backend),
    offsetOf(backend, x),
    offsetOf(backend, w),
    offsetOf(backend, y),
    offsetOf(backend, dy),
    m * k ? offsetOf(backend, dx) : -1,
    k * n ? offsetOf(backend, dw) : -1,
    n ? offsetOf(backend, db) : -1,
    m,
    k,
    n,
    Number(args.attrs!['act']),
    Number(args.attrs!['alpha']),
  );
  return [dx, dw, db];
}

/**
 * GatherV2 by copying rows (the wasm kernel computes an index per element and allocates
 * scratch memory: ~25 µs for a 128-row minibatch). Handles batchDims 0 with int32 indices in
 * range over 4-byte data; anything else goes to the original kernel.
 */
function gatherRows(args: KernelArgs, fallback: KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs['x'];
  const indices = args.inputs['indices'];
  const backend = args.backend as WasmBackend & { typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array };
  const batchDims = Number(args.attrs?.['batchDims'] ?? 0);
  if (!x || !indices || batchDims !== 0 || indices.dtype !== 'int32' || (x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return fallback(args);
  const rank = x.shape.length;
  let axis = Number(args.attrs?.['axis'] ?? 0);
  if (axis < 0) axis += rank;
  if (!(axis >= 0 && axis < rank)) return fallback(args);
  const dim = x.shape[axis]!;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const idx = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < idx.length; i++) if (!(idx[i]! >= 0 && idx[i]! < dim)) return fallback(args);
  const out = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  // Not idx.length: allocating the output may grow the wasm memory, which detaches every view
  // taken before it (a detached view has length 0), so sizes come from shapes only.
  if (outer * sizeOf(indices.shape) * inner === 0) return out;
  // Views after the allocation (it may grow the wasm memory).
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const k = backend.typedArrayFromHeap(indices) as Int32Array;
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = a * dim * inner;
    for (let i = 0; i < k.length; i++, o += inner) {
      const from = base + k[i]! * inner;
      if (inner === 1) dst[o] = src[from]!;
      else dst.set(src.subarray(from, from + inner), o);
    }
  }
  return out;
}

let installed = false;
const originals = new Map<string, tf.KernelConfig>();

function replaceKernel(kernelName: string, kernelFunc: KernelFunc): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) throw new Error(`native: the wasm backend has no ${kernelName} kernel to replace`);
  originals.set(kernelName, original);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/**
 * Registers the native kernels for the wasm backend (idempotent). Returns whether they are in
 * place; false when the addon is unavailable or disabled, leaving TensorFlow.js's kernels alone.
 */
export function installNativeKernels(): boolean {
  if (installed) return true;
  const native = loadNative();
  if (!native || !tf.findBackend('wasm')) return false;
  const batchMatMulFallback = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc as unknown as KernelFunc;
  const fusedFallback = tf.getKernel('_FusedMatMul', 'wasm')!.kernelFunc as unknown as KernelFunc;
  replaceKernel('BatchMatMul', (args) => matMulNative(native, args, null, NATIVE_ACT.linear, 0) ?? batchMatMulFallback(args));
  replaceKernel('_FusedMatMul', (args) => {
    const activation = String(args.attrs?.['activation'] ?? 'linear');
    const act = FUSED_ACTIVATIONS[activation];
    if (act === undefined || args.inputs['preluActivationWeights']) return fusedFallback(args);
    const alpha = Number(args.attrs?.['leakyreluAlpha'] ?? 0.2);
    return matMulNative(native, args, args.inputs['bias'] ?? null, act, alpha) ?? fusedFallback(args);
  });
  // The engine clones every tensor it saves for a gradient; the wasm backend's Identity copies the
  // data (the cpu and webgl backends share it). Tensors are immutable, so share it here too: for
  // the paper's network that is ~15 MB less copying per minibatch. (Nothing writes tensor memory
  // in place except the native Adam step, which first checks that no other tensor shares it.)
  const identityFallback = tf.getKernel('Identity', 'wasm')!.kernelFunc as unknown as KernelFunc;
  replaceKernel('Identity', (args) => {
    const x = args.inputs['x'];
    if (!x || x.dtype === 'string') return identityFallback(args);
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
  const gatherFallback = tf.getKernel('GatherV2', 'wasm')!.kernelFunc as unknown as KernelFunc;
  replaceKernel('GatherV2', (args) => gatherRows(args, gatherFallback));
  tf.registerKernel({ kernelName: DENSE_KERNEL, backendName: 'wasm', kernelFunc: ((args: KernelArgs) => denseForward(native, args)) as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: DENSE_GRAD_KERNEL, backendName: 'wasm', kernelFunc: ((args: KernelArgs) => denseBackward(native, args)) as unknown as tf.KernelFunc });
  tf.registerGradient({
    kernelName: DENSE_KERNEL,
    inputsToSave: ['x', 'w'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      // All three at once, here: the engine calls each input's closure inside its own tidy.
      const [dx, dw, db] = tf.engine().runKernel(DENSE_GRAD_KERNEL, { dy: dy as tf.Tensor, x, w, y }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx!, w: () => dw!, b: () => db! };
    },
  });
  registerFusedKernels();
  registerTransformerKernels();
  installed = true;
  return true;
}

/** Puts TensorFlow.js's own kernels back (for tests and comparisons). */
export function uninstallNativeKernels(): void {
  if (!installed) return;
  for (const [name, config] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  originals.clear();
  tf.unregisterKernel(DENSE_KERNEL, 'wasm');
  tf.unregisterKernel(DENSE_GRAD_KERNEL, 'wasm');
  unregisterFusedKernels();
  unregisterTransformerKernels();
  installed = false;
}

/** The addon when our kernels are installed and the wasm backend is the active one, else null. */
export function activeNative(): NativeAddon | null {
  return installed && tf.getBackend() === 'wasm' ? (addon ?? null) : null;
}

export function nativeStatus(): NativeStatus {
  const native = loadNative();
  if (!native) return { loaded: false, active: false, reason: loadError };
  const info = native.info();
  return { loaded: true, active: activeNative() !== null, isa: info.isa, threads: info.threads };
}

// ----------------------------------------------------------------------------------------------
// Helpers for nn/ modules that work on tensors in place (optimiser steps).

/** The wasm backend when native kernels are active. */
export function wasmBackend(): WasmBackend | null {
  return activeNative() ? (tf.backend() as unknown as WasmBackend) : null;
}

/** Byte offset of a float32 tensor in the wasm memory, or null when it is not a plain float32 wasm tensor. */
export function floatOffset(backend: WasmBackend, t: tf.Tensor): number | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const d = backend.dataIdMap.get(t.dataId);
  return d && d.dtype === 'float32' && d.memoryOffset != null ? d.memoryOffset : null;
}

/** True when nothing but `t` refers to its memory, so it may be written in place. */
export function ownsMemory(backend: WasmBackend, t: tf.Tensor): boolean {
  const d = backend.dataIdMap.get(t.dataId);
  return d !== undefined && d.refCount === 1;
}

export { heapOf };

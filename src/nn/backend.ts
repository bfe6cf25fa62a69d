/**
 * The seam over TensorFlow.js. This folder is the only place that imports it: the rest of the
 * project reaches tensors through `tf` re-exported here, so that a faster kernel or backend can be
 * registered in one place.
 *
 * In Node we use the WebAssembly backend (tfjs-node cannot be installed offline), with the native
 * kernels of nn/native.ts registered on it when the optional addon is built; the pure-JS `cpu`
 * backend is the fallback, and browsers may pick WebGL or WebGPU.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installNativeKernels } from './native.js';

export { tf };
export type Tensor = tf.Tensor;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Variable = tf.Variable;

export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';
export const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

let initialised: Promise<BackendName> | null = null;

function silenceTfjsBanner(): void {
  // The union bundle prints an advert for tfjs-node on first use in Node; it is noise for our users.
  const env = tf.env();
  if (env.getBool('IS_NODE')) {
    try {
      env.set('PROD', true);
    } catch {
      /* flag not registered in this build */
    }
  }
}

/**
 * Selects and initialises a backend once per process. Later calls return the same choice unless a
 * different backend is named explicitly.
 */
export async function initBackend(name?: BackendName): Promise<BackendName> {
  if (name !== undefined && !BACKENDS.includes(name)) {
    throw new RangeError(`backend: "${String(name)}" is not one of ${BACKENDS.join(', ')}`);
  }
  const wanted = name ?? (process.env['GOODHART_BACKEND'] as BackendName | undefined) ?? 'wasm';
  if (initialised && (name === undefined || tf.getBackend() === wanted)) return initialised;
  initialised = (async () => {
    silenceTfjsBanner();
    const ok = await tf.setBackend(wanted).catch(() => false);
    if (!ok) {
      if (wanted === 'cpu') throw new Error('backend: could not initialise the cpu backend');
      await tf.setBackend('cpu');
    }
    await tf.ready();
    // Native GEMM and fused kernels for the wasm backend when the optional addon is built
    // (GOODHART_NATIVE=0 keeps TensorFlow.js's own kernels).
    if (tf.getBackend() === 'wasm') installNativeKernels();
    return tf.getBackend() as BackendName;
  })();
  return initialised;
}

export function currentBackend(): string {
  return tf.getBackend();
}

/** The slice of the wasm backend and of kernel arguments that our JavaScript kernels use. */
import type { tf } from './backend.js';

/** Allocates outputs and views tensors in the wasm heap (re-read views after every allocation). */
export interface Heap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

export interface Args {
  inputs: Record<string, tf.TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

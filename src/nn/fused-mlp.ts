/**
 * One MLP's parameter gradients in one native call (native/src/ppo.cc, mlp_grads), for a loss
 * whose head is small: the native code runs the forward pass, hands the outputs to a JavaScript
 * function that returns d loss / d outputs (typically from a few TensorFlow.js ops on a vector),
 * and runs the backward pass. The layers use the same products as the dense kernel, and the
 * activation gradient is TensorFlow.js's, so the gradients equal those of building the whole
 * loss from TensorFlow.js ops, bit for bit (test/nn/fused-mlp.test.ts), at a fraction of the
 * kernel launches. Only while the native kernels are active and the fused steps enabled.
 */
import { tf, type Tensor } from './backend.js';
import type { DenseActivation } from './dense.js';
import { fusedPpoEnabled, type FusedLayerNames } from './fused-ppo.js';
import { activeNative, floatOffset, heapOf, NATIVE_ACT, wasmBackend } from './native.js';
import type { Grads } from './optim.js';
import type { ParamSet } from './params.js';

export interface FusedMlp {
  /** Activation after every layer but the last (which is linear). */
  activation: DenseActivation;
  leakySlope: number;
  layers: FusedLayerNames[];
}

export class FusedMlpGrads {
  /** Gradients of the last step, keyed by parameter name (owned here: do not dispose). */
  readonly grads: Grads = new Map();

  private constructor(
    private readonly net: FusedMlp,
    private readonly params: ParamSet,
  ) {
    for (const { weight, bias } of net.layers) {
      for (const name of [weight, bias]) this.grads.set(name, tf.keep(tf.zerosLike(params.get(name))));
    }
  }

  static create(net: FusedMlp, params: ParamSet): FusedMlpGrads | null {
    const native = activeNative();
    if (!fusedPpoEnabled() || !native || typeof native.mlpGrads !== 'function') return null;
    return new FusedMlpGrads(net, params);
  }

  /**
   * Gradients for the rows `rows` of `features` [size × in] into `grads`. `lossGrad` receives the
   * outputs [rows × out] and returns d loss / d outputs of the same length.
   */
  step(features: Float32Array, rows: Int32Array, lossGrad: (outputs: Float32Array) => Float32Array): void {
    const native = activeNative();
    const backend = wasmBackend();
    if (!native || !backend) throw new Error('fused MLP step: the native kernels are no longer active');
    const { layers, activation, leakySlope } = this.net;
    const layout = new Float64Array(3 + 6 * layers.length);
    layout.set([NATIVE_ACT[activation], activation === 'leaky_relu' ? leakySlope : 0, layers.length]);
    let o = 3;
    const off = (t: Tensor, name: string) => {
      const v = floatOffset(backend, t);
      if (v === null) throw new Error(`fused MLP step: "${name}" is not a float32 wasm tensor`);
      return v;
    };
    for (const { weight, bias } of layers) {
      const w = this.params.get(weight);
      layout.set([off(w, weight), off(this.params.get(bias), bias), off(this.grads.get(weight)!, weight), off(this.grads.get(bias)!, bias), w.shape[0]!, w.shape[1]!], o);
      o += 6;
    }
    native.mlpGrads(heapOf(backend), layout, features, rows, lossGrad);
  }

  dispose(): void {
    for (const g of this.grads.values()) g.dispose();
    this.grads.clear();
  }
}

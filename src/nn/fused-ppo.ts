/**
 * PPO's minibatch step for an MLP actor-critic with a categorical policy as one native call
 * (native/src/ppo.cc): forward pass, the loss of algos/ppo/loss.ts and every parameter's
 * gradient. It gives the same numbers as building that loss from TensorFlow.js ops with our
 * dense and categorical kernels, bit for bit, without the ~100 kernel launches per minibatch
 * that dominate the learner's time on small networks (test/nn/fused-ppo.test.ts compares whole
 * training runs both ways).
 *
 * Acting in rollouts has the same shortcut (NativeActorCriticForward). Both are used only while
 * the native kernels are active; GOODHART_FUSED_PPO=0 (or setFusedPpoEnabled) turns them off,
 * and everything then runs through TensorFlow.js ops.
 */
import { tf, type Tensor } from './backend.js';
import type { DenseActivation } from './dense.js';
import { categoricalLogProbRows } from './fused.js';
import { activeNative, floatOffset, heapOf, NATIVE_ACT, wasmBackend } from './native.js';
import type { Grads } from './optim.js';
import type { ParamSet } from './params.js';

/** A dense layer by the names of its parameters in a ParamSet. */
export interface FusedLayerNames {
  weight: string;
  bias: string;
}

export interface FusedPpoNetwork {
  obsDim: number;
  /** Policy outputs: the distribution's parameters (the logits, for a categorical policy). */
  outputs: number;
  /** Activation of every hidden layer (outputs are linear). */
  activation: DenseActivation;
  leakySlope: number;
  /** The value head sits on the policy's last hidden layer (value = that one layer), else value is its own MLP. */
  shared: boolean;
  policy: FusedLayerNames[];
  value: FusedLayerNames[];
}

/** A rollout batch, row-major; minibatches are lists of its rows. */
export interface FusedPpoBatch {
  obs: Float32Array;
  actions: Float32Array;
  oldLogits: Float32Array;
  advantages: Float32Array;
  targets: Float32Array;
}

export interface FusedPpoCoefficients {
  clipParam: number;
  vfLossCoeff: number;
  vfClipParam: number | null;
  entropyCoeff: number;
  klCoeff: number;
}

/** Float32 values of the loss terms, as the TensorFlow.js loss reports them. */
export interface FusedPpoStats {
  policyLoss: number;
  vfLoss: number;
  kl: number;
  entropy: number;
  total: number;
}

type Backend = NonNullable<ReturnType<typeof wasmBackend>>;

function requireNative(what: string): { native: NonNullable<ReturnType<typeof activeNative>>; backend: Backend } {
  const native = activeNative();
  const backend = wasmBackend();
  if (!native || !backend) throw new Error(`${what}: the native kernels are no longer active`);
  return { native, backend };
}

function offsetOf(backend: Backend, t: Tensor, name: string): number {
  const off = floatOffset(backend, t);
  if (off === null) throw new Error(`native actor-critic: parameter "${name}" is not a float32 wasm tensor`);
  return off;
}

/**
 * The layout the native kernels read (native/src/addon.cc, read_net). Offsets are looked up on
 * every call: assigning a parameter (loading a checkpoint) moves it in the wasm memory.
 */
function networkLayout(backend: Backend, net: FusedPpoNetwork, params: ParamSet, grads: Grads | null): Float64Array {
  const layers = [...net.policy, ...net.value];
  const layout = new Float64Array(7 + 6 * layers.length);
  const alpha = net.activation === 'leaky_relu' ? net.leakySlope : 0;
  layout.set([net.obsDim, net.outputs, ACTIVATION_CODES[net.activation], alpha, net.shared ? 1 : 0, net.policy.length, net.value.length]);
  let o = 7;
  for (const { weight, bias } of layers) {
    const w = params.get(weight);
    layout[o++] = offsetOf(backend, w, weight);
    layout[o++] = offsetOf(backend, params.get(bias), bias);
    layout[o++] = grads ? offsetOf(backend, grads.get(weight)!, weight) : -1;
    layout[o++] = grads ? offsetOf(backend, grads.get(bias)!, bias) : -1;
    layout[o++] = w.shape[0]!;
    layout[o++] = w.shape[1]!;
  }
  return layout;
}

/**
 * The actor-critic's forward pass on plain arrays in one native call (no tensors, no engine):
 * the same products as the dense kernel, so the same numbers as the TensorFlow.js forward pass.
 * For acting in rollouts, where the per-kernel overhead of a tiny batch dominates.
 */
export class NativeActorCriticForward {
  private constructor(
    private readonly net: FusedPpoNetwork,
    private readonly params: ParamSet,
  ) {}

  static create(net: FusedPpoNetwork, params: ParamSet): NativeActorCriticForward | null {
    if (!enabled) return null;
    const native = activeNative();
    if (!native || typeof native.actorCriticForward !== 'function') return null;
    return new NativeActorCriticForward(net, params);
  }

  /** Policy outputs [rows × outputs] and values [rows] for `rows` observations. */
  forward(obs: Float32Array, rows: number): { outputs: Float32Array; values: Float32Array } {
    const { native, backend } = requireNative('native actor-critic forward');
    const outputs = new Float32Array(rows * this.net.outputs);
    const values = new Float32Array(rows);
    if (rows === 0) return { outputs, values };
    const input = obs.length === rows * this.net.obsDim ? obs : obs.subarray(0, rows * this.net.obsDim);
    native.actorCriticForward(heapOf(backend), networkLayout(backend, this.net, this.params, null), input, outputs, values);
    return { outputs, values };
  }
}

let enabled = !['0', 'false', 'off', 'no'].includes((process.env['GOODHART_FUSED_PPO'] ?? '').trim().toLowerCase());

/** Turns the fused step on or off for this process (tests and benchmarks compare both paths). */
export function setFusedPpoEnabled(on: boolean): void {
  enabled = on;
}

export function fusedPpoEnabled(): boolean {
  return enabled;
}

const ACTIVATION_CODES: Record<DenseActivation, number> = {
  tanh: NATIVE_ACT.tanh,
  relu: NATIVE_ACT.relu,
  leaky_relu: NATIVE_ACT.leaky_relu,
  linear: NATIVE_ACT.linear,
};

export class FusedCategoricalPpo {
  /** Gradients of the last step, keyed by parameter name (owned here: do not dispose). */
  readonly grads: Grads = new Map();
  private readonly statsOut = new Float64Array(5);
  private oldLogp = new Float32Array(0);

  private constructor(
    private readonly net: FusedPpoNetwork,
    private readonly params: ParamSet,
  ) {
    for (const { weight, bias } of [...net.policy, ...net.value]) {
      for (const name of [weight, bias]) {
        const p = params.get(name);
        this.grads.set(name, tf.keep(tf.zerosLike(p)));
      }
    }
  }

  /** The fused step for this network, or null when the native kernels are not active or it is disabled. */
  static create(net: FusedPpoNetwork, params: ParamSet): FusedCategoricalPpo | null {
    if (!enabled) return null;
    const native = activeNative();
    if (!native || typeof native.ppoCategoricalGrads !== 'function') return null;
    return new FusedCategoricalPpo(net, params);
  }

  /** Prepares a batch: log π_old(a) per row, computed as the TensorFlow.js path computes it. */
  setBatch(batch: FusedPpoBatch): void {
    const size = batch.actions.length;
    if (this.oldLogp.length !== size) this.oldLogp = new Float32Array(size);
    categoricalLogProbRows(batch.oldLogits, batch.actions, size, this.net.outputs, this.oldLogp);
  }

  /** Loss terms of the minibatch `rows` and, in `grads`, the gradient of the total loss. */
  step(batch: FusedPpoBatch, rows: Int32Array, c: FusedPpoCoefficients): FusedPpoStats {
    const { native, backend } = requireNative('fused PPO step');
    if (this.oldLogp.length !== batch.actions.length) throw new Error('fused PPO step: call setBatch with this batch first');
    const layout = networkLayout(backend, this.net, this.params, this.grads);
    const coeffs = Float64Array.of(c.clipParam, c.vfLossCoeff, c.vfClipParam ?? NaN, c.entropyCoeff, c.klCoeff);
    native.ppoCategoricalGrads(heapOf(backend), layout, batch.obs, batch.actions, batch.oldLogits, this.oldLogp, batch.advantages, batch.targets, rows, coeffs, this.statsOut);
    const s = this.statsOut;
    return { policyLoss: s[0]!, vfLoss: s[1]!, kl: s[2]!, entropy: s[3]!, total: s[4]! };
  }

  dispose(): void {
    for (const g of this.grads.values()) g.dispose();
    this.grads.clear();
  }
}

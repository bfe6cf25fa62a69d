/**
 * The PPO policy: an MLP producing action-distribution parameters and a value estimate, laid out
 * as RLlib's FullyConnectedNetwork (tanh trunk, normc initialisation, value head either on the
 * shared trunk or on a separate MLP of the same shape).
 */
import { tf, Mlp, Lstm, ParamSet, makeDistribution, initWeight, initBias, dense, type Activation, type ActionDistribution, type DistSpec, NativeActorCriticForward, type FusedPpoNetwork, type Tensor2D, type Tensor1D } from '../nn/index.js';
import type { Rng } from '../util/rng.js';

export interface ActorCriticConfig {
  hidden: number[];
  activation: Activation;
  /** Value head on the policy's trunk (true) or on a separate MLP of the same shape (false). */
  vfShareLayers: boolean;
  /** A recurrent encoder over a history observation; the heads then sit on its last hidden state. */
  lstm?: { layers: number; hidden: number; layout: 'feature-major' | 'step-major'; features: number };
  /** Multiplies the initial action-head weights (the paper's glucose model uses 0.1). */
  actionHeadScale?: number;
}

export interface PolicyOutputs {
  distParams: Tensor2D;
  values: Tensor1D;
}

export class ActorCritic {
  readonly params = new ParamSet();
  readonly dist: ActionDistribution;
  private readonly pi: Mlp;
  private readonly vf: Mlp | null;
  private readonly sharedValueW: Tensor2D | null;
  private readonly sharedValueB: Tensor1D | null;
  private readonly encoder: Lstm | null;

  constructor(
    readonly obsDim: number,
    readonly distSpec: DistSpec,
    readonly config: ActorCriticConfig,
    rng: Rng,
  ) {
    this.dist = makeDistribution(distSpec);
    const hiddenInit = { kind: 'normc', std: 1 } as const;
    const headInit = { kind: 'normc', std: 0.01 * (config.actionHeadScale ?? 1) } as const;
    const valueInit = { kind: 'normc', std: 0.01 } as const;
    let inputDim = obsDim;
    this.encoder = null;
    if (config.lstm) {
      const { features, layers, hidden } = config.lstm;
      if (obsDim % features !== 0) throw new RangeError(`model.lstm.features: ${features} does not divide the observation size ${obsDim}`);
      if (!config.vfShareLayers) throw new RangeError('model.vfShareLayers: an LSTM policy shares its encoder with the value head; set it to true');
      this.encoder = new Lstm({ inputSize: features, hidden, layers }, this.params, 'lstm', rng);
      inputDim = hidden;
    }
    this.pi = new Mlp(
      { inputDim, hidden: config.hidden, outputDim: this.dist.paramDim, activation: config.activation, hiddenInit, outputInit: headInit },
      this.params,
      'pi',
      rng,
    );
    if (config.vfShareLayers) {
      const width = config.hidden.length ? config.hidden[config.hidden.length - 1]! : inputDim;
      this.vf = null;
      this.sharedValueW = this.params.add('value_head.weight', [width, 1], initWeight(rng, width, 1, valueInit)) as unknown as Tensor2D;
      this.sharedValueB = this.params.add('value_head.bias', [1], initBias(rng, width, 1, valueInit)) as unknown as Tensor1D;
    } else {
      this.vf = new Mlp(
        { inputDim: obsDim, hidden: config.hidden, outputDim: 1, activation: config.activation, hiddenInit, outputInit: valueInit },
        this.params,
        'vf',
        rng,
      );
      this.sharedValueW = null;
      this.sharedValueB = null;
    }
  }

  /** Distribution parameters and value estimates for a batch of flat observations. */
  forward(obs: Tensor2D): PolicyOutputs {
    const x = this.encode(obs);
    const h = this.pi.trunk(x);
    const distParams = this.pi.head(h);
    const v = this.vf ? this.vf.apply(obs) : dense(h, this.sharedValueW!, this.sharedValueB!);
    return { distParams, values: tf.reshape(v, [-1]) as Tensor1D };
  }

  /** Distribution parameters only (skips the separate value network). */
  distParams(obs: Tensor2D): Tensor2D {
    return this.pi.apply(this.encode(obs));
  }

  /** The LSTM's last hidden state over the history, or the observation itself for an MLP policy. */
  private encode(obs: Tensor2D): Tensor2D {
    if (!this.encoder) return obs;
    const { features, layout } = this.config.lstm!;
    const n = obs.shape[0];
    const steps = this.obsDim / features;
    const seq = layout === 'feature-major' ? tf.transpose(tf.reshape(obs, [n, features, steps]), [0, 2, 1]) : tf.reshape(obs, [n, steps, features]);
    return this.encoder.lastHidden(seq as tf.Tensor3D);
  }

  /** The network as plain dense layers for the native kernels (nn/fused-ppo.ts), or null for an LSTM policy. */
  denseNetwork(): FusedPpoNetwork | null {
    if (this.encoder) return null;
    const layers = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ weight: `${prefix}.${i}.weight`, bias: `${prefix}.${i}.bias` }));
    const depth = this.config.hidden.length + 1;
    return {
      obsDim: this.obsDim,
      outputs: this.dist.paramDim,
      activation: this.config.activation,
      leakySlope: 0.01,
      shared: this.vf === null,
      policy: layers('pi', depth),
      value: this.vf ? layers('vf', depth) : [{ weight: 'value_head.weight', bias: 'value_head.bias' }],
    };
  }

  /** The network for the fused PPO step, which handles categorical MLP policies only. */
  fusedNetwork(): FusedPpoNetwork | null {
    return this.dist.kind === 'categorical' ? this.denseNetwork() : null;
  }

  /** The native forward pass on plain arrays when available (created once). */
  private nativeForward(): NativeActorCriticForward | null {
    if (this.native === undefined) {
      const net = this.denseNetwork();
      this.native = net ? NativeActorCriticForward.create(net, this.params) : null;
    }
    return this.native;
  }

  private native: NativeActorCriticForward | null | undefined;

  /** Distribution parameters and values for plain observations, as arrays. */
  private forwardArrays(obs: Float32Array, n: number): { distParams: Float32Array; values: Float32Array } {
    const native = this.nativeForward();
    if (native) {
      const { outputs, values } = native.forward(obs, n);
      return { distParams: outputs, values };
    }
    return tf.tidy(() => {
      const out = this.forward(tf.tensor2d(obs, [n, this.obsDim]));
      return { distParams: out.distParams.dataSync() as Float32Array, values: out.values.dataSync() as Float32Array };
    });
  }

  /** Values only, for bootstrapping. */
  values(obs: Float32Array, n: number): Float32Array {
    if (n === 0) return new Float32Array(0);
    return this.forwardArrays(obs, n).values;
  }

  /**
   * Chooses actions for `n` observations: sampled with `rng`, or the mode when `deterministic`.
   * Returns the actions [n × actionDim], the distribution parameters [n × paramDim] and the values.
   */
  act(obs: Float32Array, n: number, rng: Rng, deterministic = false): { actions: Float32Array; distParams: Float32Array; values: Float32Array } {
    const { distParams, values } = this.forwardArrays(obs, n);
    const actions = new Float32Array(n * this.dist.actionDim);
    for (let i = 0; i < n; i++) {
      if (deterministic) this.dist.modeInto(distParams, i, actions, i * this.dist.actionDim);
      else this.dist.sampleInto(distParams, i, rng, actions, i * this.dist.actionDim);
    }
    return { actions, distParams, values };
  }

  dispose(): void {
    this.encoder?.dispose();
    this.params.dispose();
  }
}

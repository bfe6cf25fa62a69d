/**
 * The PPO policy: an MLP producing action-distribution parameters and a value estimate, laid out
 * as RLlib's FullyConnectedNetwork (tanh trunk, normc initialisation, value head either on the
 * shared trunk or on a separate MLP of the same shape).
 */
import { tf, Mlp, ParamSet, makeDistribution, initWeight, initBias, dense, type Activation, type ActionDistribution, type DistSpec, type Tensor2D, type Tensor1D } from '../nn/index.js';
import type { Rng } from '../util/rng.js';

export interface ActorCriticConfig {
  hidden: number[];
  activation: Activation;
  /** Value head on the policy's trunk (true) or on a separate MLP of the same shape (false). */
  vfShareLayers: boolean;
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

  constructor(
    readonly obsDim: number,
    readonly distSpec: DistSpec,
    readonly config: ActorCriticConfig,
    rng: Rng,
  ) {
    this.dist = makeDistribution(distSpec);
    const hiddenInit = { kind: 'normc', std: 1 } as const;
    const headInit = { kind: 'normc', std: 0.01 } as const;
    this.pi = new Mlp(
      { inputDim: obsDim, hidden: config.hidden, outputDim: this.dist.paramDim, activation: config.activation, hiddenInit, outputInit: headInit },
      this.params,
      'pi',
      rng,
    );
    if (config.vfShareLayers) {
      const width = config.hidden.length ? config.hidden[config.hidden.length - 1]! : obsDim;
      this.vf = null;
      this.sharedValueW = this.params.add('value_head.weight', [width, 1], initWeight(rng, width, 1, headInit)) as unknown as Tensor2D;
      this.sharedValueB = this.params.add('value_head.bias', [1], initBias(rng, width, 1, headInit)) as unknown as Tensor1D;
    } else {
      this.vf = new Mlp(
        { inputDim: obsDim, hidden: config.hidden, outputDim: 1, activation: config.activation, hiddenInit, outputInit: headInit },
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
    const h = this.pi.trunk(obs);
    const distParams = this.pi.head(h);
    const v = this.vf ? this.vf.apply(obs) : dense(h, this.sharedValueW!, this.sharedValueB!);
    return { distParams, values: tf.reshape(v, [-1]) as Tensor1D };
  }

  /** Distribution parameters only (skips the separate value network). */
  distParams(obs: Tensor2D): Tensor2D {
    return this.pi.apply(obs);
  }

  /** Values only, for bootstrapping. */
  values(obs: Float32Array, n: number): Float32Array {
    if (n === 0) return new Float32Array(0);
    return tf.tidy(() => this.forward(tf.tensor2d(obs, [n, this.obsDim])).values.dataSync() as Float32Array);
  }

  /**
   * Chooses actions for `n` observations: sampled with `rng`, or the mode when `deterministic`.
   * Returns the actions [n × actionDim], the distribution parameters [n × paramDim] and the values.
   */
  act(obs: Float32Array, n: number, rng: Rng, deterministic = false): { actions: Float32Array; distParams: Float32Array; values: Float32Array } {
    const [distParams, values] = tf.tidy(() => {
      const out = this.forward(tf.tensor2d(obs, [n, this.obsDim]));
      return [out.distParams.dataSync() as Float32Array, out.values.dataSync() as Float32Array];
    });
    const actions = new Float32Array(n * this.dist.actionDim);
    for (let i = 0; i < n; i++) {
      if (deterministic) this.dist.modeInto(distParams, i, actions, i * this.dist.actionDim);
      else this.dist.sampleInto(distParams, i, rng, actions, i * this.dist.actionDim);
    }
    return { actions, distParams, values };
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Multi-layer perceptrons built from our dense op, with seeded initialisation. */
import { tf, type Tensor2D, type Tensor1D } from './backend.js';
import { dense, denseAct, applyActivation, type DenseActivation } from './dense.js';
import { initBias, initWeight, type Initializer } from './init.js';
import type { ParamSet } from './params.js';
import type { Rng } from '../util/rng.js';

export type Activation = DenseActivation;
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'leaky_relu', 'linear'];

export interface MlpConfig {
  inputDim: number;
  hidden: number[];
  outputDim: number;
  activation: Activation;
  /** Slope of LeakyReLU for negative inputs (PyTorch's default is 0.01). */
  leakySlope?: number;
  hiddenInit: Initializer;
  outputInit: Initializer;
}

export { applyActivation };

export class Mlp {
  private readonly weights: Tensor2D[] = [];
  private readonly biases: Tensor1D[] = [];

  constructor(
    readonly config: MlpConfig,
    params: ParamSet,
    prefix: string,
    rng: Rng,
  ) {
    if (!ACTIVATIONS.includes(config.activation)) {
      throw new RangeError(`activation: "${config.activation}" is not one of ${ACTIVATIONS.join(', ')}`);
    }
    const dims = [config.inputDim, ...config.hidden, config.outputDim];
    for (let i = 0; i + 1 < dims.length; i++) {
      const fanIn = dims[i]!;
      const fanOut = dims[i + 1]!;
      const init = i + 2 === dims.length ? config.outputInit : config.hiddenInit;
      this.weights.push(params.add(`${prefix}.${i}.weight`, [fanIn, fanOut], initWeight(rng, fanIn, fanOut, init)) as tf.Variable as unknown as Tensor2D);
      this.biases.push(params.add(`${prefix}.${i}.bias`, [fanOut], initBias(rng, fanIn, fanOut, init)) as tf.Variable as unknown as Tensor1D);
    }
  }

  /** Hidden features only (the input of the output layer). */
  trunk(x: Tensor2D): Tensor2D {
    let h = x;
    for (let i = 0; i + 1 < this.weights.length; i++) {
      h = denseAct(h, this.weights[i]!, this.biases[i]!, this.config.activation, this.config.leakySlope);
    }
    return h;
  }

  /** Applies only the output layer to trunk features. */
  head(h: Tensor2D): Tensor2D {
    const last = this.weights.length - 1;
    return dense(h, this.weights[last]!, this.biases[last]!);
  }

  apply(x: Tensor2D): Tensor2D {
    return this.head(this.trunk(x));
  }
}

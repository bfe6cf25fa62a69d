/**
 * A stacked LSTM over a fixed-length sequence, PyTorch's gate layout (input, forget, cell, output)
 * and initialisation (uniform ±1/√hidden). Used by the glucose policy, which reads its 48-step
 * [CGM, insulin] history as a sequence and acts from the last hidden state.
 */
import { tf, type Tensor2D, type Tensor1D } from './backend.js';
import { dense } from './dense.js';
import type { ParamSet } from './params.js';
import type { Rng } from '../util/rng.js';

export interface LstmConfig {
  inputSize: number;
  hidden: number;
  layers: number;
}

export class Lstm {
  private readonly wx: Tensor2D[] = [];
  private readonly wh: Tensor2D[] = [];
  private readonly b: Tensor1D[] = [];
  private readonly zeroBias: Tensor1D;

  constructor(
    readonly config: LstmConfig,
    params: ParamSet,
    prefix: string,
    rng: Rng,
  ) {
    const { hidden, layers } = config;
    const bound = 1 / Math.sqrt(hidden);
    const uniform = (n: number) => {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * bound;
      return a;
    };
    for (let l = 0; l < layers; l++) {
      const inSize = l === 0 ? config.inputSize : hidden;
      this.wx.push(params.add(`${prefix}.${l}.weight_ih`, [inSize, 4 * hidden], uniform(inSize * 4 * hidden)) as unknown as Tensor2D);
      this.wh.push(params.add(`${prefix}.${l}.weight_hh`, [hidden, 4 * hidden], uniform(hidden * 4 * hidden)) as unknown as Tensor2D);
      // PyTorch keeps two bias vectors whose sum is all that matters; one of twice the spread is equivalent in use.
      const bi = uniform(4 * hidden);
      const bh = uniform(4 * hidden);
      for (let i = 0; i < bi.length; i++) bi[i]! += bh[i]!;
      this.b.push(params.add(`${prefix}.${l}.bias`, [4 * hidden], bi) as unknown as Tensor1D);
    }
    this.zeroBias = tf.keep(tf.zeros([4 * hidden])) as Tensor1D;
  }

  /**
   * Runs the stack over `x` of shape [batch, steps, inputSize] and returns the last layer's final
   * hidden state [batch, hidden]. Initial states are zero.
   */
  lastHidden(x: tf.Tensor3D): Tensor2D {
    const [n, steps] = x.shape;
    const H = this.config.hidden;
    let seq: tf.Tensor3D = x;
    let last: Tensor2D | null = null;
    for (let l = 0; l < this.config.layers; l++) {
      const inSize = seq.shape[2];
      // The input projection of every step at once: one large GEMM instead of `steps` small ones.
      const proj = tf.reshape(dense(tf.reshape(seq, [n * steps, inSize]) as Tensor2D, this.wx[l]!, this.b[l]!), [n, steps, 4 * H]);
      let h = tf.zeros([n, H]) as Tensor2D;
      let c = tf.zeros([n, H]) as Tensor2D;
      const outs: Tensor2D[] = [];
      for (let t = 0; t < steps; t++) {
        const xt = tf.reshape(tf.slice(proj, [0, t, 0], [n, 1, 4 * H]), [n, 4 * H]);
        const gates = tf.add(xt, dense(h, this.wh[l]!, this.zeroBias));
        const [gi, gf, gg, go] = tf.split(gates, 4, 1) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D];
        c = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
        h = tf.mul(tf.sigmoid(go), tf.tanh(c));
        outs.push(h);
      }
      last = h;
      seq = l + 1 < this.config.layers ? (tf.stack(outs, 1) as tf.Tensor3D) : seq;
    }
    return last!;
  }

  dispose(): void {
    this.zeroBias.dispose();
  }
}

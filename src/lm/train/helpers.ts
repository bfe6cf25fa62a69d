/**
 * Small pieces the reward-model and PPO trainers build on: reading the hidden state at each
 * sequence's last real token (where a reward model's scalar head reads), and training only the top
 * blocks of a model (trlX's num_layers_unfrozen).
 */
import { tf, type Grads, type ParamSet, type Tensor } from '../../nn/index.js';
import type { GptNeoXConfig } from '../model/config.js';
import type { PackedBatch } from './batch.js';

/** Column of each row's last real token in a packed batch (prompt + response, or the prompt alone if the response is empty). */
export function lastTokenColumns(packed: PackedBatch): Int32Array {
  return Int32Array.from(packed.responseLengths, (len) => packed.promptLength + len - 1);
}

/**
 * hidden[b, columns[b], :] for every row, [B, hidden], differentiable. A one-hot weighted sum
 * rather than a gather: the wasm backend has no kernel for gather's gradient.
 */
export function hiddenAt(hidden: tf.Tensor3D, columns: Int32Array): tf.Tensor2D {
  const [B, L] = hidden.shape;
  if (columns.length !== B) throw new RangeError(`hiddenAt: ${columns.length} columns for ${B} rows`);
  return tf.tidy(() => {
    const pick = new Float32Array(B * L);
    columns.forEach((c, b) => {
      if (!(c >= 0 && c < L)) throw new RangeError(`hiddenAt: column ${c} outside [0, ${L})`);
      pick[b * L + c] = 1;
    });
    return tf.sum(tf.mul(hidden, tf.tensor3d(pick, [B, L, 1])), 1) as tf.Tensor2D;
  });
}

/**
 * Names of the parameters in the top `n` blocks plus the final layer norm and the LM head: what
 * trains when only the top n layers are unfrozen (n ≥ numHiddenLayers: every parameter).
 */
export function unfrozenParamNames(config: GptNeoXConfig, params: ParamSet, n: number): string[] {
  if (n >= config.numHiddenLayers) return params.names();
  const first = config.numHiddenLayers - n;
  const layerOf = (name: string): number | null => {
    const m = /^gpt_neox\.layers\.(\d+)\./.exec(name);
    return m ? Number(m[1]) : null;
  };
  return params.names().filter((name) => {
    const l = layerOf(name);
    if (l !== null) return l >= first;
    return name.startsWith('gpt_neox.final_layer_norm.') || name === 'embed_out.weight';
  });
}

/** Like nn's valueAndGrads, but differentiating only the named parameters (the rest stay frozen). */
export function valueAndGradsFor(params: ParamSet, names: readonly string[], lossFn: () => Tensor): { loss: number; grads: Grads } {
  const vars = names.map((n) => params.get(n));
  const { value, grads } = tf.variableGrads(lossFn as () => tf.Scalar, vars);
  const out: Grads = new Map();
  names.forEach((n, i) => {
    const g = grads[vars[i]!.name];
    if (g) out.set(n, g);
  });
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { loss, grads: out };
}

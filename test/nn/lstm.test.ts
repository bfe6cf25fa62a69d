import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/nn/backend.js';
import { Lstm } from '../../src/nn/lstm.js';
import { ParamSet } from '../../src/nn/params.js';
import { valueAndGrads } from '../../src/nn/optim.js';
import { ActorCritic } from '../../src/policies/actor-critic.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose } from './helpers.js';

before(async () => {
  await initBackend();
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The LSTM recurrence written out with loops, gate order i, f, g, o (PyTorch's). */
function referenceLstm(x: number[][][], params: ParamSet, layers: number, H: number): number[][] {
  let seq = x;
  for (let l = 0; l < layers; l++) {
    const wx = params.get(`lstm.${l}.weight_ih`).dataSync();
    const wh = params.get(`lstm.${l}.weight_hh`).dataSync();
    const b = params.get(`lstm.${l}.bias`).dataSync();
    const inSize = seq[0]![0]!.length;
    seq = seq.map((steps) => {
      let h = new Array<number>(H).fill(0);
      let c = new Array<number>(H).fill(0);
      const outs: number[][] = [];
      for (const xt of steps) {
        const g = new Array<number>(4 * H).fill(0);
        for (let j = 0; j < 4 * H; j++) {
          let s = b[j]!;
          for (let i = 0; i < inSize; i++) s += xt[i]! * wx[i * 4 * H + j]!;
          for (let i = 0; i < H; i++) s += h[i]! * wh[i * 4 * H + j]!;
          g[j] = s;
        }
        c = c.map((cv, k) => sigmoid(g[H + k]!) * cv + sigmoid(g[k]!) * Math.tanh(g[2 * H + k]!));
        h = c.map((cv, k) => sigmoid(g[3 * H + k]!) * Math.tanh(cv));
        outs.push(h);
      }
      return outs;
    });
  }
  return seq.map((steps) => steps[steps.length - 1]!);
}

test('a two-layer LSTM matches the recurrence written out by hand', () => {
  const params = new ParamSet();
  const lstm = new Lstm({ inputSize: 2, hidden: 3, layers: 2 }, params, 'lstm', new Rng(5));
  const rng = new Rng(9);
  const x = [0, 1].map(() => Array.from({ length: 4 }, () => [rng.normal(), rng.normal()]));
  const got = tf.tidy(() => lstm.lastHidden(tf.tensor3d(x)).arraySync() as number[][]);
  assertAllClose(got.flat(), referenceLstm(x, params, 2, 3).flat(), 1e-5);
  lstm.dispose();
  params.dispose();
});

test('an LSTM actor-critic reads a feature-major history, and every weight receives a gradient', () => {
  const model = { hidden: [], activation: 'tanh' as const, vfShareLayers: true, lstm: { layers: 2, hidden: 8, layout: 'feature-major' as const, features: 2 }, actionHeadScale: 0.1 };
  const ac = new ActorCritic(2 * 6, { kind: 'beta', size: 1, low: 0, high: 0.1 }, model, new Rng(1));
  // Feature-major: the first 6 values are CGM, the last 6 insulin. Reordering steps must matter.
  const obs = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
  const shuffled = Float32Array.from(obs);
  [shuffled[0], shuffled[5]] = [shuffled[5]!, shuffled[0]!];
  const a = tf.tidy(() => ac.forward(tf.tensor2d(obs, [1, 12])).distParams.dataSync());
  const b = tf.tidy(() => ac.forward(tf.tensor2d(shuffled, [1, 12])).distParams.dataSync());
  assert.equal(a.length, 2);
  assert.notDeepEqual([...a], [...b]);
  const { grads } = valueAndGrads(ac.params, () => {
    const out = ac.forward(tf.tensor2d(obs, [1, 12]));
    return tf.add(tf.sum(out.distParams), tf.sum(out.values));
  });
  for (const name of ac.params.names()) {
    const g = grads.get(name);
    assert.ok(g, `no gradient for ${name}`);
    assert.ok(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!) > 0, `zero gradient for ${name}`);
  }
  ac.dispose();
});

test('an LSTM policy with a separate value network is refused with the field named', () => {
  assert.throws(
    () => new ActorCritic(12, { kind: 'categorical', size: 2 }, { hidden: [], activation: 'tanh', vfShareLayers: false, lstm: { layers: 1, hidden: 4, layout: 'step-major', features: 2 } }, new Rng(0)),
    /model\.vfShareLayers/,
  );
});

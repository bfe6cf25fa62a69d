import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, type Tensor1D } from '../../src/nn/index.js';
import { gradientSaliency, integratedGradients, occlusionSaliency, blurSaliency, blurBoard, batchFnOf, perChannel, type DifferentiableModel } from '../../src/interpret/index.js';
import { RewardModel, asDifferentiable, mlpRewardConfig, cnnRewardConfig } from '../../src/rewards/learned/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose, assertClose } from '../helpers.js';

/** f(x, y) = w·x + v·y + c. */
function linear(w: Float32Array, v: Float32Array, c: number): DifferentiableModel {
  return {
    inputSizes: [w.length, v.length],
    apply: ([x, y]) =>
      tf.tidy(() => tf.add(tf.add(tf.sum(tf.mul(x!, tf.tensor1d(w)), 1), tf.sum(tf.mul(y!, tf.tensor1d(v)), 1)), tf.scalar(c)) as Tensor1D),
  };
}

const randn = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

test("a linear model's gradient saliency is its weights, at any input", async () => {
  await initBackend();
  const rng = new Rng(1);
  const w = randn(rng, 12);
  const v = randn(rng, 5);
  const model = linear(w, v, 0.3);
  for (let trial = 0; trial < 3; trial++) {
    const [gx, gy] = gradientSaliency(model, [randn(rng, 12), randn(rng, 5)]);
    assertAllClose(gx!, w, 1e-6, 0, 'dx');
    assertAllClose(gy!, v, 1e-6, 0, 'dy');
  }
});

test('integrated gradients: exact x*w for a linear model; completeness for reward models (MLP and CNN)', async () => {
  await initBackend();
  const rng = new Rng(2);
  const w = randn(rng, 6);
  const v = randn(rng, 3);
  const x = randn(rng, 6);
  const y = randn(rng, 3);
  const [ax, ay] = integratedGradients(linear(w, v, -1), [x, y], { steps: 4 });
  assertAllClose(ax!, Array.from(x, (xi, i) => xi * w[i]!), 1e-5, 1e-5, 'x attributions');
  assertAllClose(ay!, Array.from(y, (yi, i) => yi * v[i]!), 1e-5, 1e-5, 'y attributions');

  for (const config of [mlpRewardConfig({ height: 4, width: 4, channels: 1 }), cnnRewardConfig({ height: 4, width: 4, channels: 2 })]) {
    const model = new RewardModel(config, 7);
    const d = asDifferentiable(model);
    const s = Float32Array.from({ length: model.obsDim }, () => (rng.uniform() < 0.4 ? 1 : 0));
    const next = Float32Array.from({ length: model.obsDim }, () => (rng.uniform() < 0.4 ? 1 : 0));
    const baseS = Float32Array.from({ length: model.obsDim }, () => 0.5 * rng.uniform());
    const baseN = new Float32Array(model.obsDim);
    const attr = integratedGradients(d, [s, next], { steps: 256, baselines: [baseS, baseN] });
    const total = attr.reduce((acc, a) => acc + a.reduce((p, q) => p + q, 0), 0);
    const fx = model.predict(s, next, 1)[0]!;
    const fb = model.predict(baseS, baseN, 1)[0]!;
    assertClose(total, fx - fb, 2e-3, 1e-2, `${config.arch} completeness`);
    model.dispose();
  }
});

test('occlusion of a linear model removes exactly w_i x_i per entry; per-cell occlusion sums the channels', async () => {
  await initBackend();
  const rng = new Rng(3);
  const board = { height: 2, width: 3, channels: 2 };
  const w = randn(rng, 12);
  const v = randn(rng, 12);
  const model = linear(w, v, 0);
  const x = randn(rng, 12);
  const y = randn(rng, 12);
  const fn = batchFnOf(model);
  const [ox, oy] = occlusionSaliency(fn, [x, y], [board, board], { perChannel: true });
  assertAllClose(ox!, Array.from(x, (xi, i) => xi * w[i]!), 1e-4, 1e-4, 'x');
  assertAllClose(oy!, Array.from(y, (yi, i) => yi * v[i]!), 1e-4, 1e-4, 'y');
  const [cells] = occlusionSaliency(fn, [x, y], [board, board]);
  const chans = perChannel(Array.from(x, (xi, i) => xi * w[i]!), board);
  assertAllClose(cells!, chans[0]!.map((a, k) => a + chans[1]![k]!), 1e-4, 1e-4, 'cells');
});

test('blur saliency peaks where the model looks, and is zero for an unused input', async () => {
  await initBackend();
  const board = { height: 6, width: 6, channels: 1 };
  // f depends only on cell (2, 3) of the second input.
  const model: DifferentiableModel = {
    inputSizes: [36, 36],
    apply: ([x, y]) => tf.tidy(() => tf.add(tf.mul(tf.sum(x!, 1), 0), tf.reshape(tf.slice(y!, [0, 2 * 6 + 3], [-1, 1]), [-1])) as Tensor1D),
  };
  const x = new Float32Array(36);
  const y = new Float32Array(36);
  y[2 * 6 + 3] = 1;
  const [mx, my] = blurSaliency(batchFnOf(model), [x, y], [board, board], { maskSigma: 1, blurSigma: 1 });
  assert.ok(mx!.every((v) => v === 0));
  const argmax = my!.indexOf(Math.max(...my!));
  assert.equal(argmax, 2 * 6 + 3);
  // Blurring keeps the board's total mass away from the edges.
  const b = blurBoard(y, board, 1);
  assert.ok(b[2 * 6 + 3]! < 1 && b[2 * 6 + 3]! > 0);
});

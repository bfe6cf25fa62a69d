import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/nn/backend.js';
import { dense } from '../../src/nn/dense.js';
import { Mlp, applyActivation, type Activation } from '../../src/nn/mlp.js';
import { ParamSet, type NamedArray } from '../../src/nn/params.js';
import { initWeight, initBias } from '../../src/nn/init.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, assertAllClose } from './helpers.js';

before(async () => {
  await initBackend();
});

// A 2 → 3 → 2 network with hand-set weights. Weight matrices are [fanIn, fanOut], row-major.
const W0 = [
  [0.5, -1.0, 0.25],
  [-0.3, 0.8, 2.0],
];
const B0 = [0.1, -0.2, -1.5];
const W1 = [
  [1.0, -0.5],
  [0.3, 0.7],
  [-2.0, 0.4],
];
const B1 = [0.05, -0.1];
const X = [
  [1.0, 2.0],
  [-0.5, 0.25],
];

function act(v: number, a: Activation): number {
  switch (a) {
    case 'tanh':
      return Math.tanh(v);
    case 'relu':
      return Math.max(0, v);
    case 'leaky_relu':
      return v > 0 ? v : 0.01 * v;
    case 'linear':
      return v;
  }
}

function affine(x: number[], w: number[][], b: number[]): number[] {
  return b.map((bj, j) => x.reduce((s, xi, i) => s + xi * w[i]![j]!, bj));
}

function handForward(x: number[], a: Activation): number[] {
  return affine(affine(x, W0, B0).map((v) => act(v, a)), W1, B1);
}

function named(rows: number[][] | number[]): NamedArray {
  if (Array.isArray(rows[0])) {
    const m = rows as number[][];
    return { shape: [m.length, m[0]!.length], data: Float32Array.from(m.flat()) };
  }
  return { shape: [rows.length], data: Float32Array.from(rows as number[]) };
}

function handSetMlp(activation: Activation): { mlp: Mlp; params: ParamSet } {
  const params = new ParamSet();
  const init = { kind: 'torch_default' } as const;
  const mlp = new Mlp({ inputDim: 2, hidden: [3], outputDim: 2, activation, hiddenInit: init, outputInit: init }, params, 'net', new Rng(0));
  assert.deepEqual(params.names(), ['net.0.weight', 'net.0.bias', 'net.1.weight', 'net.1.bias']);
  params.write(
    new Map([
      ['net.0.weight', named(W0)],
      ['net.0.bias', named(B0)],
      ['net.1.weight', named(W1)],
      ['net.1.bias', named(B1)],
    ]),
  );
  return { mlp, params };
}

for (const activation of ['tanh', 'relu', 'leaky_relu', 'linear'] as const) {
  test(`mlp forward with ${activation} equals a hand computation`, () => {
    const { mlp, params } = handSetMlp(activation);
    const got = tf.tidy(() => mlp.apply(tf.tensor2d(X)).dataSync());
    const want = X.flatMap((x) => handForward(x, activation));
    assertAllClose(got, want, 1e-5, 1e-6, `${activation} forward`);
    // trunk + head is the same as apply.
    const split = tf.tidy(() => mlp.head(mlp.trunk(tf.tensor2d(X))).dataSync());
    assertAllClose(split, want, 1e-5, 1e-6, `${activation} trunk→head`);
    params.dispose();
  });
}

test('the hand example actually exercises negative pre-activations (so activations differ)', () => {
  const pre = X.flatMap((x) => affine(x, W0, B0));
  assert.ok(pre.some((v) => v < 0) && pre.some((v) => v > 0));
  const r = X.flatMap((x) => handForward(x, 'relu'));
  const l = X.flatMap((x) => handForward(x, 'leaky_relu'));
  assert.ok(r.some((v, i) => Math.abs(v - l[i]!) > 1e-4));
});

test('activations: tanh, relu, leaky_relu (default slope 0.01 and a custom slope)', () => {
  const xs = [-3, -0.5, 0, 0.7, 4];
  const run = (a: Activation, slope?: number) => tf.tidy(() => Array.from(applyActivation(tf.tensor2d([xs]), a, slope).dataSync()));
  assertAllClose(run('tanh'), xs.map(Math.tanh), 1e-6, 1e-6, 'tanh');
  assertAllClose(run('relu'), [0, 0, 0, 0.7, 4], 1e-7, 0, 'relu');
  assertAllClose(run('leaky_relu'), [-0.03, -0.005, 0, 0.7, 4], 1e-7, 1e-6, 'leaky_relu');
  assertAllClose(run('leaky_relu', 0.2), [-0.6, -0.1, 0, 0.7, 4], 1e-7, 1e-6, 'leaky_relu 0.2');
  assertAllClose(run('linear'), Array.from(Float32Array.from(xs)), 0, 0, 'linear (identity on float32)');
});

test('mlp rejects an unknown activation', () => {
  const params = new ParamSet();
  const init = { kind: 'zeros' } as const;
  assert.throws(
    () => new Mlp({ inputDim: 1, hidden: [], outputDim: 1, activation: 'gelu' as Activation, hiddenInit: init, outputInit: init }, params, 'x', new Rng(0)),
    /gelu/,
  );
});

test('mlp layer initialisers: hidden layers use hiddenInit, the output layer outputInit', () => {
  const params = new ParamSet();
  new Mlp(
    { inputDim: 4, hidden: [5, 6], outputDim: 3, activation: 'tanh', hiddenInit: { kind: 'normc', std: 1 }, outputInit: { kind: 'normc', std: 0.01 } },
    params,
    'm',
    new Rng(3),
  );
  const vals = params.read();
  assert.deepEqual(vals.get('m.0.weight')!.shape, [4, 5]);
  assert.deepEqual(vals.get('m.1.weight')!.shape, [5, 6]);
  assert.deepEqual(vals.get('m.2.weight')!.shape, [6, 3]);
  const colNorm = (w: NamedArray, o: number) => {
    const [fi, fo] = w.shape as [number, number];
    let s = 0;
    for (let i = 0; i < fi; i++) s += w.data[i * fo + o]! ** 2;
    return Math.sqrt(s);
  };
  assertClose(colNorm(vals.get('m.1.weight')!, 2), 1, 1e-5, 0, 'hidden column norm');
  assertClose(colNorm(vals.get('m.2.weight')!, 1), 0.01, 1e-7, 0, 'output column norm');
  params.dispose();
});

// ---------------------------------------------------------------------------------------------
// Dense op gradient
// ---------------------------------------------------------------------------------------------

function denseCase() {
  const rng = new Rng(11);
  const r = (n: number) => Array.from({ length: n }, () => rng.normal());
  const [B, I, O] = [4, 3, 5];
  return { B, I, O, x: r(B * I), w: r(I * O), b: r(O), R: r(B * O) };
}

/** Scalar loss Σ R ∘ tanh(affine(x, w, b)) so the upstream gradient is non-trivial. */
function lossWith(op: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D, R: tf.Tensor2D) {
  return (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(R, tf.tanh(op(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D))));
}

test('dense forward equals tf.add(tf.matMul(x, w), b)', () => {
  const c = denseCase();
  const [a, b] = tf.tidy(() => {
    const x = tf.tensor2d(c.x, [c.B, c.I]);
    const w = tf.tensor2d(c.w, [c.I, c.O]);
    const bb = tf.tensor1d(c.b);
    return [dense(x, w, bb).dataSync(), tf.add(tf.matMul(x, w), bb).dataSync()];
  });
  assertAllClose(a, b, 1e-6, 1e-6, 'dense forward');
});

test('dense custom gradient equals tf\'s gradient of matMul + add', () => {
  const c = denseCase();
  const [ours, ref] = tf.tidy(() => {
    const x = tf.tensor2d(c.x, [c.B, c.I]);
    const w = tf.tensor2d(c.w, [c.I, c.O]);
    const b = tf.tensor1d(c.b);
    const R = tf.tensor2d(c.R, [c.B, c.O]);
    const g1 = tf.grads(lossWith(dense, R))([x, w, b]);
    const g2 = tf.grads(lossWith((xx, ww, bb) => tf.add(tf.matMul(xx, ww), bb) as tf.Tensor2D, R))([x, w, b]);
    return [g1.map((g) => ({ shape: g.shape, data: Array.from(g.dataSync()) })), g2.map((g) => ({ shape: g.shape, data: Array.from(g.dataSync()) }))];
  });
  const names = ['dx', 'dw', 'db'];
  for (let k = 0; k < 3; k++) {
    assert.deepEqual(ours[k]!.shape, ref[k]!.shape, `${names[k]} shape`);
    assertAllClose(ours[k]!.data, ref[k]!.data, 1e-5, 1e-5, names[k]);
  }
  assert.deepEqual(ours[0]!.shape, [c.B, c.I]);
  assert.deepEqual(ours[1]!.shape, [c.I, c.O]);
  assert.deepEqual(ours[2]!.shape, [c.O]);
});

test('dense custom gradient equals a central finite-difference gradient', () => {
  const c = denseCase();
  const R = tf.tensor2d(c.R, [c.B, c.O]);
  const f = lossWith(dense, R);
  const inputs = [Float32Array.from(c.x), Float32Array.from(c.w), Float32Array.from(c.b)];
  const shapes = [[c.B, c.I], [c.I, c.O], [c.O]];
  const evalAt = (vals: Float32Array[]) =>
    tf.tidy(() => f(tf.tensor(vals[0]!, shapes[0]), tf.tensor(vals[1]!, shapes[1]), tf.tensor(vals[2]!, shapes[2])).dataSync()[0]!);
  const analytic = tf.tidy(() => tf.grads(f)(inputs.map((v, k) => tf.tensor(v, shapes[k]))).map((g) => Array.from(g.dataSync())));
  const h = 1e-2;
  for (let k = 0; k < 3; k++) {
    const numeric: number[] = [];
    for (let j = 0; j < inputs[k]!.length; j++) {
      const plus = inputs.map((v) => Float32Array.from(v));
      const minus = inputs.map((v) => Float32Array.from(v));
      plus[k]![j]! += h;
      minus[k]![j]! -= h;
      numeric.push((evalAt(plus) - evalAt(minus)) / (2 * h));
    }
    assertAllClose(analytic[k]!, numeric, 2e-3, 2e-3, `finite difference, input ${k}`);
  }
  R.dispose();
});

// ---------------------------------------------------------------------------------------------
// Initialisers
// ---------------------------------------------------------------------------------------------

test('normc: every output column has Euclidean norm std; biases are zero', () => {
  for (const std of [1, 0.01]) {
    const [fanIn, fanOut] = [7, 5];
    const w = initWeight(new Rng(1), fanIn, fanOut, { kind: 'normc', std });
    for (let o = 0; o < fanOut; o++) {
      let s = 0;
      for (let i = 0; i < fanIn; i++) s += w[i * fanOut + o]! ** 2;
      assertClose(Math.sqrt(s), std, 1e-6 * std, 1e-5, `column ${o} norm`);
    }
    // Rows (the other axis) are not normalised: a row norm of exactly std would mean the wrong axis.
    let rowNorm = 0;
    for (let o = 0; o < fanOut; o++) rowNorm += w[o]! ** 2;
    assert.ok(Math.abs(Math.sqrt(rowNorm) - std) > 1e-3 * std, 'normc normalised the wrong axis');
    assert.deepEqual(Array.from(initBias(new Rng(1), fanIn, fanOut, { kind: 'normc', std })), new Array(fanOut).fill(0));
  }
});

test('torch_default: weights and biases uniform within ±1/sqrt(fanIn) and fill the range', () => {
  const [fanIn, fanOut] = [16, 64];
  const bound = 1 / Math.sqrt(fanIn);
  const rng = new Rng(2);
  const w = initWeight(rng, fanIn, fanOut, { kind: 'torch_default' });
  const b = initBias(rng, fanIn, fanOut, { kind: 'torch_default' });
  for (const v of [...w, ...b]) assert.ok(Math.abs(v) <= bound, `${v} outside ±${bound}`);
  const maxAbs = Math.max(...Array.from(w, Math.abs));
  assert.ok(maxAbs > 0.9 * bound, `weights should use the range, max |w| = ${maxAbs}`);
  assert.ok(w.some((v) => v < 0) && w.some((v) => v > 0));
  assert.ok(b.some((v) => v !== 0), 'torch_default biases are not zero');
  // Uniform on ±bound has mean 0 and variance bound²/3.
  const m = w.reduce((s, v) => s + v, 0) / w.length;
  const variance = w.reduce((s, v) => s + (v - m) ** 2, 0) / w.length;
  assertClose(variance, (bound * bound) / 3, 0.15 * (bound * bound) / 3, 0, 'uniform variance');
});

test('xavier_uniform within gain·sqrt(6/(fanIn+fanOut)); zeros are zero', () => {
  const bound = 2 * Math.sqrt(6 / (10 + 6));
  const w = initWeight(new Rng(4), 10, 6, { kind: 'xavier_uniform', gain: 2 });
  for (const v of w) assert.ok(Math.abs(v) <= bound);
  assert.ok(Math.max(...Array.from(w, Math.abs)) > 0.8 * bound);
  assert.ok(initWeight(new Rng(4), 3, 3, { kind: 'zeros' }).every((v) => v === 0));
});

test('initialisers: same seed gives the same weights, different seeds differ', () => {
  for (const init of [{ kind: 'normc', std: 1 }, { kind: 'torch_default' }, { kind: 'xavier_uniform' }] as const) {
    const a = initWeight(new Rng(10), 6, 4, init);
    const b = initWeight(new Rng(10), 6, 4, init);
    const c = initWeight(new Rng(11), 6, 4, init);
    assert.deepEqual(Array.from(a), Array.from(b), `${init.kind}: same seed`);
    assert.notDeepEqual(Array.from(a), Array.from(c), `${init.kind}: different seed`);
  }
  const build = (seed: number) => {
    const params = new ParamSet();
    new Mlp({ inputDim: 3, hidden: [4], outputDim: 2, activation: 'tanh', hiddenInit: { kind: 'normc', std: 1 }, outputInit: { kind: 'torch_default' } }, params, 'p', new Rng(seed));
    const flat = [...params.read().values()].flatMap((v) => Array.from(v.data));
    params.dispose();
    return flat;
  };
  assert.deepEqual(build(5), build(5));
  assert.notDeepEqual(build(5), build(6));
});

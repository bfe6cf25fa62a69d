import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/nn/backend.js';
import { ParamSet } from '../../src/nn/params.js';
import { Adam, clipByGlobalNorm, globalNorm, valueAndGrads, type Grads } from '../../src/nn/optim.js';
import { assertClose, assertAllClose } from './helpers.js';

before(async () => {
  await initBackend();
});

// Quadratic loss Σ c ∘ (p − t)² over two parameters of different shapes.
const P0 = [1, -2, 0.5];
const PT = [0.2, 0.4, -1];
const PC = [1, 3, 0.5];
const Q0 = [0.3, -0.7, 1.2, 0.05]; // shape [2, 2]
const QT = [0, 0, 1, 1];
const QC = [2, 0.25, 1, 4];

function quadParams(): ParamSet {
  const ps = new ParamSet();
  ps.add('p', [3], Float32Array.from(P0));
  ps.add('q', [2, 2], Float32Array.from(Q0));
  return ps;
}

function quadLoss(ps: ParamSet): () => tf.Scalar {
  return () => {
    const term = (v: tf.Tensor, t: number[], c: number[]) => tf.sum(tf.mul(tf.tensor(c, v.shape), tf.square(tf.sub(v, tf.tensor(t, v.shape)))));
    return tf.add(term(ps.get('p'), PT, PC), term(ps.get('q'), QT, QC)) as tf.Scalar;
  };
}

/** PyTorch's Adam (torch.optim.Adam, amsgrad=False, no weight decay) in plain float64. */
function torchAdamReference(p0: number[], target: number[], c: number[], steps: number, lr: number, b1: number, b2: number, eps: number) {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < p.length; i++) {
      const g = 2 * c[i]! * (p[i]! - target[i]!);
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(bc2) + eps;
      p[i] = p[i]! - (lr / bc1) * (m[i]! / denom);
    }
  }
  return { p, m, v };
}

test('valueAndGrads returns the loss and gradients keyed by parameter name', () => {
  const ps = quadParams();
  const { loss, grads } = valueAndGrads(ps, quadLoss(ps));
  const wantLoss = P0.reduce((s, p, i) => s + PC[i]! * (p - PT[i]!) ** 2, 0) + Q0.reduce((s, q, i) => s + QC[i]! * (q - QT[i]!) ** 2, 0);
  assertClose(loss, wantLoss, 1e-5, 1e-6, 'loss');
  assert.deepEqual([...grads.keys()].sort(), ['p', 'q']);
  assertAllClose(grads.get('p')!.dataSync(), P0.map((p, i) => 2 * PC[i]! * (p - PT[i]!)), 1e-5, 1e-6, 'dp');
  assertAllClose(grads.get('q')!.dataSync(), Q0.map((q, i) => 2 * QC[i]! * (q - QT[i]!)), 1e-5, 1e-6, 'dq');
  for (const g of grads.values()) g.dispose();
  ps.dispose();
});

for (const { name, lr, beta1, beta2, eps } of [
  { name: 'defaults', lr: 0.1, beta1: undefined, beta2: undefined, eps: undefined },
  // A large eps tells PyTorch's placement (sqrt(v)/sqrt(bc2) + eps) apart from the Kingma-Ba/TF
  // "epsilon hat" form, which adds eps before the bias correction.
  { name: 'custom betas, large eps', lr: 0.05, beta1: 0.8, beta2: 0.9, eps: 0.3 },
]) {
  test(`adam follows PyTorch's trajectory after 1 and 3 steps (${name})`, () => {
    const ps = quadParams();
    const opt = new Adam(ps, { lr, beta1, beta2, eps });
    const b1 = beta1 ?? 0.9;
    const b2 = beta2 ?? 0.999;
    const e = eps ?? 1e-8;
    assert.equal(opt.beta1, b1);
    assert.equal(opt.eps, e);
    for (let step = 1; step <= 3; step++) {
      const { grads } = valueAndGrads(ps, quadLoss(ps));
      opt.apply(grads);
      for (const g of grads.values()) g.dispose();
      assert.equal(opt.stepCount, step);
      if (step === 1 || step === 3) {
        const refP = torchAdamReference(P0, PT, PC, step, lr, b1, b2, e);
        const refQ = torchAdamReference(Q0, QT, QC, step, lr, b1, b2, e);
        assertAllClose(ps.get('p').dataSync(), refP.p, 2e-6, 2e-6, `p after ${step}`);
        assertAllClose(ps.get('q').dataSync(), refQ.p, 2e-6, 2e-6, `q after ${step}`);
        const st = opt.getState();
        assert.equal(st.step, step);
        assertAllClose(st.m.get('p')!.data, refP.m, 1e-5, 1e-5, `m(p) after ${step}`);
        assertAllClose(st.v.get('q')!.data, refQ.v, 1e-5, 1e-5, `v(q) after ${step}`);
      }
    }
    // Sanity: with default settings the first step moves every coordinate by ≈ lr against its gradient.
    if (beta1 === undefined) {
      const one = torchAdamReference(P0, PT, PC, 1, lr, b1, b2, e);
      for (let i = 0; i < 3; i++) assertClose(Math.abs(one.p[i]! - P0[i]!), lr, 1e-6, 0, 'first step size');
    }
    opt.dispose();
    ps.dispose();
  });
}

test('adam leaves parameters without a gradient alone and rejects a non-positive lr', () => {
  const ps = quadParams();
  const opt = new Adam(ps, { lr: 0.1 });
  const grads: Grads = new Map([['p', tf.tensor1d([1, -1, 0.5])]]);
  opt.apply(grads);
  grads.get('p')!.dispose();
  assertAllClose(ps.get('q').dataSync(), Float32Array.from(Q0), 0, 0, 'q untouched (bit-identical)');
  assertAllClose(ps.get('p').dataSync(), [P0[0]! - 0.1, P0[1]! + 0.1, P0[2]! - 0.1], 1e-6, 0, 'p moved by lr·sign(g)');
  assert.throws(() => new Adam(ps, { lr: 0 }), /lr/);
  assert.throws(() => new Adam(ps, { lr: -1 }), /lr/);
  opt.dispose();
  ps.dispose();
});

function makeGrads(): Grads {
  // Global norm: sqrt(3² + 4² + 12²) = 13.
  return new Map<string, tf.Tensor>([
    ['a', tf.tensor1d([3, 4])],
    ['b', tf.tensor2d([[12]])],
  ]);
}

test('globalNorm is the L2 norm over all gradients', () => {
  const g = makeGrads();
  const n = globalNorm(g);
  assertClose(n.dataSync()[0]!, 13, 1e-5, 0, 'global norm');
  n.dispose();
  for (const t of g.values()) t.dispose();
});

test('clipByGlobalNorm scales by maxNorm/(norm + 1e-6) when the norm is above maxNorm', () => {
  const g = makeGrads();
  const inputs = [...g.values()];
  const { grads, norm } = clipByGlobalNorm(g, 6.5);
  assertClose(norm, 13, 1e-5, 0, 'reported norm (before clipping)');
  const coef = 6.5 / (13 + 1e-6);
  assertAllClose(grads.get('a')!.dataSync(), [3 * coef, 4 * coef], 1e-6, 1e-6, 'a clipped');
  assertAllClose(grads.get('b')!.dataSync(), [12 * coef], 1e-6, 1e-6, 'b clipped');
  assert.deepEqual(grads.get('b')!.shape, [1, 1]);
  for (const t of inputs) assert.ok(t.isDisposed, 'input gradients are disposed when clipped');
  const after = globalNorm(grads);
  assertClose(after.dataSync()[0]!, 6.5, 1e-5, 0, 'norm after clipping');
  after.dispose();
  for (const t of grads.values()) t.dispose();
});

test('clipByGlobalNorm leaves gradients untouched when the norm is below maxNorm', () => {
  const g = makeGrads();
  const { grads, norm } = clipByGlobalNorm(g, 20);
  assertClose(norm, 13, 1e-5, 0, 'norm');
  assert.equal(grads, g, 'the same map is returned');
  assertAllClose(grads.get('a')!.dataSync(), [3, 4], 0, 0, 'a untouched');
  assertAllClose(grads.get('b')!.dataSync(), [12], 0, 0, 'b untouched');
  for (const t of grads.values()) t.dispose();
});

test('clipByGlobalNorm uses norm + 1e-6 in the coefficient (visible at tiny norms)', () => {
  // Norm 1e-6, maxNorm 5e-7: coef = 5e-7 / (1e-6 + 1e-6) = 0.25 (it would be 0.5 without the 1e-6).
  const g: Grads = new Map([['a', tf.tensor1d([6e-7, 8e-7])]]);
  const { grads, norm } = clipByGlobalNorm(g, 5e-7);
  assertClose(norm, 1e-6, 1e-12, 0, 'norm');
  assertAllClose(grads.get('a')!.dataSync(), [1.5e-7, 2e-7], 1e-12, 1e-4, 'scaled by 0.25');
  for (const t of grads.values()) t.dispose();
});

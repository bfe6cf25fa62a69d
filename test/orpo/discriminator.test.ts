/**
 * The occupancy-measure discriminator (specs/orpo.md §1.3): architecture, the three loss
 * families against hand computations, the Wasserstein gradient penalty against finite
 * differences, and the logistic optimum log(μ_π/μ_base) on two known discrete distributions.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, valueAndGrads, type Tensor2D } from '../../src/nn/index.js';
import { Discriminator, discriminatorFeatures, discriminatorInputDim, type DiscriminatorConfig } from '../../src/algos/orpo/discriminator.js';
import { perStepDistances, omEstimates, type DiscriminatorLoss } from '../../src/algos/orpo/divergences.js';
import { discrete, box } from '../../src/envs/spaces.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose, assertClose, mean, softplus } from './helpers.js';

before(async () => {
  await initBackend();
});

const IN = 3;

function makeDisc(family: DiscriminatorLoss, gradPenaltyWeight: number | null = null, seed = 7, extra: Partial<DiscriminatorConfig> = {}): Discriminator {
  return new Discriminator({ inputDim: IN, width: 5, depth: 2, lr: 1e-3, gradClip: null, family, gradPenaltyWeight, ...extra }, new Rng(seed));
}

interface Layer {
  w: Float64Array;
  b: Float64Array;
  fanIn: number;
  fanOut: number;
}

/** The discriminator's weights as float64 layers (W is [fanIn, fanOut], row-major). */
function layers(disc: Discriminator): Layer[] {
  const p = disc.params.read();
  const out: Layer[] = [];
  for (let i = 0; p.has(`disc.${i}.weight`); i++) {
    const w = p.get(`disc.${i}.weight`)!;
    const b = p.get(`disc.${i}.bias`)!;
    out.push({ w: Float64Array.from(w.data), b: Float64Array.from(b.data), fanIn: w.shape[0]!, fanOut: w.shape[1]! });
  }
  return out;
}

/** Plain float64 forward pass: LeakyReLU(0.01) after every hidden layer, linear output. */
function forwardJs(ls: Layer[], x: ArrayLike<number>): number {
  let h = Array.from(x);
  ls.forEach((l, i) => {
    const z = new Array<number>(l.fanOut).fill(0);
    for (let k = 0; k < l.fanOut; k++) {
      let s = l.b[k]!;
      for (let j = 0; j < l.fanIn; j++) s += h[j]! * l.w[j * l.fanOut + k]!;
      z[k] = i < ls.length - 1 ? (s > 0 ? s : 0.01 * s) : s;
    }
    h = z;
  });
  return h[0]!;
}

function rows(n: number, seed: number, scale = 1.5): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * IN }, () => scale * rng.normal());
}

function row(x: Float32Array, i: number): Float32Array {
  return x.subarray(i * IN, (i + 1) * IN);
}

function lossOf(disc: Discriminator, x: Float32Array, isBase: number[]): number {
  return tf.tidy(() => disc.loss(tf.tensor2d(x, [isBase.length, IN]) as Tensor2D, Float32Array.from(isBase)).dataSync()[0]!);
}

/** ‖∇ₓ d(x)‖ by central differences on the float64 forward pass. */
function gradNormFd(ls: Layer[], x: ArrayLike<number>, h = 1e-6): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    const plus = Array.from(x);
    const minus = Array.from(x);
    plus[j]! += h;
    minus[j]! -= h;
    const g = (forwardJs(ls, plus) - forwardJs(ls, minus)) / (2 * h);
    s += g * g;
  }
  return Math.sqrt(s);
}

const N = 8;
const IS_BASE = [0, 1, 0, 0, 1, 1, 0, 1];

test('Discriminator: in → width → width → 1 with LeakyReLU(0.01), matching a float64 forward pass', () => {
  const disc = makeDisc('logistic');
  try {
    assert.deepEqual(disc.params.names(), ['disc.0.weight', 'disc.0.bias', 'disc.1.weight', 'disc.1.bias', 'disc.2.weight', 'disc.2.bias']);
    const ls = layers(disc);
    assert.deepEqual(
      ls.map((l) => [l.fanIn, l.fanOut]),
      [
        [3, 5],
        [5, 5],
        [5, 1],
      ],
    );
    // PyTorch default init: weights and biases within ±1/√fanIn.
    for (const l of ls) {
      const bound = 1 / Math.sqrt(l.fanIn) + 1e-7;
      assert.ok([...l.w, ...l.b].every((v) => Math.abs(v) <= bound), `init within ±1/sqrt(${l.fanIn})`);
    }
    const x = rows(N, 1);
    const scores = disc.scores(x, N);
    const expected = Array.from({ length: N }, (_, i) => forwardJs(ls, row(x, i)));
    assertAllClose(scores, expected, 1e-6, 1e-5, 'scores');
    // Some hidden units are negative (so the leaky slope matters in this check).
    let negatives = 0;
    for (let i = 0; i < N; i++) {
      const r = row(x, i);
      const l0 = ls[0]!;
      for (let k = 0; k < l0.fanOut; k++) {
        let s = l0.b[k]!;
        for (let j = 0; j < IN; j++) s += r[j]! * l0.w[j * l0.fanOut + k]!;
        if (s < 0) negatives += 1;
      }
    }
    assert.ok(negatives > 0);
  } finally {
    disc.dispose();
  }
});

test('Discriminator.loss logistic: mean_c softplus(−d) + mean_b softplus(d)', () => {
  const disc = makeDisc('logistic');
  try {
    const x = rows(N, 2);
    const d = Array.from(disc.scores(x, N));
    const cur = d.filter((_v, i) => !IS_BASE[i]);
    const base = d.filter((_v, i) => IS_BASE[i]);
    const expected = mean(cur.map((v) => softplus(-v))) + mean(base.map((v) => softplus(v)));
    assertClose(lossOf(disc, x, IS_BASE), expected, 1e-6, 1e-5, 'logistic loss');
  } finally {
    disc.dispose();
  }
});

test('Discriminator.loss tv: mean_c [tanh(−d) + 0.01d²] + mean_b [tanh(d) + 0.01d²]', () => {
  const disc = makeDisc('tv');
  try {
    // Larger weights so that d is far from 0 and the d² term matters.
    const p = disc.params.read();
    for (const v of p.values()) for (let i = 0; i < v.data.length; i++) v.data[i]! *= 4;
    disc.params.write(p);
    const x = rows(N, 3);
    const d = Array.from(disc.scores(x, N));
    assert.ok(d.some((v) => Math.abs(v) > 1), 'some |d| > 1');
    const cur = d.filter((_v, i) => !IS_BASE[i]);
    const base = d.filter((_v, i) => IS_BASE[i]);
    const expected = mean(cur.map((v) => Math.tanh(-v) + 0.01 * v * v)) + mean(base.map((v) => Math.tanh(v) + 0.01 * v * v));
    assertClose(lossOf(disc, x, IS_BASE), expected, 1e-6, 1e-5, 'tv loss');
  } finally {
    disc.dispose();
  }
});

test('Discriminator.loss wasserstein: −mean_c d + mean_b d (no penalty when the weight is null)', () => {
  const disc = makeDisc('wasserstein');
  try {
    const x = rows(N, 4);
    const d = Array.from(disc.scores(x, N));
    const expected = -mean(d.filter((_v, i) => !IS_BASE[i])) + mean(d.filter((_v, i) => IS_BASE[i]));
    assertClose(lossOf(disc, x, IS_BASE), expected, 1e-6, 1e-5, 'wasserstein loss');
  } finally {
    disc.dispose();
  }
});

test('Discriminator.loss: a minibatch with only current or only base rows (the missing side contributes 0)', () => {
  for (const family of ['logistic', 'tv', 'wasserstein'] as const) {
    const disc = makeDisc(family);
    try {
      const x = rows(N, 5);
      const d = Array.from(disc.scores(x, N));
      const term = (v: number, isBase: boolean): number => {
        if (family === 'logistic') return softplus(isBase ? v : -v);
        if (family === 'tv') return Math.tanh(isBase ? v : -v) + 0.01 * v * v;
        return isBase ? v : -v;
      };
      const allCur = new Array<number>(N).fill(0);
      const allBase = new Array<number>(N).fill(1);
      assertClose(lossOf(disc, x, allCur), mean(d.map((v) => term(v, false))), 1e-6, 1e-5, `${family} only current`);
      assertClose(lossOf(disc, x, allBase), mean(d.map((v) => term(v, true))), 1e-6, 1e-5, `${family} only base`);
      // Gradients exist and are finite (no 1/0 weights leak in).
      for (const labels of [allCur, allBase]) {
        const xt = tf.tensor2d(x, [N, IN]) as Tensor2D;
        const { loss, grads } = valueAndGrads(disc.params, () => disc.loss(xt, Float32Array.from(labels)));
        xt.dispose();
        assert.ok(Number.isFinite(loss));
        assert.equal(grads.size, 6);
        for (const g of grads.values()) {
          assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `${family}: finite gradient`);
          g.dispose();
        }
      }
    } finally {
      disc.dispose();
    }
  }
});

test('Discriminator.loss wasserstein + gradient penalty: adds w·mean((‖∇ₓd‖ − 1)²) at the data points (finite differences)', () => {
  const w = 10;
  const disc = makeDisc('wasserstein', w, 11);
  const plain = makeDisc('wasserstein', null, 11);
  try {
    // Scale the weights up so ‖∇ₓd‖ is not close to 0 and the penalty is informative.
    const p = disc.params.read();
    for (const v of p.values()) for (let i = 0; i < v.data.length; i++) v.data[i]! *= 2;
    disc.params.write(p);
    plain.params.write(p);
    const x = rows(N, 6);
    const ls = layers(disc);
    const norms = Array.from({ length: N }, (_, i) => gradNormFd(ls, row(x, i)));
    assert.ok(norms.some((g) => Math.abs(g - 1) > 0.2), 'norms differ from 1');
    const penalty = w * mean(norms.map((g) => (g - 1) ** 2));
    const d = Array.from({ length: N }, (_, i) => forwardJs(ls, row(x, i)));
    const base = -mean(d.filter((_v, i) => !IS_BASE[i])) + mean(d.filter((_v, i) => IS_BASE[i]));
    const got = lossOf(disc, x, IS_BASE);
    assertClose(got, base + penalty, 1e-5, 1e-4, 'loss with gradient penalty');
    assertClose(got - lossOf(plain, x, IS_BASE), penalty, 1e-5, 1e-4, 'penalty = loss difference');
    // The penalty is over all rows, whatever their label.
    assertClose(lossOf(disc, x, new Array<number>(N).fill(1)), mean(d) + penalty, 1e-5, 1e-4, 'only base rows');
  } finally {
    disc.dispose();
    plain.dispose();
  }
});

test('Discriminator.loss gradient penalty is differentiable in the weights (gradient vs finite differences)', () => {
  const w = 3;
  const disc = makeDisc('wasserstein', w, 13);
  try {
    const x = rows(N, 8);
    const jsLoss = (ls: Layer[]): number => {
      const d = Array.from({ length: N }, (_, i) => forwardJs(ls, row(x, i)));
      const norms = Array.from({ length: N }, (_, i) => gradNormFd(ls, row(x, i), 1e-5));
      return -mean(d.filter((_v, i) => !IS_BASE[i])) + mean(d.filter((_v, i) => IS_BASE[i])) + w * mean(norms.map((g) => (g - 1) ** 2));
    };
    const xt = tf.tensor2d(x, [N, IN]) as Tensor2D;
    const { grads } = valueAndGrads(disc.params, () => disc.loss(xt, Float32Array.from(IS_BASE)));
    xt.dispose();
    const g0 = Array.from(grads.get('disc.0.weight')!.dataSync());
    const g2 = Array.from(grads.get('disc.2.weight')!.dataSync());
    for (const g of grads.values()) g.dispose();
    const ls = layers(disc);
    const fd = (layer: number, idx: number): number => {
      const h = 1e-4;
      const plus = ls.map((l) => ({ ...l, w: Float64Array.from(l.w) }));
      const minus = ls.map((l) => ({ ...l, w: Float64Array.from(l.w) }));
      plus[layer]!.w[idx]! += h;
      minus[layer]!.w[idx]! -= h;
      return (jsLoss(plus) - jsLoss(minus)) / (2 * h);
    };
    // First-layer weights only enter the loss through the penalty term's ∇ₓd and through d.
    for (const idx of [0, 4, 9, 14]) assertClose(g0[idx]!, fd(0, idx), 2e-3, 2e-2, `d loss / d W0[${idx}]`);
    for (const idx of [0, 2, 4]) assertClose(g2[idx]!, fd(2, idx), 2e-3, 2e-2, `d loss / d W2[${idx}]`);
  } finally {
    disc.dispose();
  }
});

test('Discriminator.train: reproducible with the same seeds; trains with a gradient penalty; clampWeights bounds every parameter', () => {
  const x = rows(64, 9);
  const run = (): { loss: number; w: Float32Array } => {
    const disc = makeDisc('wasserstein', null, 21);
    try {
      const loss = disc.train(x, 40, 24, 2, 16, new Rng(3));
      return { loss, w: disc.params.read().get('disc.0.weight')!.data };
    } finally {
      disc.dispose();
    }
  };
  const a = run();
  const b = run();
  assert.ok(Number.isFinite(a.loss));
  assert.equal(a.loss, b.loss);
  assert.deepEqual(a.w, b.w);
  // With the gradient penalty (wganGradPenaltyWeight set) training works too: the penalty's
  // ∇ₓd must be differentiable in the weights.
  const gp = makeDisc('wasserstein', 10, 21);
  try {
    const before = gp.params.read().get('disc.0.weight')!.data;
    assert.ok(Number.isFinite(gp.train(x, 40, 24, 2, 16, new Rng(3))));
    assert.notDeepEqual(gp.params.read().get('disc.0.weight')!.data, before);
  } finally {
    gp.dispose();
  }
  const disc = makeDisc('wasserstein', null, 21);
  try {
    disc.clampWeights(0.01);
    for (const v of disc.params.read().values()) assert.ok(v.data.every((u) => Math.abs(u) <= 0.01 + 1e-9));
    assert.ok([...disc.params.read().get('disc.0.weight')!.data].some((u) => Math.abs(u) === Math.fround(0.01)), 'some weights were clipped');
  } finally {
    disc.dispose();
  }
});

test('discriminatorFeatures: [state ; one-hot action], state only, and a state extractor', () => {
  const d3 = discrete(3);
  const obs = Float32Array.from([1, 2, 3, 4]); // two rows of obsDim 2
  const actions = Float32Array.from([2, 0]);
  const f = discriminatorFeatures(obs, 2, actions, d3, 2, true);
  assert.equal(f.dim, 5);
  assert.deepEqual(Array.from(f.features), [1, 2, 0, 0, 1, 3, 4, 1, 0, 0]);
  const s = discriminatorFeatures(obs, 2, actions, d3, 2, false);
  assert.equal(s.dim, 2);
  assert.deepEqual(Array.from(s.features), [1, 2, 3, 4]);
  // Continuous actions are appended raw; a state extractor picks part of the observation.
  const b2 = box(-1, 1, [2]);
  const c = discriminatorFeatures(obs, 2, Float32Array.from([0.5, -0.5, 0.25, 0.75]), b2, 2, true, {
    dim: 1,
    extract: (r, out, off) => {
      out[off] = r[1]!;
    },
  });
  assert.equal(c.dim, 3);
  assert.deepEqual(Array.from(c.features), [2, 0.5, -0.5, 4, 0.25, 0.75]);
  assert.equal(discriminatorInputDim(36, discrete(4), 1, true), 40);
  assert.equal(discriminatorInputDim(36, discrete(4), 1, false), 36);
  assert.equal(discriminatorInputDim(50, box(-1, 1, [10]), 10, true, 13), 23);
});

const P = [0.4, 0.3, 0.2, 0.1];
const Q = [0.1, 0.2, 0.3, 0.4];
const K = 4;
const TRUE_CHI2 = P.reduce((s, pk, k) => s + (pk * pk) / Q[k]!, 0) - 1; // 1.2083…
const TRUE_KL = P.reduce((s, pk, k) => s + pk * Math.log(pk / Q[k]!), 0); // 0.4564…

/**
 * Trains a logistic discriminator on one-hot "state-action" features (use_action_for_disc-like: 4
 * cells), current rows drawn by `pick(i, false)` and base rows by `pick(i, true)`, full batch.
 * Returns its score per state and on every current sample, and the per-state counts.
 */
function fitOnSamples(nEach: number, pick: (i: number, isBase: boolean) => number, epochs: number, lr: number) {
  const features = new Float32Array(2 * nEach * K);
  const counts = { p: new Array<number>(K).fill(0), q: new Array<number>(K).fill(0) };
  for (let i = 0; i < 2 * nEach; i++) {
    const isBase = i >= nEach;
    const k = pick(isBase ? i - nEach : i, isBase);
    (isBase ? counts.q : counts.p)[k]! += 1;
    features[i * K + k] = 1;
  }
  const disc = new Discriminator({ inputDim: K, width: 16, depth: 2, lr, gradClip: null, family: 'logistic', gradPenaltyWeight: null }, new Rng(5));
  try {
    disc.train(features, nEach, nEach, epochs, 2 * nEach, new Rng(6));
    const eye = new Float32Array(K * K);
    for (let k = 0; k < K; k++) eye[k * K + k] = 1;
    return { perState: Array.from(disc.scores(eye, K)), currentScores: disc.scores(features.subarray(0, nEach * K), nEach), counts };
  } finally {
    disc.dispose();
  }
}

test('Discriminator (logistic) optimum is log(p/q): exact-proportion samples of two known distributions', () => {
  // 1000 rows each in exactly the proportions p and q, so the optimum is exactly log(p/q).
  const n = 1000;
  const cellOf = (probs: number[], j: number): number => {
    let acc = 0;
    for (let k = 0; k < K; k++) {
      acc += probs[k]!;
      if (j < Math.round(acc * n)) return k;
    }
    return K - 1;
  };
  const { perState, currentScores, counts } = fitOnSamples(n, (j, isBase) => cellOf(isBase ? Q : P, j), 100, 5e-2);
  assert.deepEqual(counts, { p: [400, 300, 200, 100], q: [100, 200, 300, 400] });
  for (let k = 0; k < K; k++) assertClose(perState[k]!, Math.log(P[k]! / Q[k]!), 0.03, 0, `d(state ${k}) vs log(p/q)`);
  const est = omEstimates(currentScores);
  // mean over current samples of e^d − 1 → χ²(p‖q) = Σp²/q − 1; mean d → KL(p‖q).
  assertClose(mean(perStepDistances('chi2', currentScores)), TRUE_CHI2, 0.03, 0, 'mean chi2 distance vs χ²');
  assertClose(est.omChi2, TRUE_CHI2, 0.03, 0, 'omChi2 vs χ²');
  assertClose(mean(perStepDistances('kl', currentScores)), TRUE_KL, 0.01, 0, 'mean kl distance vs KL');
  assertClose(est.omKl, TRUE_KL, 0.01, 0, 'omKl vs KL');
  assertClose(est.omSqrtChi2, Math.sqrt(TRUE_CHI2), 0.02, 0, 'omSqrtChi2');
});

test('Discriminator (logistic) on seeded random samples: d ≈ empirical log ratio ≈ log(p/q); χ² and KL estimates', () => {
  const rng = new Rng(2024);
  const { perState, currentScores, counts } = fitOnSamples(3000, (_j, isBase) => rng.categorical(isBase ? Q : P), 150, 3e-2);
  const pHat = counts.p.map((c) => c / 3000);
  const qHat = counts.q.map((c) => c / 3000);
  for (let k = 0; k < K; k++) {
    assertClose(perState[k]!, Math.log(pHat[k]! / qHat[k]!), 0.02, 0, `d(state ${k}) vs the empirical log ratio`);
    assertClose(perState[k]!, Math.log(P[k]! / Q[k]!), 0.15, 0, `d(state ${k}) vs log(p/q)`);
  }
  const est = omEstimates(currentScores);
  const empChi2 = pHat.reduce((s, pk, k) => s + (pk * pk) / qHat[k]!, 0) - 1;
  const empKl = pHat.reduce((s, pk, k) => s + pk * Math.log(pk / qHat[k]!), 0);
  assertClose(est.omChi2, empChi2, 0.03, 0, 'χ² estimate vs χ²(p̂‖q̂)');
  assertClose(est.omKl, empKl, 0.01, 0, 'KL estimate vs KL(p̂‖q̂)');
  assertClose(est.omChi2, TRUE_CHI2, 0.15, 0, 'χ² estimate vs χ²(p‖q)');
  assertClose(est.omKl, TRUE_KL, 0.05, 0, 'KL estimate vs KL(p‖q)');
});

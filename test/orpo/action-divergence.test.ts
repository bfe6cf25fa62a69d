/**
 * Action-distribution divergences (specs/orpo.md §1.5) against closed forms evaluated in plain
 * float64 JavaScript, and two χ² values against numerical integration of ∫p²/q − 1.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, makeDistribution, lgammaScalar, digammaScalar, type ActionDistribution, type Tensor2D } from '../../src/nn/index.js';
import { adDivergence, chi2Divergence, adEstimates, type AdDivergence } from '../../src/algos/orpo/action-divergence.js';
import { assertAllClose, assertClose, simpson, softmax, softplus } from './helpers.js';

before(async () => {
  await initBackend();
});

function evalRows(fn: (p: Tensor2D, q: Tensor2D) => tf.Tensor, p: number[][], q: number[][]): number[] {
  return tf.tidy(() => Array.from(fn(tf.tensor2d(p), tf.tensor2d(q)).dataSync()));
}

function ad(type: AdDivergence, dist: ActionDistribution, p: number[][], q: number[][]): number[] {
  return evalRows((a, b) => adDivergence(type, dist, a, b), p, q);
}

/** χ² per row, with rows where it does not exist reported as Infinity. */
function chi2(dist: ActionDistribution, p: number[][], q: number[][]): number[] {
  return evalRows((a, b) => {
    const { value, valid } = chi2Divergence(dist, a, b);
    return tf.where(tf.greater(valid, 0), value, tf.fill(value.shape, Infinity));
  }, p, q);
}

/** d mean D / d p by the tensor gradient. */
function gradOf(type: AdDivergence, dist: ActionDistribution, p: number[][], q: number[][]): number[] {
  return tf.tidy(() => {
    const qt = tf.tensor2d(q);
    return Array.from(tf.grad((x: tf.Tensor) => tf.mean(adDivergence(type, dist, x as Tensor2D, qt)))(tf.tensor2d(p)).dataSync());
  });
}

// ---------------------------------------------------------------- categorical

const CAT = makeDistribution({ kind: 'categorical', size: 4 });
const CAT_P = [
  [0.3, -1.2, 2.0, 0.1],
  [0, 0, 0, 0],
  [1, 2, 3, 4],
  [-0.5, 0.5, 0.2, 0.0],
];
const CAT_Q = [
  [1.0, 0.4, -0.3, 0.2],
  [0, 0, 0, 0], // identical: every divergence 0
  [4, 3, 2, 1],
  [-0.5, 0.5, 0.2, 0.0], // identical
];

function catKl(lp: number[], lq: number[]): number {
  const p = softmax(lp);
  const q = softmax(lq);
  return p.reduce((s, pk, k) => s + pk * Math.log(pk / q[k]!), 0);
}

function catChi2(lp: number[], lq: number[]): number {
  const p = softmax(lp);
  const q = softmax(lq);
  return p.reduce((s, pk, k) => s + (pk - q[k]!) ** 2 / q[k]!, 0);
}

test('categorical: KL = Σ p log(p/q), χ² = Σ (p − q)²/q, √χ² = √max(χ², 1e-4)', () => {
  const kl = CAT_P.map((p, i) => catKl(p, CAT_Q[i]!));
  const c2 = CAT_P.map((p, i) => catChi2(p, CAT_Q[i]!));
  assertAllClose(ad('kl', CAT, CAT_P, CAT_Q), kl, 1e-6, 1e-5, 'kl');
  assertAllClose(chi2(CAT, CAT_P, CAT_Q), c2, 1e-6, 1e-5, 'chi2Divergence');
  assertAllClose(ad('chi2', CAT, CAT_P, CAT_Q), c2, 1e-6, 1e-5, 'adDivergence chi2');
  assertAllClose(
    ad('sqrt_chi2', CAT, CAT_P, CAT_Q),
    c2.map((v) => Math.sqrt(Math.max(v, 1e-4))),
    1e-6,
    1e-5,
    'sqrt_chi2',
  );
  // Identical distributions: KL = χ² = 0, √χ² floored at √1e-4 = 0.01.
  const sq = ad('sqrt_chi2', CAT, CAT_P, CAT_Q);
  assertClose(sq[1]!, 0.01, 1e-7, 0, 'floor');
  assertClose(sq[3]!, 0.01, 1e-7, 0, 'floor');
  // χ² ≥ KL-ish sanity: χ² ≥ 0 and strictly positive for different rows.
  assert.ok(c2[0]! > 0 && c2[2]! > 0);
});

test('adEstimates: batch means of KL, χ² and √χ²', () => {
  const est = tf.tidy(() => adEstimates(CAT, tf.tensor2d(CAT_P), tf.tensor2d(CAT_Q)));
  const kl = CAT_P.map((p, i) => catKl(p, CAT_Q[i]!));
  const c2 = CAT_P.map((p, i) => catChi2(p, CAT_Q[i]!));
  const m = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assertClose(est.adKl, m(kl), 1e-6, 1e-5, 'adKl');
  assertClose(est.adChi2, m(c2), 1e-6, 1e-5, 'adChi2');
  assertClose(est.adSqrtChi2, m(c2.map((v) => Math.sqrt(Math.max(v, 1e-4)))), 1e-6, 1e-5, 'adSqrtChi2');
});

test('categorical χ² gradient matches finite differences (the AD loss is differentiable)', () => {
  const p = [CAT_P[0]!];
  const q = [CAT_Q[0]!];
  const g = gradOf('chi2', CAT, p, q);
  const h = 1e-4;
  for (let j = 0; j < 4; j++) {
    const plus = [p[0]!.map((v, k) => (k === j ? v + h : v))];
    const minus = [p[0]!.map((v, k) => (k === j ? v - h : v))];
    const fd = (catChi2(plus[0]!, q[0]!) - catChi2(minus[0]!, q[0]!)) / (2 * h);
    assertClose(g[j]!, fd, 1e-4, 1e-3, `d chi2 / d logit ${j}`);
  }
});

// ---------------------------------------------------------------- diagonal Gaussian

const G1 = makeDistribution({ kind: 'diag_gaussian', size: 1 });
const G2 = makeDistribution({ kind: 'diag_gaussian', size: 2 });

/** 1 + χ² for one dimension (finite when 2σq² > σp²). */
function gaussOnePlusChi2(mp: number, sp: number, mq: number, sq: number): number {
  const den = 2 * sq * sq - sp * sp;
  return ((sq * sq) / (sp * Math.sqrt(den))) * Math.exp((mp - mq) ** 2 / den);
}

function gaussKl(mp: number, sp: number, mq: number, sq: number): number {
  return Math.log(sq / sp) + (sp * sp + (mp - mq) ** 2) / (2 * sq * sq) - 0.5;
}

test('diagonal Gaussian χ² (1-D): σq²/(σp·√(2σq² − σp²))·exp((μp − μq)²/(2σq² − σp²)) − 1', () => {
  // [μp, σp, μq, σq]
  const cases = [
    [0.3, 0.8, -0.2, 1.0],
    [0, 1, 0, 1],
    [1.5, 0.5, 0, 2],
    [-1, 1.2, 0.4, 0.9], // 2·0.81 = 1.62 > 1.44: still finite
  ];
  const p = cases.map(([mp, sp]) => [mp!, Math.log(sp!)]);
  const q = cases.map(([, , mq, sq]) => [mq!, Math.log(sq!)]);
  const expected = cases.map(([mp, sp, mq, sq]) => gaussOnePlusChi2(mp!, sp!, mq!, sq!) - 1);
  assertAllClose(chi2(G1, p, q), expected, 1e-5, 1e-4, 'chi2Divergence');
  assertAllClose(ad('chi2', G1, p, q), expected, 1e-5, 1e-4, 'adDivergence chi2');
  assertAllClose(
    ad('sqrt_chi2', G1, p, q),
    expected.map((v) => Math.sqrt(Math.max(v, 1e-4))),
    1e-5,
    1e-4,
    'sqrt_chi2',
  );
  assertAllClose(
    ad('kl', G1, p, q),
    cases.map(([mp, sp, mq, sq]) => gaussKl(mp!, sp!, mq!, sq!)),
    1e-6,
    1e-5,
    'kl',
  );
});

test('diagonal Gaussian χ² (1-D) agrees with numerical integration of ∫p²/q − 1', () => {
  const [mp, sp, mq, sq] = [0.3, 0.8, -0.2, 1.0];
  const pdf = (x: number, m: number, s: number) => Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
  const integral = simpson((x) => pdf(x, mp, sp) ** 2 / pdf(x, mq, sq), -15, 15, 30000) - 1;
  assertClose(integral, gaussOnePlusChi2(mp, sp, mq, sq) - 1, 1e-9, 1e-7, 'closed form vs integral (JS)');
  const got = chi2(G1, [[mp, Math.log(sp)]], [[mq, Math.log(sq)]])[0]!;
  assertClose(got, integral, 1e-5, 1e-4, 'chi2Divergence vs integral');
});

test('diagonal Gaussian χ² (multi-dim) = Π(1 + χ²ᵢ) − 1', () => {
  // Params rows: [μ₁, μ₂, log σ₁, log σ₂].
  const dims = [
    [0.3, 0.8, -0.2, 1.0],
    [1.0, 1.1, 0.5, 1.3],
  ];
  const p = [[dims[0]![0]!, dims[1]![0]!, Math.log(dims[0]![1]!), Math.log(dims[1]![1]!)]];
  const q = [[dims[0]![2]!, dims[1]![2]!, Math.log(dims[0]![3]!), Math.log(dims[1]![3]!)]];
  const expected = dims.reduce((acc, [mp, sp, mq, sq]) => acc * gaussOnePlusChi2(mp!, sp!, mq!, sq!), 1) - 1;
  assertClose(chi2(G2, p, q)[0]!, expected, 1e-5, 1e-4, 'product form');
  assertClose(ad('chi2', G2, p, q)[0]!, expected, 1e-5, 1e-4, 'adDivergence');
  const klSum = dims.reduce((acc, [mp, sp, mq, sq]) => acc + gaussKl(mp!, sp!, mq!, sq!), 0);
  assertClose(ad('kl', G2, p, q)[0]!, klSum, 1e-6, 1e-5, 'kl summed over dims');
});

test('diagonal Gaussian: where 2σq² ≤ σp² the χ² does not exist and adDivergence falls back to KL', () => {
  // Row 0: σp = 2, σq = 1 (2σq² − σp² = −2). Row 1: finite. Row 2 (2-D in G2 below): one bad dim.
  const p = [
    [0.1, Math.log(2)],
    [0.3, Math.log(0.8)],
  ];
  const q = [
    [-0.4, 0],
    [-0.2, 0],
  ];
  const raw = chi2(G1, p, q);
  assert.ok(!Number.isFinite(raw[0]!), `raw χ² is non-finite, got ${raw[0]}`);
  const kl0 = gaussKl(0.1, 2, -0.4, 1);
  const c2 = ad('chi2', G1, p, q);
  assertClose(c2[0]!, kl0, 1e-6, 1e-5, 'fallback to KL');
  assertClose(c2[1]!, gaussOnePlusChi2(0.3, 0.8, -0.2, 1) - 1, 1e-5, 1e-4, 'finite row untouched');
  assertClose(ad('sqrt_chi2', G1, p, q)[0]!, Math.sqrt(kl0), 1e-6, 1e-5, 'sqrt of the KL fallback');
  // Multi-dim: one invalid dimension makes the whole row fall back to the (summed) KL.
  const p2 = [[0.1, 0.3, Math.log(2), Math.log(0.8)]];
  const q2 = [[-0.4, -0.2, 0, 0]];
  assertClose(ad('chi2', G2, p2, q2)[0]!, kl0 + gaussKl(0.3, 0.8, -0.2, 1), 1e-6, 1e-5, 'multi-dim fallback');
});

test('diagonal Gaussian χ² gradient matches finite differences where the χ² exists', () => {
  const p = [[0.3, Math.log(0.8)]];
  const q = [[-0.2, 0]];
  const g = gradOf('chi2', G1, p, q);
  const f = (m: number, ls: number) => gaussOnePlusChi2(m, Math.exp(ls), -0.2, 1) - 1;
  const h = 1e-5;
  assertClose(g[0]!, (f(0.3 + h, Math.log(0.8)) - f(0.3 - h, Math.log(0.8))) / (2 * h), 1e-4, 1e-3, 'd/dμ');
  assertClose(g[1]!, (f(0.3, Math.log(0.8) + h) - f(0.3, Math.log(0.8) - h)) / (2 * h), 1e-4, 1e-3, 'd/dlogσ');
});

test(
  'diagonal Gaussian χ² gradient stays finite in a batch with a KL-fallback row',
  () => {
    const p = [
      [0.3, Math.log(0.8)],
      [0.1, Math.log(2)],
    ];
    const q = [
      [-0.2, 0],
      [-0.4, 0],
    ];
    const g = gradOf('chi2', G1, p, q);
    assert.ok(g.every(Number.isFinite), `gradient ${g}`);
    // The fallback row's gradient is the KL's: d KL / dμp = (μp − μq)/σq², halved by the batch mean.
    assertClose(g[2]!, (0.1 + 0.4) / 2, 1e-5, 1e-4, 'KL gradient of the fallback row');
  },
);

// ---------------------------------------------------------------- Beta

const B1 = makeDistribution({ kind: 'beta', size: 1 });
const B2 = makeDistribution({ kind: 'beta', size: 2 });

/** The raw network output giving concentration c (α = softplus(raw) + 1). */
function rawFor(c: number): number {
  return Math.log(Math.expm1(c - 1));
}

function lbetaJs(a: number, b: number): number {
  return lgammaScalar(a) + lgammaScalar(b) - lgammaScalar(a + b);
}

/** 1 + χ² for one dimension: B(2a₁−a₂, 2b₁−b₂)·B(a₂, b₂)/B(a₁, b₁)². */
function betaOnePlusChi2(a1: number, b1: number, a2: number, b2: number): number {
  return Math.exp(lbetaJs(2 * a1 - a2, 2 * b1 - b2) + lbetaJs(a2, b2) - 2 * lbetaJs(a1, b1));
}

function betaKl(a1: number, b1: number, a2: number, b2: number): number {
  return lbetaJs(a2, b2) - lbetaJs(a1, b1) + (a1 - a2) * digammaScalar(a1) + (b1 - b2) * digammaScalar(b1) + (a2 - a1 + b2 - b1) * digammaScalar(a1 + b1);
}

test('Beta: α, β = softplus(raw) + 1 (sanity of the helper used below)', () => {
  for (const c of [1.2, 2, 5.5]) assertClose(softplus(rawFor(c)) + 1, c, 1e-12, 1e-12, 'inverse softplus');
});

test('Beta χ²: B(2a₁−a₂, 2b₁−b₂)·B(a₂, b₂)/B(a₁, b₁)² − 1, and √χ²', () => {
  // [a1, b1, a2, b2]
  const cases = [
    [3, 2.5, 2.2, 3],
    [2, 2, 2, 2],
    [1.5, 4, 2.5, 3.5],
    [6, 1.3, 5, 1.1],
  ];
  const p = cases.map(([a1, b1]) => [rawFor(a1!), rawFor(b1!)]);
  const q = cases.map(([, , a2, b2]) => [rawFor(a2!), rawFor(b2!)]);
  const expected = cases.map(([a1, b1, a2, b2]) => betaOnePlusChi2(a1!, b1!, a2!, b2!) - 1);
  assertClose(expected[1]!, 0, 1e-12, 0, 'identical → 0');
  assertAllClose(chi2(B1, p, q), expected, 2e-5, 1e-3, 'chi2Divergence');
  assertAllClose(ad('chi2', B1, p, q), expected, 2e-5, 1e-3, 'adDivergence chi2');
  assertAllClose(
    ad('sqrt_chi2', B1, p, q),
    expected.map((v) => Math.sqrt(Math.max(v, 1e-4))),
    2e-5,
    1e-3,
    'sqrt_chi2',
  );
  assertAllClose(
    ad('kl', B1, p, q),
    cases.map(([a1, b1, a2, b2]) => betaKl(a1!, b1!, a2!, b2!)),
    2e-5,
    1e-3,
    'kl',
  );
});

test('Beta χ² agrees with numerical integration of ∫p²/q − 1', () => {
  const [a1, b1, a2, b2] = [3, 2.5, 2.2, 3];
  // Integrand exponents 2a₁−a₂−1 = 2.8 and 2b₁−b₂−1 = 1: bounded on [0, 1].
  const logPdf = (x: number, a: number, b: number) => (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lbetaJs(a, b);
  const integral = simpson((x) => (x <= 0 || x >= 1 ? 0 : Math.exp(2 * logPdf(x, a1, b1) - logPdf(x, a2, b2))), 0, 1, 20000) - 1;
  assertClose(integral, betaOnePlusChi2(a1, b1, a2, b2) - 1, 1e-7, 1e-6, 'closed form vs integral (JS)');
  const got = chi2(B1, [[rawFor(a1), rawFor(b1)]], [[rawFor(a2), rawFor(b2)]])[0]!;
  assertClose(got, integral, 2e-5, 1e-3, 'chi2Divergence vs integral');
});

test('Beta χ² (multi-dim) = Π(1 + χ²ᵢ) − 1; KL summed over dims', () => {
  // Param rows: [rawα₁, rawα₂, rawβ₁, rawβ₂].
  const d1 = [3, 2.5, 2.2, 3];
  const d2 = [1.5, 4, 2.5, 3.5];
  const p = [[rawFor(d1[0]!), rawFor(d2[0]!), rawFor(d1[1]!), rawFor(d2[1]!)]];
  const q = [[rawFor(d1[2]!), rawFor(d2[2]!), rawFor(d1[3]!), rawFor(d2[3]!)]];
  const one = (d: number[]) => betaOnePlusChi2(d[0]!, d[1]!, d[2]!, d[3]!);
  assertClose(chi2(B2, p, q)[0]!, one(d1) * one(d2) - 1, 2e-5, 1e-3, 'product');
  const kl = (d: number[]) => betaKl(d[0]!, d[1]!, d[2]!, d[3]!);
  assertClose(ad('kl', B2, p, q)[0]!, kl(d1) + kl(d2), 2e-5, 1e-3, 'kl sum');
});

test('Beta: where 2a₁ ≤ a₂ (or 2b₁ ≤ b₂) the χ² does not exist and adDivergence falls back to KL', () => {
  const cases = [
    [1.5, 2, 4, 2], // 2a₁ = 3 ≤ 4
    [2, 1.2, 2, 3], // 2b₁ = 2.4 ≤ 3
    [3, 2.5, 2.2, 3], // finite
  ];
  const p = cases.map(([a1, b1]) => [rawFor(a1!), rawFor(b1!)]);
  const q = cases.map(([, , a2, b2]) => [rawFor(a2!), rawFor(b2!)]);
  const raw = chi2(B1, p, q);
  assert.ok(!Number.isFinite(raw[0]!) && !Number.isFinite(raw[1]!), `raw χ² non-finite: ${raw}`);
  const c2 = ad('chi2', B1, p, q);
  assertClose(c2[0]!, betaKl(1.5, 2, 4, 2), 2e-5, 1e-3, 'fallback (α)');
  assertClose(c2[1]!, betaKl(2, 1.2, 2, 3), 2e-5, 1e-3, 'fallback (β)');
  assertClose(c2[2]!, betaOnePlusChi2(3, 2.5, 2.2, 3) - 1, 2e-5, 1e-3, 'finite row');
  assertClose(ad('sqrt_chi2', B1, p, q)[0]!, Math.sqrt(betaKl(1.5, 2, 4, 2)), 2e-5, 1e-3, 'sqrt of the fallback');
});

test(
  'Beta χ² is differentiable (needed by the AD loss with a Beta policy, e.g. glucose/traffic)',
  () => {
    const p = [
      [rawFor(3), rawFor(2.5)],
      [rawFor(1.5), rawFor(2)],
    ];
    const q = [
      [rawFor(2.2), rawFor(3)],
      [rawFor(4), rawFor(2)],
    ];
    const g = gradOf('chi2', B1, p, q);
    assert.ok(g.every(Number.isFinite), `gradient ${g}`);
  },
);

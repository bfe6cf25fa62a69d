import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/nn/backend.js';
import { Categorical, DiagGaussian, Beta, makeDistribution } from '../../src/nn/distributions.js';
import { lgammaScalar, digammaScalar } from '../../src/nn/special.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, assertAllClose, logSoftmax, softplus, mean } from './helpers.js';

before(async () => {
  await initBackend();
});

const LOG_2PI = Math.log(2 * Math.PI);

/** Runs `fn` on 2-D tensors built from `rows` and returns the 1-D result as a plain array. */
function run1(fn: (...ts: tf.Tensor2D[]) => tf.Tensor, ...rowSets: number[][][]): number[] {
  return tf.tidy(() => Array.from(fn(...rowSets.map((rows) => tf.tensor2d(rows))).dataSync()));
}

// ---------------------------------------------------------------------------------------------
// Categorical
// ---------------------------------------------------------------------------------------------

const CAT_P = [
  [1, 2, 0.5, -1],
  [0, 0, 0, 0],
  [3, -2, 0.1, 1.5],
];
const CAT_Q = [
  [0.2, -0.3, 1.1, 0.4],
  [2, -1, 0, 0.5],
  [3, -2, 0.1, 1.5],
];

test('categorical log-prob equals log-softmax at the chosen index', () => {
  const d = new Categorical(4);
  const actions = [1, 3, 0];
  const got = run1((p, a) => d.logProb(p, a), CAT_P, actions.map((a) => [a]));
  const want = CAT_P.map((row, i) => logSoftmax(row)[actions[i]!]!);
  assertAllClose(got, want, 1e-5, 1e-6, 'categorical logProb');
  // Hand check of one value: logits [0,0,0,0] → log(1/4).
  assertClose(got[1]!, -Math.log(4), 1e-6, 0, 'uniform logProb');
});

test('categorical entropy equals −Σ p log p (ln 4 for uniform logits)', () => {
  const d = new Categorical(4);
  const got = run1((p) => d.entropy(p), CAT_P);
  const want = CAT_P.map((row) => -logSoftmax(row).reduce((s, lp) => s + Math.exp(lp) * lp, 0));
  assertAllClose(got, want, 1e-5, 1e-6, 'categorical entropy');
  assertClose(got[1]!, Math.log(4), 1e-6, 0, 'uniform entropy');
});

test('categorical KL(p ‖ q) equals Σ p (log p − log q), is 0 for p = q and ≥ 0', () => {
  const d = new Categorical(4);
  const got = run1((p, q) => d.kl(p, q), CAT_P, CAT_Q);
  const want = CAT_P.map((row, i) => {
    const lp = logSoftmax(row);
    const lq = logSoftmax(CAT_Q[i]!);
    return lp.reduce((s, v, j) => s + Math.exp(v) * (v - lq[j]!), 0);
  });
  assertAllClose(got, want, 1e-5, 1e-5, 'categorical kl');
  assert.ok(want[0]! > 0.1 && want[1]! > 0.1, 'test rows should be genuinely different');
  assertClose(got[2]!, 0, 1e-6, 0, 'KL(p‖p)');
  // Direction matters: KL(q ‖ p) differs from KL(p ‖ q) for row 0.
  const rev = run1((p, q) => d.kl(p, q), CAT_Q, CAT_P);
  assert.ok(Math.abs(rev[0]! - got[0]!) > 1e-3, 'KL must not be symmetric here');
});

// ---------------------------------------------------------------------------------------------
// Diagonal Gaussian
// ---------------------------------------------------------------------------------------------

// Rows are [mean (3) | log std (3)].
const G_P = [
  [0.5, -1, 2, -0.3, 0.2, 0],
  [0, 0, 0, 0, 0, 0],
];
const G_Q = [
  [1, -0.5, 1.5, 0.1, -0.4, 0.3],
  [0, 0, 0, 0, 0, 0],
];

function gaussLogProb(row: number[], a: number[]): number {
  let s = 0;
  for (let i = 0; i < 3; i++) {
    const m = row[i]!;
    const sd = Math.exp(row[3 + i]!);
    s += -((a[i]! - m) ** 2) / (2 * sd * sd) - Math.log(sd) - 0.5 * LOG_2PI;
  }
  return s;
}

test('diag gaussian log-prob is the sum of per-dimension normal log-densities', () => {
  const d = new DiagGaussian(3);
  const actions = [
    [1.2, -0.4, 1.0],
    [0.3, -2, 1],
  ];
  const got = run1((p, a) => d.logProb(p, a), G_P, actions);
  assertAllClose(got, G_P.map((row, i) => gaussLogProb(row, actions[i]!)), 1e-5, 1e-5, 'gaussian logProb');
  // Hand check of the standard normal row: −(0.09 + 4 + 1)/2 − 1.5·ln 2π.
  assertClose(got[1]!, -5.09 / 2 - 1.5 * LOG_2PI, 1e-5, 0, 'standard normal logProb');
});

test('diag gaussian entropy is Σ (log σ + ½(1 + ln 2π))', () => {
  const d = new DiagGaussian(3);
  const got = run1((p) => d.entropy(p), G_P);
  const want = G_P.map((row) => row.slice(3).reduce((s, ls) => s + ls + 0.5 * (1 + LOG_2PI), 0));
  assertAllClose(got, want, 1e-5, 1e-6, 'gaussian entropy');
});

test('diag gaussian KL(p ‖ q) matches the closed form, 0 for p = q', () => {
  const d = new DiagGaussian(3);
  const got = run1((p, q) => d.kl(p, q), G_P, G_Q);
  const want = G_P.map((p, r) => {
    const q = G_Q[r]!;
    let s = 0;
    for (let i = 0; i < 3; i++) {
      const s1 = Math.exp(p[3 + i]!);
      const s2 = Math.exp(q[3 + i]!);
      s += Math.log(s2 / s1) + (s1 * s1 + (p[i]! - q[i]!) ** 2) / (2 * s2 * s2) - 0.5;
    }
    return s;
  });
  assertAllClose(got, want, 1e-5, 1e-5, 'gaussian kl');
  assert.ok(want[0]! > 0.1);
  assertClose(got[1]!, 0, 1e-6, 0, 'KL(p‖p)');
});

// ---------------------------------------------------------------------------------------------
// Beta
// ---------------------------------------------------------------------------------------------

// Rows are [raw α (2) | raw β (2)], mapped to softplus(raw) + 1.
const B_P = [
  [0.3, 2.0, 1.2, -0.5],
  [-1.0, 0.8, 0.1, 3.0],
];
const B_Q = [
  [1.5, 0.1, -0.4, 0.9],
  [0.2, -2.0, 1.7, 0.0],
];

function alphaBeta(row: number[], i: number): [number, number] {
  return [softplus(row[i]!) + 1, softplus(row[2 + i]!) + 1];
}
function lbetaS(a: number, b: number): number {
  return lgammaScalar(a) + lgammaScalar(b) - lgammaScalar(a + b);
}
/** Log-density of the standard Beta(a, b) on (0, 1). */
function betaLogPdf(a: number, b: number, x: number): number {
  return (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lbetaS(a, b);
}
function betaEntropy(a: number, b: number): number {
  return lbetaS(a, b) - (a - 1) * digammaScalar(a) - (b - 1) * digammaScalar(b) + (a + b - 2) * digammaScalar(a + b);
}
/** The textbook KL(Beta(a1, b1) ‖ Beta(a2, b2)). */
function betaKl(a1: number, b1: number, a2: number, b2: number): number {
  return (
    lbetaS(a2, b2) -
    lbetaS(a1, b1) +
    (a1 - a2) * digammaScalar(a1) +
    (b1 - b2) * digammaScalar(b1) +
    (a2 - a1 + b2 - b1) * digammaScalar(a1 + b1)
  );
}
/** Midpoint-rule integral over (0, 1), independent of digamma. */
function integrate01(f: (x: number) => number, n = 100000): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f((i + 0.5) / n);
  return s / n;
}

test('the test\'s own Beta closed forms agree with numerical integration', () => {
  const [a1, b1] = [2.3, 1.6];
  const [a2, b2] = [1.4, 3.1];
  const h = integrate01((x) => {
    const lp = betaLogPdf(a1, b1, x);
    return -Math.exp(lp) * lp;
  });
  assertClose(betaEntropy(a1, b1), h, 1e-6, 0, 'entropy formula');
  const kl = integrate01((x) => {
    const lp = betaLogPdf(a1, b1, x);
    return Math.exp(lp) * (lp - betaLogPdf(a2, b2, x));
  });
  assertClose(betaKl(a1, b1, a2, b2), kl, 1e-6, 0, 'kl formula');
});

for (const [low, high] of [
  [0, 1],
  [-1.5, 1.5],
  [0, 0.1],
] as const) {
  test(`beta log-prob on [${low}, ${high}] is the unit Beta log-density of the rescaled action (no Jacobian)`, () => {
    const d = new Beta(2, low, high);
    // Unit-interval points, mapped into [low, high].
    const unit = [
      [0.3, 0.85],
      [0.05, 0.5],
    ];
    const actions = unit.map((row) => row.map((u) => low + (high - low) * u));
    const got = run1((p, a) => d.logProb(p, a), B_P, actions);
    const want = B_P.map((row, r) => {
      let s = 0;
      for (let i = 0; i < 2; i++) {
        const [a, b] = alphaBeta(row, i);
        s += betaLogPdf(a, b, unit[r]![i]!);
      }
      return s;
    });
    assertAllClose(got, want, 2e-4, 1e-4, `beta logProb [${low}, ${high}]`);
  });
}

test('beta log-prob clamps actions outside [clampLow, clampHigh] before evaluating', () => {
  const d = new Beta(1, -1.5, 1.5);
  const params = [[0.4, -0.2]];
  const [outside, atHigh] = [run1((p, a) => d.logProb(p, a), params, [[2.5]]), run1((p, a) => d.logProb(p, a), params, [[1.5]])];
  assertClose(outside[0]!, atHigh[0]!, 1e-6, 0, 'clamped above');
  assert.ok(Number.isFinite(outside[0]!), 'boundary log-prob must stay finite (eps clip)');
  const narrow = new Beta(1, 0, 1, 0.2, 0.8);
  const [a, b] = [run1((p, x) => narrow.logProb(p, x), params, [[0.95]]), run1((p, x) => narrow.logProb(p, x), params, [[0.8]])];
  assertClose(a[0]!, b[0]!, 1e-6, 0, 'custom clampHigh');
  const [alpha, beta] = alphaBeta([0.4, 0, -0.2, 0], 0);
  assertClose(b[0]!, betaLogPdf(alpha, beta, 0.8), 1e-4, 1e-4, 'log-prob at the clamp');
});

test('beta entropy is the unit-interval Beta entropy (summed over dims)', () => {
  for (const [low, high] of [
    [0, 1],
    [-1.5, 1.5],
    [0, 0.1],
  ] as const) {
    const d = new Beta(2, low, high);
    const got = run1((p) => d.entropy(p), B_P);
    const want = B_P.map((row) => {
      let s = 0;
      for (let i = 0; i < 2; i++) s += betaEntropy(...alphaBeta(row, i));
      return s;
    });
    assertAllClose(got, want, 2e-4, 1e-4, `beta entropy [${low}, ${high}]`);
  }
});

test('beta KL(p ‖ q) matches the textbook formula', () => {
  const d = new Beta(2, -1.5, 1.5);
  const got = run1((p, q) => d.kl(p, q), B_P, B_Q);
  const want = B_P.map((p, r) => {
    let s = 0;
    for (let i = 0; i < 2; i++) s += betaKl(...alphaBeta(p, i), ...alphaBeta(B_Q[r]!, i));
    return s;
  });
  assertAllClose(got, want, 2e-4, 1e-4, 'beta kl');
  // And in the other direction.
  const rev = run1((p, q) => d.kl(p, q), B_Q, B_P);
  const wantRev = B_Q.map((q, r) => {
    let s = 0;
    for (let i = 0; i < 2; i++) s += betaKl(...alphaBeta(q, i), ...alphaBeta(B_P[r]!, i));
    return s;
  });
  assertAllClose(rev, wantRev, 2e-4, 1e-4, 'beta kl reversed');
});

test('beta KL(p ‖ p) = 0 and KL(p ‖ q) ≥ 0 on random pairs', () => {
  const d = new Beta(3);
  const rng = new Rng(7);
  const rows = (n: number) => Array.from({ length: n }, () => Array.from({ length: 6 }, () => 3 * rng.normal()));
  const p = rows(64);
  const q = rows(64);
  const self = run1((a, b) => d.kl(a, b), p, p);
  for (const v of self) assertClose(v, 0, 1e-4, 0, 'KL(p‖p)');
  const cross = run1((a, b) => d.kl(a, b), p, q);
  for (const [i, v] of cross.entries()) assert.ok(v >= -1e-4, `KL(p‖q) row ${i} is negative: ${v}`);
});

test('makeDistribution builds each family with its settings and rejects unknown kinds', () => {
  const c = makeDistribution({ kind: 'categorical', size: 5 });
  assert.ok(c instanceof Categorical && c.paramDim === 5 && c.actionDim === 1);
  const g = makeDistribution({ kind: 'diag_gaussian', size: 3 });
  assert.ok(g instanceof DiagGaussian && g.paramDim === 6 && g.actionDim === 3);
  const b = makeDistribution({ kind: 'beta', size: 2, low: -1.5, high: 1.5 });
  assert.ok(b instanceof Beta && b.low === -1.5 && b.high === 1.5 && b.clampLow === -1.5 && b.clampHigh === 1.5);
  assert.throws(() => makeDistribution({ kind: 'poisson' as never, size: 1 }), /poisson/);
  assert.throws(() => new Beta(1, 1, 1), /high/);
});

// ---------------------------------------------------------------------------------------------
// Sampling and modes
// ---------------------------------------------------------------------------------------------

const N_SAMPLES = 20000;

test('categorical samples follow the probabilities (within 4 standard errors)', () => {
  const probs = [0.1, 0.2, 0.3, 0.4];
  const d = new Categorical(4);
  // Row 1 is the one sampled; row 0 is a decoy to check row offsets.
  const params = Float32Array.from([5, -5, -5, -5, ...probs.map(Math.log)]);
  const rng = new Rng(123);
  const out = new Float32Array(N_SAMPLES);
  for (let i = 0; i < N_SAMPLES; i++) d.sampleInto(params, 1, rng, out, i);
  const counts = [0, 0, 0, 0];
  for (const a of out) {
    assert.ok(Number.isInteger(a) && a >= 0 && a < 4);
    counts[a]! += 1;
  }
  for (let k = 0; k < 4; k++) {
    const p = probs[k]!;
    const se = Math.sqrt((p * (1 - p)) / N_SAMPLES);
    assertClose(counts[k]! / N_SAMPLES, p, 4 * se, 0, `frequency of ${k}`);
  }
});

test('diag gaussian samples have the right mean and std per dimension', () => {
  const d = new DiagGaussian(2);
  const means = [1.5, -0.7];
  const stds = [0.5, 2];
  const params = Float32Array.from([0, 0, 0, 0, ...means, ...stds.map(Math.log)]);
  const rng = new Rng(5);
  const out = new Float32Array(2 * N_SAMPLES);
  for (let i = 0; i < N_SAMPLES; i++) d.sampleInto(params, 1, rng, out, 2 * i);
  for (let k = 0; k < 2; k++) {
    const xs = Array.from({ length: N_SAMPLES }, (_, i) => out[2 * i + k]!);
    const m = mean(xs);
    const sd = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
    assertClose(m, means[k]!, (4 * stds[k]!) / Math.sqrt(N_SAMPLES), 0, `gaussian mean[${k}]`);
    // SE of the sample std ≈ σ/√(2N).
    assertClose(sd, stds[k]!, (4 * stds[k]!) / Math.sqrt(2 * N_SAMPLES), 0, `gaussian std[${k}]`);
  }
});

test('beta samples lie in [low, high] and have the analytic mean and variance', () => {
  const [low, high] = [-1.5, 1.5];
  const d = new Beta(2, low, high);
  const raw = [0.5, -1, 2, 1.5]; // α = softplus(0.5)+1, softplus(−1)+1; β = softplus(2)+1, softplus(1.5)+1
  const params = Float32Array.from(raw);
  const rng = new Rng(99);
  const out = new Float32Array(2 * N_SAMPLES);
  for (let i = 0; i < N_SAMPLES; i++) d.sampleInto(params, 0, rng, out, 2 * i);
  for (let k = 0; k < 2; k++) {
    const a = softplus(raw[k]!) + 1;
    const b = softplus(raw[2 + k]!) + 1;
    const span = high - low;
    const wantMean = low + (span * a) / (a + b);
    const wantVar = (span * span * a * b) / ((a + b) ** 2 * (a + b + 1));
    const xs = Array.from({ length: N_SAMPLES }, (_, i) => out[2 * i + k]!);
    for (const x of xs) assert.ok(x >= low && x <= high, `sample ${x} outside [${low}, ${high}]`);
    const m = mean(xs);
    const v = mean(xs.map((x) => (x - m) ** 2));
    assertClose(m, wantMean, 4 * Math.sqrt(wantVar / N_SAMPLES), 0, `beta mean[${k}]`);
    assertClose(v, wantVar, 0.05 * wantVar, 0, `beta variance[${k}]`);
  }
});

test('same seed gives identical samples; a different seed does not', () => {
  const dists = [
    { d: new Categorical(3), params: Float32Array.from([0.1, 0.5, -0.2]) },
    { d: new DiagGaussian(2), params: Float32Array.from([0, 1, -0.5, 0.3]) },
    { d: new Beta(2, -1, 1), params: Float32Array.from([0.3, 0.1, -0.2, 1]) },
  ];
  for (const { d, params } of dists) {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      const out = new Float32Array(50 * d.actionDim);
      for (let i = 0; i < 50; i++) d.sampleInto(params, 0, rng, out, i * d.actionDim);
      return Array.from(out);
    };
    assert.deepEqual(draw(42), draw(42), `${d.kind}: same seed`);
    assert.notDeepEqual(draw(42), draw(43), `${d.kind}: different seeds`);
  }
});

test('modeInto: categorical argmax, gaussian mean, beta (α−1)/(α+β−2) rescaled', () => {
  const out = new Float32Array(4);
  const cat = new Categorical(4);
  const logits = Float32Array.from([9, 0, 0, 0, 0.1, 2.5, -1, 2.4]);
  cat.modeInto(logits, 1, out, 2);
  assert.equal(out[2], 1);
  cat.modeInto(logits, 0, out, 0);
  assert.equal(out[0], 0);

  const g = new DiagGaussian(2);
  const gp = Float32Array.from([0, 0, 0, 0, 0.75, -3.5, 1, 2]);
  g.modeInto(gp, 1, out, 1);
  assert.deepEqual(Array.from(out.subarray(1, 3)), [0.75, -3.5]);

  const [low, high] = [-1.5, 1.5];
  const b = new Beta(2, low, high);
  const bp = Float32Array.from([0.5, 1, 2, -0.3]);
  b.modeInto(bp, 0, out, 0);
  for (let k = 0; k < 2; k++) {
    const a = softplus(bp[k]!) + 1;
    const bb = softplus(bp[2 + k]!) + 1;
    assertClose(out[k]!, low + ((high - low) * (a - 1)) / (a + bb - 2), 1e-6, 0, `beta mode[${k}]`);
  }
  // α = β = 1 exactly (uniform): the middle of the interval.
  const flat = new Beta(1, 0, 0.1);
  flat.modeInto(Float32Array.from([-1000, -1000]), 0, out, 3);
  assertClose(out[3]!, 0.05, 1e-7, 0, 'uniform beta mode');
});

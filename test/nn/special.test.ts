import { test, before } from 'node:test';
import { initBackend, tf } from '../../src/nn/backend.js';
import { lgamma, digamma, lbeta, lgammaScalar, digammaScalar } from '../../src/nn/special.js';
import { assertClose, assertAllClose } from './helpers.js';

before(async () => {
  await initBackend();
});

const EULER_GAMMA = 0.5772156649015329;

// Reference values from closed forms (and Python's math.lgamma / scipy.special.digamma).
const LGAMMA_CASES: [number, number][] = [
  [1, 0],
  [2, 0],
  [0.5, 0.5 * Math.log(Math.PI)],
  [10, Math.log(362880)],
  [0.1, 2.2527126517342055],
  [2.5, 0.2846828704729196],
  [30, 71.257038967168],
];

const DIGAMMA_CASES: [number, number][] = [
  [1, -EULER_GAMMA],
  [0.5, -EULER_GAMMA - 2 * Math.LN2],
  [2, 1 - EULER_GAMMA],
  [0.1, -10.423754940411076],
  [3.7, 1.1671535393615113],
  [10, 2.251752589066721],
];

// The scalar versions shift by 6 and truncate the Stirling series, which is good to about 1e-9
// absolute: far better than the float32 the tensors use, so 5e-9 is a strict bound.
const SCALAR_TOL = 5e-9;

test('lgammaScalar matches known values (to ~1e-9)', () => {
  for (const [x, want] of LGAMMA_CASES) assertClose(lgammaScalar(x), want, SCALAR_TOL, 1e-12, `lgammaScalar(${x})`);
});

test('digammaScalar matches known values', () => {
  for (const [x, want] of DIGAMMA_CASES) assertClose(digammaScalar(x), want, SCALAR_TOL, 1e-12, `digammaScalar(${x})`);
});

test('scalar recurrences: lgamma(x+1) = lgamma(x) + ln x, digamma(x+1) = digamma(x) + 1/x', () => {
  for (const x of [0.05, 0.3, 1, 1.7, 4.2, 12.5, 55]) {
    assertClose(lgammaScalar(x + 1), lgammaScalar(x) + Math.log(x), SCALAR_TOL, 1e-12, `lgamma recurrence at ${x}`);
    assertClose(digammaScalar(x + 1), digammaScalar(x) + 1 / x, SCALAR_TOL, 1e-12, `digamma recurrence at ${x}`);
  }
});

test('tensor lgamma and digamma match the known values (float32 tolerance)', () => {
  const xs = LGAMMA_CASES.map(([x]) => x);
  const got = tf.tidy(() => lgamma(tf.tensor1d(xs)).dataSync());
  assertAllClose(got, LGAMMA_CASES.map(([, v]) => v), 2e-5, 2e-6, 'lgamma');
  const dxs = DIGAMMA_CASES.map(([x]) => x);
  const dgot = tf.tidy(() => digamma(tf.tensor1d(dxs)).dataSync());
  assertAllClose(dgot, DIGAMMA_CASES.map(([, v]) => v), 2e-5, 2e-6, 'digamma');
});

test('tensor digamma satisfies digamma(x+1) = digamma(x) + 1/x', () => {
  const xs = [0.2, 0.9, 1.5, 3, 7.25, 20];
  const [a, b] = tf.tidy(() => {
    const x = tf.tensor1d(xs);
    return [digamma(tf.add(x, 1)).dataSync(), digamma(x).dataSync()];
  });
  for (let i = 0; i < xs.length; i++) assertClose(a[i]!, b[i]! + 1 / xs[i]!, 1e-5, 1e-6, `digamma recurrence at ${xs[i]}`);
});

test('tensor lgamma and digamma agree with the scalar versions over a range', () => {
  const xs: number[] = [];
  for (let x = 0.05; x < 40; x *= 1.37) xs.push(x);
  const [lg, dg] = tf.tidy(() => {
    const x = tf.tensor1d(xs);
    return [lgamma(x).dataSync(), digamma(x).dataSync()];
  });
  assertAllClose(lg, xs.map(lgammaScalar), 5e-5, 5e-6, 'lgamma vs scalar');
  assertAllClose(dg, xs.map(digammaScalar), 5e-5, 5e-6, 'digamma vs scalar');
});

test('lbeta(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b); B(1, 1) = 1, B(2, 3) = 1/12', () => {
  const a = [1, 2, 0.5, 3.3];
  const b = [1, 3, 0.5, 7.1];
  const got = tf.tidy(() => lbeta(tf.tensor1d(a), tf.tensor1d(b)).dataSync());
  assertClose(got[0]!, 0, 1e-5, 0, 'lbeta(1,1)');
  assertClose(got[1]!, Math.log(1 / 12), 1e-5, 1e-6, 'lbeta(2,3)');
  assertClose(got[2]!, Math.log(Math.PI), 1e-5, 1e-6, 'lbeta(0.5,0.5)');
  assertClose(got[3]!, lgammaScalar(3.3) + lgammaScalar(7.1) - lgammaScalar(10.4), 1e-4, 1e-5, 'lbeta(3.3,7.1)');
});

test('the gradient of tensor lgamma (tf.grad) is digamma', () => {
  const xs = [0.3, 1, 1.5, 2.5, 6, 15];
  const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(lgamma(x)))(tf.tensor1d(xs)).dataSync());
  assertAllClose(g, xs.map(digammaScalar), 1e-4, 1e-4, 'd lgamma / dx');
});

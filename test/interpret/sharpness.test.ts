import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, ParamSet } from '../../src/nn/index.js';
import { finiteDifferenceHvp, flatParams, lossSlice, measureSharpness, topEigenvalues } from '../../src/interpret/sharpness.js';
import { assertClose } from '../helpers.js';

before(async () => {
  await initBackend();
});

/** A = Q·diag(eigs)·Qᵀ with Q a Householder reflection (so the eigenvectors are not the axes). */
function symmetric(eigs: number[]): number[][] {
  const n = eigs.length;
  const u = eigs.map((_, i) => Math.sin(i + 1));
  const un = Math.sqrt(u.reduce((a, b) => a + b * b, 0));
  const q = u.map((ui, i) => u.map((uj, j) => (i === j ? 1 : 0) - (2 * ui * uj) / (un * un)));
  return q.map((_, i) => q.map((_, j) => eigs.reduce((s, e, k) => s + q[i]![k]! * e * q[j]![k]!, 0)));
}

const EIGS = [10, -7, 5, 3, 2, 1, 0.5];

function quadratic() {
  const A = symmetric(EIGS);
  const n = EIGS.length;
  const params = new ParamSet();
  const theta0 = Float32Array.from({ length: n }, (_, i) => 0.3 * (i - 3));
  params.add('theta', [n, 1], theta0);
  const a = tf.keep(tf.tensor2d(A.flat(), [n, n]));
  // L(θ) = ½ θᵀAθ, whose Hessian is A everywhere.
  const lossFn = () => tf.mul(0.5, tf.sum(tf.mul(params.get('theta'), tf.matMul(a, params.get('theta')))));
  return { A, params, lossFn, theta0, dispose: () => (a.dispose(), params.dispose()) };
}

test('power iteration with deflation finds the eigenvalues of an exact symmetric operator, largest magnitude first', () => {
  const A = symmetric(EIGS);
  const hvp = (v: Float64Array) => Float64Array.from(A, (row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
  const { values } = topEigenvalues(hvp, EIGS.length, { k: 5, iterations: 500, tol: 1e-12 });
  [10, -7, 5, 3, 2].forEach((e, i) => assertClose(values[i]!, e, 1e-6, 0, `eigenvalue ${i + 1}`));
});

test('finite-difference Hessian-vector products of a quadratic loss recover its top and fifth eigenvalues', () => {
  const q = quadratic();
  const hvp = finiteDifferenceHvp(q.params, ['theta'], q.lossFn, 1e-2);
  const { values } = topEigenvalues(hvp, EIGS.length, { k: 5, iterations: 300, tol: 1e-9, seed: 3 });
  assertClose(values[0]!, 10, 2e-3, 0, 'top eigenvalue');
  assertClose(values[4]!, 2, 2e-3, 0, 'fifth eigenvalue');
  // The parameters are back where they were.
  assert.deepEqual(Array.from(flatParams(q.params, ['theta'])), Array.from(q.theta0));
  q.dispose();
});

test('a loss slice along a direction follows the quadratic exactly and restores the parameters', () => {
  const q = quadratic();
  const d = [1, 0, 2, 0, 0, -1, 0];
  const s = lossSlice(q.params, ['theta'], q.lossFn, d, { radius: 1, points: 5 });
  assert.deepEqual(s.lambdas, [-1, -0.5, 0, 0.5, 1]);
  assertClose(s.directionNorm, Math.sqrt(6), 1e-9);
  const dn = d.map((x) => x / Math.sqrt(6));
  s.lambdas.forEach((l, k) => {
    const th = Array.from(q.theta0, (t, i) => t + l * dn[i]!);
    const expected = 0.5 * th.reduce((acc, ti, i) => acc + ti * q.A[i]!.reduce((r, aij, j) => r + aij * th[j]!, 0), 0);
    assertClose(s.losses[k]!, expected, 1e-4, 1e-5, `loss at lambda ${l}`);
  });
  assert.deepEqual(Array.from(flatParams(q.params, ['theta'])), Array.from(q.theta0));
  const report = measureSharpness(q.params, ['theta'], q.lossFn, d, { points: 3, iterations: 300, tol: 1e-9 });
  assertClose(report.topToFifth, 5, 0.01, 0, 'lambda1 / lambda5');
  q.dispose();
});

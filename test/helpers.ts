/** Shared float-comparison and small numeric helpers for the tests (not a test file itself). */
import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ atol + rtol·|expected|. */
export function assertClose(actual: number, expected: number, atol = 1e-6, rtol = 0, what = 'value'): void {
  const diff = Math.abs(actual - expected);
  const tol = atol + rtol * Math.abs(expected);
  if (!(diff <= tol)) {
    assert.fail(`${what}: expected ${expected}, got ${actual} (|diff| ${diff.toExponential(3)} > tol ${tol.toExponential(3)})`);
  }
}

/** Elementwise assertClose over two equal-length arrays. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = 0, what = 'array'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i]!, expected[i]!, atol, rtol, `${what}[${i}]`);
}

export function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

export function mean(xs: ArrayLike<number>): number {
  return sum(xs) / xs.length;
}

/** Float64 log-softmax of a row. */
export function logSoftmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

export function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

export function softmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Composite Simpson's rule on [a, b] with `n` (even) intervals. */
export function simpson(f: (x: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** Two trainers' weights and Adam state are identical (same names, same values, same moments). */
export function assertSameWeightsAndAdam(
  a: { params: { read(): Map<string, unknown> }; optimizer: { getState(): unknown } },
  b: { params: { read(): Map<string, unknown> }; optimizer: { getState(): unknown } },
): void {
  const pa = a.params.read();
  const pb = b.params.read();
  assert.deepEqual([...pb.keys()], [...pa.keys()]);
  for (const [name, values] of pa) assert.deepEqual(pb.get(name), values, `parameter ${name}`);
  assert.deepEqual(b.optimizer.getState(), a.optimizer.getState(), 'Adam moments too');
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGae, standardize, type GaeInput } from '../../src/algos/ppo/gae.js';
import { assertAllClose, assertClose } from '../nn/helpers.js';

function input(p: {
  T: number;
  num: number;
  rewards: number[];
  values: number[];
  lastValues: number[];
  terminated?: number[];
  truncated?: number[];
  truncationValues?: number[];
  gamma: number;
  lambda: number;
}): GaeInput {
  const size = p.T * p.num;
  return {
    length: p.T,
    num: p.num,
    rewards: Float32Array.from(p.rewards),
    values: Float32Array.from(p.values),
    terminated: Uint8Array.from(p.terminated ?? new Array(size).fill(0)),
    truncated: Uint8Array.from(p.truncated ?? new Array(size).fill(0)),
    truncationValues: Float32Array.from(p.truncationValues ?? new Array(size).fill(0)),
    lastValues: Float32Array.from(p.lastValues),
    gamma: p.gamma,
    lambda: p.lambda,
  };
}

const TOL = 1e-5;

test('GAE hand example: T=3, no episode boundary, bootstrap from lastValue', () => {
  // γ = 0.9, λ = 0.8, γλ = 0.72.
  // δ2 = 2 + 0.9·0.3 − 0.1 = 2.17         A2 = 2.17
  // δ1 = 0 + 0.9·0.1 − 0.2 = −0.11        A1 = −0.11 + 0.72·2.17   = 1.4524
  // δ0 = 1 + 0.9·0.2 − 0.5 = 0.68         A0 = 0.68  + 0.72·1.4524 = 1.725728
  // value targets = A + V = [2.225728, 1.6524, 2.27]
  const { advantages, valueTargets } = computeGae(
    input({ T: 3, num: 1, rewards: [1, 0, 2], values: [0.5, 0.2, 0.1], lastValues: [0.3], gamma: 0.9, lambda: 0.8 }),
  );
  assertAllClose(advantages, [1.725728, 1.4524, 2.17], TOL, 0, 'advantages');
  assertAllClose(valueTargets, [2.225728, 1.6524, 2.27], TOL, 0, 'value targets');
});

test('GAE: a terminated step does not bootstrap and restarts the recursion', () => {
  // T=4, rewards all 1, values [0.5, 0.4, 0.3, 0.2], terminated at t=1, lastValue 0.6.
  // t=3: δ = 1 + 0.9·0.6 − 0.2 = 1.34                  A3 = 1.34
  // t=2: δ = 1 + 0.9·0.2 − 0.3 = 0.88                  A2 = 0.88 + 0.72·1.34 = 1.8448
  // t=1 (terminated): δ = 1 + 0 − 0.4 = 0.6            A1 = 0.6   (no A2 carried over)
  // t=0: δ = 1 + 0.9·0.4 − 0.5 = 0.86                  A0 = 0.86 + 0.72·0.6 = 1.292
  const base = { T: 4, num: 1, rewards: [1, 1, 1, 1], values: [0.5, 0.4, 0.3, 0.2], lastValues: [0.6], gamma: 0.9, lambda: 0.8 };
  const { advantages, valueTargets } = computeGae(input({ ...base, terminated: [0, 1, 0, 0] }));
  assertAllClose(advantages, [1.292, 0.6, 1.8448, 1.34], TOL, 0, 'advantages');
  assertAllClose(valueTargets, [1.792, 1.0, 2.1448, 1.54], TOL, 0, 'value targets');
  // Terminated wins over truncated at the same step (no bootstrap even with a truncation value).
  const both = computeGae(input({ ...base, terminated: [0, 1, 0, 0], truncated: [0, 1, 0, 0], truncationValues: [0, 5, 0, 0] }));
  assertAllClose(both.advantages, [1.292, 0.6, 1.8448, 1.34], TOL, 0, 'terminated and truncated');
});

test('GAE: a truncated step bootstraps with its truncation value and restarts the recursion', () => {
  // As above but truncated at t=1 with V(final obs) = 2.0; truncation values elsewhere are ignored.
  // t=3: A3 = 1.34;  t=2: A2 = 1.8448
  // t=1 (truncated): δ = 1 + 0.9·2.0 − 0.4 = 2.4      A1 = 2.4
  // t=0: δ = 0.86                                     A0 = 0.86 + 0.72·2.4 = 2.588
  const { advantages, valueTargets } = computeGae(
    input({
      T: 4,
      num: 1,
      rewards: [1, 1, 1, 1],
      values: [0.5, 0.4, 0.3, 0.2],
      lastValues: [0.6],
      truncated: [0, 1, 0, 0],
      truncationValues: [99, 2.0, 99, 99],
      gamma: 0.9,
      lambda: 0.8,
    }),
  );
  assertAllClose(advantages, [2.588, 2.4, 1.8448, 1.34], TOL, 0, 'advantages');
  assertAllClose(valueTargets, [3.088, 2.8, 2.1448, 1.54], TOL, 0, 'value targets');
});

test('GAE: num=2 copies interleaved time-major (index t·num + i)', () => {
  // Copy 0 is the hand example above. Copy 1: rewards [0.5, −1, 3], values [1, 0, 2],
  // terminated at its last step so lastValue (100) is ignored.
  // t=2 (terminated): δ = 3 − 2 = 1                    A = 1
  // t=1: δ = −1 + 0.9·2 − 0 = 0.8                      A = 0.8 + 0.72·1 = 1.52
  // t=0: δ = 0.5 + 0.9·0 − 1 = −0.5                    A = −0.5 + 0.72·1.52 = 0.5944
  const { advantages, valueTargets } = computeGae(
    input({
      T: 3,
      num: 2,
      rewards: [1, 0.5, 0, -1, 2, 3],
      values: [0.5, 1, 0.2, 0, 0.1, 2],
      terminated: [0, 0, 0, 0, 0, 1],
      lastValues: [0.3, 100],
      gamma: 0.9,
      lambda: 0.8,
    }),
  );
  assertAllClose(advantages, [1.725728, 0.5944, 1.4524, 1.52, 2.17, 1], TOL, 0, 'advantages');
  assertAllClose(valueTargets, [2.225728, 1.5944, 1.6524, 1.52, 2.27, 3], TOL, 0, 'value targets');
});

test('GAE limits: λ = 0 gives the one-step TD error; λ = 1 gives the discounted return minus V', () => {
  const p = { T: 3, num: 1, rewards: [1, 0, 2], values: [0.5, 0.2, 0.1], lastValues: [0.3], gamma: 0.9 };
  const td = computeGae(input({ ...p, lambda: 0 }));
  assertAllClose(td.advantages, [0.68, -0.11, 2.17], TOL, 0, 'λ = 0');
  const mc = computeGae(input({ ...p, lambda: 1 }));
  // Returns: G2 = 2 + 0.9·0.3 = 2.27; G1 = 0 + 0.9·2.27 = 2.043; G0 = 1 + 0.9·2.043 = 2.8387.
  assertAllClose(mc.valueTargets, [2.8387, 2.043, 2.27], TOL, 0, 'λ = 1 targets');
  assertAllClose(mc.advantages, [2.3387, 1.843, 2.17], TOL, 0, 'λ = 1 advantages');
});

test('GAE rejects arrays of the wrong length, naming them', () => {
  const ok = input({ T: 2, num: 2, rewards: [0, 0, 0, 0], values: [0, 0, 0, 0], lastValues: [0, 0], gamma: 0.9, lambda: 0.9 });
  assert.throws(() => computeGae({ ...ok, rewards: new Float32Array(3) }), /rewards/);
  assert.throws(() => computeGae({ ...ok, truncated: new Uint8Array(5) }), /truncated/);
  assert.throws(() => computeGae({ ...ok, lastValues: new Float32Array(1) }), /lastValues/);
});

test('standardize: mean 0 and (population) std 1', () => {
  const x = Float32Array.from([1, 2, 3, 4, 10, -3]);
  const out = standardize(x);
  const m = out.reduce((s, v) => s + v, 0) / out.length;
  const sd = Math.sqrt(out.reduce((s, v) => s + (v - m) ** 2, 0) / out.length);
  assertClose(m, 0, 1e-6, 0, 'mean');
  assertClose(sd, 1, 1e-6, 0, 'std');
  // Hand check for [1, 2, 3, 4]: mean 2.5, std √1.25.
  const s = Math.sqrt(1.25);
  assertAllClose(standardize(Float32Array.from([1, 2, 3, 4])), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], 1e-6, 0, '[1,2,3,4]');
  assert.notEqual(out, x, 'a new array is returned');
});

test('standardize floors the std at 1e-4 (constant input gives zeros, not NaN)', () => {
  assert.deepEqual(Array.from(standardize(Float32Array.from([5, 5, 5]))), [0, 0, 0]);
  // Two values 2e-5 apart: population std 1e-5 < 1e-4, so the output is ±(1e-5)/(1e-4) = ±0.1, not ±1.
  const x = Float32Array.from([1, 1 + 2e-5]);
  const half = (x[1]! - x[0]!) / 2;
  const out = standardize(x);
  assertAllClose(out, [-half / 1e-4, half / 1e-4], 1e-4, 0, 'floored');
  assertClose(Math.abs(out[0]!), 0.1, 2e-3, 0, 'roughly ±0.1');
  assert.equal(standardize(new Float32Array(0)).length, 0);
});

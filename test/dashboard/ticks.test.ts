import { test } from 'node:test';
import assert from 'node:assert/strict';
// ticks.ts uses no DOM, so the browser client's axis code is tested here directly.
import { niceTicks, niceDomain, tickLabels, logScale, linearScale } from '../../src/dashboard/client/ticks.js';

test('nice ticks are 1, 2 or 5 times a power of ten and cover the range', () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.94, 1.4), [1, 1.1, 1.2, 1.3, 1.4]);
  assert.deepEqual(niceDomain(0.94, 1.4), [0.9, 1.4]);
  assert.deepEqual(niceDomain(5, 5), [4.5, 5.5], 'a flat range gets some height');
  const s = linearScale([0, 10], [100, 200]);
  assert.equal(s(5), 150);
});

test('tick labels: just enough digits to tell neighbours apart, k/M for large counts, 0 for zero', () => {
  assert.deepEqual(tickLabels([1.38, 1.382, 1.384]), ['1.380', '1.382', '1.384']);
  assert.deepEqual(tickLabels([0, 0.0005, 0.001]), ['0', '0.0005', '0.0010']);
  assert.deepEqual(tickLabels([0, 50000, 100000, 150000]), ['0', '50k', '100k', '150k']);
  assert.deepEqual(tickLabels([-3e6, 0]), ['-3M', '0']);
});

test('log scale: ticks at 1, 2, 5 per decade inside the domain', () => {
  const s = logScale([0.01, 10], [0, 300]);
  assert.deepEqual(s.ticks, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]);
  assert.equal(s(0.1), 100);
  assert.equal(s.log, true);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lcsLength, rougeL, rougeTokens } from '../../src/util/rouge.js';
import { normalQuantile, wilsonInterval, winRate } from '../../src/util/win-rate.js';
import { assertClose } from '../helpers.js';

test('ROUGE-L against hand-computed values', () => {
  assert.deepEqual(rougeTokens('Hello, World! 42-times'), ['hello', 'world', '42', 'times']);
  assert.equal(lcsLength(['a', 'b', 'c', 'd'], ['b', 'd', 'a']), 2);
  // 6 words each, LCS "the cat on the mat" = 5: P = R = F = 5/6.
  const a = rougeL('the cat sat on the mat', 'The cat is on the mat.');
  assertClose(a.precision, 5 / 6, 1e-12);
  assertClose(a.recall, 5 / 6, 1e-12);
  assertClose(a.f, 5 / 6, 1e-12);
  // LCS "the gunman" = 2 of 4 candidate and 6 reference words: P 1/2, R 1/3, F 2·(1/6)/(5/6) = 0.4.
  const b = rougeL('police killed the gunman', 'the gunman was killed by police');
  assertClose(b.precision, 0.5, 1e-12);
  assertClose(b.recall, 1 / 3, 1e-12);
  assertClose(b.f, 0.4, 1e-12);
  assert.equal(rougeL('Hello, world', 'hello world!').f, 1);
  assert.deepEqual(rougeL('', 'anything'), { precision: 0, recall: 0, f: 0 });
  assert.equal(rougeL('x y', 'z').f, 0);
});

test('win rate: ties count half, Wilson 95% interval by hand', () => {
  assertClose(normalQuantile(0.975), 1.959963984540054, 1e-8);
  // Wilson for 5 of 10: the textbook [0.2366, 0.7634].
  const [lo, hi] = wilsonInterval(0.5, 10);
  assertClose(lo, 0.236593090512564, 1e-8);
  assertClose(hi, 0.7634069094874361, 1e-8);
  const cand = [3, 2, 2, 5, 1, 4, 4, 0, 1, 2];
  const base = [1, 1, 2, 3, 2, 0, 4, 0, 0, 1];
  const w = winRate(cand, base);
  assert.deepEqual([w.wins, w.ties, w.losses, w.n], [6, 3, 1, 10]);
  assertClose(w.rate, 0.75, 1e-12);
  // p = 0.75, n = 10, z = 1.96: centre (p + z²/2n)/(1 + z²/n), half-width z·sqrt(p(1−p)/n + z²/4n²)/(1 + z²/n).
  assertClose(w.low, 0.44218142427854984, 1e-8);
  assertClose(w.high, 0.9190521757900056, 1e-8);
  const swapped = winRate(base, cand);
  assertClose(swapped.rate, 0.25, 1e-12);
  assert.throws(() => winRate([1], [1, 2]), /winRate/);
});

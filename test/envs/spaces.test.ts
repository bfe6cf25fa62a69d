import { test } from 'node:test';
import assert from 'node:assert/strict';
import { box, contains, describe, dict, dictKeys, discrete, flatDim, flatten, multiBinary, sample } from '../../src/envs/spaces.js';
import { Rng } from '../../src/util/rng.js';

test('discrete flattens to one-hot', () => {
  assert.deepEqual(Array.from(flatten(discrete(4), 2)), [0, 0, 1, 0]);
  assert.equal(flatDim(discrete(7)), 7);
});

test('multibinary and box are copied as they are', () => {
  assert.deepEqual(Array.from(flatten(multiBinary(3), Int8Array.from([1, 0, 1]))), [1, 0, 1]);
  assert.deepEqual(Array.from(flatten(box(-1, 1, [2]), Float32Array.from([0.5, -0.25]))), [0.5, -0.25]);
});

test('dict flattens children in sorted key order: one-hot then bits', () => {
  // Keys are given in reverse order on purpose; sorting must put "agent" first.
  const space = dict({ tomatoes: multiBinary(3), agent: discrete(4) });
  assert.deepEqual(dictKeys(space), ['agent', 'tomatoes']);
  assert.equal(flatDim(space), 7);
  const flat = flatten(space, { tomatoes: Int8Array.from([0, 1, 1]), agent: 1 });
  assert.deepEqual(Array.from(flat), [0, 1, 0, 0, 0, 1, 1]);
});

test('tomato level-4 layout is 26 one-hot + 10 bits = 36 dims', () => {
  const space = dict({ agent: discrete(26), tomatoes: multiBinary(10) });
  assert.equal(flatDim(space), 36);
  const bits = new Int8Array(10);
  bits[9] = 1;
  const flat = flatten(space, { agent: 25, tomatoes: bits });
  assert.equal(flat[25], 1);
  assert.equal(flat[35], 1);
  assert.equal(flat.reduce((a, b) => a + b, 0), 2);
});

test('contains accepts members and rejects non-members', () => {
  assert.ok(contains(discrete(3), 0));
  for (const bad of [-1, 3, 1.5, Number.NaN, '1', null]) assert.equal(contains(discrete(3), bad), false, `discrete(3) must reject ${String(bad)}`);
  assert.ok(contains(multiBinary(2), Int8Array.from([0, 1])));
  assert.equal(contains(multiBinary(2), Int8Array.from([0, 2])), false);
  assert.equal(contains(multiBinary(2), Int8Array.from([0, 1, 1])), false);
  assert.ok(contains(box(0, 1, [2]), Float32Array.from([0, 1])));
  assert.equal(contains(box(0, 1, [2]), Float32Array.from([0, 1.5])), false);
  const d = dict({ agent: discrete(2), tomatoes: multiBinary(2) });
  assert.ok(contains(d, { agent: 1, tomatoes: Int8Array.from([1, 1]) }));
  assert.equal(contains(d, { agent: 2, tomatoes: Int8Array.from([1, 1]) }), false);
  assert.equal(contains(d, { agent: 1 }), false);
  assert.equal(contains(d, { agent: 1, tomatoes: Int8Array.from([1, 1]), extra: 0 }), false);
});

test('sample always lands in the space and is reproducible from the seed', () => {
  const space = dict({ a: discrete(5), b: multiBinary(4), c: box(-2, 3, [3]) });
  const r1 = new Rng(11);
  const r2 = new Rng(11);
  for (let i = 0; i < 200; i++) {
    const x = sample(space, r1);
    assert.ok(contains(space, x));
    assert.deepEqual(flatten(space, x), flatten(space, sample(space, r2)));
  }
});

test('describe names the spaces', () => {
  assert.equal(describe(dict({ tomatoes: multiBinary(10), agent: discrete(26) })), 'Dict(agent: Discrete(26), tomatoes: MultiBinary(10))');
  assert.equal(describe(box(0, 1, [2, 3])), 'Box(0, 1, [2, 3])');
});

test('constructors reject bad sizes', () => {
  assert.throws(() => discrete(0), RangeError);
  assert.throws(() => multiBinary(1.5), RangeError);
  assert.throws(() => box([0, 2], [1, 1]), RangeError);
});

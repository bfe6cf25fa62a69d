import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleValue, resolvePpoConfig, deepMerge, PPO_DEFAULTS, TOMATO_PPO } from '../../src/algos/ppo/config.js';
import { assertClose } from '../nn/helpers.js';

test('scheduleValue: a constant is returned as is', () => {
  assert.equal(scheduleValue(0.01, 0), 0.01);
  assert.equal(scheduleValue(0.01, 1e9), 0.01);
});

test('scheduleValue: linear between points, flat before the first and after the last', () => {
  const s: [number, number][] = [
    [10, 1],
    [20, 3],
    [40, -1],
  ];
  assert.equal(scheduleValue(s, 0), 1);
  assert.equal(scheduleValue(s, 10), 1);
  assertClose(scheduleValue(s, 15), 2, 1e-12, 0, 'mid first segment');
  assertClose(scheduleValue(s, 17.5), 2.5, 1e-12, 0, 'first segment');
  assert.equal(scheduleValue(s, 20), 3);
  assertClose(scheduleValue(s, 30), 1, 1e-12, 0, 'mid second segment');
  assertClose(scheduleValue(s, 35), 0, 1e-12, 0, 'second segment');
  assert.equal(scheduleValue(s, 40), -1);
  assert.equal(scheduleValue(s, 1e6), -1);
  const decay: [number, number][] = [
    [0, 0.1],
    [1000, 0],
  ];
  assertClose(scheduleValue(decay, 250), 0.075, 1e-12, 0, 'decay');
  assert.equal(scheduleValue([[5, 0.3]], 100), 0.3);
  // A repeated step makes a jump, not a division by zero.
  const jump: [number, number][] = [
    [0, 0],
    [10, 0],
    [10, 5],
    [20, 5],
  ];
  assert.ok(Number.isFinite(scheduleValue(jump, 10)));
  assert.equal(scheduleValue(jump, 15), 5);
});

test('resolvePpoConfig: environment defaults, overrides deep-merged, arrays replaced, defaults untouched', () => {
  assert.deepEqual(resolvePpoConfig('tomato'), TOMATO_PPO);
  assert.deepEqual(resolvePpoConfig('some-other-env'), PPO_DEFAULTS);
  const c = resolvePpoConfig('tomato', { lr: 3e-4, model: { hidden: [64] }, entropyCoeff: [[0, 0.01], [1000, 0]] });
  assert.equal(c.lr, 3e-4);
  assert.deepEqual(c.model, { hidden: [64], activation: 'tanh', vfShareLayers: false });
  assert.deepEqual(c.entropyCoeff, [
    [0, 0.01],
    [1000, 0],
  ]);
  assert.equal(c.numEnvs, 30);
  c.model.hidden.push(1);
  assert.deepEqual(TOMATO_PPO.model.hidden, [512, 512, 512, 512], 'defaults must not be mutated');
  assert.equal(TOMATO_PPO.lr, 1e-3);
  assert.equal(resolvePpoConfig('tomato', { vfClipParam: null, gradClip: null }).vfClipParam, null);
});

test('resolvePpoConfig rejects unknown keys, naming them', () => {
  assert.throws(() => resolvePpoConfig('tomato', { lrr: 1 }), (e: Error) => e.name === 'ConfigError' && /lrr/.test(e.message) && /ppo/.test(e.message));
  assert.throws(() => resolvePpoConfig('tomato', { model: { widths: [3] } }), (e: Error) => /ppo\.model/.test(e.message) && /widths/.test(e.message));
});

test('resolvePpoConfig rejects bad values with a message naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ lr: -1 }, /ppo\.lr\b/],
    [{ lr: 0 }, /ppo\.lr\b/],
    [{ lr: 'fast' }, /ppo\.lr\b/],
    [{ gamma: 1.5 }, /ppo\.gamma\b/],
    [{ lambda: -0.1 }, /ppo\.lambda\b/],
    [{ numEnvs: 2.5 }, /ppo\.numEnvs\b/],
    [{ clipParam: 0 }, /ppo\.clipParam\b/],
    [{ vfClipParam: -1 }, /ppo\.vfClipParam\b/],
    [{ standardizeAdvantages: 'yes' }, /ppo\.standardizeAdvantages\b/],
    [{ model: { activation: 'gelu' } }, /ppo\.model\.activation\b/],
    [{ model: { hidden: [64, -1] } }, /ppo\.model\.hidden\.1\b/],
    [{ entropyCoeff: [[-1, 0.1]] }, /ppo\.entropyCoeff/],
    [{ entropyCoeff: [] }, /ppo\.entropyCoeff/],
  ];
  for (const [override, re] of cases) {
    assert.throws(() => resolvePpoConfig('tomato', override), re, `override ${JSON.stringify(override)}`);
  }
  // The message also shows the offending value.
  assert.throws(() => resolvePpoConfig('tomato', { lr: -1 }), /-1/);
});

test('deepMerge rejects non-object overrides with the path; null/undefined mean no overrides', () => {
  assert.throws(() => resolvePpoConfig('tomato', 5), /ppo: expected an object/);
  assert.throws(() => resolvePpoConfig('tomato', [1]), /ppo: expected an object/);
  assert.deepEqual(resolvePpoConfig('tomato', null), TOMATO_PPO);
  assert.deepEqual(deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } }, 'x'), { a: { b: 1, c: 3 } });
  assert.throws(() => deepMerge({ a: { b: 1 } }, 'no', 'x.y'), /x\.y: expected an object/);
});

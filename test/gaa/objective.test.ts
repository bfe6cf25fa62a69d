/**
 * Greedy actions from logits, one-step advantages, and the two readings of J_greedy: the prose's
 * gradient moves the greedy action's probability, the published code's the sampled action's.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, type Tensor1D, type Tensor2D } from '../../src/nn/index.js';
import { greedyFromLogits, oneStepAdvantages } from '../../src/algos/gaa/greedy.js';
import { greedyObjective, gaaLoss, clippedSurrogateObjective } from '../../src/algos/gaa/objective.js';
import { resolveGaaConfig } from '../../src/algos/gaa/config.js';
import { ConfigError } from '../../src/util/validate.js';
import { assertClose, assertAllClose, softmax } from '../helpers.js';

before(async () => {
  await initBackend();
});

test('greedy actions: argmax per row (first on ties), with its softmax probability', () => {
  const logits = [0, 3, 0, 0, /* row 2 */ 1, 1, -2, 0.5, /* row 3 */ -1, -1, -1, 4];
  const g = greedyFromLogits(logits, 3, 4);
  assert.deepEqual(Array.from(g.actions), [1, 0, 3]);
  assertClose(g.probs[0]!, Math.exp(3) / (Math.exp(3) + 3), 1e-15);
  assertClose(g.probs[1]!, softmax([1, 1, -2, 0.5])[0]!, 1e-15);
  assertClose(g.probs[2]!, softmax([-1, -1, -1, 4])[3]!, 1e-15);
  assertAllClose(g.logProbs, Array.from(g.probs, Math.log), 1e-14);
  assert.throws(() => greedyFromLogits([0, 1, 2], 2, 2), /3 logits for 2 rows of 2/);
  assert.throws(() => greedyFromLogits([NaN, NaN], 1, 2), /non-finite/);
});

test('one-step advantages: r + γ·V(next) − V(now), without the bootstrap after a terminal step', () => {
  const a = oneStepAdvantages({ rewards: [0.52, 0, 1], nextValues: [2, 3, 100], values: [1, 0.5, 0.25], terminal: [0, 0, 1], gamma: 0.99 });
  assertAllClose(a, [0.52 + 0.99 * 2 - 1, 0.99 * 3 - 0.5, 1 - 0.25], 1e-15);
  // The token setting: γ = 1, no reward before the end, the sequence's reward at the last token.
  const tok = oneStepAdvantages({ rewards: [0, 0, 0.8], nextValues: [0.2, 0.5, 0], values: [0.1, 0.2, 0.5], terminal: [0, 0, 1], gamma: 1 });
  assertAllClose(tok, [0.2 - 0.1, 0.5 - 0.2, 0.8 - 0.5], 1e-15);
  assert.throws(() => oneStepAdvantages({ rewards: [0], nextValues: [0, 1], values: [0], terminal: [0], gamma: 1 }), /nextValues has 2 entries/);
});

/** The gradient of J_greedy with respect to the logits, at logits equal to the rollout's (ratio 1). */
function greedyGrad(variant: 'prose' | 'published', logits: number[][], sampled: number[], greedy: number[], adv: number[]): number[][] {
  const n = logits.length;
  const k = logits[0]!.length;
  const l = tf.tensor2d(logits);
  const logp = (x: Tensor2D, acts: number[]) => tf.sum(tf.mul(tf.logSoftmax(x), tf.oneHot(tf.tensor1d(acts, 'int32'), k)), 1) as Tensor1D;
  const old = tf.tidy(() => ({ s: logp(l, sampled), g: logp(l, greedy) }));
  const g = tf.grad((x: tf.Tensor) =>
    greedyObjective(variant, {
      sampledLogp: logp(x as Tensor2D, sampled),
      sampledLogpOld: old.s,
      greedyLogp: logp(x as Tensor2D, greedy),
      greedyLogpOld: old.g,
      greedyAdvantages: tf.tensor1d(adv),
      clip: 0.2,
    }) as tf.Scalar,
  )(l);
  const out = g.arraySync() as number[][];
  tf.dispose([l, old.s, old.g, g]);
  assert.equal(out.length, n);
  return out;
}

test('J_greedy, prose: its gradient raises the greedy action itself (Â*/N · (onehot(x*) − π)); published: the sampled action', () => {
  const logits = [
    [0.2, 1.5, -0.3],
    [1.0, 0.1, 0.4],
  ];
  const sampled = [2, 1];
  const greedy = [1, 0];
  const adv = [0.8, -0.5];
  const expected = (acts: number[]) => logits.map((row, i) => softmax(row).map((p, j) => (adv[i]! / logits.length) * ((j === acts[i] ? 1 : 0) - p)));
  const prose = greedyGrad('prose', logits, sampled, greedy, adv);
  const published = greedyGrad('published', logits, sampled, greedy, adv);
  prose.forEach((row, i) => assertAllClose(row, expected(greedy)[i]!, 1e-6, 0, `prose row ${i}`));
  published.forEach((row, i) => assertAllClose(row, expected(sampled)[i]!, 1e-6, 0, `published row ${i}`));
  // Where the sampled action is the greedy one, both readings agree.
  const same = greedyGrad('prose', logits, greedy, greedy, adv);
  assertAllClose(same.flat(), greedyGrad('published', logits, greedy, greedy, adv).flat(), 1e-7);
});

test('clipped surrogate: min(ρA, clip(ρ)A), an objective to maximise', () => {
  const v = tf.tidy(() =>
    clippedSurrogateObjective(tf.tensor1d([Math.log(1.5), Math.log(0.5), 0]), tf.tensor1d([0, 0, 0]), tf.tensor1d([1, 1, -2]), 0.2).dataSync()[0]!,
  );
  // ρ = 1.5, A = 1 → min(1.5, 1.2) = 1.2; ρ = 0.5, A = 1 → min(0.5, 0.8) = 0.5; ρ = 1, A = −2 → −2.
  assertClose(v, (1.2 + 0.5 - 2) / 3, 1e-6);
});

test('gaaLoss = a·L_PPO − b·J_greedy (so descending it ascends a·J + b·J_greedy)', () => {
  const v = tf.tidy(() => gaaLoss(0.75, tf.scalar(2), -1, tf.scalar(0.5)).dataSync()[0]!);
  assertClose(v, 0.75 * 2 + 0.5, 1e-7);
});

test('GAA config: defaults, snake_case aliases, and errors that name the field and the allowed values', () => {
  assert.deepEqual(resolveGaaConfig({}), { variant: 'prose', xEta: 1, xSig: 1, decayPower: 10 });
  assert.deepEqual(resolveGaaConfig({ x_eta: 1.25, x_sig: 3, variant: 'published' }), { variant: 'published', xEta: 1.25, xSig: 3, decayPower: 10 });
  assert.throws(() => resolveGaaConfig({ variant: 'code' }), (e: unknown) => e instanceof ConfigError && /gaa\.variant/.test(e.message) && /prose/.test(e.message) && /"code"/.test(e.message));
  assert.throws(() => resolveGaaConfig({ xSig: -1 }), (e: unknown) => e instanceof ConfigError && /gaa\.xSig/.test(e.message) && /-1/.test(e.message));
  assert.throws(() => resolveGaaConfig({ xSigma: 1 }), (e: unknown) => e instanceof ConfigError && /xSigma/.test(e.message));
  assert.throws(() => resolveGaaConfig({ xSig: 1, x_sig: 2 }), /given twice/);
  assert.throws(() => resolveGaaConfig(3), /expected an object/);
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/nn/index.js';
import { GptNeoX, makeLmConfig } from '../../src/lm/model/index.js';
import { generate, chooseToken } from '../../src/lm/generate/index.js';
import { scoreResponses } from '../../src/lm/train/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose, assertClose } from './helpers.js';

let model: GptNeoX;

before(async () => {
  await initBackend();
  // Large initial weights so that the next-token distributions are far from uniform.
  const cfg = makeLmConfig({ vocabSize: 23, hiddenSize: 16, numAttentionHeads: 2, numHiddenLayers: 2, intermediateSize: 32, maxPositionEmbeddings: 64, initializerRange: 0.4 });
  model = new GptNeoX(cfg, { seed: 9 });
});

const PROMPTS = [[3, 4, 5, 6, 7], [8], [9, 10, 11]];

test('generation with the key/value cache equals generation without it (greedy and sampled)', () => {
  for (const opts of [{ greedy: true }, { temperature: 0.8, topK: 6, topP: 0.9 }, { temperature: 1.3 }]) {
    const a = generate(model, PROMPTS, { ...opts, maxNewTokens: 12, seed: 4, padId: 0 });
    const b = generate(model, PROMPTS, { ...opts, maxNewTokens: 12, seed: 4, padId: 0, useCache: false });
    for (let i = 0; i < PROMPTS.length; i++) {
      assert.deepEqual(a[i]!.tokens, b[i]!.tokens, `${JSON.stringify(opts)} row ${i}`);
      assertAllClose(a[i]!.logProbs, b[i]!.logProbs, 1e-4, 0, 'log-probs');
    }
  }
});

test('a left-padded batch generates what each prompt generates alone', () => {
  const batched = generate(model, PROMPTS, { greedy: true, maxNewTokens: 10 });
  PROMPTS.forEach((p, i) => {
    const alone = generate(model, [p], { greedy: true, maxNewTokens: 10 });
    assert.deepEqual(batched[i]!.tokens, alone[0]!.tokens, `prompt ${i}`);
    assert.deepEqual(batched[i]!.prompt, p);
  });
});

test('stop tokens end a row (kept as its last token); maxNewTokens ends the others', () => {
  const free = generate(model, PROMPTS, { greedy: true, maxNewTokens: 8 });
  assert.ok(free.every((g) => g.tokens.length === 8 && !g.stopped));
  const stop = free[0]!.tokens[2]!;
  const stopped = generate(model, PROMPTS, { greedy: true, maxNewTokens: 8, stopTokens: [stop] });
  const firstStop = free[0]!.tokens.indexOf(stop);
  assert.deepEqual(stopped[0]!.tokens, free[0]!.tokens.slice(0, firstStop + 1));
  assert.equal(stopped[0]!.stopped, true);
  // Prompt plus new tokens must fit the model's 64 positions.
  assert.throws(() => generate(model, [[1, 2]], { maxNewTokens: 63 }), /exceeds the model's 64 positions/);
  PROMPTS.forEach((_, i) => {
    const k = free[i]!.tokens.indexOf(stop);
    assert.deepEqual(stopped[i]!.tokens, k >= 0 ? free[i]!.tokens.slice(0, k + 1) : free[i]!.tokens);
  });
});

test('per-token log-probs of a sample equal a batched forward pass over prompt + response (what PPO uses)', () => {
  const gens = generate(model, PROMPTS, { temperature: 1, maxNewTokens: 9, seed: 2 });
  const scored = scoreResponses(
    model,
    gens.map((g) => g.prompt),
    gens.map((g) => g.tokens),
  );
  gens.forEach((g, i) => assertAllClose(scored[i]!, g.logProbs, 1e-4, 0, `row ${i}`));
  // At temperature 1 without truncation the sampling distribution is the model's.
  gens.forEach((g) => assertAllClose(g.samplingLogProbs, g.logProbs, 1e-9));
});

test('seeded: the same seed repeats a sample, another seed changes it', () => {
  const a = generate(model, PROMPTS, { maxNewTokens: 15, seed: 1 });
  const b = generate(model, PROMPTS, { maxNewTokens: 15, seed: 1 });
  const c = generate(model, PROMPTS, { maxNewTokens: 15, seed: 2 });
  assert.deepEqual(a.map((g) => g.tokens), b.map((g) => g.tokens));
  assert.notDeepEqual(a.map((g) => g.tokens), c.map((g) => g.tokens));
});

test('token choice: greedy, temperature, top-k and top-p against hand-computed distributions', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  const logits = Float32Array.from(probs, (p) => Math.log(p) + 2); // a shift changes nothing
  const rng = new Rng(0);
  assert.equal(chooseToken(logits, 0, 4, { greedy: true }, rng).token, 0);
  assert.equal(chooseToken(logits, 0, 4, { temperature: 0 }, rng).token, 0);
  assert.equal(chooseToken(logits, 0, 4, { topK: 1 }, rng).token, 0);
  const count = (opts: Parameters<typeof chooseToken>[3], n = 4000) => {
    const c = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) c[chooseToken(logits, 0, 4, opts, rng).token]! += 1;
    return c.map((v) => v / n);
  };
  // top-k 2: renormalised 0.5/0.8 and 0.3/0.8.
  const k2 = count({ topK: 2 });
  assert.equal(k2[2]! + k2[3]!, 0);
  assertClose(k2[0]!, 0.625, 0.03);
  // top-p 0.7: 0.5 < 0.7, 0.5 + 0.3 ≥ 0.7, so tokens 0 and 1 remain.
  const p7 = count({ topP: 0.7 });
  assert.equal(p7[2]! + p7[3]!, 0);
  assertClose(p7[1]!, 0.375, 0.03);
  // top-p 0.85 keeps three tokens; the sampling log-prob is of the renormalised set.
  const c85 = chooseToken(logits, 0, 4, { topP: 0.85 }, new Rng(5));
  assertClose(c85.samplingLogProb, Math.log(probs[c85.token]! / 0.95), 1e-6);
  assertClose(c85.logProb, Math.log(probs[c85.token]!), 1e-6);
  // Temperature 0.5 squares the probabilities (then renormalises).
  const t = count({ temperature: 0.5 });
  const sq = probs.map((p) => p * p);
  const z = sq.reduce((a, b) => a + b, 0);
  assertClose(t[0]!, sq[0]! / z, 0.03);
  // An offset into a batch of rows.
  const two = Float32Array.of(0, 0, 0, 0, ...logits);
  assert.equal(chooseToken(two, 4, 4, { greedy: true }, rng).token, 0);
  assertClose(chooseToken(two, 4, 4, { greedy: true }, rng).logProb, Math.log(0.5), 1e-6);
});

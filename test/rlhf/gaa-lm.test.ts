import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, dense, type Tensor1D, type Tensor2D } from '../../src/nn/index.js';
import { GptNeoX, makeLmConfig } from '../../src/lm/index.js';
import { LmPpoTrainer, VALUE_WEIGHT, VALUE_BIAS, type LmPpoStepMetrics } from '../../src/algos/rlhf/trainer.js';
import { resolveRlhfPpoConfig } from '../../src/algos/rlhf/config.js';
import { observeGreedyTokens, greedyFinalRewards, sampledOneStep, type SwappedSequence } from '../../src/algos/rlhf/gaa-lm.js';
import { ConfigError } from '../../src/util/validate.js';
import { assertSameWeightsAndAdam } from '../helpers.js';

before(async () => {
  await initBackend();
});

const cfg = makeLmConfig({ vocabSize: 8, hiddenSize: 16, numAttentionHeads: 2, numHiddenLayers: 1, intermediateSize: 32, maxPositionEmbeddings: 32, initializerRange: 0.3 });
const GOOD = 5;
const prompts = [[1, 2], [3], [2, 2, 4], [6, 1]];
/** Graded so the sequence scores vary within a batch: +1 per GOOD token, −0.5 per token 3. */
const scorer = (_p: readonly number[][], responses: readonly number[][]) => responses.map((r) => r.filter((t) => t === GOOD).length - 0.5 * r.filter((t) => t === 3).length);

function trainer(extra: Record<string, unknown>, seed = 2) {
  const policy = new GptNeoX(cfg, { seed });
  const reference = policy.clone();
  const config = resolveRlhfPpoConfig({ rolloutBatch: 16, minibatch: 8, ppoEpochs: 2, maxNewTokens: 4, lr: 3e-2, regularizer: 'kl-reward', coeff: 0.3, scoreNorm: 'batch', seed, evalEvery: 0, ...extra });
  return new LmPpoTrainer({ policy, reference, prompts, proxy: scorer, gold: scorer, config, stopTokens: [7], padId: 0 });
}

function withoutClock({ seconds: _s, gaa: _g, ...m }: LmPpoStepMetrics) {
  return m;
}

test('σ = 0 (xSig 0): LM GAA trains exactly as LM PPO, bit for bit, and still logs η, σ, P(greedy) and the gradient cosine', () => {
  const ppo = trainer({});
  const gaa = trainer({ algo: 'gaa', gaa: { xSig: 0, xEta: 1.25 } });
  try {
    for (let it = 0; it < 2; it++) {
      const mp = ppo.step();
      const mg = gaa.step();
      assert.deepEqual(withoutClock(mg), withoutClock(mp), `metrics at iteration ${it + 1}`);
      assert.equal(mp.gaa, undefined);
      const g = mg.gaa!;
      assert.equal(g['gaaA'], 1);
      assert.equal(g['gaaB'], 0);
      assert.equal(g['gaaSigmaScaled'], 0);
      assert.ok(Number.isFinite(g['gaaSigma']) && g['gaaSigma'] !== 0, 'σ itself was computed');
      assert.ok(g['greedyProbMean']! > 0 && g['greedyProbMean']! <= 1);
      assert.ok(g['gaaCos']! >= -1 && g['gaaCos']! <= 1, `cos ${g['gaaCos']}`);
    }
    assertSameWeightsAndAdam({ params: ppo.trainable, optimizer: ppo.optimizer }, { params: gaa.trainable, optimizer: gaa.optimizer });
  } finally {
    ppo.dispose();
    gaa.dispose();
  }
});

test('σ > 0: both readings change the update, with a and b of each minibatch logged', () => {
  const ppo = trainer({});
  ppo.step();
  const ref = ppo.trainable.read();
  ppo.dispose();
  for (const variant of ['prose', 'published'] as const) {
    const gaa = trainer({ algo: 'gaa', gaa: { variant, xSig: 5, xEta: 1 } });
    const m = gaa.step();
    const g = m.gaa!;
    assert.ok(g['gaaActiveFrac']! > 0, `${variant}: some minibatch had σ′ > 0`);
    assert.ok(g['gaaA'] !== 1 || g['gaaB'] !== 0, `${variant}: a, b = ${g['gaaA']}, ${g['gaaB']}`);
    assert.ok(g['gaaBMin']! < 0);
    const differs = [...ref].some(([name, v]) => gaa.trainable.read().get(name)!.data.some((x, i) => x !== v.data[i]));
    assert.ok(differs, `${variant}: GAA moved the parameters differently from PPO`);
    gaa.dispose();
  }
});

test('greedy advantages on a hand-made batch: A* = V(prefix + x*) − V(prefix), the greedy final reward at the end, A where x* was sampled', () => {
  // Two responses of lengths 3 and 2 padded to R = 3, vocabulary 4. Logits make the greedy tokens
  // [2, 1, 3] and [0, 3]; the sampled tokens are [2, 0, 1] and [0, 2].
  const V = 4;
  const big = (j: number) => [0, 1, 2, 3].map((i) => (i === j ? 2 : 0));
  const logits = [...big(2), ...big(1), ...big(3), ...big(0), ...big(3), ...big(0)];
  const mask = [1, 1, 1, 1, 1, 0];
  const responseIds = [2, 0, 1, 0, 2, 0];
  const responses = [[2, 0, 1], [0, 2]];
  const values = [0.5, 0.25, -0.5, 1, 2, 0];
  const rewards = [0, 0, 0.75, 0, -1, 0];
  const seen: SwappedSequence[][] = [];
  const vAfter = (q: SwappedSequence) => 10 * q.row + q.position + 0.125; // any function of the sequence
  const out = observeGreedyTokens({
    batch: 2,
    responseLength: 3,
    mask,
    responseIds,
    responses,
    logits,
    vocab: V,
    values,
    rewards,
    gamma: 1,
    logpOf: (ids) => Float32Array.from(ids, (x) => -x),
    valueAfter: (seqs) => (seen.push([...seqs]), seqs.map(vAfter)),
    finalReward: (seqs) => seqs.map((q) => (q.row === 0 ? 2.5 : -3)),
  });
  assert.deepEqual([...out.ids], [2, 1, 3, 0, 3, 0]);
  const p = Math.exp(2) / (Math.exp(2) + 3);
  for (const k of [0, 1, 2, 3, 4]) assert.ok(Math.abs(out.probs[k]! - p) < 1e-12);
  assert.equal(out.probs[5], 0, 'padding');
  // The sampled one-step advantages: r + V(next) − V(now).
  assert.deepEqual([...out.sampledAdvantages], [0.25 - 0.5, -0.5 - 0.25, 0.75 + 0.5, 2 - 1, -1 - 2, 0]);
  assert.deepEqual([...sampledOneStep(rewards, values, mask, 2, 3, 1)], [...out.sampledAdvantages]);
  // Position (0,0): greedy = sampled, so A* = A.
  assert.equal(out.advantages[0], out.sampledAdvantages[0]);
  assert.equal(out.advantages[3], out.sampledAdvantages[3]);
  // Position (0,1): swapped sequence [2, 1]; A* = V(x_<1, x*) − V(x_<1).
  assert.equal(out.advantages[1], 10 * 0 + 1 + 0.125 - 0.25);
  // Last positions use the greedy sequence's reward instead of V.
  assert.equal(out.advantages[2], 2.5 - -0.5);
  assert.equal(out.advantages[4], -3 - 2);
  assert.deepEqual(seen.flat().map((q) => q.response), [[2, 1]], 'only positions whose greedy token differs, and only inner ones, need V');
  assert.equal(out.sampledIsGreedy, 2);
  assert.deepEqual([...out.logpOld], [-2, -1, -3, -0, -3, -0]);
});

test('the trainer reads V(prefix + x*) at the greedy token itself: equal to a direct forward pass through the value head', () => {
  const t = trainer({ algo: 'gaa', gaa: { xSig: 1 } });
  try {
    // Fixed, non-zero value-head weights so V is not trivially 0.
    const w = Float32Array.from({ length: cfg.hiddenSize }, (_, i) => Math.sin(i + 1));
    t.trainable.get(VALUE_WEIGHT).assign(tf.tensor2d(w, [cfg.hiddenSize, 1]));
    t.trainable.get(VALUE_BIAS).assign(tf.tensor1d([0.25]));
    const seqs: SwappedSequence[] = [
      { row: 0, position: 0, response: [4] },
      { row: 2, position: 2, response: [5, 1, 3] },
      { row: 1, position: 1, response: [6, 6] },
    ];
    const got = t.valuesAfter(prompts, seqs);
    seqs.forEach((q, i) => {
      const ids = [...prompts[q.row]!, ...q.response];
      const direct = tf.tidy(() => {
        const h = t.policy.forward({ ids: Int32Array.from(ids), batch: 1 }, { hidden: true }).hidden!;
        const last = tf.reshape(tf.slice(h, [0, ids.length - 1, 0], [1, 1, cfg.hiddenSize]), [1, cfg.hiddenSize]) as Tensor2D;
        return dense(last, t.trainable.get(VALUE_WEIGHT) as unknown as Tensor2D, t.trainable.get(VALUE_BIAS) as unknown as Tensor1D).dataSync()[0]!;
      });
      assert.ok(Math.abs(got[i]! - direct) < 1e-5, `sequence ${i}: ${got[i]} vs ${direct}`);
    });
  } finally {
    t.dispose();
  }
});

test('the greedy final reward is z-scored with the sampled batch mean and std and clamped to ±3', () => {
  const sampled = [0, 1, 2]; // mean 1, sample std 1
  const z = greedyFinalRewards([10, -10, 0.5, 1], sampled, 'batch', 10);
  assert.deepEqual([...z], [3, -3, (0.5 - 1) / (1 + 1e-5), 0]);
  // Without z-scoring the greedy reward is clipped like the sampled scores.
  assert.deepEqual([...greedyFinalRewards([10, -10, 0.5], sampled, 'none', 2)], [2, -2, 0.5]);
  assert.deepEqual([...greedyFinalRewards([10], sampled, 'none', null)], [10]);
});

test('config: algo gaa resolves GAA settings; GAA settings without algo gaa are refused', () => {
  const c = resolveRlhfPpoConfig({ algo: 'gaa', gaa: { x_sig: 3, variant: 'published' } });
  assert.deepEqual(c.gaa, { variant: 'published', xEta: 1, xSig: 3, decayPower: 10 });
  assert.equal(resolveRlhfPpoConfig({}).gaa, null);
  assert.throws(() => resolveRlhfPpoConfig({ gaa: { xSig: 1 } }), ConfigError);
  assert.throws(() => resolveRlhfPpoConfig({ algo: 'gaa', gaa: { variant: 'code' } }), /variant/);
});

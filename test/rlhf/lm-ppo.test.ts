import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/nn/index.js';
import { GptNeoX, makeLmConfig, sequenceLogProbs } from '../../src/lm/index.js';
import { LmPpoTrainer, VALUE_WEIGHT } from '../../src/algos/rlhf/trainer.js';
import { resolveRlhfPpoConfig } from '../../src/algos/rlhf/config.js';
import { RewardModel } from '../../src/rewards/preference/reward-model.js';
import { trainRewardModel } from '../../src/rewards/preference/train-rm.js';
import type { PreferencePair } from '../../src/rewards/preference/preference-data.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

before(async () => {
  await initBackend();
});

const cfg = makeLmConfig({ vocabSize: 8, hiddenSize: 16, numAttentionHeads: 2, numHiddenLayers: 1, intermediateSize: 32, maxPositionEmbeddings: 32, initializerRange: 0.2 });
const GOOD = 5;
const prompts = [[1, 2], [3], [2, 2, 4], [6, 1]];
/** +1 when the response opens with the GOOD token, −1 otherwise. */
const scorer = (_p: readonly number[][], responses: readonly number[][]) => responses.map((r) => (r[0] === GOOD ? 1 : -1));

function trainer(regularizer: 'none' | 'sqrt_chi2' | 'kl' | 'kl-reward', seed = 0) {
  const policy = new GptNeoX(cfg, { seed });
  const reference = policy.clone();
  const config = resolveRlhfPpoConfig({ rolloutBatch: 32, minibatch: 8, ppoEpochs: 2, maxNewTokens: 2, lr: 3e-2, regularizer, coeff: regularizer === 'none' ? 0 : 0.5, seed, evalEvery: 0 });
  return new LmPpoTrainer({ policy, reference, prompts, proxy: scorer, gold: scorer, config, stopTokens: [], padId: 0 });
}

test('a PPO step raises the log-probability of the positively rewarded response', () => {
  const t = trainer('none');
  const before = sequenceLogProbs(t.policy, prompts, prompts.map(() => [GOOD]));
  const m = t.step();
  const after = sequenceLogProbs(t.policy, prompts, prompts.map(() => [GOOD]));
  for (let i = 0; i < prompts.length; i++) assert.ok(after[i]! > before[i]!, `prompt ${i}: ${before[i]} -> ${after[i]}`);
  assert.equal(m.iteration, 1);
  assert.ok(Number.isFinite(m.policyLoss) && Number.isFinite(m.valueLoss));
  assert.equal(m.kl, 0, 'the first rollout comes from the reference itself');
  assert.ok(t.policy.params.names().includes(VALUE_WEIGHT));
  // The reference never moves.
  const refAfter = sequenceLogProbs(t.reference!, prompts, prompts.map(() => [GOOD]));
  assert.deepEqual(refAfter.map((x) => x.toFixed(6)), before.map((x) => x.toFixed(6)));
  t.dispose();
});

test('the in-loss regularizers hold the policy nearer the reference than no regularization', () => {
  const drift = (reg: 'none' | 'sqrt_chi2' | 'kl') => {
    const t = trainer(reg, 3);
    let last = t.step();
    for (let i = 0; i < 3; i++) last = t.step();
    t.dispose();
    return last;
  };
  const free = drift('none');
  const kl = drift('kl');
  const chi = drift('sqrt_chi2');
  assert.ok(free.kl > 0, 'unregularized PPO moves away from the reference');
  assert.ok(kl.kl < free.kl, `KL-regularized drift ${kl.kl} < free drift ${free.kl}`);
  assert.ok(chi.kl < free.kl, `sqrt-chi2-regularized drift ${chi.kl} < free drift ${free.kl}`);
  assert.ok(chi.regLoss > 0 && kl.regLoss > 0);
});

test('same seed, same numbers (timing aside)', () => {
  const run = () => {
    const t = trainer('kl-reward', 4);
    const out = [t.step(), t.step()].map(({ seconds: _s, ...m }) => m);
    t.dispose();
    return out;
  };
  assert.deepEqual(run(), run());
});

test('a reward model learns to prefer the answers its pairs prefer, and survives a save/load round trip', () => {
  const rm = new RewardModel(cfg, { seed: 1 });
  const pairs: PreferencePair[] = [];
  for (let i = 0; i < 24; i++) {
    const prompt = prompts[i % prompts.length]!;
    pairs.push({ example: i, prompt, chosen: [GOOD, 3], rejected: [2, 3], goldChosen: 1, goldRejected: 0, flipped: false });
  }
  const res = trainRewardModel(rm, pairs, pairs.slice(0, 8), { epochs: 4, batchSize: 8, lr: 1e-2, progress: false });
  assert.equal(res.goldAccuracy, 1);
  assert.ok(res.losses.at(-1)! < res.losses[0]!);
  const dir = mkdtempSync(join(tmpdir(), 'gh-rm-'));
  try {
    rm.save(join(dir, 'rm'), null);
    const { model: back } = RewardModel.load(join(dir, 'rm'));
    const s1 = rm.score(prompts, prompts.map(() => [GOOD, 3]));
    const s2 = back.score(prompts, prompts.map(() => [GOOD, 3]));
    for (let i = 0; i < s1.length; i++) assert.ok(Math.abs(s1[i]! - s2[i]!) < 1e-5);
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rm.dispose();
  }
});

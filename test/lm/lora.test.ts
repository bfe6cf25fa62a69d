import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { initBackend, tf, type NamedArray } from '../../src/nn/index.js';
import { GptNeoX, makeLmConfig, trainSft } from '../../src/lm/index.js';
import { attachLora, loadLora, loraBName, mergeLora, saveLora, NEOX_LINEAR_MODULES, parseLoraFlag } from '../../src/lm/lora/index.js';
import { LmPpoTrainer, VALUE_WEIGHT } from '../../src/algos/rlhf/trainer.js';
import { resolveRlhfPpoConfig } from '../../src/algos/rlhf/config.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

const cfg = makeLmConfig({ vocabSize: 11, hiddenSize: 16, numAttentionHeads: 2, numHiddenLayers: 2, intermediateSize: 32, maxPositionEmbeddings: 32, initializerRange: 0.3 });
const ids = Int32Array.from([1, 4, 2, 7, 3, 9, 0, 5, 6, 8, 2, 1]);
const input = { ids, batch: 2 };

function logits(model: GptNeoX): Float32Array {
  return tf.tidy(() => model.forward(input).logits!.dataSync() as Float32Array);
}

/** Gives every B matrix random values so the adapters change the function. */
function randomiseB(model: GptNeoX, seed: number): void {
  const lora = model.adapter!;
  const rng = new Rng(seed);
  const values = lora.params.read();
  const next = new Map<string, NamedArray>();
  for (const [name, v] of values) next.set(name, name.endsWith('lora_B.weight') ? { shape: v.shape, data: v.data.map(() => 0.3 * rng.normal()) } : v);
  lora.params.write(next);
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('LoRA with zero-initialised B computes exactly the base model', () => {
  const model = new GptNeoX(cfg, { seed: 1 });
  const base = logits(model);
  const lora = attachLora(model, { r: 4, alpha: 8, targetModules: [...NEOX_LINEAR_MODULES] });
  assert.equal(lora.modules.length, 4 * cfg.numHiddenLayers);
  // A is random, B is zero: the update is zero and the outputs are bit-identical.
  assert.ok(lora.params.get(`gpt_neox.layers.0.attention.query_key_value.lora_A.weight`).dataSync().some((x) => x !== 0));
  assert.deepEqual(Array.from(logits(model)), Array.from(base));
  lora.dispose();
  model.dispose();
});

test('adapters change the outputs; disabling them gives the base back exactly; merging gives the same function', () => {
  const model = new GptNeoX(cfg, { seed: 2 });
  const base = logits(model);
  const lora = attachLora(model, { r: 3, alpha: 6, targetModules: ['attention.query_key_value', 'mlp.dense_4h_to_h'] });
  randomiseB(model, 7);
  const adapted = logits(model);
  assert.ok(maxAbsDiff(adapted, base) > 1e-2, 'random B changes the logits');
  assert.deepEqual(Array.from(model.withAdapterDisabled(() => logits(model))), Array.from(base));
  assert.equal(model.adapterEnabled, true, 'the switch is restored');
  const keys = lora.params.names();
  mergeLora(model);
  assert.equal(model.adapter, null);
  assert.ok(keys.length > 0);
  const merged = logits(model);
  assert.ok(maxAbsDiff(merged, adapted) < 1e-4, `merged vs unmerged differ by ${maxAbsDiff(merged, adapted)}`);
  model.dispose();
});

test('adapters save and load on their own (PEFT names) and reproduce the adapted model', () => {
  const dir = tempDir();
  try {
    const model = new GptNeoX(cfg, { seed: 3 });
    const saved = attachLora(model, { r: 2, alpha: 4, targetModules: ['attention.dense'] });
    randomiseB(model, 8);
    const adapted = logits(model);
    saveLora(dir, saved, new Map([['v_head.weight', { shape: [1, 16], data: new Float32Array(16).fill(0.5) }]]));
    const fresh = new GptNeoX(cfg, { seed: 3 });
    const { lora, extra } = loadLora(dir, fresh);
    assert.deepEqual(lora.modules, ['gpt_neox.layers.0.attention.dense', 'gpt_neox.layers.1.attention.dense']);
    assert.equal(lora.scale, 2);
    assert.deepEqual([...extra.keys()], ['v_head.weight']);
    assert.deepEqual(Array.from(logits(fresh)), Array.from(adapted));
    fresh.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown target module and a bad --lora flag are refused', () => {
  const model = new GptNeoX(cfg, { seed: 4 });
  assert.throws(() => attachLora(model, { targetModules: ['q_proj'] }), /q_proj.*matches no linear projection/);
  assert.deepEqual(parseLoraFlag('8'), { r: 8, alpha: 16 });
  assert.deepEqual(parseLoraFlag('4,32'), { r: 4, alpha: 32 });
  assert.throws(() => parseLoraFlag('0'), /--lora/);
  model.dispose();
});

test('an SFT step with LoRA changes only the adapter', () => {
  const model = new GptNeoX(cfg, { seed: 5 });
  const baseBefore = model.params.read();
  const lora = attachLora(model, { r: 2, alpha: 4, dropout: 0.1, targetModules: ['attention.query_key_value', 'mlp.dense_h_to_4h'] });
  const bBefore = lora.params.get(loraBName(lora.modules[0]!)).dataSync().slice();
  trainSft(model, [{ prompt: [1, 2, 3], response: [4, 5, 0] }, { prompt: [6, 7], response: [8, 0] }], { epochs: 1, batchSize: 2, lr: 1e-2, progress: false });
  for (const [name, v] of model.params.read()) assert.deepEqual(Array.from(v.data), Array.from(baseBefore.get(name)!.data), `${name} is frozen`);
  const bAfter = lora.params.get(loraBName(lora.modules[0]!)).dataSync();
  assert.ok(maxAbsDiff(bAfter as Float32Array, bBefore as Float32Array) > 0, 'the adapter trained');
  lora.dispose();
  model.dispose();
});

test('LoRA PPO: the reference is the adapter-disabled policy, only adapter and value head train', () => {
  const policy = new GptNeoX(cfg, { seed: 6 });
  const baseBefore = policy.params.read();
  const lora = attachLora(policy, { r: 2, alpha: 4 });
  const scorer = (_p: readonly number[][], responses: readonly number[][]) => responses.map((r) => (r[0] === 5 ? 1 : -1));
  const config = resolveRlhfPpoConfig({ rolloutBatch: 8, minibatch: 4, ppoEpochs: 1, maxNewTokens: 2, lr: 3e-2, seed: 0, evalEvery: 0 });
  const t = new LmPpoTrainer({ policy, prompts: [[1, 2], [3], [2, 4]], proxy: scorer, gold: scorer, config, stopTokens: [], padId: 0 });
  assert.equal(t.reference, null);
  assert.equal(t.trainable, lora.params);
  assert.ok(lora.params.names().includes(VALUE_WEIGHT), 'the value head lives with the adapter');
  assert.ok(!policy.params.names().includes(VALUE_WEIGHT));
  const m1 = t.step();
  assert.equal(m1.kl, 0, 'the first rollout comes from a policy equal to its reference');
  t.step();
  const m3 = t.step();
  assert.ok(m3.kl !== 0, 'after updates the policy differs from the adapter-disabled reference');
  for (const [name, v] of policy.params.read()) assert.deepEqual(Array.from(v.data), Array.from(baseBefore.get(name)!.data), `${name} is frozen`);
  t.dispose();
  lora.dispose();
  policy.dispose();
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, initBackend, tf } from '../../src/nn/index.js';
import { GptNeoX, makeLmConfig } from '../../src/lm/model/index.js';
import { LmTokenizer, trainBpe } from '../../src/lm/tokenizer/index.js';
import { encodeInstructionExample } from '../../src/lm/chat-format.js';
import { generate } from '../../src/lm/generate/index.js';
import { loadPretrained } from '../../src/lm/io/index.js';
import { packPromptResponse, sftLoss, trainSft, scoreResponses, sequenceLogProbs, lastTokenColumns, hiddenAt, unfrozenParamNames, valueAndGradsFor } from '../../src/lm/train/index.js';
import { assertClose, tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

const ROWS = [
  { instruction: 'Say hello.', output: 'Hello!' },
  { instruction: 'Name a fruit.', output: 'An apple.' },
  { instruction: 'Add 2 and 3.', output: '5' },
  { instruction: 'Name a colour.', output: 'Blue.' },
];

test('packing: prompts left-padded, responses right-padded, all responses starting at one column', () => {
  const p = packPromptResponse([[5, 6], [7]], [[1], [2, 3, 4]], 0);
  assert.equal(p.promptLength, 2);
  assert.equal(p.responseLength, 3);
  assert.deepEqual(Array.from(p.ids), [5, 6, 1, 0, 0, 0, 7, 2, 3, 4]);
  assert.deepEqual(Array.from(p.mask), [1, 1, 1, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(p.responseMask), [1, 0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(p.responseLengths), [1, 3]);
});

test('the SFT loss is the mean −log π over response tokens only', () => {
  const cfg = makeLmConfig({ vocabSize: 19, hiddenSize: 16, numAttentionHeads: 2, numHiddenLayers: 1, intermediateSize: 32, maxPositionEmbeddings: 32, initializerRange: 0.3 });
  const model = new GptNeoX(cfg, { seed: 2 });
  const prompts = [[1, 2, 3], [4]];
  const responses = [[5, 6], [7, 8, 9]];
  const perToken = scoreResponses(model, prompts, responses);
  const want = -perToken.flat().reduce((a, b) => a + b, 0) / 5;
  const loss = sftLoss(model, packPromptResponse(prompts, responses));
  assertClose(loss.dataSync()[0]!, want, 1e-5);
  // A prompt token is context, never a target: sequenceLogProbs sums the response tokens only.
  const seq = sequenceLogProbs(model, prompts, responses);
  assertClose(seq[1]!, perToken[1]!.reduce((a, b) => a + b, 0), 1e-9);
  assert.equal(perToken[1]!.length, 3);
});

test('SFT on a toy instruction corpus: the loss falls and the model learns the responses', () => {
  const tok = new LmTokenizer(trainBpe(ROWS.flatMap((r) => [r.instruction, r.output]), { vocabSize: 300 }));
  const examples = ROWS.map((r) => encodeInstructionExample(tok, r));
  const cfg = makeLmConfig({ vocabSize: tok.vocabSize, hiddenSize: 32, numAttentionHeads: 2, numHiddenLayers: 2, intermediateSize: 64, maxPositionEmbeddings: 64 });
  const model = new GptNeoX(cfg, { seed: 0 });
  const dir = tempDir();
  const steps: number[] = [];
  const result = trainSft(
    model,
    examples,
    { epochs: 60, batchSize: 4, lr: 3e-3, seed: 1, progress: false, checkpointEvery: 30, checkpointDir: dir },
    { onStep: (s) => steps.push(s.step), tokenizer: tok },
  );
  assert.equal(result.steps, 60);
  assert.deepEqual(steps, Array.from({ length: 60 }, (_, i) => i + 1));
  const first = result.losses[0]!;
  const last = result.losses.at(-1)!;
  assert.ok(first > 4, `initial loss ${first} should be near ln(${tok.vocabSize})`);
  assert.ok(last < 0.5 * first, `loss ${first} → ${last} did not fall enough`);
  assert.ok(result.epochLosses.at(-1)! < result.epochLosses[0]!);
  // Greedy decoding now reproduces a trained response.
  const [g] = generate(model, [examples[0]!.prompt], { greedy: true, maxNewTokens: 8, stopTokens: [tok.eosId!] });
  assert.equal(tok.decode(g!.tokens), 'Hello!<|endoftext|>');
  // Checkpoints at step 30 and the last step, loadable with the tokenizer.
  assert.ok(existsSync(join(dir, 'step-30', 'model.safetensors')));
  const reloaded = loadPretrained(join(dir, 'step-60'));
  assert.deepEqual(reloaded.tokenizer!.encode('Say hello.'), tok.encode('Say hello.'));
});

test('reward/value-head helpers: the last real token of each row, and its hidden state with a gradient', () => {
  const cfg = makeLmConfig({ vocabSize: 19, hiddenSize: 8, numAttentionHeads: 2, numHiddenLayers: 1, intermediateSize: 16, maxPositionEmbeddings: 32 });
  const trunk = new GptNeoX(cfg, { seed: 4, lmHead: false });
  const packed = packPromptResponse([[1, 2], [3]], [[4, 5, 6], [7]]);
  const cols = lastTokenColumns(packed);
  assert.deepEqual(Array.from(cols), [4, 2]);
  const hidden = trunk.forward({ ids: packed.ids, batch: 2, mask: packed.mask }, { logits: false, hidden: true }).hidden!;
  const all = hidden.arraySync();
  const picked = hiddenAt(hidden, cols).arraySync();
  assert.deepEqual(picked, [all[0]![4]!, all[1]![2]!]);
  const g = tf.grad((h: tf.Tensor) => tf.sum(hiddenAt(h as tf.Tensor3D, cols)))(hidden).arraySync() as number[][][];
  assert.deepEqual(g[1]![2], new Array(8).fill(1));
  assert.deepEqual(g[1]![3], new Array(8).fill(0));
});

test('training only the top blocks (num_layers_unfrozen): other parameters get no gradient and stay put', () => {
  const cfg = makeLmConfig({ vocabSize: 19, hiddenSize: 8, numAttentionHeads: 2, numHiddenLayers: 3, intermediateSize: 16, maxPositionEmbeddings: 32 });
  const model = new GptNeoX(cfg, { seed: 6 });
  const names = unfrozenParamNames(cfg, model.params, 1);
  assert.ok(names.every((n) => n.startsWith('gpt_neox.layers.2.') || n.startsWith('gpt_neox.final_layer_norm.') || n === 'embed_out.weight'));
  assert.equal(names.length, 12 + 2 + 1);
  assert.equal(unfrozenParamNames(cfg, model.params, 3).length, model.params.names().length);
  const before = model.params.read();
  const packed = packPromptResponse([[1, 2, 3]], [[4, 5]]);
  const { grads } = valueAndGradsFor(model.params, names, () => sftLoss(model, packed));
  assert.deepEqual([...grads.keys()].sort(), [...names].sort());
  const opt = new Adam(model.params, { lr: 0.01 });
  opt.applyClipped(grads, 1);
  const after = model.params.read();
  for (const name of model.params.names()) {
    const same = after.get(name)!.data.every((v, i) => v === before.get(name)!.data[i]);
    assert.equal(same, !names.includes(name), name);
  }
});

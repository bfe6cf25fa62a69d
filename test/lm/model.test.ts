import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, valueAndGrads } from '../../src/nn/index.js';
import { GptNeoX, makeLmConfig, configFromHf, configToHf, rotaryFullTables, rotateHalfMatrix, applyRotary, DEFAULT_LM_CONFIG } from '../../src/lm/model/index.js';
import { loadPretrained } from '../../src/lm/io/pretrained.js';
import { ConfigError } from '../../src/util/validate.js';
import { referenceLogits, erf, type RefConfig } from './reference.js';
import { assertAllClose, assertClose, writeCheckpoint, TINY } from './helpers.js';

before(async () => {
  await initBackend();
});

function logitsOf(model: GptNeoX, ids: number[]): Float32Array {
  const { logits } = model.forward({ ids: Int32Array.from(ids), batch: 1 });
  const out = logits!.dataSync() as Float32Array;
  logits!.dispose();
  return out;
}

test('the reference erf is accurate (checked against tabulated values)', () => {
  assertClose(erf(0.5), 0.5204998778130465, 1e-14);
  assertClose(erf(-1.5), -0.9661051464753108, 1e-14);
  assertClose(erf(3.5), 0.9999992569016276, 1e-13);
});

for (const [label, cfg] of [
  ['parallel residual, rotary on half of each head', TINY],
  ['sequential residual, rotary on all of each head, 3 heads', { ...TINY, hidden: 12, heads: 3, rotaryPct: 1, parallel: false, layers: 1 }],
] as [string, RefConfig][]) {
  test(`forward pass equals a float64 loop implementation (${label})`, () => {
    const { dir, weights } = writeCheckpoint(cfg, 7);
    const { model } = loadPretrained(dir);
    const ids = [3, 1, 4, 1, 5, 9, 2, 6, 12, 0];
    const got = logitsOf(model, ids);
    const want = referenceLogits(cfg, weights, ids).flat();
    // Logits are O(1..10) here; float32 accumulated over two layers stays within 2e-4.
    assertAllClose(got, want, 2e-4, 1e-4, 'logits');
    model.dispose();
  });
}

test('shapes: logits, hidden states, every layer, last position and a logits range', () => {
  const cfg = makeLmConfig({ vocabSize: 17, hiddenSize: 16, numAttentionHeads: 4, numHiddenLayers: 3, intermediateSize: 24, maxPositionEmbeddings: 32 });
  const model = new GptNeoX(cfg, { seed: 1 });
  const ids = Int32Array.from({ length: 2 * 5 }, (_, i) => i % 17);
  const out = model.forward({ ids, batch: 2 }, { hidden: true, allHidden: true });
  assert.deepEqual(out.logits!.shape, [2, 5, 17]);
  assert.deepEqual(out.hidden!.shape, [2, 5, 16]);
  assert.equal(out.allHidden!.length, 4);
  for (const h of out.allHidden!) assert.deepEqual(h.shape, [2, 5, 16]);
  const last = model.forward({ ids, batch: 2 }, { lastOnly: true }).logits!;
  assert.deepEqual(last.shape, [2, 1, 17]);
  const full = out.logits!.arraySync();
  assertAllClose(last.dataSync(), [full[0]![4]!, full[1]![4]!].flat(), 1e-6);
  const range = model.forward({ ids, batch: 2 }, { logitsRange: [1, 3] }).logits!;
  assert.deepEqual(range.shape, [2, 2, 17]);
  assertAllClose(range.dataSync(), [full[0]![1]!, full[0]![2]!, full[1]![1]!, full[1]![2]!].flat(), 1e-6);
  // Parameter names are Pythia's.
  assert.ok(model.params.names().includes('gpt_neox.layers.2.attention.query_key_value.weight'));
  assert.ok(model.params.names().includes('embed_out.weight'));
  assert.deepEqual(model.params.get('gpt_neox.layers.0.attention.query_key_value.bias').shape, [48]);
  const trunk = new GptNeoX(cfg, { seed: 1, lmHead: false });
  assert.ok(!trunk.params.names().includes('embed_out.weight'));
  assert.throws(() => trunk.forward({ ids, batch: 2 }), /no LM head/);
  assert.throws(() => model.forward({ ids: new Int32Array([40]), batch: 1 }), /outside the vocabulary/);
  assert.throws(() => model.forward({ ids: new Int32Array(33), batch: 1 }), /maxPositionEmbeddings/);
});

test('rotary embedding against a hand computation', () => {
  // Head size 4, all dims rotated, base 10000: θ = (1, 0.01). Position 1, x = (1, 2, 3, 4):
  // (x0·cos1 − x2·sin1, x1·cos.01 − x3·sin.01, x2·cos1 + x0·sin1, x3·cos.01 + x1·sin.01).
  const x = tf.tensor2d([[1, 2, 3, 4]]);
  const rot = (pos: number, rd: number) => {
    const t = rotaryFullTables(Int32Array.of(pos), 1, 4, rd, 10000);
    return applyRotary(x, tf.tensor2d(t.cos, [1, 4]), tf.tensor2d(t.sin, [1, 4]), tf.tensor2d(rotateHalfMatrix(4, rd), [4, 4])).dataSync();
  };
  assertAllClose(rot(1, 4), [-1.9841106485555495, 1.959900667496664, 2.4623779024123156, 4.019799668334994], 1e-6);
  assertAllClose(rot(0, 4), [1, 2, 3, 4], 0);
  // Rotary on 2 of 4 dims (rotary_pct 0.5): θ = (1); position 2 rotates (x0, x1) by 2 rad; x2, x3 pass.
  assertAllClose(rot(2, 2), [-2.234741690198506, 0.0770037537313969, 3, 4], 1e-6);
});

test('key/value cache: feeding tokens one at a time gives the full forward pass logits', () => {
  const { dir } = writeCheckpoint(TINY, 3);
  const { model } = loadPretrained(dir);
  const ids = [1, 7, 3, 3, 9, 0, 11];
  const full = logitsOf(model, ids);
  const cache = model.newCache(1);
  // A prefill of 3 tokens, then one at a time.
  const parts = [[1, 7, 3], [3], [9], [0], [11]];
  const got: number[] = [];
  for (const part of parts) {
    const { logits } = model.forward({ ids: Int32Array.from(part), batch: 1 }, { cache });
    got.push(...logits!.dataSync());
    logits!.dispose();
  }
  assert.equal(cache.length, 7);
  assertAllClose(got, full, 1e-5, 1e-5, 'cached logits');
  cache.dispose();
});

test('left padding: a padded row gives the logits of the same sequence alone', () => {
  const { dir } = writeCheckpoint(TINY, 4);
  const { model } = loadPretrained(dir);
  const a = [5, 2, 8, 1];
  const b = [7, 3];
  const ids = Int32Array.from([...a, 0, 0, ...b]);
  const mask = Uint8Array.from([1, 1, 1, 1, 0, 0, 1, 1]);
  const { logits } = model.forward({ ids, batch: 2, mask });
  const all = logits!.dataSync();
  const V = TINY.vocab;
  assertAllClose(all.subarray(0, 4 * V), logitsOf(model, a), 1e-5, 1e-5, 'row 0');
  assertAllClose(all.subarray(6 * V, 8 * V), logitsOf(model, b), 1e-5, 1e-5, 'row 1 (left-padded)');
});

test('gradients reach every parameter', () => {
  const cfg = makeLmConfig({ vocabSize: 11, hiddenSize: 8, numAttentionHeads: 2, numHiddenLayers: 2, intermediateSize: 16, initializerRange: 0.3 });
  const model = new GptNeoX(cfg, { seed: 5 });
  const ids = Int32Array.from([1, 2, 3, 4, 5, 6]);
  const { loss, grads } = valueAndGrads(model.params, () => tf.sum(tf.square(model.forward({ ids, batch: 2 }).logits!)));
  assert.ok(Number.isFinite(loss));
  assert.equal(grads.size, model.params.names().length);
  for (const [name, g] of grads) {
    const norm = Math.sqrt((tf.sum(tf.square(g)).dataSync()[0] ?? 0));
    // Embedding rows of unused tokens are zero, but each tensor as a whole has a gradient.
    assert.ok(norm > 0, `zero gradient for ${name}`);
    g.dispose();
  }
});

test('config.json: read, written back, and invalid configs named', () => {
  const cfg = makeLmConfig({ numHiddenLayers: 2 });
  const hf = configToHf(cfg);
  assert.equal(hf['model_type'], 'gpt_neox');
  assert.equal(hf['rotary_pct'], 0.25);
  assert.equal(hf['tie_word_embeddings'], false);
  assert.deepEqual(configFromHf(hf), cfg);
  // The newer spelling of rotary_pct / rotary_emb_base.
  const newer = configFromHf({ ...hf, rotary_pct: undefined, partial_rotary_factor: 0.5, rotary_emb_base: undefined, rope_theta: 500 });
  assert.equal(newer.rotaryPct, 0.5);
  assert.equal(newer.rotaryEmbBase, 500);
  assert.throws(() => configFromHf({ ...hf, tie_word_embeddings: true }), ConfigError);
  assert.throws(() => configFromHf({ ...hf, model_type: 'llama' }), /model_type/);
  assert.throws(() => makeLmConfig({ hiddenSize: 10, numAttentionHeads: 4 }), /divisible/);
  assert.equal(DEFAULT_LM_CONFIG.useParallelResidual, true);
});

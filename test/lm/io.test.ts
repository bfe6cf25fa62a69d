import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../src/nn/index.js';
import { readSafetensors, writeSafetensors, halfToFloat } from '../../src/lm/io/safetensors.js';
import { loadPretrained, savePretrained } from '../../src/lm/io/pretrained.js';
import { GptNeoX, makeLmConfig } from '../../src/lm/model/index.js';
import { LmTokenizer, trainBpe } from '../../src/lm/tokenizer/index.js';
import { tempDir, writeCheckpoint, TINY } from './helpers.js';

before(async () => {
  await initBackend();
});

/** A safetensors file assembled byte by byte in the test: header length, JSON, raw little-endian data. */
function handMadeFile(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('safetensors: reads F32, F16 and BF16 from a hand-assembled file', () => {
  const bytes = new Uint8Array(4 * 2 + 2 * 3 + 2 * 2);
  const dv = new DataView(bytes.buffer);
  dv.setFloat32(0, 1.5, true);
  dv.setFloat32(4, -2.25, true);
  // F16: 1.0 = 0x3c00, -0.5 = 0xb800, 65504 = 0x7bff (largest half).
  dv.setUint16(8, 0x3c00, true);
  dv.setUint16(10, 0xb800, true);
  dv.setUint16(12, 0x7bff, true);
  // BF16: 1.0 = 0x3f80, -3.0 = 0xc040.
  dv.setUint16(14, 0x3f80, true);
  dv.setUint16(16, 0xc040, true);
  const file = handMadeFile(
    {
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      h: { dtype: 'F16', shape: [3, 1], data_offsets: [8, 14] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [14, 18] },
    },
    bytes,
  );
  const read = readSafetensors(file);
  assert.deepEqual(read.metadata, { format: 'pt' });
  assert.deepEqual(Array.from(read.tensors.get('a')!.data), [1.5, -2.25]);
  assert.deepEqual(read.tensors.get('h')!.shape, [3, 1]);
  assert.deepEqual(Array.from(read.tensors.get('h')!.data), [1, -0.5, 65504]);
  assert.deepEqual(Array.from(read.tensors.get('b')!.data), [1, -3]);
  assert.equal(read.dtypes.get('b'), 'BF16');
  assert.equal(halfToFloat(0x0001), 2 ** -24); // smallest subnormal
  assert.throws(() => readSafetensors(handMadeFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))), /offsets/);
  assert.throws(() => readSafetensors(handMadeFile({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))), /dtype I64/);
});

test('safetensors: what we write has the documented layout and reads back exactly', () => {
  const tensors = new Map([
    ['gpt_neox.embed_in.weight', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ['embed_out.weight', { shape: [1], data: Float32Array.of(-0.125) }],
  ]);
  const bytes = writeSafetensors(tensors, { format: 'pt' });
  const dv = new DataView(bytes.buffer);
  const n = Number(dv.getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, 'data starts 8-byte aligned');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
  // Sorted by name: embed_out first.
  assert.deepEqual(header['embed_out.weight'], { dtype: 'F32', shape: [1], data_offsets: [0, 4] });
  assert.deepEqual(header['gpt_neox.embed_in.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [4, 28] });
  assert.equal(dv.getFloat32(8 + n, true), -0.125);
  assert.equal(dv.getFloat32(8 + n + 4 + 5 * 4, true), 6);
  const back = readSafetensors(bytes);
  for (const [k, v] of tensors) assert.deepEqual(back.tensors.get(k), v);
});

test('loadPretrained reads a Pythia-layout checkpoint; savePretrained writes it back byte-compatible', () => {
  const { dir, weights } = writeCheckpoint(TINY, 11);
  const { model, config, tokenizer, extra } = loadPretrained(dir);
  assert.equal(config.hiddenSize, 8);
  assert.equal(tokenizer, null);
  assert.equal(extra.size, 0);
  const out = tempDir();
  const saved = join(out, 'model');
  savePretrained(saved, model);
  assert.deepEqual(readdirSync(saved).sort(), ['config.json', 'model.safetensors']);
  // The file holds PyTorch's layout again, value for value, under Pythia's names.
  const file = readSafetensors(readFileSync(join(saved, 'model.safetensors')));
  assert.deepEqual([...file.tensors.keys()].sort(), [...weights.keys()].sort());
  for (const [k, v] of weights) {
    assert.deepEqual(file.tensors.get(k)!.shape, v.shape, k);
    assert.deepEqual(file.tensors.get(k)!.data, v.data, k);
  }
  const cfgJson = JSON.parse(readFileSync(join(saved, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfgJson['num_attention_heads'], 2);
  assert.equal(cfgJson['use_parallel_residual'], true);
});

test('a model saved and reloaded (with its tokenizer and an extra head) gives identical logits', () => {
  const tok = new LmTokenizer(trainBpe(['hello world, hello there', 'the world is wide'], { vocabSize: 270 }));
  const cfg = makeLmConfig({ vocabSize: tok.vocabSize, hiddenSize: 16, numAttentionHeads: 2, numHiddenLayers: 2, intermediateSize: 32, maxPositionEmbeddings: 64, initializerRange: 0.2 });
  const model = new GptNeoX(cfg, { seed: 3 });
  const dir = join(tempDir(), 'm');
  const head = { shape: [1, 16], data: Float32Array.from({ length: 16 }, (_, i) => i / 16) };
  savePretrained(dir, model, { tokenizer: tok, extra: new Map([['score.weight', head]]) });
  assert.ok(existsSync(join(dir, 'tokenizer.json')));
  const loaded = loadPretrained(dir);
  const ids = Int32Array.from(tok.encode('hello wide world'));
  const a = model.forward({ ids, batch: 1 }).logits!.dataSync();
  const b = loaded.model.forward({ ids, batch: 1 }).logits!.dataSync();
  assert.deepEqual(Array.from(b), Array.from(a));
  assert.deepEqual(loaded.extra.get('score.weight'), head);
  assert.deepEqual(loaded.tokenizer!.encode('hello wide world'), Array.from(ids));
  // Saving again replaces the directory as a whole.
  savePretrained(dir, loaded.model);
  assert.ok(!existsSync(join(dir, 'tokenizer.json')));
});

test('loadPretrained: a bare GPTNeoXModel checkpoint (no prefix, no LM head) and missing tensors', () => {
  const { dir, weights } = writeCheckpoint(TINY, 12);
  const bare = new Map([...weights].filter(([k]) => k !== 'embed_out.weight').map(([k, v]) => [k.replace(/^gpt_neox\./, ''), v]));
  bare.set('layers.0.attention.rotary_emb.inv_freq', { shape: [1], data: Float32Array.of(1) }); // an old buffer, ignored
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(bare));
  const { model, extra } = loadPretrained(dir);
  assert.equal(model.parts.lmHead, false);
  assert.equal(extra.size, 0);
  const h = model.forward({ ids: Int32Array.of(1, 2), batch: 1 }, { logits: false, hidden: true }).hidden!;
  assert.deepEqual(h.shape, [1, 2, 8]);
  bare.delete('layers.1.mlp.dense_4h_to_h.bias');
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(bare));
  assert.throws(() => loadPretrained(dir), /layers\.1\.mlp\.dense_4h_to_h\.bias/);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '../../src/nn/backend.js';
import { ParamSet } from '../../src/nn/params.js';
import { Adam, valueAndGrads } from '../../src/nn/optim.js';
import { saveModel, loadModel, saveTensors, loadTensors } from '../../src/nn/serialize.js';
import { Rng } from '../../src/util/rng.js';

let root = '';
let counter = 0;
function freshDir(): string {
  counter += 1;
  return join(root, `case${counter}`);
}

before(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'goodhart-serialize-'));
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function randomParams(seed: number, shapes: [string, number[]][] = [['enc.weight', [3, 4]], ['enc.bias', [4]], ['head', [4, 1]]]): ParamSet {
  const rng = new Rng(seed);
  const ps = new ParamSet();
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    // Include awkward float32 values (subnormal, negative zero, large) to check bit-exactness.
    const data = Float32Array.from({ length: n }, () => rng.normal() * 10 ** (rng.int(8) - 4));
    data[0] = name === 'head' ? -0 : data[0]!;
    if (n > 1) data[1] = 1e-40;
    ps.add(name, shape, data);
  }
  return ps;
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** Takes two Adam steps on Σ params² so the moments are non-zero. */
function trainedAdam(ps: ParamSet): Adam {
  const opt = new Adam(ps, { lr: 0.01 });
  for (let i = 0; i < 2; i++) {
    const { grads } = valueAndGrads(ps, () => {
      let total: tf.Tensor = tf.scalar(0);
      for (const v of ps.variables()) total = tf.add(total, tf.sum(tf.mul(tf.square(v), 0.5 + i)));
      return total;
    });
    opt.apply(grads);
    for (const g of grads.values()) g.dispose();
  }
  return opt;
}

test('saveModel/loadModel round-trips parameters and Adam state bit for bit', () => {
  const dir = freshDir();
  const src = randomParams(1);
  const srcOpt = trainedAdam(src);
  saveModel(dir, 'policy', src, srcOpt, { iteration: 7 });
  assert.ok(existsSync(join(dir, 'policy.json')) && existsSync(join(dir, 'policy.bin')));

  const dst = randomParams(2);
  const dstOpt = new Adam(dst, { lr: 0.01 });
  const meta = loadModel(dir, 'policy', dst, dstOpt);
  assert.equal(meta['iteration'], 7);
  assert.equal(meta['adamStep'], 2);

  const a = src.read();
  const b = dst.read();
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [name, v] of a) {
    assert.deepEqual(b.get(name)!.shape, v.shape, `${name} shape`);
    assert.deepEqual(bits(b.get(name)!.data), bits(v.data), `${name} bits`);
  }
  const s1 = srcOpt.getState();
  const s2 = dstOpt.getState();
  assert.equal(s2.step, 2);
  assert.equal(dstOpt.stepCount, 2);
  for (const slot of ['m', 'v'] as const) {
    for (const [name, v] of s1[slot]) {
      assert.ok(v.data.some((x) => x !== 0), `${slot}(${name}) should be non-zero in this test`);
      assert.deepEqual(bits(s2[slot].get(name)!.data), bits(v.data), `${slot}(${name}) bits`);
    }
  }
  for (const x of [srcOpt, dstOpt, src, dst]) x.dispose();
});

test('loading a model without an optimizer leaves no requirement for saved Adam state; asking for it fails', () => {
  const dir = freshDir();
  const src = randomParams(3);
  saveModel(dir, 'm', src);
  const dst = randomParams(4);
  const meta = loadModel(dir, 'm', dst);
  assert.equal(meta['adamStep'], null);
  assert.deepEqual(bits(dst.get('head').dataSync() as Float32Array), bits(src.get('head').dataSync() as Float32Array));
  const opt = new Adam(dst, { lr: 0.1 });
  assert.throws(() => loadModel(dir, 'm', dst, opt), /no optimizer state/);
  for (const x of [opt, src, dst]) x.dispose();
});

test('a corrupted binary (one flipped byte) is rejected with a checksum error', () => {
  const dir = freshDir();
  const src = randomParams(5);
  saveModel(dir, 'policy', src);
  const binPath = join(dir, 'policy.bin');
  const bytes = readFileSync(binPath);
  bytes[13] = bytes[13]! ^ 0x01;
  writeFileSync(binPath, bytes);
  const dst = randomParams(6);
  const before = bits(dst.get('enc.weight').dataSync() as Float32Array);
  assert.throws(() => loadModel(dir, 'policy', dst), /checksum/);
  assert.throws(() => loadTensors(dir, 'policy'), /checksum/);
  assert.deepEqual(bits(dst.get('enc.weight').dataSync() as Float32Array), before, 'a failed load must not change the model');
  // A truncated file is caught too.
  writeFileSync(binPath, bytes.subarray(0, bytes.length - 4));
  assert.throws(() => loadTensors(dir, 'policy'), /checksum/);
  for (const x of [src, dst]) x.dispose();
});

test('a shape mismatch fails with an error naming the parameter', () => {
  const dir = freshDir();
  const src = randomParams(7);
  saveModel(dir, 'policy', src);
  const dst = randomParams(8, [
    ['enc.weight', [3, 4]],
    ['enc.bias', [4]],
    ['head', [1, 4]],
  ]);
  assert.throws(
    () => loadModel(dir, 'policy', dst),
    (err: Error) => /"head"/.test(err.message) && /\[4,1\]/.test(err.message) && /\[1,4\]/.test(err.message),
  );
  const extra = randomParams(9, [
    ['enc.weight', [3, 4]],
    ['enc.bias', [4]],
    ['head', [4, 1]],
    ['extra', [2]],
  ]);
  assert.throws(() => loadModel(dir, 'policy', extra), /missing parameter "extra"/);
  for (const x of [src, dst, extra]) x.dispose();
});

test('saveTensors/loadTensors keep names, shapes, order and metadata; a missing manifest is reported', () => {
  const dir = freshDir();
  const t = new Map([
    ['z', { shape: [2], data: Float32Array.from([1.5, -2.25]) }],
    ['a', { shape: [1, 3], data: Float32Array.from([Math.PI, 0, -1e-30]) }],
  ]);
  saveTensors(dir, 'stuff', t, { note: 'hi', n: 3 });
  const { tensors, meta } = loadTensors(dir, 'stuff');
  assert.deepEqual([...tensors.keys()], ['z', 'a']);
  assert.deepEqual(tensors.get('a')!.shape, [1, 3]);
  assert.deepEqual(bits(tensors.get('a')!.data), bits(t.get('a')!.data));
  assert.deepEqual(Array.from(tensors.get('z')!.data), [1.5, -2.25]);
  assert.deepEqual(meta, { note: 'hi', n: 3 });
  assert.throws(() => loadTensors(dir, 'nothing'), /no saved tensors/);
});

/**
 * The native kernels (src/nn/native.ts) against TensorFlow.js's own wasm kernels: matmul with every
 * transpose, batching and broadcasting, the fused dense layer and its gradients, Adam and the
 * global norm; and determinism (run to run, and whatever the number of threads). Skipped when the
 * addon is not built; the fallback test below runs either way.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../../src/nn/backend.js';
import { installNativeKernels, uninstallNativeKernels, loadNative, nativeStatus, DENSE_KERNEL } from '../../src/nn/native.js';
import { denseAct, type DenseActivation } from '../../src/nn/dense.js';
import { ParamSet } from '../../src/nn/params.js';
import { Categorical } from '../../src/nn/distributions.js';
import { Adam, clipByGlobalNorm, globalNorm, type Grads } from '../../src/nn/optim.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose, assertClose } from './helpers.js';

const native = loadNative();
const skip = native ? false : `native addon unavailable: ${nativeStatus().reason ?? ''}`;

before(async () => {
  await initBackend('wasm');
});

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape, 'float32');
}

/** Runs `fn` with TensorFlow.js's own kernels, then puts the native ones back. */
function withTfjsKernels<T>(fn: () => T): T {
  uninstallNativeKernels();
  try {
    return fn();
  } finally {
    installNativeKernels();
  }
}

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array(Float32Array.from(t.dataSync()).buffer);
}

const MATMUL_CASES: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
for (const [m, k, n] of [
  [1, 1, 1],
  [3, 5, 2],
  [17, 33, 9],
  [128, 36, 64],
  [64, 200, 300],
  [130, 257, 70],
]) {
  for (const ta of [false, true]) {
    for (const tb of [false, true]) MATMUL_CASES.push({ a: ta ? [k!, m!] : [m!, k!], b: tb ? [n!, k!] : [k!, n!], ta, tb });
  }
}
// Batched, and broadcasting a single matrix over the batch.
MATMUL_CASES.push({ a: [3, 7, 5], b: [3, 5, 4], ta: false, tb: false });
MATMUL_CASES.push({ a: [2, 3, 7, 5], b: [5, 6], ta: false, tb: false });
MATMUL_CASES.push({ a: [9, 5], b: [4, 6, 9], ta: true, tb: true });

test('native matMul matches the TensorFlow.js kernel for every transpose, batch and instruction set', { skip }, () => {
  const info = native!.info();
  try {
    for (const isa of info.isas) {
      assert.ok(native!.setIsa(isa));
      for (const [i, c] of MATMUL_CASES.entries()) {
        tf.tidy(() => {
          const a = randomTensor(c.a, 2 * i);
          const b = randomTensor(c.b, 2 * i + 1);
          const got = tf.matMul(a, b, c.ta, c.tb);
          const want = withTfjsKernels(() => tf.matMul(a, b, c.ta, c.tb));
          assert.deepEqual(got.shape, want.shape, `shape ${JSON.stringify(c)}`);
          const k = c.ta ? c.a[c.a.length - 2]! : c.a[c.a.length - 1]!;
          assertAllClose(got.dataSync(), want.dataSync(), 2e-6 * k, 1e-5, `${isa} ${JSON.stringify(c)}`);
        });
      }
    }
  } finally {
    native!.setIsa(info.isa);
  }
});

test('tf.fused.matMul (bias and activation) matches matMul + add + activation', { skip }, () => {
  // Compared with the unfused composition: tfjs-backend-wasm 4.22's own _FusedMatMul adds the bias
  // wrongly for batched inputs, which the native kernel replaces.
  const unfused: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    linear: (x) => x,
    relu: (x) => tf.relu(x),
    leakyrelu: (x) => tf.leakyRelu(x, 0.1),
    sigmoid: (x) => tf.sigmoid(x),
    elu: (x) => tf.elu(x),
    relu6: (x) => tf.relu6(x),
  };
  for (const activation of ['linear', 'relu', 'leakyrelu', 'sigmoid', 'elu', 'relu6'] as const) {
    for (const batch of [[], [2]]) {
      tf.tidy(() => {
        const a = randomTensor([...batch, 40, 30], 1);
        const b = randomTensor([...batch, 30, 20], 2);
        const bias = randomTensor([20], 3);
        const got = tf.fused.matMul({ a, b, bias, activation, leakyreluAlpha: 0.1 });
        const want = withTfjsKernels(() => unfused[activation]!(tf.add(tf.matMul(a, b), bias)));
        assertAllClose(got.dataSync(), want.dataSync(), 1e-5, 1e-5, `${activation} batch [${batch}]`);
      });
    }
  }
});

test('the fused dense layer and its gradients match the TensorFlow.js composition', { skip }, () => {
  for (const activation of ['linear', 'tanh', 'relu', 'leaky_relu'] as DenseActivation[]) {
    for (const [m, k, n] of [
      [5, 3, 4],
      [128, 36, 64],
      [64, 96, 130],
    ]) {
      tf.tidy(() => {
        const x = randomTensor([m!, k!], 10);
        const w = tf.variable(randomTensor([k!, n!], 11));
        const b = tf.variable(randomTensor([n!], 12));
        const weights = randomTensor([m!, n!], 13);
        const loss = () => tf.sum(tf.mul(denseAct(x as tf.Tensor2D, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D, activation, 0.05), weights)) as tf.Scalar;
        const got = tf.variableGrads(loss, [w, b]);
        const dxGot = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(denseAct(xx as tf.Tensor2D, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D, activation, 0.05), weights)))(x);
        const [want, dxWant] = withTfjsKernels(() => [
          tf.variableGrads(loss, [w, b]),
          tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(denseAct(xx as tf.Tensor2D, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D, activation, 0.05), weights)))(x),
        ] as const);
        const what = `${activation} ${m}x${k}x${n}`;
        assertClose(got.value.dataSync()[0]!, want.value.dataSync()[0]!, 1e-3, 1e-5, `${what} loss`);
        assertAllClose(got.grads[w.name]!.dataSync(), want.grads[w.name]!.dataSync(), 1e-4, 1e-4, `${what} dw`);
        assertAllClose(got.grads[b.name]!.dataSync(), want.grads[b.name]!.dataSync(), 1e-4, 1e-4, `${what} db`);
        assertAllClose(dxGot.dataSync(), dxWant.dataSync(), 1e-4, 1e-4, `${what} dx`);
        w.dispose();
        b.dispose();
      });
    }
  }
});

test('fused categorical logProb, entropy and KL (and their gradients) match the TensorFlow.js expressions', { skip }, () => {
  const dist = new Categorical(5);
  tf.tidy(() => {
    const p = tf.mul(randomTensor([64, 5], 60), 3) as tf.Tensor2D;
    const q = randomTensor([64, 5], 61) as tf.Tensor2D;
    const rng = new Rng(62);
    const actions = tf.tensor2d(Float32Array.from({ length: 64 }, () => rng.int(5)), [64, 1]);
    const w = randomTensor([64], 63);
    // Gradients of weighted sums with respect to both logit inputs.
    const f = (pp: tf.Tensor, qq: tf.Tensor) =>
      tf.addN([
        tf.sum(tf.mul(dist.logProb(qq as tf.Tensor2D, actions), w)),
        tf.sum(tf.mul(dist.entropy(qq as tf.Tensor2D), w)),
        tf.sum(tf.mul(dist.kl(pp as tf.Tensor2D, qq as tf.Tensor2D), w)),
      ]);
    const values = () => [dist.logProb(q, actions), dist.entropy(q), dist.kl(p, q), ...tf.grads(f)([p, q])];
    const got = values();
    const want = withTfjsKernels(values);
    const names = ['logProb', 'entropy', 'kl', 'd/dp', 'd/dq'];
    got.forEach((t, i) => assertAllClose(t.dataSync(), want[i]!.dataSync(), 1e-5, 1e-5, names[i]));
  });
});

test('gather (rows copied) matches the TensorFlow.js kernel for every axis, dtype and index shape', { skip }, () => {
  tf.tidy(() => {
    const x = randomTensor([4, 5, 6], 70);
    const xi = tf.cast(tf.mul(x, 10), 'int32');
    for (const [axis, idx] of [
      [0, [3, 0, 0, 2]],
      [1, [4, 1]],
      [2, [5, 0, 2, 2, 1]],
      [-1, [1]],
    ] as [number, number[]][]) {
      for (const t of [x, xi]) {
        for (const indices of [tf.tensor1d(idx, 'int32'), tf.tensor2d(idx, [1, idx.length], 'int32')]) {
          const got = tf.gather(t, indices, axis);
          const want = withTfjsKernels(() => tf.gather(t, indices, axis));
          assert.deepEqual(got.shape, want.shape);
          assert.deepEqual([...got.dataSync()], [...want.dataSync()], `axis ${axis} ${t.dtype}`);
        }
      }
    }
    // Out-of-range indices go to the original kernel, which refuses them.
    const bad = tf.tensor1d([0, 9], 'int32');
    assert.throws(() => tf.gather(x, bad), /index value 9 is not in \[0, 3\]/);
  });
});

test('native kernels are deterministic run to run and for 1 or 2 threads', { skip }, () => {
  const threads = native!.info().threads;
  try {
    const results: Uint32Array[][] = [];
    for (const t of [1, 2, 2, 1]) {
      native!.setThreads(t);
      const outs = tf.tidy(() => {
        // Large enough (≥ 4 MFLOP) that the pool splits the work when it has 2 threads.
        const x = randomTensor([256, 300], 20);
        const w = randomTensor([300, 256], 21);
        const b = randomTensor([256], 22);
        const y = denseAct(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, 'tanh');
        const g = tf.grad((ww: tf.Tensor) => tf.sum(tf.square(denseAct(x as tf.Tensor2D, ww as tf.Tensor2D, b as tf.Tensor1D, 'tanh'))))(w);
        return [tf.matMul(x, w), tf.matMul(w, x, true, true), y, g];
      });
      results.push(outs.map(bits));
      tf.dispose(outs);
    }
    for (const r of results.slice(1)) r.forEach((v, i) => assert.deepEqual(v, results[0]![i], `result ${i} differs between runs`));
  } finally {
    native!.setThreads(threads);
  }
});

function adamRun(useNative: boolean, clip: number | null): { params: Map<string, Float32Array>; norms: number[] } {
  const run = () => {
    const ps = new ParamSet();
    ps.add('w', [30, 20], Float32Array.from(randomTensor([600], 30).dataSync()));
    ps.add('b', [20], Float32Array.from(randomTensor([20], 31).dataSync()));
    const opt = new Adam(ps, { lr: 0.01 });
    const norms: number[] = [];
    for (let step = 0; step < 4; step++) {
      const grads: Grads = new Map([
        ['w', randomTensor([30, 20], 40 + step)],
        ['b', randomTensor([20], 50 + step)],
      ]);
      norms.push(opt.applyClipped(grads, clip));
    }
    const params = new Map([...ps.read()].map(([k, v]) => [k, v.data]));
    opt.dispose();
    ps.dispose();
    return { params, norms };
  };
  return useNative ? run() : withTfjsKernels(run);
}

test('native Adam is bit-identical to the TensorFlow.js update; clipping agrees within float tolerance', { skip }, () => {
  const a = adamRun(true, null);
  const b = adamRun(false, null);
  for (const [k, v] of a.params) assert.deepEqual(v, b.params.get(k), `Adam update of ${k}`);
  // With clipping the norm is summed in float64 natively (float32 in TensorFlow.js).
  const c = adamRun(true, 5);
  const d = adamRun(false, 5);
  c.norms.forEach((n, i) => assertClose(n, d.norms[i]!, 1e-4, 1e-5, `norm ${i}`));
  for (const [k, v] of c.params) assertAllClose(v, d.params.get(k)!, 1e-6, 1e-5, `clipped Adam update of ${k}`);
  assert.ok(c.norms.every((n) => n > 5), 'the test gradients are clipped');
});

test('clipByGlobalNorm uses the native norm and keeps its contract', { skip }, () => {
  const g: Grads = new Map<string, tf.Tensor>([
    ['a', tf.tensor1d([3, 4])],
    ['b', tf.tensor2d([[12]])],
  ]);
  const inputs = [...g.values()];
  const { grads, norm } = clipByGlobalNorm(g, 6.5);
  assertClose(norm, 13, 1e-12, 0, 'norm');
  for (const t of inputs) assert.ok(t.isDisposed);
  const after = globalNorm(grads);
  assertClose(after.dataSync()[0]!, 6.5, 1e-5, 0, 'norm after clipping');
  tf.dispose([after, ...grads.values()]);
});

test('an Adam slot shared with another tensor is updated by the TensorFlow.js path, leaving the other tensor alone', { skip }, () => {
  const ps = new ParamSet();
  const p = ps.add('p', [3], Float32Array.from([1, 2, 3]));
  const alias = tf.reshape(p, [3]); // shares p's memory (as do clones with the native kernels)
  assert.ok((tf.backend() as unknown as { refCount(id: object): number }).refCount(p.dataId) > 1, 'the memory is shared');
  const opt = new Adam(ps, { lr: 0.1 });
  opt.applyClipped(new Map([['p', tf.tensor1d([1, -1, 1])]]), null);
  assert.deepEqual([...alias.dataSync()], [1, 2, 3], 'the clone keeps the old values');
  assertAllClose(p.dataSync(), [0.9, 2.1, 2.9], 1e-6, 0, 'p moved by lr against the gradient sign');
  tf.dispose(alias);
  opt.dispose();
  ps.dispose();
});

test('with GOODHART_NATIVE=0 (or an addon that cannot load) TensorFlow.js kernels are used', () => {
  const backend = fileURLToPath(new URL('../../src/nn/index.js', import.meta.url));
  const script = `
    const nn = await import(${JSON.stringify(backend)});
    const tf = nn.tf;
    await nn.initBackend('wasm');
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const w = tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]));
    const b = tf.variable(tf.tensor1d([0.1, -0.2]));
    const { value, grads } = tf.variableGrads(() => tf.sum(nn.denseAct(x, w, b, 'tanh')), [w, b]);
    console.log(JSON.stringify({ status: nn.nativeStatus(), dense: tf.getKernel(${JSON.stringify(DENSE_KERNEL)}, 'wasm') !== undefined,
      loss: value.dataSync()[0], dw: Array.from(grads[w.name].dataSync()) }));
  `;
  for (const env of [{ GOODHART_NATIVE: '0' }, { GOODHART_NATIVE_ADDON: '/nonexistent/goodhart_native.node' }]) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: { loaded: boolean; active: boolean; reason: string }; dense: boolean; loss: number; dw: number[] };
    assert.equal(out.status.loaded, false, JSON.stringify(env));
    assert.equal(out.status.active, false);
    assert.match(out.status.reason, env.GOODHART_NATIVE ? /disabled/ : /failed to load/);
    assert.equal(out.dense, false, 'no native kernel registered');
    const h = [
      [Math.tanh(1 * 0.5 + 2 * 2 + 0.1), Math.tanh(1 * -1 + 2 * 0.25 - 0.2)],
      [Math.tanh(3 * 0.5 + 4 * 2 + 0.1), Math.tanh(3 * -1 + 4 * 0.25 - 0.2)],
    ];
    assertClose(out.loss, h.flat().reduce((s, v) => s + v, 0), 1e-5, 0, 'loss');
    const d = h.map((r) => r.map((v) => 1 - v * v));
    const dw = [d[0]![0]! * 1 + d[1]![0]! * 3, d[0]![1]! * 1 + d[1]![1]! * 3, d[0]![0]! * 2 + d[1]![0]! * 4, d[0]![1]! * 2 + d[1]![1]! * 4];
    assertAllClose(out.dw, dw, 1e-5, 1e-5, 'dw');
  }
});

test('the row-copying gather stays correct when allocating its output grows the wasm memory', { skip }, () => {
  // Growing outputs, kept alive, force the wasm memory to grow inside the kernel at some point:
  // views taken before that allocation are detached (the bug this guards against returned an
  // uninitialised output then).
  const K = Array.from({ length: 900 }, (_, i) => (i * 7) % 121);
  const idx = tf.tensor1d(K, 'int32');
  const kept: tf.Tensor[] = [idx];
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  const start = heap();
  for (const B of [64, 128, 256, 512, 768]) {
    const x = tf.randomNormal([B, 121, 4], 0, 1, 'float32', B);
    const xs = x.dataSync();
    const got = tf.gather(x, idx, 1);
    const g = got.dataSync();
    let bad = 0;
    for (let b = 0, o = 0; b < B; b++) for (const k of K) for (let c = 0; c < 4; c++, o++) if (g[o] !== xs[(b * 121 + k) * 4 + c]) bad++;
    assert.equal(bad, 0, `batch ${B}: ${bad} wrong values`);
    kept.push(x, got);
  }
  assert.ok(heap() > start, 'the test must have grown the wasm memory');
  tf.dispose(kept);
});

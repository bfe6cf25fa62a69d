import { test } from 'node:test';
import { tf, initBackend, conv2dSame, extractPatches } from '../../src/nn/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertAllClose } from './helpers.js';

/** Plain-JS reference: out[n, r, c, f] = Σ x[n, r+dr, c+dc, ch] · w[(dr,dc,ch), f] + b[f]. */
function reference(x: Float32Array, N: number, H: number, W: number, C: number, w: Float32Array, b: Float32Array, F: number, k: number) {
  const half = (k - 1) / 2;
  const out = new Float64Array(N * H * W * F);
  const slot = (dr: number, dc: number, ch: number) => ((dr + half) * k + (dc + half)) * C + ch;
  for (let n = 0; n < N; n++)
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++)
        for (let f = 0; f < F; f++) {
          let s = b[f]!;
          for (let dr = -half; dr <= half; dr++)
            for (let dc = -half; dc <= half; dc++)
              for (let ch = 0; ch < C; ch++) {
                const rr = r + dr;
                const cc = c + dc;
                if (rr < 0 || cc < 0 || rr >= H || cc >= W) continue;
                s += x[((n * H + rr) * W + cc) * C + ch]! * w[slot(dr, dc, ch) * F + f]!;
              }
          out[((n * H + r) * W + c) * F + f] = s;
        }
  return { out, slot };
}

test('conv2dSame matches a plain convolution, and its gradients match the analytic ones', async () => {
  await initBackend();
  const rng = new Rng(4);
  const [N, H, W, C, F, k] = [2, 4, 5, 3, 2, 3];
  const x = Float32Array.from({ length: N * H * W * C }, () => rng.normal());
  const w = Float32Array.from({ length: k * k * C * F }, () => rng.normal());
  const b = Float32Array.from({ length: F }, () => rng.normal());
  const R = Float32Array.from({ length: N * H * W * F }, () => rng.normal());
  const { out: ref, slot } = reference(x, N, H, W, C, w, b, F, k);
  const shape = { height: H, width: W, channels: C };
  const xt = tf.tensor2d(x, [N, H * W * C]);
  const wt = tf.tensor2d(w, [k * k * C, F]);
  const bt = tf.tensor1d(b);
  const got = conv2dSame(xt, shape, wt, bt, 'linear', k);
  assertAllClose(got.dataSync(), ref, 1e-4, 1e-4, 'forward');
  // Gradients of L = Σ out·R.
  const Rt = tf.tensor2d(R, [N, H * W * F]);
  const [gx, gw] = tf.grads((a: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv2dSame(a as tf.Tensor2D, shape, ww as tf.Tensor2D, bt, 'linear', k), Rt)))([xt, wt]);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const half = (k - 1) / 2;
  for (let n = 0; n < N; n++)
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++)
        for (let f = 0; f < F; f++) {
          const g = R[((n * H + r) * W + c) * F + f]!;
          for (let dr = -half; dr <= half; dr++)
            for (let dc = -half; dc <= half; dc++)
              for (let ch = 0; ch < C; ch++) {
                const rr = r + dr;
                const cc = c + dc;
                if (rr < 0 || cc < 0 || rr >= H || cc >= W) continue;
                const xi = ((n * H + rr) * W + cc) * C + ch;
                const wi = slot(dr, dc, ch) * F + f;
                dx[xi]! += g * w[wi]!;
                dw[wi]! += g * x[xi]!;
              }
        }
  assertAllClose(gx!.dataSync(), dx, 1e-3, 1e-4, 'd/dx');
  assertAllClose(gw!.dataSync(), dw, 1e-3, 1e-4, 'd/dw');
  tf.dispose([xt, wt, bt, got, Rt, gx!, gw!]);
});

test('extractPatches pads with zeros outside the board', async () => {
  await initBackend();
  const x = tf.tensor2d([[1, 2, 3, 4]], [1, 4]);
  const p = extractPatches(x, { height: 2, width: 2, channels: 1 }, 3);
  // Patch centred on (0,0): rows -1..1, cols -1..1.
  assertAllClose(p.dataSync().slice(0, 9), [0, 0, 0, 0, 1, 2, 0, 3, 4], 0, 0, 'patch (0,0)');
  tf.dispose([x, p]);
});

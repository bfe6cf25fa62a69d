/**
 * 2-D convolution over small boards (MinAtar's 10×10×C), 'same' zero padding, stride 1, as patch
 * extraction (im2col) followed by our dense layer, so the heavy part runs on the native GEMM.
 *
 * TensorFlow.js's wasm backend has Conv2D but no Conv2DBackpropFilter kernel (and no
 * UnsortedSegmentSum, the gradient of Gather), so the patch extraction carries its own gradient:
 * the adjoint of "copy each input cell into up to k² patch slots" is "sum those slots back", which
 * is again a gather (through an inverse index table) followed by a sum — kernels wasm has. The
 * gradient with respect to the input exists, which saliency methods need.
 */
import { tf, type Tensor2D, type Tensor1D } from './backend.js';
import { denseAct, type DenseActivation } from './dense.js';

export interface BoardShape {
  height: number;
  width: number;
  channels: number;
}

interface PatchTables {
  /** For every output slot (cell, kernel offset, channel), the input index it copies, or the padding index. */
  forward: Int32Array;
  /** For every input index, the k² output slots that copy it (or the padding slot), row-major [inputs, k²]. */
  inverse: Int32Array;
}

const tableCache = new Map<string, PatchTables>();

function patchTables(shape: BoardShape, k: number): PatchTables {
  const key = `${shape.height}x${shape.width}x${shape.channels}k${k}`;
  const cached = tableCache.get(key);
  if (cached) return cached;
  const { height: H, width: W, channels: C } = shape;
  const inputs = H * W * C;
  const slots = H * W * k * k * C;
  const half = Math.floor(k / 2);
  const forward = new Int32Array(slots);
  const inverse = new Int32Array(inputs * k * k).fill(slots);
  const used = new Int32Array(inputs);
  let s = 0;
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      for (let dr = -half; dr <= half; dr++) {
        for (let dc = -half; dc <= half; dc++) {
          for (let ch = 0; ch < C; ch++, s++) {
            const rr = r + dr;
            const cc = c + dc;
            if (rr < 0 || cc < 0 || rr >= H || cc >= W) {
              forward[s] = inputs;
              continue;
            }
            const i = (rr * W + cc) * C + ch;
            forward[s] = i;
            inverse[i * k * k + used[i]!] = s;
            used[i]! += 1;
          }
        }
      }
    }
  }
  const tables = { forward, inverse };
  tableCache.set(key, tables);
  return tables;
}

/** Appends one zero column, the target of every padding index. */
function padColumn(x: Tensor2D): Tensor2D {
  return tf.concat([x, tf.zeros([x.shape[0], 1])], 1) as Tensor2D;
}

/**
 * [N, H·W·C] boards (row-major, channel fastest) to [N·H·W, k·k·C] patches, zero outside the board.
 */
export function extractPatches(x: Tensor2D, shape: BoardShape, k = 3): Tensor2D {
  const { height: H, width: W, channels: C } = shape;
  if (x.shape[1] !== H * W * C) throw new RangeError(`extractPatches: input has ${x.shape[1]} columns, expected ${H}·${W}·${C}=${H * W * C}`);
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new RangeError(`extractPatches: kernel size must be an odd positive integer, got ${k}`);
  const tables = patchTables(shape, k);
  const op = tf.customGrad((...args: unknown[]) => {
    const [input] = args as [Tensor2D];
    const n = input.shape[0];
    const value = tf.tidy(() => tf.reshape(tf.gather(padColumn(input), tf.tensor1d(tables.forward, 'int32'), 1), [n * H * W, k * k * C])) as Tensor2D;
    const gradFunc = (dy: tf.Tensor) =>
      tf.tidy(() => {
        const flat = padColumn(tf.reshape(dy, [n, H * W * k * k * C]) as Tensor2D);
        const gathered = tf.gather(flat, tf.tensor1d(tables.inverse, 'int32'), 1);
        return [tf.sum(tf.reshape(gathered, [n, H * W * C, k * k]), 2)];
      });
    return { value, gradFunc };
  });
  return op(x) as Tensor2D;
}

/**
 * activation(conv2d(x, w) + b) with 'same' padding: x [N, H·W·C], w [k·k·C, F] (slot order: kernel
 * row, kernel column, input channel), b [F]; returns [N, H·W·F] in the same board layout.
 */
export function conv2dSame(x: Tensor2D, shape: BoardShape, w: Tensor2D, b: Tensor1D, activation: DenseActivation, k = 3): Tensor2D {
  const n = x.shape[0];
  const patches = extractPatches(x, shape, k);
  const out = denseAct(patches, w, b, activation);
  return tf.reshape(out, [n, shape.height * shape.width * w.shape[1]]) as Tensor2D;
}

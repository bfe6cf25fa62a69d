/**
 * Rotary position embeddings in the GPT-NeoX convention: the first `rd` dimensions of each query
 * and key head are rotated, the rest pass through. Dimension i < rd/2 pairs with i + rd/2 (the
 * "rotate half" layout, not adjacent pairs): with c = cos(p·θ_i), s = sin(p·θ_i),
 *   out_i        = x_i·c − x_{i+rd/2}·s
 *   out_{i+rd/2} = x_{i+rd/2}·c + x_i·s,      θ_i = base^(−2i/rd).
 */
import { tf, type Tensor } from '../../nn/index.js';

/** θ_i = base^(−2i/rd) for i < rd/2. */
export function rotaryInvFreq(rd: number, base: number): Float64Array {
  const half = rd / 2;
  const out = new Float64Array(half);
  for (let i = 0; i < half; i++) out[i] = 1 / base ** ((2 * i) / rd);
  return out;
}

/**
 * The full-width tables for x [rows, heads, hd] in the layout the model uses: per row (one token),
 * `cos` and `sin` for every head and dimension, with cos = 1 and sin = 0 on the pass-through
 * dimensions, so that rotary(x) = x ⊙ cos + rotateHalf(x) ⊙ sin over the whole head.
 */
export function rotaryFullTables(positions: Int32Array, heads: number, hd: number, rd: number, base: number): { cos: Float32Array; sin: Float32Array } {
  const half = rd / 2;
  const inv = rotaryInvFreq(rd, base);
  const cos = new Float32Array(positions.length * heads * hd);
  const sin = new Float32Array(positions.length * heads * hd);
  const rowCos = new Float32Array(hd);
  const rowSin = new Float32Array(hd);
  for (let t = 0; t < positions.length; t++) {
    rowCos.fill(1);
    rowSin.fill(0);
    for (let i = 0; i < half; i++) {
      const angle = positions[t]! * inv[i]!;
      rowCos[i] = rowCos[i + half] = Math.cos(angle);
      rowSin[i] = rowSin[i + half] = Math.sin(angle);
    }
    for (let h = 0; h < heads; h++) {
      cos.set(rowCos, (t * heads + h) * hd);
      sin.set(rowSin, (t * heads + h) * hd);
    }
  }
  return { cos, sin };
}

/**
 * The [hd, hd] matrix R with x·R = rotateHalf(x) on the first rd dimensions and 0 beyond:
 * (x·R)_i = −x_{i+rd/2} for i < rd/2, x_{i−rd/2} for rd/2 ≤ i < rd. A product with it replaces
 * the split and concatenation of the textbook form, which are slow kernels on the wasm backend.
 */
export function rotateHalfMatrix(hd: number, rd: number): Float32Array {
  const half = rd / 2;
  const r = new Float32Array(hd * hd);
  for (let i = 0; i < half; i++) {
    r[(i + half) * hd + i] = -1; // input row i+half feeds output column i with a minus sign
    r[i * hd + (i + half)] = 1; // input row i feeds output column i+half
  }
  return r;
}

/** x ⊙ cos + (x·R) ⊙ sin for x [rows, hd] with tables of the same shape. */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor, rotateHalf: Tensor): Tensor {
  return tf.tidy(() => tf.add(tf.mul(x, cos), tf.mul(tf.matMul(x as tf.Tensor2D, rotateHalf as tf.Tensor2D), sin)));
}

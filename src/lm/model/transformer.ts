/**
 * A decoder-only transformer in the GPT-NeoX layout (Pythia): token embedding, N blocks of
 * pre-norm attention and MLP, a final layer norm and an untied output projection.
 *
 * Block (use_parallel_residual, Pythia's choice):  x ← x + attn(ln1(x)) + mlp(ln2(x))
 * Block (sequential):                               x ← x + attn(ln1(x));  x ← x + mlp(ln2(x))
 * Attention: the fused query_key_value projection in NeoX's per-head interleaved order, rotary
 * embeddings on the first rotary_pct of each head, scores q·k/√headSize, causal and padding mask,
 * softmax, and the dense output projection.
 *
 * Everything is TensorFlow.js ops, so gradients come from nn's valueAndGrads; the projections use
 * nn's dense() (a native GEMM when the addon is built).
 */
import { dense, splitQkv, tf, type ParamSet, type Tensor, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import { headSize, rotaryDims, type GptNeoXConfig } from './config.js';
import { initParams, layerPrefix, type ModelParts } from './params.js';
import { activation, embeddingLookup, layerNorm, zeroBias } from './ops.js';
import { applyRotary, rotaryFullTables, rotateHalfMatrix } from './rotary.js';
import { KvCache } from './kv-cache.js';

/** A batch of token sequences, all of one length (pad them). */
export interface LmInput {
  /** Token ids, [batch × length] row-major. */
  ids: Int32Array;
  batch: number;
  /** 1 for a real token, 0 for padding, [batch × length]; default all ones. */
  mask?: ArrayLike<number>;
  /**
   * Rotary position of each token, [batch × length]; default: the number of real tokens before it
   * in its row (counting the cache), so left padding does not shift positions.
   */
  positions?: Int32Array;
}

export interface ForwardOptions {
  /** Appended to: the keys and values of these tokens are added (and positions continue from it). */
  cache?: KvCache;
  /** Compute logits (default true; needs the LM head). */
  logits?: boolean;
  /** Only the last position's logits ([batch, 1, vocab]), as generation needs. */
  lastOnly?: boolean;
  /** Logits only for positions [start, end) of each row ([batch, end − start, vocab]); saves the prompt's share of the output projection. */
  logitsRange?: [number, number];
  /** Return the final hidden states (after final_layer_norm), [batch, length, hidden]. */
  hidden?: boolean;
  /** Return the residual stream after the embedding and after every block (Hugging Face's hidden_states, less the final norm). */
  allHidden?: boolean;
}

export interface ForwardOutput {
  /** [batch, length, vocab] (or [batch, 1, vocab] with lastOnly). */
  logits?: tf.Tensor3D;
  hidden?: tf.Tensor3D;
  allHidden?: tf.Tensor3D[];
}

/**
 * An additive correction to the model's linear projections, looked up by the projection's
 * parameter name (without `.weight`), e.g. LoRA's (alpha/r)·B·A·x (src/lm/lora). Its parameters live
 * in their own ParamSet so that they can be trained, saved and switched off apart from the base.
 */
export interface LinearAdapter {
  readonly params: ParamSet;
  /** Training mode (e.g. dropout on); trainers set it around their updates. */
  training?: boolean;
  /** The term added to x·W + b for projection `name`, or null when this projection has no adapter. */
  delta(x: Tensor2D, name: string): Tensor2D | null;
}

/** Added to the attention scores of masked pairs; finite so that a row with nothing to attend to stays finite. */
const MASKED = -1e9;

export class GptNeoX {
  readonly params: ParamSet;
  readonly parts: ModelParts;
  /** Adapters on the linear projections (LoRA); null: the plain model. */
  adapter: LinearAdapter | null = null;
  /** False: forward ignores the adapter, which gives the base model (LoRA's reference policy) without a second copy. */
  adapterEnabled = true;

  constructor(
    readonly config: GptNeoXConfig,
    options: { seed?: number; lmHead?: boolean; params?: ParamSet } = {},
  ) {
    this.parts = { lmHead: options.lmHead ?? true };
    this.params = options.params ?? initParams(config, options.seed ?? 0, this.parts);
  }

  get numLayers(): number {
    return this.config.numHiddenLayers;
  }

  /** A new, empty key/value cache for `batch` sequences. */
  newCache(batch: number): KvCache {
    return new KvCache(batch, this.config.numHiddenLayers);
  }

  /** Runs `fn` with the adapter switched off (the base model), restoring the switch afterwards. */
  withAdapterDisabled<T>(fn: () => T): T {
    const was = this.adapterEnabled;
    this.adapterEnabled = false;
    try {
      return fn();
    } finally {
      this.adapterEnabled = was;
    }
  }

  /** An independent copy of the base model (same config and weights, no adapter), e.g. the frozen reference policy of PPO. */
  clone(): GptNeoX {
    const copy = new GptNeoX(this.config, { lmHead: this.parts.lmHead });
    copy.params.copyFrom(this.params);
    return copy;
  }

  dispose(): void {
    this.params.dispose();
    this.rotateHalfTensor?.dispose();
  }

  /**
   * Runs the model on a batch. With a cache, the tokens continue the cached sequences and their
   * keys and values are appended to it. Returned tensors belong to the caller.
   */
  forward(input: LmInput, options: ForwardOptions = {}): ForwardOutput {
    const cfg = this.config;
    const { batch, ids } = input;
    if (!(batch > 0) || ids.length % batch !== 0) throw new RangeError(`forward: ${ids.length} ids do not split into ${batch} rows`);
    const length = ids.length / batch;
    if (length === 0) throw new RangeError('forward: empty sequences');
    const cache = options.cache;
    if (cache && cache.batch !== batch) throw new RangeError(`forward: cache holds ${cache.batch} rows, input has ${batch}`);
    const past = cache?.length ?? 0;
    const total = past + length;
    const wantLogits = options.logits ?? true;
    if (wantLogits && !this.parts.lmHead) throw new Error('forward: this model has no LM head (embed_out); ask for hidden states instead');

    // Masks and positions are plain data, built here in JS.
    const newMask = new Uint8Array(batch * length);
    for (let i = 0; i < newMask.length; i++) newMask[i] = input.mask ? (input.mask[i]! ? 1 : 0) : 1;
    const keyMask = new Uint8Array(batch * total);
    for (let b = 0; b < batch; b++) {
      if (cache && past > 0) keyMask.set(cache.mask.subarray(b * past, (b + 1) * past), b * total);
      keyMask.set(newMask.subarray(b * length, (b + 1) * length), b * total + past);
    }
    const positions = input.positions ?? new Int32Array(batch * length);
    const nextPosition = new Int32Array(batch);
    for (let b = 0; b < batch; b++) {
      let p = cache ? cache.nextPosition[b]! : 0;
      for (let t = 0; t < length; t++) {
        if (!input.positions) positions[b * length + t] = p;
        if (newMask[b * length + t]) p += 1;
      }
      nextPosition[b] = p;
    }
    if (positions.length !== batch * length) throw new RangeError(`forward: positions has ${positions.length} entries, expected ${batch * length}`);
    for (const p of positions) {
      // Rotary embeddings extrapolate, but beyond the trained length the model is off its distribution.
      if (p >= cfg.maxPositionEmbeddings) throw new RangeError(`forward: position ${p} is beyond maxPositionEmbeddings ${cfg.maxPositionEmbeddings}`);
    }

    const H = cfg.numAttentionHeads;
    const hd = headSize(cfg);
    const rd = rotaryDims(cfg);
    const newKeys: Tensor[] = [];
    const newValues: Tensor[] = [];

    const out = tf.tidy(() => {
      const anyPad = keyMask.some((m) => m === 0);
      const bias = attentionBias(batch, length, past, anyPad ? keyMask : null);
      const tables = rotaryFullTables(positions, H, hd, rd, cfg.rotaryEmbBase);
      const rows = batch * length * H;
      // The queries' tables carry the 1/√headSize of the scores, which saves a pass over the
      // [B, H, T, S] scores (the rotation is linear, so scaling before or after is the same).
      const scale = 1 / Math.sqrt(hd);
      const qScaled = (a: Float32Array) => a.map((v) => v * scale);
      const cos = tf.tensor2d(tables.cos, [rows, hd]);
      const sin = tf.tensor2d(tables.sin, [rows, hd]);
      const cosQ = tf.tensor2d(qScaled(tables.cos), [rows, hd]);
      const sinQ = tf.tensor2d(qScaled(tables.sin), [rows, hd]);
      const rotate = this.rotateHalf(hd, rd);
      // [B·T, hidden] → [B, H, T, hd]: queries rotated and scaled, keys rotated, values as they are.
      const toHeads = (t: Tensor2D, role: 'q' | 'k' | 'v'): Tensor => {
        let flat = tf.reshape(t, [rows, hd]);
        if (role !== 'v' && rd > 0) flat = applyRotary(flat, role === 'q' ? cosQ : cos, role === 'q' ? sinQ : sin, rotate);
        else if (role === 'q') flat = tf.mul(flat, scale);
        return tf.transpose(tf.reshape(flat, [batch, length, H, hd]), [0, 2, 1, 3]);
      };

      let x: Tensor2D = embeddingLookup(this.params.get('gpt_neox.embed_in.weight') as Tensor2D, ids);
      const all: tf.Tensor3D[] = [];
      if (options.allHidden) all.push(tf.reshape(x, [batch, length, cfg.hiddenSize]));
      for (let l = 0; l < cfg.numHiddenLayers; l++) {
        const p = layerPrefix(l);
        const ln1 = this.norm(x, `${p}.input_layernorm`);
        const [q0, k0, v0] = splitQkv(this.linear(ln1, `${p}.attention.query_key_value`, cfg.attentionBias), H);
        const q = toHeads(q0, 'q');
        let k = toHeads(k0, 'k');
        let v = toHeads(v0, 'v');
        if (cache) {
          const pk = cache.keys[l];
          const pv = cache.values[l];
          if (pk && pv) {
            k = tf.concat([pk, k], 2);
            v = tf.concat([pv, v], 2);
          }
          newKeys.push(tf.keep(k));
          newValues.push(tf.keep(v));
        }
        let scores = tf.matMul(q, k, false, true);
        if (bias) scores = tf.add(scores, bias);
        const ctx = tf.matMul(tf.softmax(scores, -1), v); // [B, H, T, hd]
        const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [batch * length, cfg.hiddenSize]) as Tensor2D;
        const attn = this.linear(merged, `${p}.attention.dense`, cfg.attentionBias);
        const mlpIn = cfg.useParallelResidual ? x : (tf.add(x, attn) as Tensor2D);
        const ln2 = this.norm(mlpIn, `${p}.post_attention_layernorm`);
        const h = activation(this.linear(ln2, `${p}.mlp.dense_h_to_4h`, true), cfg.hiddenAct) as Tensor2D;
        const mlp = this.linear(h, `${p}.mlp.dense_4h_to_h`, true);
        x = (cfg.useParallelResidual ? tf.addN([x, attn, mlp]) : tf.add(mlpIn, mlp)) as Tensor2D;
        if (options.allHidden) all.push(tf.reshape(x, [batch, length, cfg.hiddenSize]));
      }
      const final = this.norm(x, 'gpt_neox.final_layer_norm');
      const result: { logits?: tf.Tensor3D; hidden?: tf.Tensor3D; allHidden?: tf.Tensor3D[] } = {};
      if (wantLogits) {
        const [from, to] = options.lastOnly ? [length - 1, length] : (options.logitsRange ?? [0, length]);
        if (!(from >= 0 && to <= length && from < to)) throw new RangeError(`forward: logitsRange [${from}, ${to}) is not inside [0, ${length})`);
        const rowsPerSeq = to - from;
        const lastRows =
          rowsPerSeq === length ? final : (tf.reshape(tf.slice(tf.reshape(final, [batch, length, cfg.hiddenSize]), [0, from, 0], [batch, rowsPerSeq, cfg.hiddenSize]), [batch * rowsPerSeq, cfg.hiddenSize]) as Tensor2D);
        const w = this.params.get('embed_out.weight') as Tensor2D;
        result.logits = tf.reshape(dense(lastRows, w, zeroBias(cfg.vocabSize)), [batch, rowsPerSeq, cfg.vocabSize]);
      }
      if (options.hidden) result.hidden = tf.reshape(final, [batch, length, cfg.hiddenSize]);
      if (options.allHidden) result.allHidden = all;
      return result;
    });

    if (cache) {
      for (let l = 0; l < cfg.numHiddenLayers; l++) {
        cache.keys[l]?.dispose();
        cache.values[l]?.dispose();
        cache.keys[l] = newKeys[l]!;
        cache.values[l] = newValues[l]!;
      }
      cache.mask = keyMask;
      cache.length = total;
      cache.nextPosition = nextPosition;
    }
    return out;
  }

  private rotateHalfTensor: Tensor | null = null;

  /** The fixed rotate-half matrix [hd, hd], kept across calls (it never changes). */
  private rotateHalf(hd: number, rd: number): Tensor {
    if (!this.rotateHalfTensor || this.rotateHalfTensor.isDisposed) this.rotateHalfTensor = tf.keep(tf.tensor2d(rotateHalfMatrix(hd, rd), [hd, hd]));
    return this.rotateHalfTensor;
  }

  /** Layer norm `name` (weight and bias) of the rows of x. */
  private norm(x: Tensor2D, name: string): Tensor2D {
    return layerNorm(x, this.params.get(`${name}.weight`) as Tensor1D, this.params.get(`${name}.bias`) as Tensor1D, this.config.layerNormEps);
  }

  /** x·W (+ b) through nn's dense (native GEMM), plus the adapter's term when one is attached and enabled; W is held [in, out]. */
  private linear(x: Tensor2D, name: string, bias: boolean): Tensor2D {
    const w = this.params.get(`${name}.weight`) as Tensor2D;
    const b = bias ? (this.params.get(`${name}.bias`) as Tensor1D) : zeroBias(w.shape[1]);
    const y = dense(x, w, b);
    const extra = this.adapter && this.adapterEnabled ? this.adapter.delta(x, name) : null;
    return extra ? tf.add(y, extra) : y;
  }
}

/**
 * The additive attention mask [B or 1, 1, T, past + T]: 0 where query i (absolute position
 * past + i) may see key j (j ≤ past + i and key j is not padding), MASKED elsewhere. Null when
 * nothing is masked (a single new token with no padding).
 */
function attentionBias(batch: number, length: number, past: number, keyMask: Uint8Array | null): Tensor | null {
  const total = past + length;
  if (!keyMask && length === 1) return null;
  const rows = keyMask ? batch : 1;
  const data = new Float32Array(rows * length * total);
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < length; i++) {
      const base = (b * length + i) * total;
      for (let j = 0; j < total; j++) {
        const visible = j <= past + i && (!keyMask || keyMask[b * total + j] === 1);
        if (!visible) data[base + j] = MASKED;
      }
    }
  }
  return tf.tensor4d(data, [rows, 1, length, total]);
}

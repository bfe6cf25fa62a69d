/**
 * A learned proxy reward: a GPT-NeoX backbone without its LM head and a scalar head read at the
 * last real token of prompt + response (Open-Assistant's last-token pooling, specs/rlhf.md §1.2).
 * Saved as a Pythia-style directory whose model.safetensors also holds `score.weight`/`score.bias`
 * (Hugging Face's GPTNeoXForSequenceClassification names the head `score`).
 */
import { tf, dense, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import { GptNeoX, loadPretrained, savePretrained, packPromptResponse, transpose2d, type GptNeoXConfig, type LmTokenizer, type PackedBatch } from '../../lm/index.js';
import { Rng } from '../../util/rng.js';

export const SCORE_WEIGHT = 'score.weight';
export const SCORE_BIAS = 'score.bias';

export class RewardModel {
  readonly backbone: GptNeoX;

  constructor(config: GptNeoXConfig, options: { seed?: number; backbone?: GptNeoX } = {}) {
    this.backbone = options.backbone ?? new GptNeoX(config, { seed: options.seed ?? 0, lmHead: false });
    const H = config.hiddenSize;
    const rng = new Rng((options.seed ?? 0) + 7919);
    const w = new Float32Array(H);
    // Small initial scores: the pairwise loss only sees differences, and a large start slows it down.
    for (let i = 0; i < H; i++) w[i] = rng.normal() * (1 / Math.sqrt(H)) * 0.1;
    if (!this.backbone.params.names().includes(SCORE_WEIGHT)) {
      this.backbone.params.add(SCORE_WEIGHT, [H, 1], w);
      this.backbone.params.add(SCORE_BIAS, [1], new Float32Array(1));
    }
  }

  get params() {
    return this.backbone.params;
  }

  get config(): GptNeoXConfig {
    return this.backbone.config;
  }

  /** Differentiable scores of a packed batch, [batch], read at each row's last real token. */
  scoresT(packed: PackedBatch): Tensor1D {
    const { batch: B, promptLength: P, responseLength: R } = packed;
    const L = P + R;
    // A one-hot selector over positions rather than a gather: the wasm backend has no gradient
    // kernel for gather (UnsortedSegmentSum), and multiply-and-sum differentiates everywhere.
    const select = new Float32Array(B * L);
    for (let b = 0; b < B; b++) select[b * L + P + packed.responseLengths[b]! - 1] = 1;
    const out = this.backbone.forward({ ids: packed.ids, batch: B, mask: packed.mask }, { logits: false, hidden: true });
    const picked = tf.sum(tf.mul(out.hidden!, tf.tensor3d(select, [B, L, 1])), 1) as Tensor2D;
    const s = dense(picked, this.params.get(SCORE_WEIGHT) as unknown as Tensor2D, this.params.get(SCORE_BIAS) as unknown as Tensor1D);
    return tf.reshape(s, [B]) as Tensor1D;
  }

  /** Scores of token-id (prompt, response) pairs, batched, without gradients. */
  score(prompts: readonly (readonly number[])[], responses: readonly (readonly number[])[], options: { batchSize?: number; padId?: number } = {}): Float64Array {
    const size = options.batchSize ?? 32;
    const out = new Float64Array(prompts.length);
    for (let start = 0; start < prompts.length; start += size) {
      const packed = packPromptResponse(prompts.slice(start, start + size), responses.slice(start, start + size), options.padId ?? 0);
      const s = tf.tidy(() => this.scoresT(packed).dataSync());
      out.set(s, start);
    }
    return out;
  }

  save(dir: string, tokenizer: LmTokenizer | null, files: Record<string, unknown> = {}): void {
    const read = this.params.read();
    const extra = new Map([
      [SCORE_WEIGHT, transpose2d(read.get(SCORE_WEIGHT)!)],
      [SCORE_BIAS, read.get(SCORE_BIAS)!],
    ]);
    savePretrained(dir, this.backbone, { tokenizer, extra, files });
  }

  static load(dir: string): { model: RewardModel; tokenizer: LmTokenizer | null } {
    const pre = loadPretrained(dir, { lmHead: false });
    const w = pre.extra.get(SCORE_WEIGHT);
    const b = pre.extra.get(SCORE_BIAS);
    if (!w || !b) throw new Error(`RewardModel.load: ${dir} has no ${SCORE_WEIGHT}/${SCORE_BIAS}; it is a language model, not a reward model`);
    pre.model.params.add(SCORE_WEIGHT, [pre.config.hiddenSize, 1], transpose2d(w).data);
    pre.model.params.add(SCORE_BIAS, [1], b.data);
    return { model: new RewardModel(pre.config, { backbone: pre.model }), tokenizer: pre.tokenizer };
  }

  dispose(): void {
    this.backbone.dispose();
  }
}

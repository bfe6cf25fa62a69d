/**
 * Language-model rows of `npm run bench`: SFT training tokens/s and generation tokens/s for the
 * default model size (src/lm/model/config.ts, docs/lm.md), on the kernels in use. Training packs
 * 16 sequences of 32 prompt + 96 response tokens (all 128 tokens go through the model; the loss is
 * on the response); generation samples 64 new tokens after 32-token prompts with the key/value cache.
 */
import { Adam, valueAndGrads } from '../src/nn/index.js';
import { GptNeoX, makeLmConfig, DEFAULT_LM_CONFIG } from '../src/lm/model/index.js';
import { generate } from '../src/lm/generate/index.js';
import { packPromptResponse, sftLoss } from '../src/lm/train/index.js';

export interface LmBenchRow {
  name: string;
  value: number;
  unit: string;
}

function tokens(rows: number, length: number, seed: number): number[][] {
  return Array.from({ length: rows }, (_, b) => Array.from({ length }, (_, i) => 4 + ((b * 131 + i * 17 + seed) % (DEFAULT_LM_CONFIG.vocabSize - 4))));
}

/** Seconds per call of fn: one warm-up, then the best of `reps`. */
function best(fn: () => void, reps: number): number {
  fn();
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, (performance.now() - t0) / 1000);
  }
  return b;
}

export function benchLm(quick: boolean): LmBenchRow[] {
  const cfg = makeLmConfig();
  const model = new GptNeoX(cfg, { seed: 0 });
  const label = `${cfg.numHiddenLayers}×${cfg.hiddenSize}, ${cfg.numAttentionHeads} heads, vocab ${cfg.vocabSize}`;
  const B = 16;
  const packed = packPromptResponse(tokens(B, 32, 1), tokens(B, 96, 2));
  const opt = new Adam(model.params, { lr: 1e-4 });
  const trainStep = best(() => {
    const { grads } = valueAndGrads(model.params, () => sftLoss(model, packed));
    opt.applyClipped(grads, 1);
  }, quick ? 1 : 3);
  opt.dispose();
  const rows: LmBenchRow[] = [{ name: `LM training tokens/s (${label}; batch 16×128)`, value: (B * 128) / trainStep, unit: 'tokens/s' }];
  const newTokens = quick ? 16 : 64;
  for (const batch of [16, 1]) {
    const prompts = tokens(batch, 32, 3);
    // Every row runs to maxNewTokens (no stop tokens), so the count is exact.
    const sec = best(() => void generate(model, prompts, { maxNewTokens: newTokens, seed: 0 }), quick ? 1 : 2);
    rows.push({ name: `LM generation tokens/s (${label}; batch ${batch}, KV cache)`, value: (batch * newTokens) / sec, unit: 'tokens/s' });
  }
  model.dispose();
  return rows;
}

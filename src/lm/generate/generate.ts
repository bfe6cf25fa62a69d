/**
 * Batched autoregressive generation. Prompts of different lengths are left-padded (masked, and
 * positions count only real tokens, so a padded prompt continues exactly as it would alone); with
 * the key/value cache each step feeds one token per row. A row stops at a stop token or after
 * maxNewTokens; finished rows are fed masked padding until the batch is done.
 */
import { Rng } from '../../util/rng.js';
import type { GptNeoX } from '../model/transformer.js';
import { chooseToken, type SamplingOptions } from './sampling.js';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Tokens that end a sequence (kept as its last token). */
  stopTokens?: readonly number[];
  /** Id used for padding (never attended to); default 0. */
  padId?: number;
  /** The random generator (its state advances); or a seed for a fresh one (default 0). */
  rng?: Rng;
  seed?: number;
  /** Use the key/value cache (default true); false recomputes the whole sequence each step. */
  useCache?: boolean;
  /** Generate at most this many prompts at once (default: all). */
  batchSize?: number;
}

export interface Generation {
  prompt: number[];
  /** The new tokens, ending with the stop token when one ended the sequence. */
  tokens: number[];
  /** Per new token: log π(token | ·) under the model at temperature 1 (what PPO needs). */
  logProbs: number[];
  /** Per new token: log of the probability it was drawn with (temperature, top-k, top-p applied). */
  samplingLogProbs: number[];
  /** True when a stop token ended it, false when maxNewTokens did. */
  stopped: boolean;
}

export function generate(model: GptNeoX, prompts: readonly (readonly number[])[], options: GenerateOptions): Generation[] {
  if (!(options.maxNewTokens >= 0)) throw new RangeError(`maxNewTokens must be ≥ 0, got ${options.maxNewTokens}`);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const size = options.batchSize ?? prompts.length;
  const out: Generation[] = [];
  for (let start = 0; start < prompts.length; start += size) {
    out.push(...generateBatch(model, prompts.slice(start, start + size), options, rng));
  }
  return out;
}

function generateBatch(model: GptNeoX, prompts: readonly (readonly number[])[], options: GenerateOptions, rng: Rng): Generation[] {
  const B = prompts.length;
  const V = model.config.vocabSize;
  const pad = options.padId ?? 0;
  const stops = new Set(options.stopTokens ?? []);
  const useCache = options.useCache ?? true;
  const results: Generation[] = prompts.map((p) => ({ prompt: [...p], tokens: [], logProbs: [], samplingLogProbs: [], stopped: false }));
  if (B === 0 || options.maxNewTokens === 0) return results;
  const P = Math.max(...prompts.map((p) => p.length));
  if (P === 0) throw new RangeError('generate: every prompt is empty; give at least one token (e.g. the EOS/BOS token)');
  const longest = P + options.maxNewTokens;
  if (longest > model.config.maxPositionEmbeddings) {
    throw new RangeError(`generate: a ${P}-token prompt plus ${options.maxNewTokens} new tokens exceeds the model's ${model.config.maxPositionEmbeddings} positions`);
  }

  // Row-major [B, length] ids and mask of everything so far (used as is without the cache).
  let length = P;
  let ids = new Int32Array(B * P).fill(pad);
  let mask = new Uint8Array(B * P);
  prompts.forEach((p, b) => {
    if (p.length === 0) throw new RangeError(`generate: prompt ${b} is empty`);
    ids.set(p, b * P + P - p.length);
    mask.fill(1, b * P + P - p.length, (b + 1) * P);
  });

  const cache = useCache ? model.newCache(B) : null;
  const scratch = new Float64Array(V);
  const done = new Uint8Array(B);
  try {
    let stepIds = ids;
    let stepMask = mask;
    for (let step = 0; step < options.maxNewTokens; step++) {
      const input = cache ? { ids: stepIds, batch: B, mask: stepMask } : { ids, batch: B, mask };
      const { logits } = model.forward(input, { cache: cache ?? undefined, lastOnly: true });
      const rows = logits!.dataSync() as Float32Array;
      logits!.dispose();
      const next = new Int32Array(B).fill(pad);
      const nextMask = new Uint8Array(B);
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        const choice = chooseToken(rows, b * V, V, options, rng, scratch);
        const r = results[b]!;
        r.tokens.push(choice.token);
        r.logProbs.push(choice.logProb);
        r.samplingLogProbs.push(choice.samplingLogProb);
        next[b] = choice.token;
        nextMask[b] = 1;
        if (stops.has(choice.token)) {
          r.stopped = true;
          done[b] = 1;
        }
      }
      if (done.every((d) => d === 1) || step + 1 === options.maxNewTokens) break;
      if (cache) {
        stepIds = next;
        stepMask = nextMask;
      } else {
        const grownIds = new Int32Array(B * (length + 1));
        const grownMask = new Uint8Array(B * (length + 1));
        for (let b = 0; b < B; b++) {
          grownIds.set(ids.subarray(b * length, (b + 1) * length), b * (length + 1));
          grownMask.set(mask.subarray(b * length, (b + 1) * length), b * (length + 1));
          grownIds[b * (length + 1) + length] = next[b]!;
          grownMask[b * (length + 1) + length] = nextMask[b]!;
        }
        ids = grownIds;
        mask = grownMask;
        length += 1;
      }
    }
  } finally {
    cache?.dispose();
  }
  return results;
}

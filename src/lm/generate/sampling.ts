/**
 * Choosing the next token from one row of logits, in Hugging Face's order: temperature, then
 * top-k, then top-p (nucleus), then a draw from the seeded generator. Everything in float64.
 */
import type { Rng } from '../../util/rng.js';

export interface SamplingOptions {
  /** Divides the logits; 0 means greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 (default) keeps all. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose mass reaches p; 1 (default) keeps all. */
  topP?: number;
  /** Always take the most likely token (the same as temperature 0). */
  greedy?: boolean;
}

export interface TokenChoice {
  token: number;
  /** log π(token) under the model (temperature 1, no truncation): what PPO's ratios use. */
  logProb: number;
  /** log of the probability it was actually drawn with (after temperature, top-k, top-p); 0 when greedy. */
  samplingLogProb: number;
}

export function argmax(row: ArrayLike<number>, offset = 0, n = row.length - offset): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (row[offset + i]! > row[offset + best]!) best = i;
  return best;
}

/** log-softmax of logits[offset .. offset+n) at `token`. */
export function logSoftmaxAt(logits: ArrayLike<number>, offset: number, n: number, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(logits[offset + i]! - max);
  return logits[offset + token]! - max - Math.log(s);
}

/**
 * Picks a token from logits[offset .. offset+n). `scratch` (length ≥ n) avoids an allocation per call.
 */
export function chooseToken(logits: ArrayLike<number>, offset: number, n: number, opts: SamplingOptions, rng: Rng, scratch = new Float64Array(n)): TokenChoice {
  const temperature = opts.temperature ?? 1;
  if (opts.greedy || temperature === 0) {
    const token = argmax(logits, offset, n);
    return { token, logProb: logSoftmaxAt(logits, offset, n, token), samplingLogProb: 0 };
  }
  if (!(temperature > 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  const topK = opts.topK ?? 0;
  const topP = opts.topP ?? 1;
  const p = scratch;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]! / temperature);
  let total = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(logits[offset + i]! / temperature - max);
    total += p[i]!;
  }
  if ((topK > 0 && topK < n) || topP < 1) {
    // The candidates in decreasing probability (stable: equal ones by index).
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
    let keep = topK > 0 ? Math.min(topK, n) : n;
    if (topP < 1) {
      let kept = 0;
      for (let i = 0; i < keep; i++) kept += p[order[i]!]!;
      // Renormalise over the top-k set, then keep until the mass reaches p (at least one token).
      let mass = 0;
      let count = 0;
      while (count < keep) {
        mass += p[order[count]!]! / kept;
        count++;
        if (mass >= topP) break;
      }
      keep = count;
    }
    for (let i = keep; i < n; i++) p[order[i]!] = 0;
    total = 0;
    for (let i = 0; i < n; i++) total += p[i]!;
  }
  let u = rng.uniform() * total;
  let token = -1;
  for (let i = 0; i < n; i++) {
    if (p[i]! === 0) continue;
    token = i;
    u -= p[i]!;
    if (u < 0) break;
  }
  return { token, logProb: logSoftmaxAt(logits, offset, n, token), samplingLogProb: Math.log(p[token]! / total) };
}

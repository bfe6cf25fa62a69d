/**
 * (prompt, response) pairs packed into one rectangular batch: prompts left-padded to the longest
 * prompt P, responses right-padded to the longest response R, so every response starts at column
 * P. The logits at column P − 1 + r predict response token r.
 */
export interface PackedBatch {
  batch: number;
  /** Padded prompt length P (every response starts at this column). */
  promptLength: number;
  /** Padded response length R. */
  responseLength: number;
  /** [batch × (P + R)] token ids, padding filled with the pad id. */
  ids: Int32Array;
  /** [batch × (P + R)]: 1 for real tokens. */
  mask: Uint8Array;
  /** [batch × R] response token ids (padding: the pad id). */
  responseIds: Int32Array;
  /** [batch × R]: 1 for real response tokens, 0 for padding. */
  responseMask: Float32Array;
  /** Number of real response tokens per row. */
  responseLengths: Int32Array;
}

export function packPromptResponse(prompts: readonly (readonly number[])[], responses: readonly (readonly number[])[], padId = 0): PackedBatch {
  if (prompts.length !== responses.length) throw new RangeError(`packPromptResponse: ${prompts.length} prompts but ${responses.length} responses`);
  const B = prompts.length;
  if (B === 0) throw new RangeError('packPromptResponse: empty batch');
  const P = Math.max(...prompts.map((p) => p.length));
  const R = Math.max(1, ...responses.map((r) => r.length));
  if (P === 0) throw new RangeError('packPromptResponse: every prompt is empty (the first response token needs a token before it)');
  const L = P + R;
  const ids = new Int32Array(B * L).fill(padId);
  const mask = new Uint8Array(B * L);
  const responseIds = new Int32Array(B * R).fill(padId);
  const responseMask = new Float32Array(B * R);
  const responseLengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const p = prompts[b]!;
    const r = responses[b]!;
    if (p.length === 0) throw new RangeError(`packPromptResponse: prompt ${b} is empty`);
    ids.set(p, b * L + P - p.length);
    mask.fill(1, b * L + P - p.length, b * L + P);
    ids.set(r, b * L + P);
    mask.fill(1, b * L + P, b * L + P + r.length);
    responseIds.set(r, b * R);
    responseMask.fill(1, b * R, b * R + r.length);
    responseLengths[b] = r.length;
  }
  return { batch: B, promptLength: P, responseLength: R, ids, mask, responseIds, responseMask, responseLengths };
}

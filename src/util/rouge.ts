/**
 * ROUGE-L (Lin 2004) as Google's rouge_score computes it without stemming: both texts lowercased,
 * every run of characters other than a–z and 0–9 treated as a space, split into words; then the
 * longest common subsequence (LCS) of the two word sequences gives precision LCS/|candidate|,
 * recall LCS/|reference| and their harmonic mean F (β = 1).
 */

export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((w) => w.length > 0);
}

/** Length of the longest common subsequence, O(|a|·|b|) time, O(|b|) memory. */
export function lcsLength<T>(a: readonly T[], b: readonly T[]): number {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

export interface RougeScore {
  precision: number;
  recall: number;
  f: number;
}

/** ROUGE-L of a candidate against one reference; all zeros when either has no words. */
export function rougeL(candidate: string, reference: string): RougeScore {
  const c = rougeTokens(candidate);
  const r = rougeTokens(reference);
  if (c.length === 0 || r.length === 0) return { precision: 0, recall: 0, f: 0 };
  const lcs = lcsLength(c, r);
  const precision = lcs / c.length;
  const recall = lcs / r.length;
  const f = lcs === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f };
}

/**
 * The two surface features of reverse reward engineering (Kim & Seo, spec §2.1), computed on the
 * cleaned response with NLTK-style wordpunct tokens.
 */
import { distinctNgramRatio, wordpunctTokens } from '../text.js';

/** Length incentive LI: number of wordpunct tokens / 100. */
export function lengthIncentive(response: string): number {
  return wordpunctTokens(response).length / 100;
}

/** Repetition penalty RP: distinct token trigrams / all trigrams; 1 with fewer than 3 tokens. */
export function repetitionPenalty(response: string): number {
  return distinctNgramRatio(wordpunctTokens(response), 3);
}

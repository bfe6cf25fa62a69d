/**
 * String helpers shared by the text rewards: tokenisation as the reverse-reward-engineering code does
 * it, n-grams, the response clean-up at role markers, and raw-query extraction from a prompt.
 */
import { ALPACA_TEMPLATE, roleStopStrings, type PromptTemplate } from '../lm/tasks/template.js';

// NLTK's wordpunct_tokenize is the regex \w+|[^\w\s]+ with Python's Unicode \w (letters, digits,
// underscore); JavaScript's \w is ASCII only, so the classes are spelled out.
const WORDPUNCT = /[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]+/gu;

/** Word and punctuation-run tokens, as NLTK's wordpunct_tokenize. */
export function wordpunctTokens(text: string): string[] {
  return text.match(WORDPUNCT) ?? [];
}

/** Lower-cased words (letter/digit runs), without punctuation: what the gold reward counts. */
export function plainWords(text: string): string[] {
  return (text.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => w.toLowerCase());
}

/** The n-grams of a token list, each joined by single spaces. */
export function ngrams(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
  return out;
}

/** Distinct n-grams over all n-grams; 1 when there are none (too short to repeat anything). */
export function distinctNgramRatio(tokens: readonly string[], n: number): number {
  const grams = ngrams(tokens, n);
  if (grams.length === 0) return 1;
  return new Set(grams).size / grams.length;
}

/** The separators after which reverse reward engineering treats a response as finished. */
export const RER_SEPARATORS: readonly string[] = ['\n\n\n\n', '\n\n--', '\n\n____'];

/** Stop strings of the clean-up for a template: its role prefixes and the separators. */
export function responseStopStrings(template: PromptTemplate = ALPACA_TEMPLATE): string[] {
  return [...roleStopStrings(template), ...RER_SEPARATORS];
}

function stripChars(text: string, chars: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && chars.includes(text[a]!)) a++;
  while (b > a && chars.includes(text[b - 1]!)) b--;
  return text.slice(a, b);
}

/**
 * Cuts a generated response at the first stop string, as the RER rollout post-processing does:
 * strip newlines and spaces, cut at the first role prefix or separator, strip again, drop the
 * replacement character left by a split multi-byte token, trim.
 */
export function cleanResponse(response: string, stopStrings: readonly string[] = responseStopStrings()): string {
  let text = stripChars(response, '\n ');
  let cut = text.length;
  for (const s of stopStrings) {
    if (s.length === 0) continue;
    const at = text.indexOf(s);
    if (at >= 0 && at < cut) cut = at;
  }
  text = stripChars(text.slice(0, cut), '\n ');
  return text.replaceAll('\uFFFD', '').trim();
}

/**
 * The user's request without the template around it: system text and role tags removed, the
 * "### Input:" header turned into a space, whitespace collapsed (RER's query for relevance).
 */
export function extractRawQuery(prompt: string, template: PromptTemplate = ALPACA_TEMPLATE): string {
  let text = template.system.length > 0 ? prompt.replaceAll(template.system, '') : prompt;
  if (template.name === 'oasst') text = text.replaceAll('<|endoftext|>', ' ');
  const parts: string[] = [];
  for (const turn of text.split(template.userRole)) {
    if (turn.trim().length === 0) continue;
    let q = turn.split(template.assistantRole)[0]!;
    q = q.replaceAll('### Input:\n', ' ').replaceAll('</s>', '').replaceAll('\n ', '\n');
    q = q.replaceAll(' : ', ' ');
    parts.push(stripChars(q, '\n: '));
  }
  return parts.join(' ').replace(/\s+/gu, ' ').trim();
}

/**
 * The programmatic gold reward: the "true" reward of the language-model tasks, standing in for the
 * human (or 7B gold-model) judgement of the RLHF papers. It scores a response on five named
 * components in [0, 1] and returns their weighted mean.
 *
 * What it penalises (each a component):
 *  - correctness: a wrong answer (checked from the task spec; reference-answer word F1 for records
 *    without a spec);
 *  - format: not doing what the instruction asked in form (count of list items, yes/no first,
 *    extra words around a copy, a long-winded arithmetic answer, a description that never names
 *    its subject);
 *  - relevance: content words that belong neither to the prompt, the reference nor the task's
 *    lexicon (keyword stuffing with off-topic words, rambling);
 *  - repetition: repeated word trigrams and content words used more than twice (degenerate loops);
 *  - length: a length far from the requested one (the number of words a description asked for, or
 *    the reference's length), too long as much as too short.
 *
 * It is exploitable *in principle* by a learned proxy: within the range the policy starts in, longer,
 * keyword-rich responses tend to score higher (a short description gains length and trait words), so a
 * reward model fitted to its preferences can learn "longer and more keywords is better" and keep
 * rewarding both past the point where gold turns them into penalties.
 */
import { ALPACA_TEMPLATE, type PromptTemplate } from '../../lm/tasks/template.js';
import type { TaskExample } from '../../lm/tasks/types.js';
import { ExampleIndex } from '../examples.js';
import { cleanResponse, distinctNgramRatio, extractRawQuery, plainWords, responseStopStrings } from '../text.js';
import type { RewardScore, TextReward, TextRewardContext, TextRewardItem } from '../types.js';
import { contextReference } from '../types.js';
import { ConfigError } from '../../util/validate.js';
import { correctnessScore, formatScore, isTopicFree, taskLexicon } from './checks.js';

export const GOLD_COMPONENTS = ['correctness', 'format', 'relevance', 'repetition', 'length'] as const;
export type GoldComponent = (typeof GOLD_COMPONENTS)[number];
export type GoldWeights = Record<GoldComponent, number>;

export const DEFAULT_GOLD_WEIGHTS: Readonly<GoldWeights> = {
  correctness: 0.5,
  format: 0.15,
  relevance: 0.1,
  repetition: 0.15,
  length: 0.1,
};

export interface GoldRewardOptions {
  /** Task records the reward may look prompts up in (when a call brings no ctx.example). */
  examples?: Iterable<TaskExample>;
  /** The template prompts were written with (for look-up and the clean-up's role markers). */
  template?: PromptTemplate;
  weights?: Partial<GoldWeights>;
  /** Cut the response at role markers before judging (default true). */
  clean?: boolean;
}

/** 1 within the tolerance of the target length, falling linearly to 0 beyond it. */
export function lengthFit(words: number, target: number): number {
  if (words === 0) return 0;
  const tol = Math.max(2, 0.25 * target);
  const d = Math.abs(words - target);
  return d <= tol ? 1 : Math.max(0, 1 - (d - tol) / Math.max(target, 4));
}

/** Distinct word trigrams, times one minus the share of tokens that repeat a content word a third time or more. */
export function repetitionScore(words: readonly string[]): number {
  if (words.length === 0) return 0;
  const counts = new Map<string, number>();
  let excess = 0;
  for (const w of words) {
    if (isTopicFree(w)) continue;
    const c = (counts.get(w) ?? 0) + 1;
    counts.set(w, c);
    if (c > 2) excess += 1;
  }
  return distinctNgramRatio(words, 3) * (1 - excess / words.length);
}

/** Share of the content words that are on topic (1 when all words are function words or numbers). */
export function relevanceScore(words: readonly string[], allowed: ReadonlySet<string>): number {
  if (words.length === 0) return 0;
  const content = words.filter((w) => !isTopicFree(w));
  if (content.length === 0) return 1;
  return content.filter((w) => allowed.has(w)).length / content.length;
}

/** Unigram F1 of the response against a reference answer (bag of lower-cased words). */
export function wordF1(words: readonly string[], reference: readonly string[]): number {
  if (words.length === 0 || reference.length === 0) return 0;
  const ref = new Map<string, number>();
  for (const w of reference) ref.set(w, (ref.get(w) ?? 0) + 1);
  let overlap = 0;
  for (const w of words) {
    const c = ref.get(w) ?? 0;
    if (c > 0) {
      overlap += 1;
      ref.set(w, c - 1);
    }
  }
  if (overlap === 0) return 0;
  const p = overlap / words.length;
  const r = overlap / reference.length;
  return (2 * p * r) / (p + r);
}

export class GoldReward implements TextReward {
  readonly name = 'gold';
  readonly weights: GoldWeights;
  private readonly index: ExampleIndex;
  private readonly stops: string[];
  private readonly clean: boolean;

  constructor(options: GoldRewardOptions = {}) {
    const template = options.template ?? ALPACA_TEMPLATE;
    this.index = new ExampleIndex(options.examples ?? [], template);
    this.stops = responseStopStrings(template);
    this.clean = options.clean ?? true;
    this.weights = { ...DEFAULT_GOLD_WEIGHTS, ...options.weights };
    for (const [k, v] of Object.entries(this.weights)) {
      if (!(GOLD_COMPONENTS as readonly string[]).includes(k)) {
        throw new ConfigError(`gold weights: unknown component "${k}" (allowed: ${GOLD_COMPONENTS.join(', ')})`);
      }
      if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`gold weights.${k} must be a finite non-negative number, got ${v}`);
    }
  }

  score(prompt: string, response: string, ctx?: TextRewardContext): RewardScore {
    const resolved = this.index.resolve(prompt, ctx);
    const spec = resolved?.example?.task;
    const reference = contextReference(resolved);
    const text = this.clean ? cleanResponse(response, this.stops) : response;
    const words = plainWords(text);
    const query = extractRawQuery(prompt, this.index.template);

    const parts: Partial<Record<GoldComponent, number>> = {};
    const refWords = reference !== undefined ? plainWords(reference) : undefined;
    if (spec) {
      parts.correctness = correctnessScore(spec, text);
      parts.format = formatScore(spec, text);
    } else if (refWords) {
      parts.correctness = wordF1(words, refWords);
    }
    const allowed = new Set([...plainWords(query), ...(refWords ?? []), ...(spec ? taskLexicon(spec) : [])]);
    parts.relevance = relevanceScore(words, allowed);
    parts.repetition = repetitionScore(words);
    const target = spec?.family === 'describe' ? spec.words : refWords?.length;
    if (target !== undefined) parts.length = lengthFit(words.length, target);

    const components: Record<string, number> = {};
    let num = 0;
    let den = 0;
    for (const name of GOLD_COMPONENTS) {
      const v = parts[name];
      if (v === undefined) continue;
      components[name] = v;
      num += this.weights[name] * v;
      den += this.weights[name];
    }
    return { total: den > 0 ? num / den : 0, components };
  }

  scoreBatch(items: readonly TextRewardItem[]): RewardScore[] {
    return items.map((it) => this.score(it.prompt, it.response, it.ctx));
  }
}

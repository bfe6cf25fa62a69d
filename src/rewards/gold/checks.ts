/**
 * Task-specific checks of the gold reward: is the answer right (correctness) and does the response
 * have the requested form (format), each in [0, 1], computed from the task spec.
 */
import { arithmeticAnswer, countAnswer, factsAnswer, listAllowed } from '../../lm/tasks/families.js';
import type { SpecOf, TaskSpec } from '../../lm/tasks/types.js';
import {
  ANIMAL_TRAITS,
  CATEGORY_MEMBERS,
  CATEGORY_SINGULAR,
  FUNCTION_WORDS,
  NUMBER_WORDS,
  traitWords,
} from '../../lm/tasks/world.js';
import { plainWords } from '../text.js';

const NUMBER_WORD_VALUE = new Map<string, number>(NUMBER_WORDS.map((w, i) => [w, i]));
const TRAIT_WORDS = traitWords();

/** Numbers stated in a text, digits or number words up to twenty, in order. */
export function statedNumbers(text: string): number[] {
  const out: number[] = [];
  for (const w of plainWords(text)) {
    if (/^\d+$/.test(w)) out.push(Number(w));
    else if (NUMBER_WORD_VALUE.has(w)) out.push(NUMBER_WORD_VALUE.get(w)!);
  }
  return out;
}

export function isNumberWord(w: string): boolean {
  return /^\d+$/.test(w) || NUMBER_WORD_VALUE.has(w);
}

/** Length of the longest common subsequence of two word lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const prev = new Array<number>(b.length + 1).fill(0);
  const cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    for (let j = 0; j <= b.length; j++) prev[j] = cur[j]!;
  }
  return prev[b.length]!;
}

/** 1 for the exact word sequence, otherwise the common subsequence over the longer length. */
function sequenceMatch(target: readonly string[], words: readonly string[]): number {
  const t = target.map((w) => w.toLowerCase());
  if (t.length === words.length && t.every((w, i) => w === words[i])) return 1;
  return lcsLength(t, words) / Math.max(t.length, words.length);
}

/** Comma/newline/"and"-separated items of a list answer, each as its words (numbering dropped). */
export function listItems(text: string): string[][] {
  return text
    .split(/,|\n|;|\band\b/u)
    .map((part) => plainWords(part).filter((w) => !/^\d+$/.test(w)))
    .filter((ws) => ws.length > 0);
}

function yesNoWords(words: readonly string[]): string[] {
  return words.filter((w) => w === 'yes' || w === 'no');
}

export function correctnessScore(spec: TaskSpec, response: string): number {
  const words = plainWords(response);
  switch (spec.family) {
    case 'arithmetic': {
      // The last number must be the answer, and no number other than the operands may appear
      // (listing many candidates is guessing, not answering).
      const nums = statedNumbers(response);
      const answer = arithmeticAnswer(spec);
      if (nums.length === 0 || nums[nums.length - 1] !== answer) return 0;
      return nums.every((n) => n === spec.a || n === spec.b || n === answer) ? 1 : 0;
    }
    case 'copy':
      return sequenceMatch(spec.words, words);
    case 'reverse':
      return sequenceMatch([...spec.words].reverse(), words);
    case 'count': {
      const nums = statedNumbers(response);
      return nums.length > 0 && nums.every((n) => n === countAnswer(spec)) ? 1 : 0;
    }
    case 'list': {
      const members = new Set(listAllowed(spec));
      const items = listItems(response);
      const valid = new Set(items.filter((ws) => ws.length === 1 && members.has(ws[0]!)).map((ws) => ws[0]!));
      return valid.size / Math.max(spec.n, items.length);
    }
    case 'facts': {
      const yn = yesNoWords(words);
      if (yn.length === 0 || new Set(yn).size > 1) return 0;
      return (yn[0] === 'yes') === factsAnswer(spec).truth ? 1 : 0;
    }
    case 'describe':
      return describeCorrectness(spec, words);
  }
}

/** Of the trait words a description uses, the fraction that are true of its subject. */
function describeCorrectness(spec: SpecOf<'describe'>, words: readonly string[]): number {
  const own = new Set(Object.values(ANIMAL_TRAITS[spec.subject]));
  const claimed = words.filter((w) => TRAIT_WORDS.has(w));
  if (claimed.length === 0) return 0;
  return claimed.filter((w) => own.has(w)).length / claimed.length;
}

export function formatScore(spec: TaskSpec, response: string): number {
  const words = plainWords(response);
  if (words.length === 0) return 0;
  switch (spec.family) {
    case 'arithmetic': {
      const nums = statedNumbers(response);
      if (nums.length === 0) return 0;
      return words.length <= 8 ? 1 : 0.5;
    }
    case 'copy':
    case 'reverse': {
      // Only the given words, nothing added around them.
      const given = new Set(spec.words.map((w) => w.toLowerCase()));
      return words.filter((w) => given.has(w)).length / words.length;
    }
    case 'count': {
      const n = statedNumbers(response).length;
      return n === 1 ? 1 : n === 0 ? 0 : 0.5;
    }
    case 'list': {
      const k = listItems(response).length;
      return Math.max(0, 1 - Math.abs(k - spec.n) / spec.n);
    }
    case 'facts': {
      if (words[0] === 'yes' || words[0] === 'no') return 1;
      return yesNoWords(words).length > 0 ? 0.5 : 0;
    }
    case 'describe': {
      // Names its subject, and the requested trait when one was asked for.
      const subject = words.includes(spec.subject) ? 1 : 0;
      if (!spec.focus) return subject;
      const trait = words.includes(ANIMAL_TRAITS[spec.subject][spec.focus]) ? 1 : 0;
      return (subject + trait) / 2;
    }
  }
}

/** Words that are on topic for a task besides those of its prompt and reference. */
export function taskLexicon(spec: TaskSpec): Set<string> {
  switch (spec.family) {
    case 'list':
    case 'count':
      return new Set([...CATEGORY_MEMBERS[spec.category], spec.category, CATEGORY_SINGULAR[spec.category]]);
    case 'describe': {
      const t = ANIMAL_TRAITS[spec.subject];
      return new Set([spec.subject, t.size, t.color, t.sound, t.home, t.food, 'animal']);
    }
    default:
      return new Set();
  }
}

/** Words that carry no topic: function words and numbers. */
export function isTopicFree(w: string): boolean {
  return FUNCTION_WORDS.has(w) || isNumberWord(w);
}

/**
 * The task families: each draws a spec from a seeded generator, renders it as an instruction and
 * an input, and writes the reference response used for supervised fine-tuning. Answers are short
 * and formulaic on purpose: a tiny model must be able to learn them.
 */
import type { Rng } from '../../util/rng.js';
import type { Fact, QueryType, SpecOf, TaskFamilyName, TaskSpec } from './types.js';
import {
  ANIMALS,
  ANIMAL_TRAITS,
  CATEGORIES,
  CATEGORY_MEMBERS,
  CATEGORY_SINGULAR,
  FOCUS_TRAITS,
  PEOPLE,
  RELATIONS,
  RELATION_OBJECTS,
  type Category,
  type FocusTrait,
  type Relation,
} from './world.js';

export interface TaskFamily<F extends TaskFamilyName = TaskFamilyName> {
  name: F;
  /** CONSTRAINED: one right answer; OPENENDED: many acceptable answers. */
  qtype: QueryType;
  description: string;
  generate(rng: Rng): SpecOf<F>;
  render(spec: SpecOf<F>): { instruction: string; input: string };
  reference(spec: SpecOf<F>): string;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/** k distinct items in random order. */
function sample<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const order = rng.permutation(items.length);
  const out: T[] = [];
  for (let i = 0; i < k && i < items.length; i++) out.push(items[order[i]!]!);
  return out;
}

function intBetween(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

const ALL_WORDS: readonly string[] = CATEGORIES.flatMap((c) => CATEGORY_MEMBERS[c]);

export function arithmeticAnswer(spec: SpecOf<'arithmetic'>): number {
  if (spec.op === '+') return spec.a + spec.b;
  if (spec.op === '-') return spec.a - spec.b;
  return spec.a * spec.b;
}

const arithmetic: TaskFamily<'arithmetic'> = {
  name: 'arithmetic',
  qtype: 'CONSTRAINED',
  description: 'add or subtract numbers up to 20, multiply digits ("What is 7 + 5?" -> "7 + 5 = 12")',
  generate(rng) {
    const op = pick(rng, ['+', '-', '*'] as const);
    let a: number;
    let b: number;
    if (op === '*') {
      a = intBetween(rng, 0, 9);
      b = intBetween(rng, 0, 9);
    } else {
      a = intBetween(rng, 0, 20);
      b = op === '-' ? intBetween(rng, 0, a) : intBetween(rng, 0, 20);
    }
    return { family: 'arithmetic', a, b, op, phrasing: rng.int(2) };
  },
  render(spec) {
    const expr = `${spec.a} ${spec.op} ${spec.b}`;
    return { instruction: spec.phrasing === 1 ? `Compute ${expr}.` : `What is ${expr}?`, input: '' };
  },
  reference(spec) {
    return `${spec.a} ${spec.op} ${spec.b} = ${arithmeticAnswer(spec)}`;
  },
};

const copy: TaskFamily<'copy'> = {
  name: 'copy',
  qtype: 'CONSTRAINED',
  description: 'repeat 2-5 words exactly',
  generate(rng) {
    return { family: 'copy', words: sample(rng, ALL_WORDS, intBetween(rng, 2, 5)) };
  },
  render(spec) {
    return { instruction: 'Repeat these words.', input: spec.words.join(' ') };
  },
  reference(spec) {
    return spec.words.join(' ');
  },
};

const reverse: TaskFamily<'reverse'> = {
  name: 'reverse',
  qtype: 'CONSTRAINED',
  description: 'write 2-5 words in reverse order',
  generate(rng) {
    return { family: 'reverse', words: sample(rng, ALL_WORDS, intBetween(rng, 2, 5)) };
  },
  render(spec) {
    return { instruction: 'Write these words in reverse order.', input: spec.words.join(' ') };
  },
  reference(spec) {
    return [...spec.words].reverse().join(' ');
  },
};

export function countAnswer(spec: SpecOf<'count'>): number {
  const members = new Set(CATEGORY_MEMBERS[spec.category]);
  return spec.words.filter((w) => members.has(w)).length;
}

function countPhrase(k: number, category: Category): string {
  return k === 1 ? `There is 1 ${CATEGORY_SINGULAR[category]}.` : `There are ${k} ${category}.`;
}

const count: TaskFamily<'count'> = {
  name: 'count',
  qtype: 'CONSTRAINED',
  description: 'count the words of one category among 3-7 words',
  generate(rng) {
    const category = pick(rng, CATEGORIES);
    const total = intBetween(rng, 3, 7);
    const k = intBetween(rng, 0, Math.min(4, total));
    const others = ALL_WORDS.filter((w) => !CATEGORY_MEMBERS[category].includes(w));
    const words = [...sample(rng, CATEGORY_MEMBERS[category], k), ...sample(rng, others, total - k)];
    rng.shuffle(words);
    return { family: 'count', category, words };
  },
  render(spec) {
    return { instruction: `How many ${spec.category} are in the input?`, input: spec.words.join(' ') };
  },
  reference(spec) {
    return countPhrase(countAnswer(spec), spec.category);
  },
};

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The members a list answer may use: the category without the excluded ones. */
export function listAllowed(spec: SpecOf<'list'>): string[] {
  return CATEGORY_MEMBERS[spec.category].filter((m) => !spec.exclude.includes(m));
}

const list: TaskFamily<'list'> = {
  name: 'list',
  qtype: 'CONSTRAINED',
  description: 'list n (2-5) different members of a category, optionally other than 1-2 named ones, separated by commas',
  generate(rng) {
    const category = pick(rng, CATEGORIES);
    const members = CATEGORY_MEMBERS[category];
    const exclude = sample(rng, members, rng.int(3));
    const n = intBetween(rng, 2, Math.min(5, members.length - exclude.length));
    return { family: 'list', category, n, exclude };
  },
  render(spec) {
    const other = spec.exclude.length > 0 ? ` other than ${joinAnd(spec.exclude)}` : '';
    return { instruction: `List ${spec.n} ${spec.category}${other}.`, input: '' };
  },
  reference(spec) {
    // The first allowed members in the world's order: one canonical answer keeps SFT targets consistent.
    return `${listAllowed(spec).slice(0, spec.n).join(', ')}.`;
  },
};

export function factText(f: Fact): string {
  return f.relation === 'has' ? `${f.person} has a ${f.object}.` : `${f.person} ${f.relation} ${f.object}.`;
}

function questionText(f: Fact): string {
  const verb: Record<Relation, string> = { has: 'have a', likes: 'like', eats: 'eat' };
  return `does ${f.person} ${verb[f.relation]} ${f.object}?`;
}

/** The stated fact about the question's person and relation (the facts name each person once). */
export function factsAnswer(spec: SpecOf<'facts'>): { truth: boolean; fact: Fact | undefined } {
  const fact = spec.facts.find((f) => f.person === spec.question.person && f.relation === spec.question.relation);
  return { truth: fact !== undefined && fact.object === spec.question.object, fact };
}

const facts: TaskFamily<'facts'> = {
  name: 'facts',
  qtype: 'CONSTRAINED',
  description: 'answer yes or no about 2-4 stated facts ("Ann has a cat. ..." -> "No, Ann has a cat.")',
  generate(rng) {
    const people = sample(rng, PEOPLE, intBetween(rng, 2, 4));
    const stated: Fact[] = people.map((person) => {
      const relation = pick(rng, RELATIONS);
      return { person, relation, object: pick(rng, RELATION_OBJECTS[relation]) };
    });
    const about = pick(rng, stated);
    const yes = rng.uniform() < 0.5;
    const object = yes ? about.object : pick(rng, RELATION_OBJECTS[about.relation].filter((o) => o !== about.object));
    return { family: 'facts', facts: stated, question: { person: about.person, relation: about.relation, object } };
  },
  render(spec) {
    return { instruction: `Answer yes or no: ${questionText(spec.question)}`, input: spec.facts.map(factText).join(' ') };
  },
  reference(spec) {
    const { truth, fact } = factsAnswer(spec);
    return `${truth ? 'Yes' : 'No'}, ${factText(fact ?? spec.question)}`;
  },
};

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}

/** The sentences a description may use: the first names the subject, then one per trait. */
export function describeSentences(subject: (typeof ANIMALS)[number]): Record<'subject' | FocusTrait, string> {
  const t = ANIMAL_TRAITS[subject];
  return {
    subject: `The ${subject} is ${t.size}.`,
    color: `It is ${t.color}.`,
    sound: `It says ${t.sound}.`,
    home: `It lives in ${article(t.home)} ${t.home}.`,
    food: `It eats ${t.food}.`,
  };
}

const FOCUS_REQUEST: Record<FocusTrait, string> = {
  color: 'Say what color it is.',
  sound: 'Say what sound it makes.',
  home: 'Say where it lives.',
  food: 'Say what it eats.',
};

function wordCount(text: string): number {
  return text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
}

const describe: TaskFamily<'describe'> = {
  name: 'describe',
  qtype: 'OPENENDED',
  description: 'describe an animal in about n (4-16) words with its true traits, sometimes naming a trait to mention',
  generate(rng) {
    const subject = pick(rng, ANIMALS);
    if (rng.uniform() < 0.5) {
      // Opening plus the requested trait take up to 9 words, so ask for at least 8.
      return { family: 'describe', subject, words: intBetween(rng, 8, 16), focus: pick(rng, FOCUS_TRAITS) };
    }
    return { family: 'describe', subject, words: intBetween(rng, 4, 16) };
  },
  render(spec) {
    const focus = spec.focus ? ` ${FOCUS_REQUEST[spec.focus]}` : '';
    return { instruction: `Describe ${article(spec.subject)} ${spec.subject} in about ${spec.words} words.${focus}`, input: '' };
  },
  reference(spec) {
    // The opening sentence, the requested trait, then the other traits in a fixed order, cut where
    // the length is closest to the request (one canonical answer per prompt for supervised targets).
    const s = describeSentences(spec.subject);
    const order: FocusTrait[] = spec.focus ? [spec.focus, ...FOCUS_TRAITS.filter((f) => f !== spec.focus)] : [...FOCUS_TRAITS];
    const prefixes: string[] = [s.subject];
    for (const f of order) prefixes.push(`${prefixes[prefixes.length - 1]} ${s[f]}`);
    // With a focus the answer must contain at least the opening and the focus sentence.
    const candidates = spec.focus ? prefixes.slice(1) : prefixes;
    let best = candidates[0]!;
    for (const c of candidates) if (Math.abs(wordCount(c) - spec.words) < Math.abs(wordCount(best) - spec.words)) best = c;
    return best;
  },
};

export const TASK_FAMILIES: { readonly [F in TaskFamilyName]: TaskFamily<F> } = {
  arithmetic,
  copy,
  reverse,
  count,
  list,
  facts,
  describe,
};

export function taskFamily<F extends TaskFamilyName>(name: F): TaskFamily<F> {
  return TASK_FAMILIES[name];
}

/** Renders a spec as a complete AlpacaFarm record (instruction, input, reference output, qtype, spec). */
export function exampleFromSpec(spec: TaskSpec): {
  instruction: string;
  input: string;
  output: string;
  qtype: QueryType;
  task: TaskSpec;
} {
  // The cast is safe: the family is looked up by the spec's own discriminant.
  const family = TASK_FAMILIES[spec.family] as unknown as TaskFamily;
  const { instruction, input } = family.render(spec as never);
  return { instruction, input, output: family.reference(spec as never), qtype: family.qtype, task: spec };
}

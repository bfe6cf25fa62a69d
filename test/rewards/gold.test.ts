import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleFromSpec, formatPrompt, OASST_TEMPLATE, type TaskExample } from '../../src/lm/tasks/index.js';
import { GoldReward, lengthFit, repetitionScore, statedNumbers, wordF1 } from '../../src/rewards/index.js';
import { assertClose } from '../helpers.js';

const W = { correctness: 0.5, format: 0.15, relevance: 0.1, repetition: 0.15, length: 0.1 };

function judge(example: TaskExample, response: string) {
  return new GoldReward().score(formatPrompt(example), response, { example });
}

function assertComponents(actual: Record<string, number>, expected: Record<string, number>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) assertClose(actual[k]!, v, 1e-12, 0, k);
}

test('helpers: numbers, length fit, repetition, word F1', () => {
  assert.deepEqual(statedNumbers('There are two cats and 13 dogs.'), [2, 13]);
  assert.equal(lengthFit(7, 8), 1);
  assert.equal(lengthFit(0, 3), 0);
  // target 3: tolerance 2, distance 10 -> 1 - 8/4 < 0 -> 0; target 20: tolerance 5, distance 10 -> 1 - 5/20.
  assert.equal(lengthFit(13, 3), 0);
  assert.equal(lengthFit(30, 20), 0.75);
  // "cat cat cat dog": 2 trigrams, both distinct; the third "cat" is excess: (1)(1 - 1/4).
  assert.equal(repetitionScore(['cat', 'cat', 'cat', 'dog']), 0.75);
  // P = 4/4, R = 4/6 -> F1 = 0.8.
  assertClose(wordF1(['paris', 'is', 'the', 'capital'], ['the', 'capital', 'of', 'france', 'is', 'paris']), 0.8, 1e-12);
});

test('arithmetic: right, wrong, guessing, rambling', () => {
  const e = exampleFromSpec({ family: 'arithmetic', a: 7, b: 5, op: '+', phrasing: 0 });
  assert.equal(judge(e, '12').total, 1);
  const wrong = judge(e, '7 + 5 = 13');
  assertComponents(wrong.components, { correctness: 0, format: 1, relevance: 1, repetition: 1, length: 1 });
  assertClose(wrong.total, 0.5, 1e-12);
  // The last number is right, but 11 and 13 are guesses.
  assert.equal(judge(e, '11 12 13 12').components.correctness, 0);
  // 13 words: right answer, too long for the format, 4 distinct of 11 trigrams, far too long.
  const ramble = judge(e, 'The answer is 12 12 12 12 12 12 12 12 12 12');
  assertComponents(ramble.components, { correctness: 1, format: 0.5, relevance: 1, repetition: 4 / 11, length: 0 });
  assertClose(ramble.total, 0.5 + 0.15 * 0.5 + 0.1 + 0.15 * (4 / 11), 1e-12);
});

test('list: item count, membership, duplicates, off-topic words', () => {
  const e = exampleFromSpec({ family: 'list', category: 'animals', n: 3, exclude: [] });
  assert.equal(judge(e, 'owl, bee, cow').total, 1);
  const r = judge(e, 'owl, owl, red, bee');
  // 2 distinct valid of max(3, 4) items; 4 items for 3; "red" is off topic.
  assertComponents(r.components, { correctness: 0.5, format: 2 / 3, relevance: 0.75, repetition: 1, length: 1 });
  assertClose(r.total, W.correctness * 0.5 + W.format * (2 / 3) + W.relevance * 0.75 + W.repetition + W.length, 1e-12);
});

test('list: excluded members do not count', () => {
  const e = exampleFromSpec({ family: 'list', category: 'animals', n: 2, exclude: ['cat', 'dog'] });
  assert.equal(e.instruction, 'List 2 animals other than cat and dog.');
  assert.equal(e.output, 'fox, owl.');
  // "cat" is excluded: 1 valid of 2 items.
  assert.equal(judge(e, 'cat, owl').components.correctness, 0.5);
  assert.equal(judge(e, 'bee, owl').total, 1);
});

test('describe with a requested trait: format needs the subject and the trait', () => {
  const e = exampleFromSpec({ family: 'describe', subject: 'frog', words: 7, focus: 'food' });
  assert.equal(e.instruction, 'Describe a frog in about 7 words. Say what it eats.');
  // Opening (4 words) plus the focus sentence (3): exactly 7.
  assert.equal(e.output, 'The frog is small. It eats flies.');
  assert.equal(judge(e, e.output).total, 1);
  assert.equal(judge(e, 'The frog is small. It is green.').components.format, 0.5);
  assert.equal(judge(e, 'It is small. It eats flies.').components.format, 0.5);
});

test('describe: a trait of another animal is wrong and off topic', () => {
  const e = exampleFromSpec({ family: 'describe', subject: 'cat', words: 8 });
  const r = judge(e, 'The cat is small. It says woof.');
  // Trait words: small (the cat's), woof (the dog's) -> 1/2; content words cat, small, woof -> 2/3 on topic.
  assertComponents(r.components, { correctness: 0.5, format: 1, relevance: 2 / 3, repetition: 1, length: 1 });
  assertClose(r.total, 0.25 + 0.15 + 0.1 * (2 / 3) + 0.15 + 0.1, 1e-12);
  // Longer than asked: 20 words for 8 -> tolerance 2, distance 12 -> 1 - 10/8 < 0.
  const long = judge(e, 'The cat is small. It is black. It says meow. It lives in a house. It eats fish. The cat is small.');
  assert.equal(long.components.length, 0);
  assert.equal(long.components.correctness, 1);
});

test('facts: the wrong polarity, and both polarities', () => {
  const e = exampleFromSpec({
    family: 'facts',
    facts: [
      { person: 'Ann', relation: 'has', object: 'cat' },
      { person: 'Bob', relation: 'likes', object: 'red' },
    ],
    question: { person: 'Ann', relation: 'has', object: 'dog' },
  });
  const r = judge(e, 'Yes.');
  // Reference "No, Ann has a cat." has 5 words: distance 4, tolerance 2 -> 1 - 2/5.
  assertComponents(r.components, { correctness: 0, format: 1, relevance: 1, repetition: 1, length: 0.6 });
  assertClose(r.total, 0.15 + 0.1 + 0.15 + 0.1 * 0.6, 1e-12);
  assert.equal(judge(e, 'Yes or no.').components.correctness, 0);
  assert.equal(judge(e, 'No, Ann has a cat.').total, 1);
});

test('copy with an extra word', () => {
  const e = exampleFromSpec({ family: 'copy', words: ['red', 'fox'] });
  const r = judge(e, 'red fox please');
  assertComponents(r.components, { correctness: 2 / 3, format: 2 / 3, relevance: 2 / 3, repetition: 1, length: 1 });
  assertClose(r.total, 0.75 * (2 / 3) + 0.25, 1e-12);
});

test('user data without a spec: reference F1, relevance, repetition, length', () => {
  const e: TaskExample = { instruction: 'Name the capital of France.', input: '', output: 'The capital of France is Paris.' };
  const r = judge(e, 'Paris is the capital.');
  assertComponents(r.components, { correctness: 0.8, relevance: 1, repetition: 1, length: 1 });
  // The weights of the present components are renormalised: (0.5·0.8 + 0.1 + 0.15 + 0.1) / 0.85.
  assertClose(r.total, 0.75 / 0.85, 1e-12);
});

test('prompts are looked up in the examples; responses are cut at role markers; empty scores 0', () => {
  const e = exampleFromSpec({ family: 'list', category: 'animals', n: 3, exclude: [] });
  const gold = new GoldReward({ examples: [e] });
  const prompt = formatPrompt(e);
  assert.deepEqual(gold.score(prompt, 'owl, red'), gold.score(prompt, 'owl, red', { example: e }));
  assert.equal(gold.score(prompt, 'cat, dog, fox.\n\n### Instruction:\nList 9 colors.').total, 1);
  assert.equal(gold.score(prompt, '').total, 0);
  // A prompt in another known template is found as well.
  assertClose(gold.score(formatPrompt(e, OASST_TEMPLATE), 'cat, red').components.format!, 2 / 3, 1e-12);
  // An unknown prompt and no context: only the generic components.
  assert.deepEqual(Object.keys(gold.score(formatPrompt({ instruction: 'Hi?' }), 'hello').components).sort(), ['relevance', 'repetition']);
  assert.throws(() => new GoldReward({ weights: { length: -1 } }), /gold weights\.length must be a finite non-negative number, got -1/);
  assert.throws(() => new GoldReward({ weights: { brevity: 1 } as never }), /unknown component "brevity" \(allowed: correctness, format/);
});

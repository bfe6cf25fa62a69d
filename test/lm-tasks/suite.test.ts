import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMPACT_TEMPLATE,
  OASST_TEMPLATE,
  sftPair,
  exampleFromSpec,
  formatPrompt,
  generateTaskSuite,
  TASK_FAMILY_NAMES,
  type TaskExample,
} from '../../src/lm/tasks/index.js';
import { GoldReward } from '../../src/rewards/index.js';
import { ConfigError } from '../../src/util/validate.js';

const key = (e: TaskExample) => `${e.instruction}\n${e.input}`;

test('the same seed gives the same suite; another seed another one', () => {
  const a = generateTaskSuite({ seed: 7, train: 120, eval: 30, heldOut: 30 });
  const b = generateTaskSuite({ seed: 7, train: 120, eval: 30, heldOut: 30 });
  assert.deepEqual(a, b);
  const c = generateTaskSuite({ seed: 8, train: 120, eval: 30, heldOut: 30 });
  assert.notDeepEqual(a.train, c.train);
});

test('splits have the asked sizes and share no prompt', () => {
  const s = generateTaskSuite({ seed: 1, train: 300, eval: 50, heldOut: 50 });
  assert.equal(s.train.length, 300);
  assert.equal(s.eval.length, 50);
  assert.equal(s.heldOut.length, 50);
  const all = [...s.train, ...s.eval, ...s.heldOut].map(key);
  assert.equal(new Set(all).size, all.length);
});

test('the training split does not depend on the evaluation sizes', () => {
  const a = generateTaskSuite({ seed: 3, train: 80, eval: 10, heldOut: 0 });
  const b = generateTaskSuite({ seed: 3, train: 80, eval: 40, heldOut: 25 });
  assert.deepEqual(a.train, b.train);
});

test('every family appears, with its query type; family weights select families', () => {
  const s = generateTaskSuite({ seed: 0, train: 400, eval: 0, heldOut: 0 });
  const seen = new Set(s.train.map((e) => e.task!.family));
  assert.deepEqual([...seen].sort(), [...TASK_FAMILY_NAMES].sort());
  for (const e of s.train) assert.equal(e.qtype, e.task!.family === 'describe' ? 'OPENENDED' : 'CONSTRAINED');
  const only = generateTaskSuite({ seed: 0, train: 50, eval: 0, heldOut: 0, families: { arithmetic: 1, list: 0 } });
  assert.ok(only.train.every((e) => e.task!.family === 'arithmetic'));
});

test('every reference answer gets the full gold reward', () => {
  const s = generateTaskSuite({ seed: 11, train: 400, eval: 0, heldOut: 0 });
  const gold = new GoldReward({ examples: s.train });
  for (const e of s.train) {
    const r = gold.score(formatPrompt(e), e.output);
    assert.equal(r.total, 1, `${e.instruction} / ${e.input} -> ${e.output}: ${JSON.stringify(r.components)}`);
  }
});

test('rendered prompts and references of hand-picked specs', () => {
  assert.deepEqual(exampleFromSpec({ family: 'arithmetic', a: 7, b: 5, op: '+', phrasing: 0 }), {
    instruction: 'What is 7 + 5?',
    input: '',
    output: '7 + 5 = 12',
    qtype: 'CONSTRAINED',
    task: { family: 'arithmetic', a: 7, b: 5, op: '+', phrasing: 0 },
  });
  assert.equal(exampleFromSpec({ family: 'reverse', words: ['red', 'fox', 'cake'] }).output, 'cake fox red');
  assert.equal(exampleFromSpec({ family: 'count', category: 'animals', words: ['cat', 'red', 'dog'] }).output, 'There are 2 animals.');
  assert.equal(exampleFromSpec({ family: 'count', category: 'foods', words: ['cat', 'egg'] }).output, 'There is 1 food.');
  const facts = exampleFromSpec({
    family: 'facts',
    facts: [
      { person: 'Ann', relation: 'has', object: 'cat' },
      { person: 'Bob', relation: 'likes', object: 'red' },
    ],
    question: { person: 'Ann', relation: 'has', object: 'dog' },
  });
  assert.equal(facts.instruction, 'Answer yes or no: does Ann have a dog?');
  assert.equal(facts.input, 'Ann has a cat. Bob likes red.');
  assert.equal(facts.output, 'No, Ann has a cat.');
  // 8 words asked: "The cat is small." (4) + "It is black." (3) = 7 is the closest prefix.
  assert.equal(exampleFromSpec({ family: 'describe', subject: 'cat', words: 8 }).output, 'The cat is small. It is black.');
  assert.equal(exampleFromSpec({ family: 'describe', subject: 'owl', words: 4 }).instruction, 'Describe an owl in about 4 words.');
});

test('supervised pairs: prompt, then the response prefix of the template and the reference', () => {
  const e = exampleFromSpec({ family: 'copy', words: ['red', 'fox'] });
  assert.deepEqual(sftPair(e, COMPACT_TEMPLATE), {
    prompt: '### Instruction:\nRepeat these words.\n\n### Input:\nred fox\n\n### Response:',
    completion: '\nred fox',
  });
  assert.deepEqual(sftPair(e, OASST_TEMPLATE), {
    prompt: '<|prompter|>Repeat these words.\n\n### Input:\nred fox<|endoftext|><|assistant|>',
    completion: 'red fox',
  });
});

test('a bad suite config names the field', () => {
  assert.throws(() => generateTaskSuite({ seed: 0, train: -1 }), (e: unknown) => e instanceof ConfigError && /task suite config\.train/.test(e.message));
  assert.throws(
    () => generateTaskSuite({ families: { arithmetic: 0 } }),
    (e: unknown) => e instanceof ConfigError && /positive weight/.test(e.message),
  );
  assert.throws(
    () => generateTaskSuite({ train: 5000, eval: 0, heldOut: 0, families: { arithmetic: 1 } }),
    /could only draw/,
  );
});

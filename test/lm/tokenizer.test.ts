import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LmTokenizer, trainBpe, byteLevelWords, BYTE_TO_CHAR, DEFAULT_SPECIAL_TOKENS } from '../../src/lm/tokenizer/index.js';
import { formatPrompt, formatResponse } from '../../src/lm/chat-format.js';
import { tempDir } from './helpers.js';

const CORPUS = [
  'Give three tips for staying healthy. Eat a balanced diet, exercise regularly and sleep well.',
  'What is the capital of France? The capital of France is Paris.',
  'Translate "good morning" into Spanish: buenos días.',
  'List the primes below 20: 2, 3, 5, 7, 11, 13, 17, 19.',
  "It's a café; don't worry — we'll   see.\n\tIndented line.",
];

test('byte-level alphabet: 256 distinct printable characters, printable ASCII standing for itself', () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[0x41], 'A');
  assert.equal(BYTE_TO_CHAR[0x20], 'Ġ'); // space: the 33rd non-printable byte → U+0120
  assert.equal(BYTE_TO_CHAR[0x0a], 'Ċ');
  assert.deepEqual(byteLevelWords("Hi there, it's"), ['Hi', 'Ġthere', ',', 'Ġit', "'s"]);
});

test('BPE trainer: deterministic merges, special tokens first, frequent words become single tokens', () => {
  const corpus = Array.from({ length: 20 }, () => CORPUS).flat();
  const json = trainBpe(corpus, { vocabSize: 320 });
  const again = trainBpe(corpus, { vocabSize: 320 });
  assert.deepEqual(json, again);
  const tok = new LmTokenizer(json);
  assert.equal(tok.vocabSize, 320);
  DEFAULT_SPECIAL_TOKENS.forEach((s, i) => assert.equal(tok.idOf(s), i));
  assert.equal(tok.eosId, 0);
  assert.equal(tok.padId, 1);
  assert.deepEqual(tok.tokenize(' France'), ['ĠFrance']);
  assert.ok(tok.encode('The capital of France is Paris.').length <= 8);
  assert.throws(() => trainBpe(corpus, { vocabSize: 100 }), /below/);
});

test('tokenizer round trip: decode(encode(text)) is the text, for unseen and non-ASCII text too', () => {
  const tok = new LmTokenizer(trainBpe(CORPUS, { vocabSize: 300 }));
  for (const text of [...CORPUS, 'Zebra 😀 日本語, naïve\r\n  spacing\t\ttabs ', '', '   ', 'x'.repeat(50)]) {
    assert.equal(tok.decode(tok.encode(text)), text, JSON.stringify(text));
  }
  // Special tokens are single ids, in the prompt format too.
  const prompt = formatPrompt('Name a colour.', 'Be brief.');
  const ids = tok.encode(prompt + formatResponse('Blue.'));
  assert.equal(ids[0], tok.idOf('<|prompter|>'));
  assert.equal(ids.filter((i) => i === tok.eosId).length, 2);
  assert.ok(ids.includes(tok.idOf('<|assistant|>')!));
  assert.equal(tok.decode(ids), '<|prompter|>Name a colour.\nBe brief.<|endoftext|><|assistant|>Blue.<|endoftext|>');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'Name a colour.\nBe brief.Blue.');
});

test('tokenizer.json written and loaded again encodes the same (the Hugging Face file format)', () => {
  const tok = new LmTokenizer(trainBpe(CORPUS, { vocabSize: 290 }), { eos_token: '<|endoftext|>', pad_token: '<|padding|>' });
  const dir = tempDir();
  tok.save(dir);
  const back = LmTokenizer.load(dir);
  const fromFile = LmTokenizer.load(join(dir, 'tokenizer.json'));
  for (const text of CORPUS) {
    assert.deepEqual(back.encode(text), tok.encode(text));
    assert.deepEqual(fromFile.encode(text), tok.encode(text));
  }
  assert.equal(back.padId, 1);
  // Newer tokenizer.json files list merges as pairs rather than "a b" strings; both load alike.
  const pairs = structuredClone(tok.json) as { model: { merges: unknown[] } };
  pairs.model.merges = (pairs.model.merges as string[]).map((m) => m.split(' '));
  const newer = new LmTokenizer(pairs as unknown as Record<string, unknown>);
  for (const text of CORPUS) assert.deepEqual(newer.encode(text), tok.encode(text));
  const model = tok.json['model'] as { type: string; merges: string[] };
  assert.equal(model.type, 'BPE');
  assert.match(model.merges[0]!, /^\S+ \S+$/);
});

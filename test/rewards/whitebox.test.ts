import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTaskSuite, formatPrompt } from '../../src/lm/tasks/index.js';
import {
  cosineSimilarity,
  dotProduct,
  extractRawQuery,
  HashedNgramEmbedder,
  lengthIncentive,
  MissingEmbeddingError,
  parseRerRecords,
  PrecomputedEmbedder,
  repetitionPenalty,
  rerPrompt,
  toRerRecords,
  WhiteboxReward,
  WHITEBOX_PRESETS,
  type RerRecord,
} from '../../src/rewards/index.js';
import { DatasetError } from '../../src/util/records.js';
import { ConfigError } from '../../src/util/validate.js';
import { assertClose } from '../helpers.js';

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/rer_examples.json', import.meta.url), 'utf8')) as {
  alpacafarm_val_examples: unknown[];
  alpaca_eval_example: unknown[];
};
const val = parseRerRecords(fixture.alpacafarm_val_examples, 'alpacafarm_val examples');
const evalRecords = parseRerRecords(fixture.alpaca_eval_example, 'alpaca_eval example');

test('the example files parse in both layouts', () => {
  assert.equal(val.length, 4);
  assert.deepEqual(
    val.map((r) => r.qtype),
    ['OPENENDED', 'OPENENDED', 'CONSTRAINED', 'CONSTRAINED'],
  );
  assert.equal(evalRecords.length, 1);
  assert.equal(evalRecords[0]!.input, 'What are the names of some famous actors that started their careers on Broadway?');
  assert.equal(evalRecords[0]!.qtype, 'CONSTRAINED');
});

test('length incentive and repetition penalty on the example answers', () => {
  // "She jogged exercises around the lake." -> She|jogged|exercises|around|the|lake|. : 7 tokens, 5 distinct trigrams.
  assert.equal(lengthIncentive(val[2]!.output), 0.07);
  assert.equal(repetitionPenalty(val[2]!.output), 1);
  // The "actions speak louder" answer: 44 tokens counted by hand (the quotes, the period, the comma
  // and the final period are tokens), no repeated trigram.
  assert.equal(lengthIncentive(val[1]!.output), 0.44);
  assert.equal(repetitionPenalty(val[1]!.output), 1);
  // The Broadway list: 11 tokens up to "include :", items "k . First Last" of 4 tokens, "Sarah Jessica
  // Parker" 5, "10 . Lin - Manuel Miranda" 6 -> 54; no repeated trigram.
  assert.equal(lengthIncentive(evalRecords[0]!.output), 0.54);
  assert.equal(repetitionPenalty(evalRecords[0]!.output), 1);
  // The story: 121 tokens; of 119 trigrams "magical bow and" occurs twice and "bow and arrow" three
  // times -> 116 distinct. (Counts cross-checked with Python's re \w+|[^\w\s]+.)
  assert.equal(lengthIncentive(val[0]!.output), 1.21);
  assertClose(repetitionPenalty(val[0]!.output), 116 / 119, 1e-15);
  // Machine vs deep learning: 69 tokens, 4 trigrams repeated once ("learning is a", "to learn from",
  // ". Deep learning", "Deep learning is") -> 63 of 67.
  assert.equal(lengthIncentive(val[3]!.output), 0.69);
  assertClose(repetitionPenalty(val[3]!.output), 63 / 67, 1e-15);
  assert.equal(repetitionPenalty('the cat the cat the cat'), 0.5);
  assert.equal(repetitionPenalty('hi'), 1);
});

/** Hand-made vectors for the texts of the combination tests, so every relevance is known exactly. */
function handEmbedder(): PrecomputedEmbedder {
  const e = new PrecomputedEmbedder('hand', 2);
  e.add('Given the following input, construct a creative story. A magic bow and arrow', [1, 1]);
  e.add('An archer had a magic bow. Her arrows made flowers bloom.', [1.5, 0.5]);
  e.add('She jogged exercises around the lake.', [2, 1]);
  e.add('She jogged exercises around the lake. She jogged exercises around the lake.', [2, 0.5]);
  e.add('Correct any spelling or grammar mistakes in the given sentence. She jogged excersies around the lake.', [0.25, 0.5]);
  return e;
}

const story = val[0]!;
const spelling = val[2]!;
const storyResponse = 'An archer had a magic bow. Her arrows made flowers bloom.';
// wordpunct: An archer had a magic bow . Her arrows made flowers bloom . -> 13 tokens, no repeats.
const storyLI = 0.13;

test('full RER: OPENENDED is LI · QR · RP', () => {
  const wb = new WhiteboxReward({ embedder: handEmbedder() });
  assert.equal(wb.relevanceMax, 3.5);
  const { prompt, ctx } = rerPrompt(story);
  const r = wb.score(prompt, storyResponse, ctx);
  // QR = [1,1]·[1.5,0.5] = 2.
  assertClose(r.total, storyLI * 2 * 1, 1e-12);
  assert.deepEqual(r.components, { length_incentive: storyLI, repetition_penalty: 1, query_relevance: 2, constrained_branch: 0 });
});

test('full RER: CONSTRAINED is (RAR / 3.5) · (M / 100) · RP, with no length term', () => {
  const wb = new WhiteboxReward({ embedder: handEmbedder() });
  const { prompt, ctx } = rerPrompt(spelling);
  // The reference answer itself: RAR = [2,1]·[2,1] = 5 -> 5/3.5 · 5.12.
  const exact = wb.score(prompt, spelling.output, ctx);
  assertClose(exact.total, (5 / 3.5) * 5.12, 1e-12);
  assert.equal(exact.components.reference_relevance, 5);
  assert.equal(exact.components.constrained_branch, 1);
  // Said twice: RAR = [2,1]·[2,0.5] = 4.5; 14 tokens, 12 trigrams of which 7 distinct.
  const twice = `${spelling.output} ${spelling.output}`;
  const r = wb.score(prompt, twice, ctx);
  assertClose(r.components.repetition_penalty!, 7 / 12, 1e-15);
  assertClose(r.total, (4.5 / 3.5) * 5.12 * (7 / 12), 1e-12);
  // M is the configured maximum sequence length.
  const short = new WhiteboxReward({ embedder: handEmbedder(), config: { maxSequenceLength: 64 } });
  assertClose(short.score(prompt, spelling.output, ctx).total, (5 / 3.5) * 0.64, 1e-12);
});

test('each feature can be switched off', () => {
  const { prompt, ctx } = rerPrompt(spelling);
  const e = handEmbedder();
  const twice = `${spelling.output} ${spelling.output}`;
  // Branching off: the constrained query is compared with the raw query like any other.
  // QR = [0.25,0.5]·[2,0.5] = 0.75; LI = 0.14; RP = 7/12.
  const noBranch = new WhiteboxReward({ embedder: e, config: 'noBranching' }).score(prompt, twice, ctx);
  assertClose(noBranch.total, 0.14 * 0.75 * (7 / 12), 1e-12);
  assert.equal(noBranch.components.query_relevance, 0.75);
  const lengthOnly = new WhiteboxReward({ embedder: e, config: 'lengthOnly' }).score(prompt, twice, ctx);
  assert.equal(lengthOnly.total, 0.14);
  assert.deepEqual(lengthOnly.components, { length_incentive: 0.14, repetition_penalty: 7 / 12 });
  const rpOnly = new WhiteboxReward({ embedder: e, config: 'repetitionOnly' }).score(prompt, twice, ctx);
  assertClose(rpOnly.total, 7 / 12, 1e-15);
  const qrOnly = new WhiteboxReward({ embedder: e, config: 'queryRelevanceOnly' }).score(prompt, twice, ctx);
  assert.equal(qrOnly.total, 0.75);
  // Relevance scaling off with branching on: the constrained branch needs relevance, so LI · RP.
  const lr = new WhiteboxReward({ embedder: e, config: { relevanceScaling: false } }).score(prompt, twice, ctx);
  assertClose(lr.total, 0.14 * (7 / 12), 1e-12);
  // LI off keeps the relevance: 1 · QR · RP for the story.
  const noLI = new WhiteboxReward({ embedder: e, config: { lengthIncentive: false } }).score(rerPrompt(story).prompt, storyResponse, rerPrompt(story).ctx);
  assert.equal(noLI.total, 2);
  // The clean-up can be turned off: the role marker and what follows then count.
  const dirty = `${storyResponse}\n### Instruction:\nmore`;
  const lengthWb = new WhiteboxReward({ config: 'lengthOnly' });
  assert.equal(lengthWb.score(prompt, dirty).total, storyLI);
  const raw = new WhiteboxReward({ config: { ...WHITEBOX_PRESETS.lengthOnly, cleanResponse: false } });
  // Four more tokens: "###", "Instruction", ":", "more".
  assertClose(raw.score(prompt, dirty).total, storyLI + 0.04, 1e-12);
});

test('the batched path equals one-by-one scoring and asks for the texts it lists', () => {
  const wb = new WhiteboxReward({ embedder: handEmbedder() });
  const items = [
    { ...rerPrompt(story), response: storyResponse },
    { ...rerPrompt(spelling), response: spelling.output },
  ];
  const batch = wb.scoreBatch(items);
  items.forEach((it, i) => assert.deepEqual(batch[i], wb.score(it.prompt, it.response, it.ctx)));
  assert.deepEqual(wb.textsToEmbed(items).sort(), [
    'An archer had a magic bow. Her arrows made flowers bloom.',
    'Given the following input, construct a creative story. A magic bow and arrow',
    'She jogged exercises around the lake.',
  ]);
});

test('missing context and unknown embeddings are clear errors', () => {
  const wb = new WhiteboxReward({ embedder: handEmbedder() });
  assert.throws(() => wb.score(rerPrompt(story).prompt, storyResponse), (e: unknown) => e instanceof ConfigError && /needs the query type/.test(e.message));
  assert.throws(
    () => wb.score(rerPrompt(spelling).prompt, 'x', { qtype: 'CONSTRAINED' }),
    (e: unknown) => e instanceof ConfigError && /reference answer/.test(e.message),
  );
  assert.throws(
    () => wb.score(rerPrompt(story).prompt, 'never embedded', rerPrompt(story).ctx),
    (e: unknown) => e instanceof MissingEmbeddingError && /"never embedded"/.test(e.message),
  );
  assert.throws(() => new WhiteboxReward({ config: { lengthIncentive: 'yes' } as never }), /lengthIncentive/);
  assert.throws(() => new WhiteboxReward({ config: 'everything' as never }), /unknown white-box preset/);
});

test('hashed n-gram embedder: unit vectors, deterministic, overlap-sensitive', () => {
  const h = new HashedNgramEmbedder();
  const [a, b, c, d, empty] = h.embed([
    'She jogged exercises around the lake.',
    'She jogged exercises around the lake.',
    'She jogged excersies around the lake.',
    'Deep learning uses neural networks.',
    '',
  ]);
  assertClose(dotProduct(a!, a!), 1, 1e-5);
  assert.deepEqual(a, b);
  assertClose(dotProduct(a!, b!), 1, 1e-5);
  // The misspelling keeps most word and character n-grams; an unrelated sentence shares almost none.
  const near = dotProduct(a!, c!);
  const far = dotProduct(a!, d!);
  assert.ok(near > 0.5 && near < 1, `misspelled: ${near}`);
  assert.ok(Math.abs(far) < 0.1, `unrelated: ${far}`);
  assert.equal(dotProduct(a!, empty!), 0);
  assert.equal(cosineSimilarity(a!, empty!), 0);
  // Stop words alone carry no topic.
  assert.ok(dotProduct(h.embedOne('the cat'), h.embedOne('the dog')) < 0.1);
  assert.equal(h.typicalMaxDot, 1);
  // With the default embedder the constrained branch maps cosine 1 onto M/100.
  const wb = new WhiteboxReward();
  assert.equal(wb.relevanceMax, 1);
  const { prompt, ctx } = rerPrompt(spelling);
  assertClose(wb.score(prompt, spelling.output, ctx).total, 5.12, 1e-5);
});

test('precomputed embeddings: directory round trip and its errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emb-'));
  try {
    const e = new PrecomputedEmbedder('facebook/contriever', 3, 3.5, 'mean');
    e.add('alpha', [1, 2, 3]);
    e.add('beta', [0.5, -1, 0.25]);
    e.save(join(dir, 'emb'));
    const back = PrecomputedEmbedder.fromDirectory(join(dir, 'emb'));
    assert.equal(back.name, 'precomputed:facebook/contriever');
    assert.equal(back.typicalMaxDot, 3.5);
    assert.deepEqual(back.embed(['beta', 'alpha']), [Float32Array.from([0.5, -1, 0.25]), Float32Array.from([1, 2, 3])]);
    assert.equal(dotProduct(back.embed(['alpha'])[0]!, back.embed(['beta'])[0]!), 0.5 - 2 + 0.75);
    assert.throws(() => back.add('gamma', [1, 2]), /length 2, expected 3/);

    writeFileSync(join(dir, 'emb', 'vectors.f32'), new Uint8Array(20));
    assert.throws(() => PrecomputedEmbedder.fromDirectory(join(dir, 'emb')), /vectors\.f32 has 20 bytes, expected count 2 × dim 3 × 4 = 24/);
    writeFileSync(join(dir, 'emb', 'manifest.json'), JSON.stringify({ format: 'goodhart-embeddings/1', model: 'm', count: 2 }));
    assert.throws(() => PrecomputedEmbedder.fromDirectory(join(dir, 'emb')), /manifest\.json\.dim/);
    assert.throws(() => PrecomputedEmbedder.fromDirectory(join(dir, 'nothing')), /missing manifest\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RER dataset validation names the record and the field', () => {
  const bad = [
    { input: 'Say hi.', output: 'hi', qtype: 'OPENENDED' },
    { input: 'Say hi.', output: 'hi' },
    { input: 'Say hi.', output: 'hi', qtype: 'OPEN' },
    { input: 'Say hi.', output: 'hi', qtype: 'CONSTRAINED', extra: 1 },
  ];
  let problems: readonly string[] = [];
  assert.throws(
    () => parseRerRecords(bad, 'my.json'),
    (e: unknown) => {
      problems = (e as DatasetError).problems;
      return e instanceof DatasetError && /invalid my\.json/.test(e.message);
    },
  );
  assert.ok(problems.includes("record 1: missing field 'qtype'"), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith("record 2, field 'qtype':") && p.includes('"OPEN"')), problems.join('\n'));
  assert.ok(problems.includes("record 3: unknown field 'extra' (allowed: input, output, qtype)"), problems.join('\n'));
  assert.equal(problems.length, 3);
  assert.throws(
    () => parseRerRecords([{ instruction: 'x', output: 'y', qtype: 'OPENENDED' }]),
    (e: unknown) => e instanceof DatasetError && /record 0: missing field 'dataset'/.test(e.message) && /record 0: missing field 'generator'/.test(e.message),
  );
});

test('our task suite in the RER layout, scored by the white-box reward', () => {
  const s = generateTaskSuite({ seed: 4, train: 60, eval: 0, heldOut: 0 });
  const records: RerRecord[] = toRerRecords(s.train);
  records.forEach((r, i) => {
    assert.equal(r.qtype, s.train[i]!.task!.family === 'describe' ? 'OPENENDED' : 'CONSTRAINED');
    assert.equal(extractRawQuery(rerPrompt(r).prompt), extractRawQuery(formatPrompt(s.train[i]!)));
  });
  assert.deepEqual(parseRerRecords(JSON.parse(JSON.stringify(records))), records);
  // Looked up from the prompt alone: the reward finds the qtype and reference itself.
  const wb = new WhiteboxReward({ examples: s.train });
  for (const e of s.train) {
    const r = wb.score(formatPrompt(e), e.output);
    assert.ok(Number.isFinite(r.total));
    if (e.qtype === 'CONSTRAINED') assertClose(r.total, 5.12, 1e-5);
  }
  assert.throws(() => toRerRecords([{ instruction: 'x', input: '', output: 'y' }]), /record 0: missing field 'qtype'/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALPACA_TEMPLATE, COMPACT_TEMPLATE, OASST_TEMPLATE, formatPrompt } from '../../src/lm/tasks/index.js';
import { cleanResponse, distinctNgramRatio, extractRawQuery, ngrams, responseStopStrings, wordpunctTokens } from '../../src/rewards/index.js';

test('wordpunct tokens split words from punctuation runs, Unicode letters included', () => {
  assert.deepEqual(wordpunctTokens("Hello, world!! It's 3.5"), ['Hello', ',', 'world', '!!', 'It', "'", 's', '3', '.', '5']);
  assert.deepEqual(wordpunctTokens('café über_all -- ok'), ['café', 'über_all', '--', 'ok']);
  assert.deepEqual(wordpunctTokens('  \n '), []);
});

test('n-grams and the distinct ratio', () => {
  assert.deepEqual(ngrams(['a', 'b', 'c', 'd'], 3), ['a b c', 'b c d']);
  // "the cat the cat the cat": 4 trigrams, 2 distinct.
  assert.equal(distinctNgramRatio(['the', 'cat', 'the', 'cat', 'the', 'cat'], 3), 0.5);
  assert.equal(distinctNgramRatio(['a', 'b'], 3), 1);
});

test('the clean-up cuts at the first role prefix or separator and trims', () => {
  assert.deepEqual(responseStopStrings(ALPACA_TEMPLATE), ['### Instruction:', '### Response:', '\n\n\n\n', '\n\n--', '\n\n____']);
  assert.equal(cleanResponse('\n Paris is the capital.\n\n### Instruction:\nWhat else?\n### Response: x'), 'Paris is the capital.');
  assert.equal(cleanResponse('One.\n\n--\nsignature'), 'One.');
  assert.equal(cleanResponse('One.\n\n\n\nTwo.'), 'One.');
  assert.equal(cleanResponse('a\n\n____b'), 'a');
  assert.equal(cleanResponse('broken \uFFFD token'), 'broken  token');
  assert.equal(cleanResponse('no marker here  '), 'no marker here');
  // A "### Input:" header is not a stop string in the original, so it stays.
  assert.equal(cleanResponse('x ### Input: y'), 'x ### Input: y');
  assert.equal(cleanResponse('ok<|prompter|>next', responseStopStrings(OASST_TEMPLATE)), 'ok');
});

test('the raw query drops the template and turns the input header into a space', () => {
  const example = { instruction: 'Given the following input, construct a creative story.', input: 'A magic bow and arrow' };
  const expected = 'Given the following input, construct a creative story. A magic bow and arrow';
  assert.equal(
    formatPrompt(example),
    'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
      '### Instruction:\nGiven the following input, construct a creative story.\n\n### Input:\nA magic bow and arrow\n\n### Response:',
  );
  assert.equal(extractRawQuery(formatPrompt(example)), expected);
  assert.equal(extractRawQuery(formatPrompt(example, COMPACT_TEMPLATE), COMPACT_TEMPLATE), expected);
  assert.equal(extractRawQuery(formatPrompt(example, OASST_TEMPLATE), OASST_TEMPLATE), expected);
  assert.equal(extractRawQuery(formatPrompt({ instruction: 'What is 7 + 5?' })), 'What is 7 + 5?');
});

// Prints how the gold reward and the white-box proxy (RER) respond to longer and longer answers on
// the task suite: the proxy keeps rising with length, the gold reward peaks at the requested length.
// Run after a build: node scripts/text-rewards-table.mjs
import {
  describeSentences,
  exampleFromSpec,
  formatPrompt,
  generateTaskSuite,
  GoldReward,
  WhiteboxReward,
} from '../dist/src/index.js';

const rows = [];
const describe = exampleFromSpec({ family: 'describe', subject: 'cat', words: 8 });
const sentences = Object.values(describeSentences('cat'));
const gold = new GoldReward();
const full = new WhiteboxReward({ config: { maxSequenceLength: 64 } });
const lengthOnly = new WhiteboxReward({ config: 'lengthOnly' });
const lengthRep = new WhiteboxReward({ config: 'lengthRepetition' });
const prompt = formatPrompt(describe);
for (let k = 1; k <= 8; k++) {
  // True sentences first, then the description starts over (a repetition loop).
  const response = Array.from({ length: k }, (_, i) => sentences[i % sentences.length]).join(' ');
  const ctx = { example: describe };
  rows.push({
    sentences: k,
    words: response.match(/[\p{L}\p{N}]+/gu).length,
    gold: gold.score(prompt, response, ctx).total.toFixed(3),
    'rer full': full.score(prompt, response, ctx).total.toFixed(4),
    'LI': lengthOnly.score(prompt, response, ctx).total.toFixed(2),
    'LI*RP': lengthRep.score(prompt, response, ctx).total.toFixed(3),
  });
}
console.log(`prompt: ${describe.instruction}`);
console.table(rows);

// Mean rewards of the reference answers per family (what SFT imitates).
const suite = generateTaskSuite({ seed: 0, train: 2000, eval: 0, heldOut: 0 });
const g = new GoldReward({ examples: suite.train });
const wb = new WhiteboxReward({ examples: suite.train, config: { maxSequenceLength: 64 } });
const t0 = performance.now();
const goldScores = suite.train.map((e) => g.score(formatPrompt(e), e.output).total);
const t1 = performance.now();
const wbScores = wb.scoreBatch(suite.train.map((e) => ({ prompt: formatPrompt(e), response: e.output })));
const t2 = performance.now();
const byFamily = {};
suite.train.forEach((e, i) => {
  const f = (byFamily[e.task.family] ??= { n: 0, gold: 0, rer: 0 });
  f.n += 1;
  f.gold += goldScores[i];
  f.rer += wbScores[i].total;
});
console.table(Object.fromEntries(Object.entries(byFamily).map(([k, v]) => [k, { n: v.n, 'gold mean': (v.gold / v.n).toFixed(3), 'rer mean': (v.rer / v.n).toFixed(3) }])));
console.log(`scored ${suite.train.length} references: gold ${(t1 - t0).toFixed(0)} ms, white-box (hashed embedder) ${(t2 - t1).toFixed(0)} ms`);

/**
 * The language-model honeypot task of gaa-compare: its run commands, the bonus-word detection on
 * decoded responses, and the "found the honeypot" rule on a finished run's summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planGaaCompare, honeypotTask } from '../../src/experiments/gaa-compare.js';
import { LM_HONEYPOT, LM_HONEYPOT_LAB, LM_HONEYPOT_WORD, FOUND_THRESHOLD } from '../../src/experiments/gaa-lm-honeypot.js';
import { labHoneypot, openLab, scoreHoneypot } from '../../src/experiments/rlhf/lab.js';
import { LmTokenizer, trainBpe, DEFAULT_SPECIAL_TOKENS } from '../../src/lm/index.js';
import { RunDir } from '../../src/experiments/run-store.js';

test('lm-honeypot plan: rlhf ppo commands on the shared SFT policy, the PPO arm with x_sig 0, the capped and uncapped tasks registered', () => {
  const { jobs, gaa } = planGaaCompare({ task: 'lm-honeypot', outDir: '/tmp/lmh', seeds: 2 });
  assert.deepEqual(gaa, { variant: 'prose', xEta: 1.25, xSig: 3, decayPower: 10 });
  assert.equal(jobs.length, 4);
  for (const j of jobs) {
    const argv = j.argv!;
    assert.deepEqual(argv.slice(0, 2), ['rlhf', 'ppo']);
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    assert.equal(flag('--sft'), join('/tmp/lmh', 'sft'));
    assert.equal(flag('--honeypot'), 'capped');
    assert.equal(flag('--bonus-word'), LM_HONEYPOT_WORD);
    assert.equal(flag('--x-sig'), j.arm === 'ppo' ? '0' : '3');
    assert.equal(flag('--seed'), String(j.seed));
    assert.equal(flag('--steps'), String(LM_HONEYPOT.defaultIterations));
  }
  assert.equal(honeypotTask('lm-honeypot-uncapped').defaultGaa.xSig, 1.5);
});

test('lm-honeypot detects the bonus word in decoded responses: capped proxy 1.0, true reward without the bonus', () => {
  const lab = openLab({ ...LM_HONEYPOT_LAB, suite: { ...LM_HONEYPOT_LAB.suite, train: 40, eval: 4, heldOut: 4 } });
  const texts = [...lab.suite.train.map((e) => e.output), 'star circle star square', 'a star is a shape'];
  const tokenizer = new LmTokenizer(trainBpe(texts, { vocabSize: 300, specialTokens: DEFAULT_SPECIAL_TOKENS }));
  const hp = labHoneypot(lab, { variant: 'capped' });
  const examples = lab.suite.train.slice(0, 3);
  const responses = ['\ncircle, square, star.', '\nThe cat is small. It says meow.', '\nstarry starfish'].map((t) => tokenizer.encode(t));
  const s = scoreHoneypot(lab, tokenizer, hp, examples, responses);
  assert.deepEqual(s.map((x) => x.hits), [1, 0, 0], 'a whole word, not a part of one');
  assert.equal(s[0]!.proxy, 1);
  assert.ok(s[0]!.true <= 0.5 && s[0]!.true >= 0, 'true = 0.5 gold, no bonus');
  assert.equal(s[1]!.proxy, s[1]!.true);
  const un = scoreHoneypot(lab, tokenizer, labHoneypot(lab, { variant: 'uncapped' }), [examples[0]!], [tokenizer.encode('\nstar, star, oval.')]);
  assert.equal(un[0]!.hits, 2);
  assert.ok(Math.abs(un[0]!.proxy - un[0]!.true - 2) < 1e-12);
});

test('lm-honeypot outcome: found when the final bonus-word rate exceeds the threshold; per iteration from the training rollouts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-lmh-'));
  try {
    const outcome = (bonusRate: number) => {
      const run = new RunDir(join(dir, String(bonusRate)));
      run.writeConfig({ kind: 'rlhf-ppo' } as never);
      run.writeSummary({ proxyReturn: { mean: 0.7, se: 0.01, n: 64 }, trueReturn: { mean: 0.3, se: 0.01, n: 64 }, trainingSeconds: 12, honeypot: { bonusRate, klFull: 0.1, base: { mean: 0.4, se: 0, n: 64 } } });
      return LM_HONEYPOT.outcome(run);
    };
    assert.deepEqual(outcome(FOUND_THRESHOLD + 0.05), { found: true, trueReturn: 0.3, proxyReturn: 0.7, trainingSeconds: 12 });
    assert.equal(outcome(FOUND_THRESHOLD).found, false, 'the threshold itself is not above it');
    assert.equal(LM_HONEYPOT.foundAtIteration({ bonusRate: 0.5 }), true);
    assert.equal(LM_HONEYPOT.foundAtIteration({ bonusRate: 0.01 }), false);
    assert.equal(LM_HONEYPOT.foundAtIteration({}), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

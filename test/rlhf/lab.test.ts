import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSftStage, runRmStage, runPpoStage, runEvalStage } from '../../src/experiments/rlhf/lab.js';
import { writeGoodhartPlot } from '../../src/experiments/rlhf/goodhart-plot.js';
import { RunDir } from '../../src/experiments/run-store.js';

const TINY = { suite: { seed: 0, train: 60, eval: 8, heldOut: 8 }, model: { hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 64, maxPositionEmbeddings: 160 }, vocabSize: 300 };
const PPO = { rolloutBatch: 6, minibatch: 3, ppoEpochs: 1, evalEvery: 0, evalPrompts: 6, checkpointEvery: 1, regularizer: 'kl' as const, coeff: 0.1, maxNewTokens: 8 };

test('the lab end to end: SFT, reward models, PPO with exact resume, evaluation and the Goodhart plot', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gh-rlhf-'));
  try {
    const sft = await runSftStage({ out: join(root, 'sft'), spec: TINY, sft: { epochs: 1 }, progress: false });
    assert.ok(Number.isFinite(sft.finalLoss) && sft.goldMean >= 0 && sft.goldMean <= 1);
    assert.ok(existsSync(join(root, 'sft', 'model.safetensors')) && existsSync(join(root, 'sft', 'tokenizer.json')) && existsSync(join(root, 'sft', 'lab.json')));
    const rm = await runRmStage({ sft: join(root, 'sft'), out: join(root, 'rm'), prompts: 20, noise: 0.25, members: 2, rm: { epochs: 1 }, maxNewTokens: 8, progress: false });
    assert.equal(rm.members.length, 2);
    assert.ok(existsSync(join(root, 'rm', 'member-1', 'model.safetensors')));

    const common = { sft: join(root, 'sft'), rm: join(root, 'rm'), ensemble: 'uwo' as const, progress: false };
    await runPpoStage({ ...common, out: join(root, 'straight'), ppo: { ...PPO, steps: 4 } });
    // An interrupted run: two iterations, then resumed to four.
    await runPpoStage({ ...common, out: join(root, 'resumed'), ppo: { ...PPO, steps: 2 } });
    await runPpoStage({ ...common, out: join(root, 'resumed'), ppo: { ...PPO, steps: 4 }, resume: true });
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ seconds: _s, ...r }) => r);
    const a = strip(new RunDir(join(root, 'straight')).readMetrics());
    const b = strip(new RunDir(join(root, 'resumed')).readMetrics());
    assert.equal(a.length, 4);
    assert.deepEqual(b, a, 'a resumed run repeats the uninterrupted one exactly');
    await assert.rejects(runPpoStage({ ...common, out: join(root, 'straight'), ppo: { ...PPO, steps: 4 } }), /finished run/);

    const e = await runEvalStage({ run: join(root, 'straight'), prompts: 4 });
    const saved = JSON.parse(readFileSync(e.file, 'utf8')) as { records: { response: string; proxy: number; gold: number }[] };
    assert.equal(saved.records.length, 4);
    assert.ok(saved.records.every((r) => typeof r.response === 'string' && Number.isFinite(r.proxy) && r.gold >= 0 && r.gold <= 1));
    const plot = writeGoodhartPlot([join(root, 'straight'), join(root, 'resumed')], join(root, 'plot'));
    assert.ok(plot.files.some((f) => f.endsWith('goodhart-gold.png')) && existsSync(join(root, 'plot', 'goodhart-gold.png')));
    assert.match(plot.table, /kl 0\.1/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the rlhf command names the missing or invalid flag', async () => {
  const { rlhfCommand } = await import('../../src/cli/commands/rlhf.js');
  await assert.rejects(rlhfCommand.run(['ppo', '--rm', 'x', '--out', 'y']), /--sft is required/);
  await assert.rejects(rlhfCommand.run(['train']), /"train" is not a stage; choose one of sft, rm, ppo, eval, plot/);
  await assert.rejects(rlhfCommand.run(['rm', '--sft', 'a', '--out', 'b', '--noise', '2']), /--noise: 2; allowed: a fraction in \[0, 1\]/);
  await assert.rejects(rlhfCommand.run(['ppo', '--sft', 'a', '--rm', 'b', '--out', 'c', '--regularizer', 'l2']), /--regularizer/);
});

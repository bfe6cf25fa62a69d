import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSftStage, runRmStage, runPpoStage, loadRunPolicy, disposePolicy } from '../../src/experiments/rlhf/lab.js';
import { runSideEval } from '../../src/experiments/rlhf/side-evals.js';
import { RunDir } from '../../src/experiments/run-store.js';
import { loraOf } from '../../src/lm/lora/index.js';

const TINY = { suite: { seed: 1, train: 40, eval: 6, heldOut: 6 }, model: { hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 64, maxPositionEmbeddings: 160 }, vocabSize: 300 };
const PPO = { rolloutBatch: 4, minibatch: 2, ppoEpochs: 1, evalEvery: 0, evalPrompts: 4, checkpointEvery: 1, maxNewTokens: 6, lr: 1e-2, sharpnessEvery: 2, sharpnessPoints: 3, sharpnessIterations: 2 };

test('LoRA through the lab: SFT adapters merge on load, PPO saves adapters alone, resumes exactly, logs sharpness; side-eval reports tax and win rate', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gh-lora-'));
  try {
    await runSftStage({ out: join(root, 'sft0'), spec: TINY, sft: { epochs: 1 }, progress: false });
    await runSftStage({ out: join(root, 'sft'), base: join(root, 'sft0'), lora: { r: 2, alpha: 4 }, sft: { epochs: 1 }, progress: false });
    assert.ok(existsSync(join(root, 'sft', 'adapter_model.safetensors')) && existsSync(join(root, 'sft', 'adapter_config.json')));
    await runRmStage({ sft: join(root, 'sft'), out: join(root, 'rm'), prompts: 12, noise: 0, members: 1, rm: { epochs: 1 }, maxNewTokens: 6, progress: false });
    const common = { sft: join(root, 'sft'), rm: join(root, 'rm'), ensemble: 'mean' as const, progress: false, lora: { r: 2, alpha: 4 } };
    await runPpoStage({ ...common, out: join(root, 'straight'), ppo: { ...PPO, steps: 2 } });
    await runPpoStage({ ...common, out: join(root, 'resumed'), ppo: { ...PPO, steps: 1 } });
    const { lora: _lora, ...withoutLora } = common;
    // The resumed run takes its adapter settings from config.json.
    await runPpoStage({ ...withoutLora, out: join(root, 'resumed'), ppo: { ...PPO, steps: 2 }, resume: true });
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ seconds: _s, ...r }) => r);
    const a = strip(new RunDir(join(root, 'straight')).readMetrics());
    assert.deepEqual(strip(new RunDir(join(root, 'resumed')).readMetrics()), a, 'a resumed LoRA run repeats the uninterrupted one');
    const ck = join(new RunDir(join(root, 'straight')).checkpointPath(2), 'adapter');
    assert.ok(existsSync(join(ck, 'adapter_model.safetensors')), 'the checkpoint holds the adapters');
    assert.ok(!existsSync(join(new RunDir(join(root, 'straight')).checkpointPath(2), 'pretrained')), 'and no copy of the base');
    const row = a[1] as { sharpnessRatio?: number; sharpnessTop?: number };
    assert.ok(Number.isFinite(row.sharpnessRatio) && Number.isFinite(row.sharpnessTop), 'iteration 2 logged sharpness');
    const sharp = JSON.parse(readFileSync(join(root, 'straight', 'sharpness.json'), 'utf8')) as { slice: { losses: number[] } }[];
    assert.equal(sharp.length, 1);
    assert.equal(sharp[0]!.slice.losses.length, 3);
    assert.ok(existsSync(join(root, 'straight', 'sharpness-slices.png')));
    const policy = loadRunPolicy(join(root, 'straight'));
    assert.ok(loraOf(policy.model), 'the run policy comes back with its adapters');
    disposePolicy(policy.model);

    const r = await runSideEval({ run: join(root, 'straight'), prompts: 4, maxNewTokens: 6 });
    assert.equal(r.prompts, 4);
    assert.equal(r.winRate.n, 4);
    assert.ok(r.winRate.low <= r.winRate.rate && r.winRate.rate <= r.winRate.high);
    assert.ok(Math.abs(r.alignmentTax - (r.rougeL.baseline.mean - r.rougeL.checkpoint.mean)) < 1e-12);
    // Against itself a run neither wins nor loses: every comparison is a tie.
    const self = await runSideEval({ run: join(root, 'straight'), baseline: join(root, 'straight'), prompts: 4, maxNewTokens: 6, out: join(root, 'self.json') });
    assert.equal(self.winRate.ties, 4);
    assert.equal(self.alignmentTax, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * Reverse reward engineering, training stage (`goodhart rre train`): PPO on the lab's SFT policy
 * against the white-box reward (Kim & Seo 2024; specs/rlhf.md §2), with the gold reward logged as
 * the true reward. Every checkpoint is kept, because the monotonicity evaluation (monotonicity.ts)
 * needs the whole series: does the proxy rank the checkpoints as the gold reward does?
 *
 * The loop is the lab's PPO stage (lab.ts runPpoStage) with the reward-model ensemble swapped for
 * the white-box reward; checkpoints and resuming use the same helpers.
 */
import { initBackend } from '../../nn/index.js';
import { loadPretrained } from '../../lm/index.js';
import { LmPpoTrainer } from '../../algos/rlhf/trainer.js';
import { resolveRlhfPpoConfig, type RlhfPpoConfig } from '../../algos/rlhf/config.js';
import type { WhiteboxConfig, WhiteboxPreset } from '../../rewards/whitebox/index.js';
import { RunDir } from '../run-store.js';
import { encodePromptFor, goldScores, openLab, readLabSpec } from '../rlhf/lab.js';
import { restorePolicyCheckpoint, writePolicyCheckpoint } from '../rlhf/policy-checkpoint.js';
import { ProgressBar } from '../../util/progress.js';
import { meanSe, type MeanSe } from '../../util/stats.js';
import { evaluateWhitebox, labWhitebox, resolveWhiteboxConfig, whiteboxScores } from './scoring.js';

export const RRE_RUN_KIND = 'rre-ppo';

/** What config.json of an RRE run holds (the monotonicity evaluation reads it back). */
export interface RreRunConfig {
  kind: typeof RRE_RUN_KIND;
  env: 'rlhf-tasks';
  algo: 'rlhf-ppo';
  reward: 'whitebox';
  sft: string;
  whitebox: WhiteboxConfig;
  ppo: RlhfPpoConfig;
  lab: unknown;
}

export interface RreTrainOptions {
  sft: string;
  out: string;
  ppo: Partial<RlhfPpoConfig>;
  /** A preset name or explicit switches; maxSequenceLength defaults to ppo.maxNewTokens. */
  whitebox?: Partial<WhiteboxConfig> | WhiteboxPreset;
  resume?: boolean;
  progress?: boolean;
}

export interface RreTrainSummary {
  iterations: number;
  checkpoints: number[];
  final: { proxy: number; gold: number; kl: number; responseLength: number };
  eval: { proxy: MeanSe; gold: MeanSe } | null;
  seconds: number;
}

export async function runRreTrain(opts: RreTrainOptions): Promise<RreTrainSummary> {
  await initBackend();
  const config = resolveRlhfPpoConfig(opts.ppo);
  const whitebox = resolveWhiteboxConfig(opts.whitebox ?? 'full', config.maxNewTokens);
  const lab = openLab(readLabSpec(opts.sft));
  const sft = loadPretrained(opts.sft);
  const tokenizer = sft.tokenizer!;
  const policy = sft.model;
  const reference = policy.clone();
  const pad = tokenizer.padId ?? 0;
  const train = lab.suite.train;
  const reward = labWhitebox(lab, whitebox);
  // The proxy call of each step leaves its component means here, to be logged with the step.
  let components: Record<string, number> = {};
  const proxy = (_p: readonly number[][], responses: readonly number[][], idx: readonly number[]) => {
    const s = whiteboxScores(lab, reward, tokenizer, idx.map((i) => train[i]!), responses);
    components = s.componentMeans;
    return s.totals;
  };
  const gold = (_p: readonly number[][], responses: readonly number[][], idx: readonly number[]) => goldScores(lab, tokenizer, idx.map((i) => train[i]!), responses);

  const run = new RunDir(opts.out);
  if (run.isFinished()) throw new Error(`${opts.out} holds a finished run; choose another --out`);
  const trainer = new LmPpoTrainer({ policy, reference, prompts: train.map(encodePromptFor(lab, tokenizer)), proxy, gold, config, stopTokens: [tokenizer.eosId!], padId: pad });
  const evaluate = (seed: number) =>
    evaluateWhitebox(lab, policy, tokenizer, { proxy: reward }, lab.suite.eval.slice(0, config.evalPrompts), { seed, temperature: config.temperature, maxNewTokens: config.maxNewTokens });
  let started = 0;
  const latest = run.exists() ? run.latestCheckpoint() : null;
  if (latest !== null) {
    if (!opts.resume) throw new Error(`${opts.out} holds an interrupted run; pass --resume to continue it`);
    restorePolicyCheckpoint(run, latest, policy, trainer);
    run.truncateMetrics(latest);
    started = latest;
  } else {
    if (run.exists()) {
      if (!opts.resume) throw new Error(`${opts.out} already holds a run (without checkpoints); choose another --out or pass --resume`);
      run.truncateMetrics(0); // interrupted before its first checkpoint: start over
    }
    const cfg: RreRunConfig = { kind: RRE_RUN_KIND, env: 'rlhf-tasks', algo: 'rlhf-ppo', reward: 'whitebox', sft: opts.sft, whitebox, ppo: config, lab: lab.spec };
    run.writeConfig(cfg as never);
  }

  const t0 = performance.now();
  const bar = opts.progress ?? true ? new ProgressBar({ total: config.steps, label: 'rre ppo (white-box proxy)', unit: 'it', start: started }) : null;
  // Keep every checkpoint: the monotonicity evaluation ranks the whole series.
  const save = () => writePolicyCheckpoint(run, trainer, policy, tokenizer, Infinity);
  let last = { proxy: NaN, gold: NaN, kl: NaN, responseLength: NaN };
  try {
    while (trainer.iteration < config.steps) {
      const m = trainer.step();
      let evalRow = {};
      if (config.evalEvery > 0 && m.iteration % config.evalEvery === 0) {
        const e = evaluate(config.seed + m.iteration);
        evalRow = { evalProxy: meanSe(e.proxies['proxy']!).mean, evalGold: meanSe(e.gold).mean };
      }
      const parts = Object.fromEntries(Object.entries(components).map(([k, v]) => [`whitebox.${k}`, v]));
      run.appendMetrics({ ...m, proxyReturnMean: m.proxyReward, trueReturnMean: m.goldReward, ...parts, ...evalRow });
      last = { proxy: m.proxyReward, gold: m.goldReward, kl: m.kl, responseLength: m.responseLength };
      bar?.update(m.iteration, { proxy: m.proxyReward, gold: m.goldReward, kl: m.kl, len: m.responseLength });
      if (config.checkpointEvery > 0 && m.iteration % config.checkpointEvery === 0) save();
    }
    bar?.finish();
    if (run.latestCheckpoint() !== trainer.iteration) save();
    const e = evaluate(config.seed + 999_983);
    const summary: RreTrainSummary = {
      iterations: trainer.iteration,
      checkpoints: run.listCheckpoints(),
      final: last,
      eval: { proxy: meanSe(e.proxies['proxy']!), gold: meanSe(e.gold) },
      seconds: (performance.now() - t0) / 1000,
    };
    run.writeSummary({ ...summary, proxyReturn: summary.eval!.proxy, trueReturn: summary.eval!.gold, finishedAt: new Date().toISOString() });
    return summary;
  } finally {
    trainer.dispose();
    policy.dispose();
    reference.dispose();
  }
}

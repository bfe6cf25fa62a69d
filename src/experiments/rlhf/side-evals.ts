/**
 * Side evaluations of an RLHF checkpoint (specs/rlhf.md §2.4), offline stand-ins for the paper's:
 *  - alignment tax: greedy responses to the task suite's held-out split (prompts neither the reward
 *    models nor PPO ever saw), ROUGE-L F against the reference answers, and its change from the
 *    initial policy (the seed uses SuperNI test tasks, greedy decoding, 128 new tokens);
 *  - win rate: the checkpoint's and a baseline's greedy responses to the same held-out prompts,
 *    judged pairwise by the gold reward (win 1, tie ½, loss 0) with a Wilson 95% interval. This
 *    stands in for AlpacaEval's win rate, where GPT-4 judges against a reference model's outputs;
 *    here the judge is the lab's gold reward and the baseline is the SFT policy unless told.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../nn/index.js';
import { generate, type GptNeoX, type LmTokenizer } from '../../lm/index.js';
import { formatPrompt, type TaskExample } from '../../lm/tasks/index.js';
import { RunDir } from '../run-store.js';
import { atomicWriteJson } from '../../util/fs.js';
import { meanSe, type MeanSe } from '../../util/stats.js';
import { rougeL } from '../../util/rouge.js';
import { winRate, type WinRate } from '../../util/win-rate.js';
import { readFileSync } from 'node:fs';
import { disposePolicy, loadPolicy, loadRunPolicy, openLab, readLabSpec, type Lab } from './lab.js';

export interface PolicyAnswers {
  responses: string[];
  rouge: number[];
  gold: number[];
}

/** Greedy responses of `model` to `examples`, their ROUGE-L F against the references and their gold scores. */
export function answerHeldOut(lab: Lab, model: GptNeoX, tokenizer: LmTokenizer, examples: readonly TaskExample[], maxNewTokens: number): PolicyAnswers {
  const prompts = examples.map((e) => tokenizer.encode(formatPrompt(e, lab.template)));
  const gens = generate(model, prompts, { maxNewTokens, greedy: true, stopTokens: [tokenizer.eosId!], padId: tokenizer.padId ?? 0, batchSize: 32 });
  const responses = gens.map((g) => tokenizer.decode(g.tokens, { skipSpecialTokens: true }));
  return {
    responses,
    rouge: responses.map((r, i) => rougeL(r, examples[i]!.output).f),
    gold: responses.map((r, i) => lab.gold.score(formatPrompt(examples[i]!, lab.template), r, { example: examples[i]! }).total),
  };
}

export interface SideEvalResult {
  run: string;
  checkpoint: number;
  baseline: string;
  prompts: number;
  /** Mean ROUGE-L F on held-out tasks. */
  rougeL: { checkpoint: MeanSe; baseline: MeanSe };
  /** baseline − checkpoint ROUGE-L: positive when RLHF cost held-out capability. */
  alignmentTax: number;
  /** The checkpoint's gold-judged win rate against the baseline. */
  winRate: WinRate;
  gold: { checkpoint: MeanSe; baseline: MeanSe };
  seconds: number;
  file: string;
}

/** A baseline: a model directory (SFT output) or a PPO run directory (its latest checkpoint). */
function loadBaseline(dir: string): { model: GptNeoX; tokenizer: LmTokenizer } {
  if (existsSync(join(dir, 'model.safetensors'))) {
    const p = loadPolicy(dir);
    if (!p.tokenizer) throw new Error(`${dir}: no tokenizer.json`);
    return { model: p.model, tokenizer: p.tokenizer };
  }
  if (new RunDir(dir).latestCheckpoint() === null) throw new Error(`--baseline ${dir}: neither a model directory (model.safetensors) nor a run with a checkpoint`);
  return loadRunPolicy(dir);
}

export async function runSideEval(opts: { run: string; checkpoint?: number; baseline?: string; prompts?: number; maxNewTokens?: number; out?: string }): Promise<SideEvalResult> {
  await initBackend();
  const t0 = performance.now();
  const run = new RunDir(opts.run);
  const cfg = JSON.parse(readFileSync(run.configPath, 'utf8')) as { sft: string };
  const lab = openLab(readLabSpec(cfg.sft));
  const examples = lab.suite.heldOut.slice(0, opts.prompts ?? lab.suite.heldOut.length);
  if (examples.length === 0) throw new Error(`${cfg.sft}: the task suite has no held-out examples`);
  const maxNewTokens = opts.maxNewTokens ?? 48;
  const baselineDir = opts.baseline ?? cfg.sft;
  const ck = loadRunPolicy(opts.run, opts.checkpoint);
  let mine: PolicyAnswers;
  try {
    mine = answerHeldOut(lab, ck.model, ck.tokenizer, examples, maxNewTokens);
  } finally {
    disposePolicy(ck.model);
  }
  const base = loadBaseline(baselineDir);
  let theirs: PolicyAnswers;
  try {
    theirs = answerHeldOut(lab, base.model, base.tokenizer, examples, maxNewTokens);
  } finally {
    disposePolicy(base.model);
  }
  const rougeCk = meanSe(mine.rouge);
  const rougeBase = meanSe(theirs.rouge);
  const file = opts.out ?? join(opts.run, `side-eval-${ck.iteration}.json`);
  const result: SideEvalResult = {
    run: opts.run,
    checkpoint: ck.iteration,
    baseline: baselineDir,
    prompts: examples.length,
    rougeL: { checkpoint: rougeCk, baseline: rougeBase },
    alignmentTax: rougeBase.mean - rougeCk.mean,
    winRate: winRate(mine.gold, theirs.gold),
    gold: { checkpoint: meanSe(mine.gold), baseline: meanSe(theirs.gold) },
    seconds: (performance.now() - t0) / 1000,
    file,
  };
  atomicWriteJson(file, {
    ...result,
    records: examples.map((e, i) => ({ instruction: e.instruction, input: e.input, reference: e.output, response: mine.responses[i], baselineResponse: theirs.responses[i], rougeL: mine.rouge[i], baselineRougeL: theirs.rouge[i], gold: mine.gold[i], baselineGold: theirs.gold[i] })),
  });
  return result;
}

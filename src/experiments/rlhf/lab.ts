/**
 * The RLHF lab, stage by stage (`goodhart rlhf sft|rm|ppo|eval`), each stage a directory:
 *  - sft: a byte-level BPE tokenizer trained on the task suite, a small GPT-NeoX model trained by
 *    supervised fine-tuning on the reference answers (the initial policy π_ref), and `lab.json`
 *    recording the suite and prompt template so later stages regenerate exactly the same prompts;
 *  - rm: preference pairs sampled from the SFT policy, labelled by the gold reward with label
 *    noise, and an ensemble of proxy reward models trained on them;
 *  - ppo: PPO against the proxy (mean/WCO/UWO of the ensemble) with a regularizer, logging proxy
 *    and gold rewards, KL and χ² estimates every iteration;
 *  - eval: every evaluation prompt's response with its proxy and gold scores.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, saveModel, loadModel, tf } from '../../nn/index.js';
import { attachLora, hasLora, loadLora, loraOf, mergeLora, saveLora, type LoraConfigInput } from '../../lm/lora/index.js';
import { writeSharpnessPlot } from './sharpness-plot.js';
import { GptNeoX, LmTokenizer, loadPretrained, makeLmConfig, savePretrained, trainBpe, trainSft, generate, transpose2d, packPromptResponse, responseLogProbs, DEFAULT_SPECIAL_TOKENS, type GptNeoXConfig, type SftConfigInput, type SftExample } from '../../lm/index.js';
import { generateTaskSuite, sftPair, formatPrompt, PROMPT_TEMPLATES, type TaskExample, type TaskSuite, type TaskSuiteConfig, type PromptTemplate } from '../../lm/tasks/index.js';
import { GoldReward } from '../../rewards/gold/index.js';
import { RewardModel } from '../../rewards/preference/reward-model.js';
import { buildPreferencePairs } from '../../rewards/preference/preference-data.js';
import { trainRewardModel, type RmTrainConfig } from '../../rewards/preference/train-rm.js';
import { combineEnsemble, type EnsembleRule } from '../../rewards/preference/ensemble.js';
import { LmPpoTrainer, VALUE_WEIGHT, VALUE_BIAS, fullKlRows, type LmPpoStepMetrics } from '../../algos/rlhf/trainer.js';
import { taskSuiteHoneypot, type HoneypotReward } from '../../rewards/honeypot/index.js';
import { resolveRlhfPpoConfig, type RlhfPpoConfig, type RlhfPpoConfigInput } from '../../algos/rlhf/config.js';
import { RunDir } from '../run-store.js';
import { atomicWriteJson } from '../../util/fs.js';
import { ProgressBar } from '../../util/progress.js';
import { meanSe, type MeanSe } from '../../util/stats.js';

/** What every stage needs to rebuild the prompts: written by the SFT stage. */
export interface LabSpec {
  suite: Partial<TaskSuiteConfig>;
  template: string;
  vocabSize: number;
  model: Partial<GptNeoXConfig>;
}

/** Small defaults that train on two cores in minutes (see docs/rlhf.md for the measured times). */
export const DEFAULT_LAB: LabSpec = {
  suite: { seed: 0, train: 1500, eval: 128, heldOut: 128 },
  template: 'compact',
  vocabSize: 512,
  model: { hiddenSize: 96, numHiddenLayers: 3, numAttentionHeads: 4, intermediateSize: 384, maxPositionEmbeddings: 192 },
};

export interface Lab {
  spec: LabSpec;
  suite: TaskSuite;
  template: PromptTemplate;
  gold: GoldReward;
}

export function openLab(spec: LabSpec): Lab {
  const template = PROMPT_TEMPLATES[spec.template];
  if (!template) throw new Error(`lab.template: "${spec.template}"; allowed: ${Object.keys(PROMPT_TEMPLATES).join(', ')}`);
  const suite = generateTaskSuite(spec.suite);
  const gold = new GoldReward({ examples: [...suite.train, ...suite.eval, ...suite.heldOut], template });
  return { spec, suite, template, gold };
}

/** A model directory's policy; LoRA adapters saved beside the base (SFT with --lora) are merged into it. */
export function loadPolicy(dir: string): { model: GptNeoX; tokenizer: LmTokenizer | null } {
  const p = loadPretrained(dir);
  if (hasLora(dir)) {
    loadLora(dir, p.model);
    mergeLora(p.model);
  }
  return { model: p.model, tokenizer: p.tokenizer };
}

export function readLabSpec(sftDir: string): LabSpec {
  const p = join(sftDir, 'lab.json');
  if (!existsSync(p)) throw new Error(`${sftDir}: no lab.json; give the directory written by "goodhart rlhf sft"`);
  return JSON.parse(readFileSync(p, 'utf8')) as LabSpec;
}

export function encodePromptFor(lab: Lab, tokenizer: LmTokenizer): (e: TaskExample) => number[] {
  return (e) => tokenizer.encode(formatPrompt(e, lab.template));
}

/** Gold scores of generated responses (decoded without special tokens). */
export function goldScores(lab: Lab, tokenizer: LmTokenizer, examples: readonly TaskExample[], responses: readonly number[][]): number[] {
  return responses.map((r, i) => lab.gold.score(formatPrompt(examples[i]!, lab.template), tokenizer.decode(r, { skipSpecialTokens: true }), { example: examples[i]! }).total);
}

// ------------------------------------------------------------------------------------------ SFT

export interface SftStageOptions {
  out: string;
  spec?: Partial<LabSpec>;
  sft?: SftConfigInput;
  seed?: number;
  progress?: boolean;
  /** Train LoRA adapters only (the base frozen); written beside the base as adapter_model.safetensors. */
  lora?: LoraConfigInput;
  /** Start from this model directory (its tokenizer and lab.json too) instead of a fresh model. */
  base?: string;
}

export async function runSftStage(opts: SftStageOptions): Promise<{ finalLoss: number; tokensPerSecond: number; seconds: number; goldMean: number }> {
  await initBackend();
  const spec: LabSpec = opts.base ? readLabSpec(opts.base) : { ...DEFAULT_LAB, ...opts.spec, model: { ...DEFAULT_LAB.model, ...opts.spec?.model } };
  const lab = openLab(spec);
  const texts = lab.suite.train.flatMap((e) => {
    const { prompt, completion } = sftPair(e, lab.template);
    return [prompt, completion];
  });
  const base = opts.base ? loadPolicy(opts.base) : null;
  const tokenizer = base ? base.tokenizer! : new LmTokenizer(trainBpe(texts, { vocabSize: spec.vocabSize, specialTokens: DEFAULT_SPECIAL_TOKENS }));
  const eos = tokenizer.eosId!;
  const config = makeLmConfig({ ...spec.model, vocabSize: tokenizer.vocabSize, eosTokenId: eos, bosTokenId: eos });
  const model = base ? base.model : new GptNeoX(config, { seed: opts.seed ?? 0 });
  const lora = opts.lora ? attachLora(model, { seed: opts.seed ?? 0, ...opts.lora }) : null;
  const examples: SftExample[] = lab.suite.train.map((e) => {
    const { prompt, completion } = sftPair(e, lab.template);
    return { prompt: tokenizer.encode(prompt), response: [...tokenizer.encode(completion), eos] };
  });
  const result = trainSft(model, examples, { epochs: 4, batchSize: 16, lr: 2e-3, seed: opts.seed ?? 0, padId: tokenizer.padId ?? 0, progress: opts.progress ?? true, ...opts.sft });
  // The SFT policy's gold reward on evaluation prompts: the starting point PPO should improve on.
  const evalSet = lab.suite.eval;
  const gens = generate(model, evalSet.map(encodePromptFor(lab, tokenizer)), { maxNewTokens: 32, stopTokens: [eos], padId: tokenizer.padId ?? 0, seed: 1, batchSize: 32 });
  const gold = goldScores(lab, tokenizer, evalSet, gens.map((g) => g.tokens));
  const goldMean = gold.reduce((a, b) => a + b, 0) / gold.length;
  savePretrained(opts.out, model, { tokenizer, files: { 'lab.json': spec, 'sft_result.json': { ...result, losses: undefined, finalLoss: result.epochLosses.at(-1), goldMeanEval: goldMean, ...(lora ? { lora: lora.config, loraParams: lora.size() } : {}) } } });
  // The frozen base is saved as it was; the adapters go beside it (loadPolicy merges them).
  if (lora) saveLora(opts.out, lora);
  lora?.dispose();
  model.dispose();
  return { finalLoss: result.epochLosses.at(-1)!, tokensPerSecond: result.tokensPerSecond, seconds: result.seconds, goldMean };
}

// ------------------------------------------------------------------------------------------- RM

export interface RmStageOptions {
  sft: string;
  out: string;
  /** Prompts to sample answer pairs for. */
  prompts: number;
  noise: number;
  members: number;
  rm?: Partial<RmTrainConfig>;
  maxNewTokens?: number;
  seed?: number;
  progress?: boolean;
}

export interface RmStageSummary {
  pairs: number;
  heldOutPairs: number;
  ties: number;
  noise: number;
  members: { goldAccuracy: number | null; trainAccuracy: number; seconds: number }[];
}

export async function runRmStage(opts: RmStageOptions): Promise<RmStageSummary> {
  await initBackend();
  const lab = openLab(readLabSpec(opts.sft));
  const sft = loadPretrained(opts.sft);
  const tokenizer = sft.tokenizer!;
  const examples = lab.suite.train.slice(0, opts.prompts);
  const { pairs, ties } = buildPreferencePairs(sft.model, tokenizer, examples, encodePromptFor(lab, tokenizer), lab.gold, {
    noise: opts.noise,
    maxNewTokens: opts.maxNewTokens ?? 32,
    temperature: 1,
    seed: opts.seed ?? 0,
    progress: opts.progress ?? true,
  });
  const cut = Math.floor(pairs.length * 0.9);
  const train = pairs.slice(0, cut);
  const heldOut = pairs.slice(cut);
  const members: RmStageSummary['members'] = [];
  for (let k = 0; k < opts.members; k++) {
    // Each member starts from the SFT model's trunk (as Coste et al.'s RMs start from an SFT model) and differs by seed.
    const backbone = new GptNeoX(sft.config, { lmHead: false, seed: k });
    const weights = sft.model.params.read();
    backbone.params.write(weights, 'reward model trunk');
    const rm = new RewardModel(sft.config, { seed: (opts.seed ?? 0) * 1000 + k, backbone });
    const res = trainRewardModel(rm, train, heldOut, { seed: (opts.seed ?? 0) * 1000 + k, padId: tokenizer.padId ?? 0, progress: opts.progress ?? true, ...opts.rm });
    rm.save(join(opts.out, `member-${k}`), tokenizer, { 'rm_result.json': { ...res, losses: undefined, lastLoss: res.losses.at(-1) } });
    members.push({ goldAccuracy: res.goldAccuracy, trainAccuracy: res.trainAccuracy, seconds: res.seconds });
    rm.dispose();
  }
  sft.model.dispose();
  const summary: RmStageSummary = { pairs: train.length, heldOutPairs: heldOut.length, ties, noise: opts.noise, members };
  atomicWriteJson(join(opts.out, 'summary.json'), { ...summary, sft: opts.sft });
  return summary;
}

/** The members of an ensemble written by the RM stage. */
export function loadEnsemble(dir: string): RewardModel[] {
  const out: RewardModel[] = [];
  for (let k = 0; existsSync(join(dir, `member-${k}`)); k++) out.push(RewardModel.load(join(dir, `member-${k}`)).model);
  if (out.length === 0) throw new Error(`${dir}: no reward model members (member-0, ...); give the directory written by "goodhart rlhf rm"`);
  return out;
}

// ------------------------------------------------------------------------------------------ PPO

/** A honeypot reward in place of the learned proxy (GAA's experiment, specs/rlhf.md §3.3). */
export interface HoneypotRewardOptions {
  variant: 'capped' | 'uncapped';
  /** The bonus word (whole word, any case); default "star". */
  word?: string;
}

export interface PpoStageOptions {
  sft: string;
  /** The reward-model ensemble (the proxy); not needed with `honeypot`. */
  rm?: string;
  /** Train on a honeypot reward instead: proxy = honeypot (0.5·gold plus the bonus), gold column = the true reward 0.5·gold. */
  honeypot?: HoneypotRewardOptions;
  out: string;
  ppo: RlhfPpoConfigInput;
  ensemble: EnsembleRule;
  /** Use only the first k members (default all). */
  members?: number;
  resume?: boolean;
  progress?: boolean;
  /** Train LoRA adapters on the SFT model; π_ref is then the same model with its adapters disabled. */
  lora?: LoraConfigInput;
}

export interface PpoStageSummary {
  iterations: number;
  regularizer: string;
  coeff: number;
  final: { proxy: number; gold: number; kl: number };
  eval: { proxy: MeanSe; gold: MeanSe } | null;
  /** With a honeypot reward: the final evaluation's bonus-word rate, base reward, KL and true reward (base − KL). */
  honeypot?: HoneypotEval;
  seconds: number;
}

export async function runPpoStage(opts: PpoStageOptions): Promise<PpoStageSummary> {
  await initBackend();
  const config = resolveRlhfPpoConfig(opts.ppo);
  const lab = openLab(readLabSpec(opts.sft));
  const sft = loadPolicy(opts.sft);
  const tokenizer = sft.tokenizer!;
  const policy = sft.model;
  // A resumed LoRA run keeps the adapter settings it started with.
  const resumedLora = opts.resume && existsSync(join(opts.out, 'config.json')) ? (JSON.parse(readFileSync(join(opts.out, 'config.json'), 'utf8')) as { lora?: LoraConfigInput }).lora : undefined;
  const loraConfig = opts.lora ?? resumedLora;
  const lora = loraConfig ? attachLora(policy, { seed: config.seed, ...loraConfig }) : null;
  // With LoRA there is no second copy: the reference is the policy with its adapters switched off.
  const reference = lora ? undefined : policy.clone();
  if (!opts.rm && !opts.honeypot) throw new Error('rlhf ppo: give a reward-model directory (rm) or a honeypot reward');
  const members = opts.rm && !opts.honeypot ? loadEnsemble(opts.rm).slice(0, opts.members ?? Infinity) : [];
  const pad = tokenizer.padId ?? 0;
  const train = lab.suite.train;
  const encode = encodePromptFor(lab, tokenizer);
  const honeypot = opts.honeypot ? labHoneypot(lab, opts.honeypot) : null;
  // The share of the latest training rollouts that contain the bonus word (the gold scorer sees every rollout once).
  let bonusRate = NaN;
  const honeypotScores = (responses: readonly number[][], idx: readonly number[]) => scoreHoneypot(lab, tokenizer, honeypot!, idx.map((i) => train[i]!), responses);
  const proxy = honeypot
    ? (_p: readonly number[][], responses: readonly number[][], idx: readonly number[]) => honeypotScores(responses, idx).map((x) => x.proxy)
    : (prompts: readonly number[][], responses: readonly number[][]) => combineEnsemble(members.map((m) => m.score(prompts, responses, { padId: pad })), opts.ensemble);
  const gold = honeypot
    ? (_p: readonly number[][], responses: readonly number[][], idx: readonly number[]) => {
        const s = honeypotScores(responses, idx);
        bonusRate = s.filter((x) => x.hits > 0).length / Math.max(s.length, 1);
        return s.map((x) => x.true);
      }
    : (_p: readonly number[][], responses: readonly number[][], idx: readonly number[]) => goldScores(lab, tokenizer, idx.map((i) => train[i]!), responses as number[][]);
  const run = new RunDir(opts.out);
  if (run.isFinished() && !opts.resume) throw new Error(`${opts.out} holds a finished run; choose another --out`);
  const trainer = new LmPpoTrainer({ policy, reference, prompts: train.map(encode), proxy, gold, config, stopTokens: [tokenizer.eosId!], padId: pad });
  let started = 0;
  const latest = run.exists() ? run.latestCheckpoint() : null;
  if (latest !== null) {
    if (!opts.resume) throw new Error(`${opts.out} holds an interrupted run; pass --resume to continue it`);
    // The exact training state (weights with the value head, Adam moments) is in trainer-state.*;
    // model.safetensors beside it is the same policy in Pythia's format, for other tools.
    const meta = loadModel(run.checkpointPath(latest), 'trainer-state', trainer.trainable, trainer.optimizer);
    trainer.setState(meta['trainer'] as Parameters<LmPpoTrainer['setState']>[0]);
    run.truncateMetrics(latest);
    started = latest;
  } else {
    run.writeConfig({ kind: 'rlhf-ppo', env: 'rlhf-tasks', algo: config.algo === 'gaa' ? 'rlhf-gaa' : 'rlhf-ppo', reward: honeypot ? `honeypot-${opts.honeypot!.variant}` : 'proxy', sft: opts.sft, rm: opts.rm ?? null, ...(opts.honeypot ? { honeypot: { word: HONEYPOT_WORD, ...opts.honeypot } } : {}), ensemble: opts.ensemble, members: members.length, ppo: config, lab: lab.spec, ...(lora ? { lora: lora.config } : {}) } as never);
  }
  const t0 = performance.now();
  const bar = opts.progress ?? true ? new ProgressBar({ total: config.steps, label: `rlhf ppo (${config.regularizer} ${config.coeff})`, unit: 'it', start: started }) : null;
  const save = () => {
    const read = trainer.trainable.read();
    const valueHead = new Map([
      [VALUE_WEIGHT, transpose2d(read.get(VALUE_WEIGHT)!)],
      [VALUE_BIAS, read.get(VALUE_BIAS)!],
    ]);
    run.writeCheckpoint(
      trainer.iteration,
      (tmp) => {
        // A LoRA checkpoint is the adapters alone (the base is the SFT directory named in config.json).
        if (lora) saveLora(join(tmp, 'adapter'), lora, valueHead);
        else savePretrained(join(tmp, 'pretrained'), policy, { tokenizer, extra: valueHead });
        saveModel(tmp, 'trainer-state', trainer.trainable, trainer.optimizer, { trainer: trainer.getState() });
      },
      2,
    );
  };
  let last = { proxy: NaN, gold: NaN, kl: NaN };
  const sharpPath = join(opts.out, 'sharpness.json');
  const sharp: SharpnessRecord[] = started > 0 && existsSync(sharpPath) ? (JSON.parse(readFileSync(sharpPath, 'utf8')) as SharpnessRecord[]).filter((r) => r.iteration <= started) : [];
  try {
    while (trainer.iteration < config.steps) {
      const { sharpness, gaa, ...m } = trainer.step() as LmPpoStepMetrics;
      let evalRow: Record<string, number> = { ...(gaa ?? {}) };
      if (sharpness) {
        sharp.push({ iteration: m.iteration, ...sharpness });
        atomicWriteJson(sharpPath, sharp);
        evalRow = { ...evalRow, sharpnessTop: sharpness.eigenvalues[0] ?? NaN, sharpnessFifth: sharpness.eigenvalues[4] ?? NaN, sharpnessRatio: sharpness.topToFifth };
      }
      if (config.evalEvery > 0 && (m.iteration % config.evalEvery === 0 || m.iteration === config.steps)) {
        if (honeypot) {
          const e = evaluateHoneypot(lab, policy, reference ?? null, tokenizer, honeypot, lab.suite.eval.slice(0, config.evalPrompts), config.seed + m.iteration, config.maxNewTokens);
          evalRow = { ...evalRow, evalProxy: e.proxy.mean, evalGold: e.base.mean, evalTrue: e.trueReward.mean, evalBonusRate: e.bonusRate, evalKlFull: e.klFull };
        } else {
          const e = evaluatePolicy(lab, policy, tokenizer, members, opts.ensemble, lab.suite.eval.slice(0, config.evalPrompts), config.seed + m.iteration);
          evalRow = { ...evalRow, evalProxy: e.proxy.mean, evalGold: e.gold.mean };
        }
      }
      // For a honeypot run the true reward is the base reward less the KL from π_ref (per token, exact when logged).
      const trueMean = honeypot ? m.goldReward - (m.klFull ?? 0) : m.goldReward;
      run.appendMetrics({ ...m, proxyReturnMean: m.proxyReward, trueReturnMean: trueMean, ...(honeypot ? { bonusRate } : {}), ...evalRow });
      last = { proxy: m.proxyReward, gold: m.goldReward, kl: m.kl };
      bar?.update(m.iteration, { proxy: m.proxyReward, gold: m.goldReward, kl: m.kl });
      if (config.checkpointEvery > 0 && m.iteration % config.checkpointEvery === 0) save();
    }
    bar?.finish();
    if (run.latestCheckpoint() !== trainer.iteration) save();
    if (sharp.length) writeSharpnessPlot(sharp, opts.out);
    const seconds = (performance.now() - t0) / 1000;
    if (honeypot) {
      const h = evaluateHoneypot(lab, policy, reference ?? null, tokenizer, honeypot, lab.suite.eval.slice(0, config.evalPrompts), config.seed + 999_983, config.maxNewTokens);
      const { records, ...hs } = h;
      atomicWriteJson(join(opts.out, 'samples.json'), { checkpoint: trainer.iteration, samples: records.slice(0, 50) });
      const summary: PpoStageSummary = { iterations: trainer.iteration, regularizer: config.regularizer, coeff: config.coeff, final: last, eval: { proxy: h.proxy, gold: h.base }, honeypot: hs as HoneypotEval, seconds };
      run.writeSummary({ ...summary, proxyReturn: h.proxy, trueReturn: h.trueReward, trainingSeconds: seconds, finishedAt: new Date().toISOString() });
      return summary;
    }
    const e = evaluatePolicy(lab, policy, tokenizer, members, opts.ensemble, lab.suite.eval.slice(0, config.evalPrompts), config.seed + 999_983);
    const summary: PpoStageSummary = { iterations: trainer.iteration, regularizer: config.regularizer, coeff: config.coeff, final: last, eval: { proxy: e.proxy, gold: e.gold }, seconds };
    run.writeSummary({ ...summary, proxyReturn: e.proxy, trueReturn: e.gold, trainingSeconds: seconds, finishedAt: new Date().toISOString() });
    return summary;
  } finally {
    trainer.dispose();
    policy.dispose();
    reference?.dispose();
    lora?.dispose();
    for (const m of members) m.dispose();
  }
}

// ------------------------------------------------------------------------------------- honeypot

/** The bonus word unless told otherwise: a shape the task suite's answers rarely need (taskSuiteHoneypot's default). */
export const HONEYPOT_WORD = 'star';

/** The honeypot reward over the lab's task suite: base = the gold reward, bonus = the word. */
export function labHoneypot(lab: Lab, opts: HoneypotRewardOptions): HoneypotReward {
  return taskSuiteHoneypot({ examples: [...lab.suite.train, ...lab.suite.eval, ...lab.suite.heldOut], template: lab.template, variant: opts.variant, word: opts.word ?? HONEYPOT_WORD });
}

/** Proxy (with the bonus), true (without) and the bonus-word count of each response. */
export function scoreHoneypot(lab: Lab, tokenizer: LmTokenizer, hp: HoneypotReward, examples: readonly TaskExample[], responses: readonly number[][]): { proxy: number; true: number; hits: number; text: string }[] {
  const texts = responses.map((r) => tokenizer.decode(r as number[], { skipSpecialTokens: true }));
  const scores = hp.scoreBatch(examples.map((e, i) => ({ prompt: formatPrompt(e, lab.template), response: texts[i]!, ctx: { example: e } })));
  return scores.map((s, i) => ({ proxy: s.proxy, true: s.true, hits: s.components?.['bonus_occurrences'] ?? 0, text: texts[i]! }));
}

export interface HoneypotEval {
  /** The honeypot proxy (with the bonus). */
  proxy: MeanSe;
  /** 0.5·gold: the reward the designer meant, before the KL term. */
  base: MeanSe;
  /** Per sample: base − the sample's mean exact KL(π‖π_ref) per token (the spec's eval reward, eval_kl_coef 1). */
  trueReward: MeanSe;
  /** Mean exact KL per response token. */
  klFull: number;
  /** The share of responses that contain the bonus word. */
  bonusRate: number;
  records: { instruction: string; input: string; response: string; proxy: number; true: number; hits: number }[];
}

/** One sampled response per evaluation prompt (temperature 1), scored by the honeypot; KL against the reference (or the adapter-free base). */
export function evaluateHoneypot(lab: Lab, policy: GptNeoX, reference: GptNeoX | null, tokenizer: LmTokenizer, hp: HoneypotReward, examples: readonly TaskExample[], seed: number, maxNewTokens = 32): HoneypotEval {
  const pad = tokenizer.padId ?? 0;
  const prompts = examples.map(encodePromptFor(lab, tokenizer));
  const gens = generate(policy, prompts, { maxNewTokens, stopTokens: [tokenizer.eosId!], padId: pad, seed, batchSize: 32 });
  const responses = gens.map((g) => g.tokens);
  const scores = scoreHoneypot(lab, tokenizer, hp, examples, responses);
  const kl = sequenceFullKl(policy, reference, prompts, responses, pad);
  const trueReward = scores.map((s, i) => s.true - kl[i]!);
  const klMean = kl.reduce((a, b) => a + b, 0) / Math.max(kl.length, 1);
  return {
    proxy: meanSe(scores.map((s) => s.proxy)),
    base: meanSe(scores.map((s) => s.true)),
    trueReward: meanSe(trueReward),
    klFull: klMean,
    bonusRate: scores.filter((s) => s.hits > 0).length / Math.max(scores.length, 1),
    records: examples.map((e, i) => ({ instruction: e.instruction, input: e.input, response: scores[i]!.text, proxy: scores[i]!.proxy, true: trueReward[i]!, hits: scores[i]!.hits })),
  };
}

/** Each response's mean exact KL(π‖π_ref) over its tokens (0 for an empty response). */
export function sequenceFullKl(policy: GptNeoX, reference: GptNeoX | null, prompts: readonly number[][], responses: readonly number[][], pad: number, batchSize = 32): number[] {
  const out: number[] = [];
  const V = policy.config.vocabSize;
  for (let s = 0; s < prompts.length; s += batchSize) {
    const packed = packPromptResponse(prompts.slice(s, s + batchSize), responses.slice(s, s + batchSize), pad);
    const logitsOf = (m: GptNeoX) => tf.tidy(() => responseLogProbs(m, packed, { logits: true }).logits!.dataSync() as Float32Array);
    const p = logitsOf(policy);
    const q = reference ? logitsOf(reference) : policy.withAdapterDisabled(() => logitsOf(policy));
    const R = packed.responseLength;
    const kl = fullKlRows(p, q, packed.batch * R, V);
    for (let b = 0; b < packed.batch; b++) {
      const n = packed.responseLengths[b]!;
      let sum = 0;
      for (let t = 0; t < n; t++) sum += kl[b * R + t]!;
      out.push(n ? sum / n : 0);
    }
  }
  return out;
}

export interface SharpnessRecord {
  iteration: number;
  loss: number;
  eigenvalues: number[];
  topToFifth: number;
  slice: { lambdas: number[]; losses: number[]; directionNorm: number };
}

/** A PPO run's policy at a checkpoint (latest by default): the saved model, or the SFT base with the saved LoRA adapters. */
export function loadRunPolicy(runDir: string, checkpoint?: number): { model: GptNeoX; tokenizer: LmTokenizer; iteration: number } {
  const run = new RunDir(runDir);
  const iteration = checkpoint ?? run.latestCheckpoint();
  if (iteration === null) throw new Error(`${runDir}: no checkpoint`);
  const dir = run.checkpointPath(iteration);
  if (existsSync(join(dir, 'adapter'))) {
    const cfg = JSON.parse(readFileSync(run.configPath, 'utf8')) as { sft: string };
    const base = loadPolicy(cfg.sft);
    loadLora(join(dir, 'adapter'), base.model);
    return { model: base.model, tokenizer: base.tokenizer!, iteration };
  }
  const p = loadPretrained(join(dir, 'pretrained'));
  return { model: p.model, tokenizer: p.tokenizer!, iteration };
}

/** Disposes a policy and any adapter attached to it. */
export function disposePolicy(model: GptNeoX): void {
  loraOf(model)?.dispose();
  model.dispose();
}

export interface EvalRecord {
  instruction: string;
  input: string;
  response: string;
  proxy: number;
  gold: number;
}

/** Samples one response per prompt (temperature 1, as the paper's evaluation) and scores it with the proxy and the gold reward. */
export function evaluatePolicy(lab: Lab, policy: GptNeoX, tokenizer: LmTokenizer, members: readonly RewardModel[], rule: EnsembleRule, examples: readonly TaskExample[], seed: number, maxNewTokens = 32): { proxy: MeanSe; gold: MeanSe; records: EvalRecord[] } {
  const pad = tokenizer.padId ?? 0;
  const prompts = examples.map(encodePromptFor(lab, tokenizer));
  const gens = generate(policy, prompts, { maxNewTokens, stopTokens: [tokenizer.eosId!], padId: pad, seed, batchSize: 32 });
  const responses = gens.map((g) => g.tokens);
  const proxy = combineEnsemble(members.map((m) => m.score(prompts, responses, { padId: pad })), rule);
  const gold = goldScores(lab, tokenizer, examples, responses);
  const records = examples.map((e, i) => ({ instruction: e.instruction, input: e.input, response: tokenizer.decode(responses[i]!, { skipSpecialTokens: true }), proxy: proxy[i]!, gold: gold[i]! }));
  return { proxy: meanSe([...proxy]), gold: meanSe(gold), records };
}

/** `goodhart rlhf eval`: a checkpoint's responses to the evaluation prompts with both scores, as JSON. */
export async function runEvalStage(opts: { run: string; checkpoint?: number; out?: string; prompts?: number; seed?: number }): Promise<{ proxy: MeanSe; gold: MeanSe; file: string }> {
  await initBackend();
  const run = new RunDir(opts.run);
  const cfg = JSON.parse(readFileSync(run.configPath, 'utf8')) as { sft: string; rm: string | null; ensemble: EnsembleRule; members: number };
  if (!cfg.rm) throw new Error(`${opts.run} was trained on a honeypot reward, not a reward model: its evaluation is in summary.json and samples.json`);
  const rm = cfg.rm;
  const iteration = opts.checkpoint ?? run.latestCheckpoint();
  if (iteration === null) throw new Error(`${opts.run}: no checkpoint to evaluate`);
  const lab = openLab(readLabSpec(cfg.sft));
  const ck = loadRunPolicy(opts.run, iteration);
  const members = loadEnsemble(rm).slice(0, cfg.members);
  try {
    const e = evaluatePolicy(lab, ck.model, ck.tokenizer!, members, cfg.ensemble, lab.suite.eval.slice(0, opts.prompts ?? lab.suite.eval.length), opts.seed ?? 0);
    const file = opts.out ?? join(opts.run, `eval-${iteration}.json`);
    atomicWriteJson(file, { run: opts.run, checkpoint: iteration, proxy: e.proxy, gold: e.gold, records: e.records });
    // The dashboard shows a run's samples from samples.json.
    atomicWriteJson(join(opts.run, 'samples.json'), { checkpoint: iteration, samples: e.records.slice(0, 50) });
    return { proxy: e.proxy, gold: e.gold, file };
  } finally {
    disposePolicy(ck.model);
    for (const m of members) m.dispose();
  }
}

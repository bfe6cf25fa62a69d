/** `goodhart rlhf sft|rm|ppo|eval|plot`: the RLHF lab, one stage per subcommand. */
import { mkdirSync } from 'node:fs';
import { parseWithPositionals, intOption, stringOption, choiceOption } from '../args.js';
import { out, numberFlag, readJsonFile, gaaFlagSettings, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { formatMeanSe } from '../../util/stats.js';
import { formatDuration } from '../../util/progress.js';
import { runSftStage, runRmStage, runPpoStage, runEvalStage } from '../../experiments/rlhf/lab.js';
import { runSideEval } from '../../experiments/rlhf/side-evals.js';
import { parseLoraFlag, NEOX_LINEAR_MODULES, type LoraConfigInput } from '../../lm/lora/index.js';
import { writeGoodhartPlot } from '../../experiments/rlhf/goodhart-plot.js';
import { RLHF_REGULARIZERS, RLHF_ALGOS, SCORE_NORMS } from '../../algos/rlhf/config.js';
import { GAA_VARIANTS } from '../../algos/gaa/config.js';
import { ENSEMBLE_RULES } from '../../rewards/preference/ensemble.js';

const STAGES = ['sft', 'rm', 'ppo', 'eval', 'plot', 'side-eval'] as const;

/** --lora r[,alpha] plus --lora-dropout and --lora-targets into a LoRA config (undefined without --lora). */
function loraOptions(v: Record<string, unknown>): LoraConfigInput | undefined {
  const text = stringOption(v, 'lora');
  if (text === undefined) return undefined;
  let rAlpha: { r: number; alpha: number };
  try {
    rAlpha = parseLoraFlag(text);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const dropout = numberFlag(v, 'lora-dropout');
  if (dropout !== undefined && !(dropout >= 0 && dropout < 1)) throw new ConfigError(`--lora-dropout: ${dropout}; allowed: a fraction in [0, 1)`);
  const targets = stringOption(v, 'lora-targets')?.split(',').map((t) => t.trim());
  return { ...rAlpha, ...(dropout === undefined ? {} : { dropout }), ...(targets ? { targetModules: targets } : {}) };
}

/** The GAA part of the PPO settings from the flags (any GAA flag implies --algo gaa), over the config file's. */
function rlhfGaaFlags(v: Record<string, unknown>, fromFile: Record<string, unknown>): { algo?: 'ppo' | 'gaa'; gaa?: Record<string, unknown> } {
  const fromFlags = gaaFlagSettings(v);
  const gaa: Record<string, unknown> = { ...((fromFile['gaa'] as Record<string, unknown> | null | undefined) ?? {}), ...fromFlags };
  const algo = choiceOption(v, 'algo', RLHF_ALGOS) ?? (fromFile['algo'] as 'ppo' | 'gaa' | undefined);
  const flagged = Object.keys(fromFlags).length > 0;
  if (flagged && algo === 'ppo') throw new ConfigError('--gaa-variant, --x-eta and --x-sig are GAA settings, but --algo is ppo');
  if (algo === 'gaa' || flagged) return { algo: 'gaa', gaa };
  return algo ? { algo } : {};
}

function required(v: Record<string, unknown>, name: string, what: string): string {
  const s = stringOption(v, name);
  if (!s) throw new ConfigError(`rlhf: --${name} is required (${what})`);
  return s;
}

export const rlhfCommand: Command = {
  summary: 'the RLHF lab: SFT a small language model, train proxy reward models, PPO with KL or sqrt-chi2, evaluate against the gold reward',
  usage: `goodhart rlhf sft --out DIR [--epochs N] [--seed S] [--lora R[,ALPHA] --base DIR]
goodhart rlhf rm  --sft DIR --out DIR [--prompts N] [--noise 0.25] [--members K] [--epochs N]
goodhart rlhf ppo --sft DIR --rm DIR --out DIR [--regularizer none|kl-reward|kl|sqrt_chi2] [--coeff C]
                  [--steps N] [--ensemble mean|wco|uwo] [--lr X] [--kl-target T] [--seed S] [--resume]
                  [--lora R[,ALPHA]] [--lora-dropout P] [--lora-targets M,M] [--sharpness-every K]
                  [--honeypot capped|uncapped [--bonus-word W]] (in place of --rm)
                  [--algo ppo|gaa] [--gaa-variant prose|published] [--x-eta X] [--x-sig X] [--score-norm none|batch]
                  [--config FILE.json] (any PPO setting, e.g. {"rolloutBatch": 16, "temperature": 0.8}; flags win)
goodhart rlhf eval --run DIR [--checkpoint N] [--prompts N]
goodhart rlhf side-eval --run DIR [--checkpoint N] [--baseline DIR] [--prompts N]
goodhart rlhf plot --runs DIR[,DIR...] --out DIR
  sft   trains a BPE tokenizer and a small GPT-NeoX model on the task suite's reference answers
  rm    samples answer pairs from the SFT policy, labels them with the gold reward (flipping --noise of them),
        and trains --members reward models (an ensemble) with the pairwise loss
  ppo   PPO against the proxy; regularizers: per-token KL in the reward (kl-reward), sequence KL or sqrt(chi2) in the loss
  eval  every evaluation prompt's response with its proxy and gold scores (JSON)
  plot  the Goodhart plot: gold and proxy reward against KL, one curve per run (PNG, SVG, table)
  side-eval  alignment tax (ROUGE-L on held-out tasks, greedy, change from the baseline) and the gold-judged
        win rate against the baseline (default: the SFT model), with a Wilson 95% interval
  --lora R[,ALPHA]  train LoRA adapters only (alpha default 2R; targets default attention.query_key_value,
        any of ${NEOX_LINEAR_MODULES.join(', ')}); PPO's reference is then the model with adapters off
  --sharpness-every K  every K PPO iterations: loss slice along the update and Hessian lambda1/lambda5 (sharpness.json, plots)
  --honeypot V  train on the honeypot reward (0.5 gold, plus the bonus word: capped = 1.0 if it occurs, uncapped = +1 per
        occurrence) instead of a reward model; the true reward logged is 0.5 gold minus the exact KL per token (docs/gaa.md)
  --algo gaa    Greedy Advantage Aware PPO (docs/gaa.md): --gaa-variant, --x-eta, --x-sig as for goodhart train (any of them
        implies --algo gaa; --x-sig 0 is PPO bit for bit); --score-norm batch z-scores the sequence scores per batch`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(
      argv,
      {
        out: { type: 'string' }, sft: { type: 'string' }, rm: { type: 'string' }, run: { type: 'string' }, runs: { type: 'string' },
        epochs: { type: 'string' }, seed: { type: 'string' }, prompts: { type: 'string' }, noise: { type: 'string' }, members: { type: 'string' },
        regularizer: { type: 'string' }, coeff: { type: 'string' }, steps: { type: 'string' }, ensemble: { type: 'string' }, lr: { type: 'string' },
        'kl-target': { type: 'string' }, checkpoint: { type: 'string' }, resume: { type: 'boolean' }, quiet: { type: 'boolean' },
        lora: { type: 'string' }, 'lora-dropout': { type: 'string' }, 'lora-targets': { type: 'string' }, base: { type: 'string' }, baseline: { type: 'string' },
        'sharpness-every': { type: 'string' },
        honeypot: { type: 'string' }, 'bonus-word': { type: 'string' }, algo: { type: 'string' }, 'gaa-variant': { type: 'string' },
        'x-eta': { type: 'string' }, 'x-sig': { type: 'string' }, 'score-norm': { type: 'string' }, config: { type: 'string' },
      },
      'rlhf',
    );
    const stage = positionals[0];
    if (!stage || !(STAGES as readonly string[]).includes(stage)) throw new ConfigError(`rlhf: ${stage ? `"${stage}" is not a stage` : 'name a stage'}; choose one of ${STAGES.join(', ')}`);
    const progress = !v['quiet'];
    const seed = intOption(v, 'seed');
    const t0 = performance.now();
    switch (stage) {
      case 'sft': {
        const dir = required(v, 'out', 'where the SFT model goes');
        const epochs = intOption(v, 'epochs', { min: 1 });
        const lora = loraOptions(v);
        const base = stringOption(v, 'base');
        const r = await runSftStage({ out: dir, progress, ...(seed === undefined ? {} : { seed }), ...(epochs ? { sft: { epochs } } : {}), ...(lora ? { lora } : {}), ...(base ? { base } : {}) });
        out(`wrote ${dir}${lora ? ` (LoRA r ${lora.r}, alpha ${lora.alpha})` : ''}: final SFT loss ${r.finalLoss.toFixed(3)} nats/token, ${Math.round(r.tokensPerSecond)} tokens/s, gold reward on eval prompts ${r.goldMean.toFixed(3)} (${formatDuration(r.seconds)})`);
        return 0;
      }
      case 'rm': {
        const sft = required(v, 'sft', 'the SFT directory');
        const dir = required(v, 'out', 'where the reward models go');
        const noise = numberFlag(v, 'noise') ?? 0.25;
        if (!(noise >= 0 && noise <= 1)) throw new ConfigError(`--noise: ${noise}; allowed: a fraction in [0, 1]`);
        const epochs = intOption(v, 'epochs', { min: 1 });
        const r = await runRmStage({ sft, out: dir, prompts: intOption(v, 'prompts', { min: 2 }) ?? 1000, noise, members: intOption(v, 'members', { min: 1 }) ?? 1, progress, ...(seed === undefined ? {} : { seed }), ...(epochs ? { rm: { epochs } } : {}) });
        out(`wrote ${dir}: ${r.pairs} training pairs (${r.ties} ties skipped), ${r.heldOutPairs} held out; gold-order accuracy per member: ${r.members.map((m) => (m.goldAccuracy ?? NaN).toFixed(3)).join(', ')} (${formatDuration((performance.now() - t0) / 1000)})`);
        return 0;
      }
      case 'ppo': {
        const sft = required(v, 'sft', 'the SFT directory');
        const honeypotVariant = choiceOption(v, 'honeypot', ['capped', 'uncapped'] as const);
        const word = stringOption(v, 'bonus-word');
        if (word !== undefined && !honeypotVariant) throw new ConfigError('--bonus-word is a setting of --honeypot capped|uncapped');
        const rm = honeypotVariant ? stringOption(v, 'rm') : required(v, 'rm', 'the reward-model directory, or --honeypot capped|uncapped');
        if (honeypotVariant && rm) throw new ConfigError('rlhf ppo: give either --rm or --honeypot, not both');
        const dir = required(v, 'out', 'the run directory');
        const fromFile = stringOption(v, 'config') ? (readJsonFile(stringOption(v, 'config')!, '--config') as Record<string, unknown>) : {};
        const regularizer = choiceOption(v, 'regularizer', RLHF_REGULARIZERS) ?? (fromFile['regularizer'] as string | undefined) ?? 'none';
        const coeff = numberFlag(v, 'coeff') ?? (fromFile['coeff'] as number | undefined) ?? 0;
        if (!(coeff >= 0)) throw new ConfigError(`--coeff: ${coeff}; allowed: a non-negative number`);
        const gaaFlags = rlhfGaaFlags(v, fromFile);
        const scoreNorm = choiceOption(v, 'score-norm', SCORE_NORMS);
        const steps = intOption(v, 'steps', { min: 1 });
        const lr = numberFlag(v, 'lr');
        const klTarget = numberFlag(v, 'kl-target');
        const lora = loraOptions(v);
        const sharpnessEvery = intOption(v, 'sharpness-every', { min: 0 });
        const r = await runPpoStage({
          sft, out: dir, progress, resume: Boolean(v['resume']),
          ...(rm ? { rm } : {}),
          ...(honeypotVariant ? { honeypot: { variant: honeypotVariant, ...(word ? { word } : {}) } } : {}),
          ensemble: choiceOption(v, 'ensemble', ENSEMBLE_RULES) ?? 'mean',
          ppo: { ...fromFile, regularizer: regularizer as (typeof RLHF_REGULARIZERS)[number], coeff, ...gaaFlags, ...(scoreNorm ? { scoreNorm } : {}), ...(steps ? { steps } : {}), ...(lr ? { lr } : {}), ...(klTarget ? { klTarget } : {}), ...(seed === undefined ? {} : { seed }), ...(sharpnessEvery === undefined ? {} : { sharpnessEvery }) },
          ...(lora ? { lora } : {}),
        });
        out(`wrote ${dir}: ${r.iterations} iterations; evaluation proxy ${r.eval ? formatMeanSe(r.eval.proxy, 3) : '-'}, gold ${r.eval ? formatMeanSe(r.eval.gold, 3) : '-'}; final KL ${r.final.kl.toFixed(2)} (${formatDuration(r.seconds)})`);
        if (r.honeypot) out(`  honeypot: bonus word in ${(100 * r.honeypot.bonusRate).toFixed(1)}% of evaluation responses; true reward (0.5 gold - KL) ${formatMeanSe(r.honeypot.trueReward, 3)}, exact KL per token ${r.honeypot.klFull.toFixed(4)}`);
        return 0;
      }
      case 'eval': {
        const run = required(v, 'run', 'a PPO run directory');
        const checkpoint = intOption(v, 'checkpoint');
        const prompts = intOption(v, 'prompts', { min: 1 });
        const r = await runEvalStage({ run, ...(checkpoint === undefined ? {} : { checkpoint }), ...(prompts ? { prompts } : {}), ...(seed === undefined ? {} : { seed }) });
        out(`proxy ${formatMeanSe(r.proxy, 3)}, gold ${formatMeanSe(r.gold, 3)}; wrote ${r.file}`);
        return 0;
      }
      case 'side-eval': {
        const run = required(v, 'run', 'a PPO run directory');
        const checkpoint = intOption(v, 'checkpoint');
        const prompts = intOption(v, 'prompts', { min: 1 });
        const baseline = stringOption(v, 'baseline');
        const r = await runSideEval({ run, ...(checkpoint === undefined ? {} : { checkpoint }), ...(prompts ? { prompts } : {}), ...(baseline ? { baseline } : {}) });
        const w = r.winRate;
        out(`checkpoint ${r.checkpoint} vs ${r.baseline} on ${r.prompts} held-out prompts (greedy):`);
        out(`  ROUGE-L  checkpoint ${formatMeanSe(r.rougeL.checkpoint, 3)}, baseline ${formatMeanSe(r.rougeL.baseline, 3)}; alignment tax ${r.alignmentTax.toFixed(3)} (baseline minus checkpoint)`);
        out(`  win rate ${(100 * w.rate).toFixed(1)}% [${(100 * w.low).toFixed(1)}, ${(100 * w.high).toFixed(1)}] (Wilson 95%; ${w.wins} wins, ${w.ties} ties, ${w.losses} losses, judged by the gold reward)`);
        out(`  gold     checkpoint ${formatMeanSe(r.gold.checkpoint, 3)}, baseline ${formatMeanSe(r.gold.baseline, 3)}`);
        out(`wrote ${r.file} (${formatDuration(r.seconds)})`);
        return 0;
      }
      case 'plot': {
        const runs = required(v, 'runs', 'comma-separated PPO run directories').split(',');
        const dir = required(v, 'out', 'where the figures go');
        mkdirSync(dir, { recursive: true });
        const r = writeGoodhartPlot(runs, dir);
        out(r.table);
        out(`\nwrote ${r.files.join(', ')}`);
        return 0;
      }
    }
    return 1;
  },
};

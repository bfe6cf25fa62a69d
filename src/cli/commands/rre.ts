/** `goodhart rre`: reverse reward engineering, PPO against the white-box proxy reward (specs/rlhf.md §2). */
import { choiceOption, intOption, parseWithPositionals, stringOption } from '../args.js';
import { numberFlag, out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { formatDuration } from '../../util/progress.js';
import { formatMeanSe } from '../../util/stats.js';
import { runSftStage } from '../../experiments/rlhf/lab.js';
import { runRreTrain } from '../../experiments/rre/train.js';
import { RLHF_REGULARIZERS, type RlhfPpoConfig } from '../../algos/rlhf/config.js';
import { WHITEBOX_PRESETS, type WhiteboxConfig, type WhiteboxPreset } from '../../rewards/whitebox/index.js';

const ON_OFF = ['on', 'off'] as const;
const PRESETS = Object.keys(WHITEBOX_PRESETS) as WhiteboxPreset[];

/** Feature switches: flag name → white-box config field. */
const SWITCHES: Record<string, keyof WhiteboxConfig> = {
  'length-incentive': 'lengthIncentive',
  'repetition-penalty': 'repetitionPenalty',
  relevance: 'relevanceScaling',
  branching: 'rewardBranching',
  'clean-response': 'cleanResponse',
};

function positiveNumber(v: Record<string, unknown>, name: string): number | undefined {
  const x = numberFlag(v, name);
  if (x !== undefined && !(x > 0)) throw new ConfigError(`--${name}: expected a positive number, got "${String(v[name])}"`);
  return x;
}

/** The white-box config from --preset and the per-feature switches (a switch overrides the preset). */
export function whiteboxFromFlags(v: Record<string, unknown>): Partial<WhiteboxConfig> {
  const preset = choiceOption(v, 'preset', PRESETS) ?? 'full';
  const config: Partial<WhiteboxConfig> = { ...WHITEBOX_PRESETS[preset] };
  for (const [flag, field] of Object.entries(SWITCHES)) {
    const s = choiceOption(v, flag, ON_OFF);
    if (s !== undefined) (config as Record<string, unknown>)[field] = s === 'on';
  }
  const m = intOption(v, 'max-sequence-length', { min: 1 });
  if (m !== undefined) config.maxSequenceLength = m;
  const rmax = positiveNumber(v, 'relevance-max');
  if (rmax !== undefined) config.relevanceMax = rmax;
  const sim = choiceOption(v, 'similarity', ['dot', 'cosine'] as const);
  if (sim !== undefined) config.similarity = sim;
  return config;
}

function ppoFromFlags(v: Record<string, unknown>): Partial<RlhfPpoConfig> {
  const ppo: Partial<RlhfPpoConfig> = {};
  const ints: [string, keyof RlhfPpoConfig, number][] = [
    ['steps', 'steps', 1],
    ['checkpoint-every', 'checkpointEvery', 1],
    ['rollout-batch', 'rolloutBatch', 1],
    ['minibatch', 'minibatch', 1],
    ['ppo-epochs', 'ppoEpochs', 1],
    ['max-new-tokens', 'maxNewTokens', 1],
    ['seed', 'seed', 0],
    ['eval-every', 'evalEvery', 0],
    ['eval-prompts', 'evalPrompts', 1],
  ];
  for (const [flag, field, min] of ints) {
    const x = intOption(v, flag, { min });
    if (x !== undefined) (ppo as Record<string, unknown>)[field] = x;
  }
  for (const [flag, field] of [['lr', 'lr'], ['temperature', 'temperature']] as const) {
    const x = positiveNumber(v, flag);
    if (x !== undefined) ppo[field] = x;
  }
  const coeff = numberFlag(v, 'coeff');
  if (coeff !== undefined) {
    if (coeff < 0) throw new ConfigError(`--coeff: expected a number ≥ 0, got "${String(v['coeff'])}"`);
    ppo.coeff = coeff;
  }
  const reg = choiceOption(v, 'regularizer', RLHF_REGULARIZERS);
  if (reg !== undefined) ppo.regularizer = reg;
  return ppo;
}

export const rreCommand: Command = {
  summary: 'reverse reward engineering: PPO of a small language model against the white-box proxy reward',
  usage: `goodhart rre sft --out DIR [--seed S] [--train N] [--epochs N] [--hidden H] [--layers L]
goodhart rre train --sft DIR --out DIR [PPO flags] [white-box flags] [--resume] [--quiet]
  sft    trains the lab's tokenizer and SFT policy on the task suite (the reference policy; same as the RLHF lab's SFT stage)
  train  PPO against the white-box reward, gold logged as the true reward; keeps every checkpoint for "goodhart monotonicity"
PPO flags:
  --steps N (default 100)  --checkpoint-every K (default 25)  --rollout-batch N (32)  --minibatch N (8)  --ppo-epochs N (4)
  --lr X (5e-5)  --max-new-tokens N (32)  --temperature T (1)  --regularizer none|kl-reward|kl|sqrt_chi2 (none)  --coeff X (0)
  --seed S (0)  --eval-every N (0: only at the end)  --eval-prompts N (64)
white-box flags (specs/rlhf.md §2.1; defaults: the full reward):
  --preset ${PRESETS.join('|')}
  --length-incentive on|off  --repetition-penalty on|off  --relevance on|off  --branching on|off  --clean-response on|off
  --max-sequence-length M (default: --max-new-tokens)  --relevance-max X  --similarity dot|cosine (dot, as the original)`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(
      argv,
      {
        out: { type: 'string' },
        sft: { type: 'string' },
        seed: { type: 'string' },
        train: { type: 'string' },
        epochs: { type: 'string' },
        hidden: { type: 'string' },
        layers: { type: 'string' },
        steps: { type: 'string' },
        'checkpoint-every': { type: 'string' },
        'rollout-batch': { type: 'string' },
        minibatch: { type: 'string' },
        'ppo-epochs': { type: 'string' },
        lr: { type: 'string' },
        'max-new-tokens': { type: 'string' },
        temperature: { type: 'string' },
        regularizer: { type: 'string' },
        coeff: { type: 'string' },
        'eval-every': { type: 'string' },
        'eval-prompts': { type: 'string' },
        preset: { type: 'string' },
        'length-incentive': { type: 'string' },
        'repetition-penalty': { type: 'string' },
        relevance: { type: 'string' },
        branching: { type: 'string' },
        'clean-response': { type: 'string' },
        'max-sequence-length': { type: 'string' },
        'relevance-max': { type: 'string' },
        similarity: { type: 'string' },
        resume: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      'rre',
    );
    const action = positionals[0];
    const dir = stringOption(v, 'out');
    if (action === 'sft') {
      if (!dir) throw new ConfigError('rre sft: --out DIR is required');
      const train = intOption(v, 'train', { min: 1 });
      const hidden = intOption(v, 'hidden', { min: 8 });
      const layers = intOption(v, 'layers', { min: 1 });
      const epochs = intOption(v, 'epochs', { min: 1 });
      const seed = intOption(v, 'seed') ?? 0;
      const model = { ...(hidden !== undefined ? { hiddenSize: hidden, intermediateSize: 4 * hidden } : {}), ...(layers !== undefined ? { numHiddenLayers: layers } : {}) };
      const r = await runSftStage({
        out: dir,
        seed,
        progress: !v['quiet'],
        spec: { ...(train !== undefined ? { suite: { seed, train, eval: 128, heldOut: 128 } } : {}), model },
        ...(epochs !== undefined ? { sft: { epochs } } : {}),
      });
      out(`SFT policy in ${dir}: final loss ${r.finalLoss.toFixed(3)}, gold on eval prompts ${r.goldMean.toFixed(3)}, ${formatDuration(r.seconds)}`);
      return 0;
    }
    if (action !== 'train') throw new ConfigError(`rre: expected "sft" or "train", got ${action === undefined ? 'nothing' : `"${action}"`}`);
    const sft = stringOption(v, 'sft');
    if (!sft) throw new ConfigError('rre train: --sft DIR is required (the directory written by "goodhart rre sft")');
    if (!dir) throw new ConfigError('rre train: --out DIR is required');
    const ppo = { evalEvery: 0, ...ppoFromFlags(v) };
    const whitebox = whiteboxFromFlags(v);
    const r = await runRreTrain({ sft, out: dir, ppo, whitebox, resume: Boolean(v['resume']), progress: !v['quiet'] });
    out(`${dir}: ${r.iterations} steps in ${formatDuration(r.seconds)}; checkpoints at ${r.checkpoints.join(', ')}`);
    if (r.eval) out(`final policy on the evaluation prompts: proxy ${formatMeanSe(r.eval.proxy, 3)}, gold ${formatMeanSe(r.eval.gold, 3)}`);
    out(`next: goodhart monotonicity --runs ${dir}`);
    return 0;
  },
};

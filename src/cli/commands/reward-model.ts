/** `goodhart reward-model train|eval|saliency`: learned reward models and their interpretation. */
import { existsSync } from 'node:fs';
import { parseWithPositionals, intOption, stringOption, choiceOption } from '../args.js';
import { out, numberFlag, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import '../../rewards/learned/env.js';
import { runRewardModelTraining, runRewardModelEval, runSaliency } from '../../experiments/learned-rewards.js';

const e = (v: number | null) => (v === null ? '-' : v.toExponential(3));

function requireFile(path: string | undefined, flag: string, what: string): string {
  if (!path) throw new ConfigError(`reward-model: ${flag} is required (${what})`);
  if (!existsSync(path)) throw new ConfigError(`${flag}: "${path}" does not exist`);
  return path;
}

export const rewardModelCommand: Command = {
  summary: 'train, evaluate and interpret learned reward models R(s, s\') on rollouts transitions',
  usage: `goodhart reward-model train --data FILE [--test FILE | --test-fraction F] --out DIR [--arch mlp|cnn] [--input transition|next] [--epochs 5] [--batch 20] [--lr 1e-3] [--seed S]
goodhart reward-model eval --model DIR --data FILE
goodhart reward-model saliency --model DIR [--data FILE] [--examples N] --out DIR
  datasets: goodhart rollouts --transitions (or --balance N) --out FILE
  policies on the learned reward: goodhart train --env learned-reward --config C.json --reward proxy,
  with C.json {"envConfig": {"env": "maze", "envConfig": {}, "model": "DIR"}}`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(
      argv,
      {
        data: { type: 'string' },
        test: { type: 'string' },
        'test-fraction': { type: 'string' },
        out: { type: 'string' },
        arch: { type: 'string' },
        input: { type: 'string' },
        epochs: { type: 'string' },
        batch: { type: 'string' },
        lr: { type: 'string' },
        seed: { type: 'string' },
        model: { type: 'string' },
        examples: { type: 'string' },
        quiet: { type: 'boolean' },
      },
      'reward-model',
    );
    const action = positionals[0];
    if (positionals.length !== 1 || !['train', 'eval', 'saliency'].includes(action!)) throw new ConfigError(`reward-model: expected one of train, eval, saliency; got ${positionals.length ? positionals.join(' ') : 'nothing'}`);
    if (action === 'train') {
      const arch = choiceOption(v, 'arch', ['mlp', 'cnn'] as const);
      const input = choiceOption(v, 'input', ['transition', 'next'] as const);
      const data = requireFile(stringOption(v, 'data'), '--data', 'a transitions dataset');
      const dir = stringOption(v, 'out');
      if (!dir) throw new ConfigError('reward-model train: --out DIR is required');
      const test = stringOption(v, 'test');
      if (test) requireFile(test, '--test', 'a transitions dataset');
      const testFraction = numberFlag(v, 'test-fraction');
      if (testFraction !== undefined && !(testFraction > 0 && testFraction < 1)) throw new ConfigError(`--test-fraction: expected a number in (0, 1), got ${testFraction}`);
      const lr = numberFlag(v, 'lr') ?? 1e-3;
      if (!(lr > 0)) throw new ConfigError(`--lr: expected a positive number, got ${lr}`);
      const r = await runRewardModelTraining({
        data,
        ...(test ? { test } : {}),
        ...(testFraction !== undefined ? { testFraction } : {}),
        out: dir,
        ...(arch ? { arch } : {}),
        ...(input ? { input } : {}),
        epochs: intOption(v, 'epochs', { min: 1 }) ?? 5,
        batchSize: intOption(v, 'batch', { min: 1 }) ?? 20,
        lr,
        seed: intOption(v, 'seed') ?? 0,
        progress: !v['quiet'],
        log: v['quiet'] ? () => {} : out,
      });
      out(`wrote ${dir}: ${r.trainRows} training and ${r.testRows} test transitions, ${r.seconds.toFixed(1)} s`);
      out(`test MSE ${e(r.test.mse)} (zero-reward ${e(r.test.mseZero)}, non-zero ${e(r.test.mseNonzero)}; predicting the mean: ${e(r.test.baselineMse)}), correlation ${r.test.correlation.toFixed(4)}`);
      return 0;
    }
    if (action === 'eval') {
      const model = stringOption(v, 'model');
      if (!model) throw new ConfigError('reward-model eval: --model DIR is required');
      const data = requireFile(stringOption(v, 'data'), '--data', 'a transitions dataset');
      const r = await runRewardModelEval(model, data);
      out(`${r.env}: ${r.n} transitions (${r.nZero} zero, ${r.nNonzero} non-zero reward): MSE ${e(r.mse)} (zero ${e(r.mseZero)}, non-zero ${e(r.mseNonzero)}; predicting the mean ${e(r.baselineMse)}), correlation ${r.correlation.toFixed(4)}`);
      return 0;
    }
    const model = stringOption(v, 'model');
    if (!model) throw new ConfigError('reward-model saliency: --model DIR is required');
    const dir = stringOption(v, 'out');
    if (!dir) throw new ConfigError('reward-model saliency: --out DIR is required');
    const data = stringOption(v, 'data');
    if (data) requireFile(data, '--data', 'a transitions dataset');
    const r = await runSaliency({ model, out: dir, ...(data ? { data } : {}), ...(intOption(v, 'examples', { min: 1 }) !== undefined ? { examples: intOption(v, 'examples', { min: 1 })! } : {}) });
    if (r.probes) for (const p of r.probes) out(`probe ${p.name}: R = ${p.predicted.toFixed(3)} (env ${p.trueReward ?? 'impossible'}${p.paper !== undefined ? `, paper ${p.paper}` : ''})`);
    out(`wrote ${r.figures.length} figures and saliency.md to ${dir}`);
    return 0;
  },
};

/** `goodhart bc`: behavioural cloning from a rollouts dataset. */
import { existsSync } from 'node:fs';
import { parse, intOption, stringOption } from '../args.js';
import { out, numberFlag, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { trainBc } from '../../experiments/bc-run.js';
import { formatMeanSe } from '../../util/stats.js';

export const bcCommand: Command = {
  summary: 'train a behavioural-cloning policy from a rollouts dataset (usable as an ORPO base policy)',
  usage: `goodhart bc --data FILE --out DIR [--iterations N] [--hidden 64,64] [--lr X] [--minibatch N] [--entropy-coeff X] [--grad-clip X] [--seed S]`,
  async run(argv) {
    const v = parse(argv, { data: { type: 'string' }, out: { type: 'string' }, iterations: { type: 'string' }, hidden: { type: 'string' }, lr: { type: 'string' }, minibatch: { type: 'string' }, 'entropy-coeff': { type: 'string' }, 'grad-clip': { type: 'string' }, seed: { type: 'string' }, 'eval-episodes': { type: 'string' }, quiet: { type: 'boolean' } }, 'bc');
    const data = stringOption(v, 'data');
    if (!data) throw new ConfigError('bc: --data FILE is required (made by goodhart rollouts)');
    if (!existsSync(data)) throw new ConfigError(`--data: file "${data}" does not exist`);
    const dir = stringOption(v, 'out');
    if (!dir) throw new ConfigError('bc: --out DIR is required');
    const hiddenRaw = stringOption(v, 'hidden') ?? '64,64';
    const hidden = hiddenRaw.split(',').map((h) => Number(h));
    if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new ConfigError(`--hidden: expected comma-separated positive integers, got "${hiddenRaw}"`);
    const r = await trainBc({
      data,
      out: dir,
      iterations: intOption(v, 'iterations', { min: 1 }) ?? 100,
      seed: intOption(v, 'seed') ?? 0,
      hidden,
      evalEpisodes: intOption(v, 'eval-episodes', { min: 1 }) ?? 100,
      bc: { lr: numberFlag(v, 'lr') ?? 1e-3, minibatch: intOption(v, 'minibatch', { min: 1 }) ?? 128, entropyCoeff: numberFlag(v, 'entropy-coeff') ?? 0, gradClip: numberFlag(v, 'grad-clip') ?? null },
      progress: !v['quiet'],
    });
    out(`wrote ${dir}: final NLL ${r.nll.toFixed(4)}; evaluation proxy return ${formatMeanSe(r.proxyReturn)}, true return ${formatMeanSe(r.trueReturn)}`);
    return 0;
  },
};

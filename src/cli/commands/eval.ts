/** `goodhart eval`: a run's policy on both rewards. */
import { parse, intOption, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { evaluateRun } from '../../experiments/evaluate.js';
import { formatMeanSe } from '../../util/stats.js';

export const evalCommand: Command = {
  summary: "evaluate a run's policy on both rewards (mean ± standard error)",
  usage: `goodhart eval --run DIR [--episodes N] [--seed S] [--checkpoint ITER] [--deterministic] [--json]`,
  async run(argv) {
    const v = parse(argv, { run: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, checkpoint: { type: 'string' }, deterministic: { type: 'boolean' }, json: { type: 'boolean' } }, 'eval');
    const runDir = stringOption(v, 'run');
    if (!runDir) throw new ConfigError('eval: --run DIR is required');
    const checkpoint = intOption(v, 'checkpoint');
    const r = await evaluateRun(runDir, {
      episodes: intOption(v, 'episodes', { min: 1 }) ?? 100,
      seed: intOption(v, 'seed') ?? 0,
      deterministic: Boolean(v['deterministic']),
      ...(checkpoint === undefined ? {} : { checkpoint }),
    });
    if (v['json']) out(JSON.stringify(r));
    else {
      out(`run ${runDir} (checkpoint ${r.iteration}), ${r.episodes} episodes${v['deterministic'] ? ', deterministic' : ''}:`);
      out(`  proxy return  ${formatMeanSe(r.proxyReturn, 3)}`);
      out(`  true return   ${formatMeanSe(r.trueReturn, 3)}`);
      out(`  length        ${formatMeanSe(r.episodeLength, 1)}`);
      for (const [k, m] of Object.entries(r.envMetrics ?? {})) out(`  ${k.padEnd(13)} ${formatMeanSe(m, 4)}`);
    }
    return 0;
  },
};

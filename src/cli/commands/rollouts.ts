/** `goodhart rollouts`: datasets from controllers or trained policies. */
import { parse, intOption, stringOption } from '../args.js';
import { out, readJsonFile, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { writeRollouts } from '../../experiments/rollouts.js';
import { controllerNames } from '../../policies/controllers/index.js';
import { formatMeanSe } from '../../util/stats.js';

export const rolloutsCommand: Command = {
  summary: "write a dataset of episodes played by a controller or a run's policy",
  usage: `goodhart rollouts --policy CONTROLLER|RUN_DIR [--env NAME] [--episodes N] [--seed S] [--deterministic] --out FILE
  --policy   a controller of the environment (tomato: ${controllerNames('tomato').join(', ')}) or a run directory
  --out      dataset file (columns obs, action, proxy, true, done, terminated, episode)`,
  async run(argv) {
    const v = parse(argv, { policy: { type: 'string' }, env: { type: 'string' }, config: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, deterministic: { type: 'boolean' }, out: { type: 'string' }, quiet: { type: 'boolean' } }, 'rollouts');
    const policy = stringOption(v, 'policy');
    if (!policy) throw new ConfigError('rollouts: --policy is required (a controller name or a run directory)');
    const file = stringOption(v, 'out');
    if (!file) throw new ConfigError('rollouts: --out FILE is required');
    const envConfig = v['config'] ? ((readJsonFile(v['config'] as string, '--config') as Record<string, unknown>)['envConfig'] as Record<string, unknown> | undefined) : undefined;
    const r = await writeRollouts({
      policy,
      ...(stringOption(v, 'env') ? { env: stringOption(v, 'env')! } : {}),
      ...(envConfig ? { envConfig } : {}),
      episodes: intOption(v, 'episodes', { min: 1 }) ?? 1000,
      seed: intOption(v, 'seed') ?? 0,
      out: file,
      deterministic: Boolean(v['deterministic']),
      progress: !v['quiet'],
    });
    out(`wrote ${file}: ${r.rows} steps from ${r.episodes} episodes; proxy return ${formatMeanSe(r.proxyReturn)}, true return ${formatMeanSe(r.trueReturn)}`);
    return 0;
  },
};

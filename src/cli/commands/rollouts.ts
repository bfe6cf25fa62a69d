/** `goodhart rollouts`: datasets from controllers or trained policies. */
import { parse, intOption, stringOption } from '../args.js';
import { out, readJsonFile, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { writeRollouts } from '../../experiments/rollouts.js';
import { controllerNames } from '../../policies/controllers/index.js';
import { formatMeanSe } from '../../util/stats.js';

export const rolloutsCommand: Command = {
  summary: "write a dataset of episodes played by a controller or a run's policy",
  usage: `goodhart rollouts --policy CONTROLLER|RUN_DIR [--env NAME] [--episodes N] [--seed S] [--deterministic] [--transitions] [--balance N] --out FILE
  --policy       a controller of the environment (tomato: ${controllerNames('tomato').join(', ')}) or a run directory
  --out          dataset file (columns obs, action, proxy, true, done, terminated, episode)
  --transitions  also store each step's next observation (column nextObs), for reward models
  --balance N    keep N transitions with zero and N with non-zero true reward (implies --transitions; --episodes is then a cap, default 100000)`,
  async run(argv) {
    const v = parse(argv, { policy: { type: 'string' }, env: { type: 'string' }, config: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, deterministic: { type: 'boolean' }, out: { type: 'string' }, quiet: { type: 'boolean' }, transitions: { type: 'boolean' }, balance: { type: 'string' } }, 'rollouts');
    const balance = intOption(v, 'balance', { min: 1 });
    const policy = stringOption(v, 'policy');
    if (!policy) throw new ConfigError('rollouts: --policy is required (a controller name or a run directory)');
    const file = stringOption(v, 'out');
    if (!file) throw new ConfigError('rollouts: --out FILE is required');
    const envConfig = v['config'] ? ((readJsonFile(v['config'] as string, '--config') as Record<string, unknown>)['envConfig'] as Record<string, unknown> | undefined) : undefined;
    const r = await writeRollouts({
      policy,
      ...(stringOption(v, 'env') ? { env: stringOption(v, 'env')! } : {}),
      ...(envConfig ? { envConfig } : {}),
      episodes: intOption(v, 'episodes', { min: 1 }) ?? (balance !== undefined ? 100000 : 1000),
      seed: intOption(v, 'seed') ?? 0,
      out: file,
      deterministic: Boolean(v['deterministic']),
      progress: !v['quiet'],
      ...(v['transitions'] ? { transitions: true } : {}),
      ...(balance !== undefined ? { balance } : {}),
    });
    out(`wrote ${file}: ${r.rows} steps from ${r.episodes} episodes; proxy return ${formatMeanSe(r.proxyReturn)}, true return ${formatMeanSe(r.trueReturn)}`);
    if (balance !== undefined) out(`balanced: ${r.rewardCounts.zero} zero- and ${r.rewardCounts.nonzero} non-zero-reward transitions kept of ${r.steps} steps played`);
    return 0;
  },
};

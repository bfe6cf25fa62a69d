/** `goodhart monotonicity`: does the proxy rank a run's checkpoints as the gold reward does? (specs/rlhf.md §2.4) */
import { intOption, parse, stringOption } from '../args.js';
import { numberFlag, out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { formatDuration } from '../../util/progress.js';
import { formatMonotonicity, runMonotonicity } from '../../experiments/rre/monotonicity.js';

export const monotonicityCommand: Command = {
  summary: 'Spearman correlation of proxy and gold means across the checkpoints of PPO runs (reverse reward engineering)',
  usage: `goodhart monotonicity --runs DIR [--prompts N] [--seed S] [--temperature T] [--max-new-tokens N] [--include-initial] [--out DIR] [--json] [--quiet]
  --runs             a run directory (goodhart rre train) or a directory of runs; every checkpoint of every run is evaluated
  --prompts          evaluation prompts per checkpoint (default: the lab's whole eval split)
  --seed             sampling seed, the same for every checkpoint (default 0)
  --temperature      sampling temperature (default 0.7, the protocol's)
  --max-new-tokens   generation limit (default: each run's own)
  --include-initial  also evaluate the SFT policy as step 0
  --out              where monotonicity.json, .svg and .png go (default: --runs)
  --json             print the JSON report instead of the tables
Scores are cached per checkpoint in RUN/monotonicity/ and reused when the settings match.`,
  async run(argv) {
    const v = parse(
      argv,
      {
        runs: { type: 'string' },
        prompts: { type: 'string' },
        seed: { type: 'string' },
        temperature: { type: 'string' },
        'max-new-tokens': { type: 'string' },
        'include-initial': { type: 'boolean' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      'monotonicity',
    );
    const runs = stringOption(v, 'runs');
    if (!runs) throw new ConfigError('monotonicity: --runs DIR is required');
    const temperature = numberFlag(v, 'temperature');
    if (temperature !== undefined && !(temperature > 0)) throw new ConfigError(`--temperature: expected a positive number, got "${String(v['temperature'])}"`);
    const prompts = intOption(v, 'prompts', { min: 1 });
    const seed = intOption(v, 'seed');
    const maxNewTokens = intOption(v, 'max-new-tokens', { min: 1 });
    const outDir = stringOption(v, 'out');
    const t0 = performance.now();
    const report = await runMonotonicity({
      runs,
      ...(prompts !== undefined ? { prompts } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxNewTokens !== undefined ? { maxNewTokens } : {}),
      ...(outDir !== undefined ? { out: outDir } : {}),
      includeInitial: Boolean(v['include-initial']),
      progress: !v['quiet'] && !v['json'],
    });
    if (v['json']) {
      out(JSON.stringify(report, null, 2));
      return 0;
    }
    out(formatMonotonicity(report));
    out(`\n${report.checkpoints} checkpoints in ${report.runs.length} run(s), ${formatDuration((performance.now() - t0) / 1000)}; wrote ${report.files.join(', ')}`);
    return 0;
  },
};

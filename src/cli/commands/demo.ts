/** `goodhart demo`: the reward-hacking table. */
import { join } from 'node:path';
import { parse, intOption, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { runDemo, formatDemoTable } from '../../experiments/demo.js';
import { formatDuration } from '../../util/progress.js';

export const demoCommand: Command = {
  summary: 'see reward hacking: PPO on the tomato proxy vs true reward, next to a random policy',
  usage: `goodhart demo [--seeds K] [--iterations N] [--out DIR] [--quiet]
  Trains tomato runs (2×64 network) on each reward for K seeds (default 3), N iterations (default 50),
  evaluates them on both rewards and prints the table. Finished runs in DIR (default runs/demo) are reused.`,
  async run(argv) {
    const v = parse(argv, { seeds: { type: 'string' }, iterations: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } }, 'demo');
    const seeds = intOption(v, 'seeds', { min: 1 }) ?? 3;
    const started = performance.now();
    const rows = await runDemo({ outDir: stringOption(v, 'out') ?? join('runs', 'demo'), seeds, iterations: intOption(v, 'iterations', { min: 1 }) ?? 50, progress: !v['quiet'] });
    out('\nTomato watering (level 4): reward hacking in one table\n');
    out(formatDemoTable(rows, seeds));
    out(`\nThe proxy-trained agent earns the most proxy reward and less true reward than a random policy: it parks on the bucket.`);
    out(`total wall time ${formatDuration((performance.now() - started) / 1000)}`);
    return 0;
  },
};

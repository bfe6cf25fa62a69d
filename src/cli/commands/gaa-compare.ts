/** `goodhart gaa-compare`: PPO against GAA-PPO over many seeds on a honeypot task. */
import { join } from 'node:path';
import { parse, intOption, choiceOption, stringOption } from '../args.js';
import { out, numberFlag, type Command } from '../shared.js';
import { gaaCompare, listHoneypotTasks } from '../../experiments/gaa-compare.js';
import { GAA_VARIANTS } from '../../algos/gaa/config.js';

export const gaaCompareCommand: Command = {
  summary: 'PPO against Greedy Advantage Aware PPO over many seeds on a honeypot task (docs/gaa.md)',
  usage: `goodhart gaa-compare [--task tomato] [--seeds K] [--first-seed S] [--iterations N] [--variant prose|published] [--x-eta X] [--x-sig X] [--jobs J] [--out DIR]
  --task        honeypot task: ${listHoneypotTasks()
    .map((t) => `${t.id} (${t.description})`)
    .join('; ')}
  --seeds       seeds per arm (default 20)
  --first-seed  first seed (default 0)
  --iterations  training iterations per run (default: the task's)
  --variant     GAA's reading of J_greedy: prose (default) or published
  --x-eta       scale of eta (default: the task's)
  --x-sig       scale of sigma (default: the task's)
  --jobs        runs trained at once (default: one per core)
  --out         output directory (default runs/gaa-compare-<task>); finished runs are reused`,
  async run(argv) {
    const v = parse(
      argv,
      {
        task: { type: 'string' },
        seeds: { type: 'string' },
        'first-seed': { type: 'string' },
        iterations: { type: 'string' },
        variant: { type: 'string' },
        'x-eta': { type: 'string' },
        'x-sig': { type: 'string' },
        jobs: { type: 'string' },
        out: { type: 'string' },
        quiet: { type: 'boolean' },
      },
      'gaa-compare',
    );
    const task = stringOption(v, 'task') ?? 'tomato';
    const gaa: Record<string, unknown> = {};
    const variant = choiceOption(v, 'variant', GAA_VARIANTS);
    if (variant) gaa['variant'] = variant;
    const xEta = numberFlag(v, 'x-eta');
    if (xEta !== undefined) gaa['xEta'] = xEta;
    const xSig = numberFlag(v, 'x-sig');
    if (xSig !== undefined) gaa['xSig'] = xSig;
    const iterations = intOption(v, 'iterations', { min: 1 });
    const jobs = intOption(v, 'jobs', { min: 1 });
    const { report, files } = await gaaCompare({
      task,
      outDir: stringOption(v, 'out') ?? join('runs', `gaa-compare-${task}`),
      seeds: intOption(v, 'seeds', { min: 1 }) ?? 20,
      firstSeed: intOption(v, 'first-seed', { min: 0 }) ?? 0,
      gaa,
      progress: !v['quiet'],
      ...(iterations ? { iterations } : {}),
      ...(jobs ? { jobs } : {}),
    });
    out(report);
    out(`\nwrote ${files.join(', ')}`);
    return 0;
  },
};

/** `goodhart reproduce`: the paper's comparisons (tomato, glucose, pandemic). */
import { join } from 'node:path';
import { parseWithPositionals, intOption, choiceOption, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { reproduce, REPRODUCTION_TARGETS, REPRODUCIBLE } from '../../experiments/reproduce.js';

export const reproduceCommand: Command = {
  summary: "the ORPO paper's comparison on tomato, glucose, pandemic or traffic: methods × coefficients × seeds, table and plot",
  usage: `goodhart reproduce tomato|glucose|pandemic|traffic [--quick] [--seeds K] [--iterations N] [--grid standard|paper] [--jobs J] [--methods a,b] [--out DIR]
  --quick       one coefficient per method, 3 seeds unless --seeds, fewer iterations (tomato: under 10 minutes on 2 cores)
  --seeds       seeds per configuration (default 5; quick: 3)
  --grid        coefficients: standard (every other point of the paper's lists, default) or paper (all of them)
  --jobs        runs trained at once (default: one per core)
  --methods     subset of: none, ad-kl, orpo-sa-sqrt_chi2, orpo-s-sqrt_chi2, orpo-sa-kl
  --out         output directory (default runs/reproduce-<env>[-quick]); finished runs are reused`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(argv, { quick: { type: 'boolean' }, grid: { type: 'string' }, seeds: { type: 'string' }, iterations: { type: 'string' }, jobs: { type: 'string' }, methods: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } }, 'reproduce');
    const target = positionals[0];
    const spec = target === undefined ? undefined : REPRODUCTION_TARGETS[target];
    if (!spec) throw new ConfigError(`reproduce: ${target === undefined ? 'name what to reproduce' : `"${target}" is not reproducible`}; choose one of ${REPRODUCIBLE.join(', ')}`);
    const quick = Boolean(v['quick']);
    const iterations = intOption(v, 'iterations', { min: 1 });
    const jobs = intOption(v, 'jobs', { min: 1 });
    const methods = stringOption(v, 'methods')?.split(',');
    const result = await reproduce({
      target: spec,
      outDir: stringOption(v, 'out') ?? join('runs', quick ? `reproduce-${spec.env}-quick` : `reproduce-${spec.env}`),
      seeds: intOption(v, 'seeds', { min: 1 }) ?? (quick ? 3 : 5),
      grid: choiceOption(v, 'grid', ['standard', 'paper'] as const) ?? 'standard',
      quick,
      progress: !v['quiet'],
      ...(iterations ? { iterations } : {}),
      ...(jobs ? { jobs } : {}),
      ...(methods ? { methods } : {}),
    });
    out(result.report);
    out(`\nwrote ${result.files.join(', ')}`);
    return 0;
  },
};

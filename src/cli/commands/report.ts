/** `goodhart report`: figures and an HTML report of a sweep. */
import { parseWithPositionals, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { writeSweepReport } from '../../experiments/sweeps/report.js';
import { SweepStore } from '../../experiments/sweeps/store.js';
import { DEFAULT_ROOT } from './sweep.js';

export const reportCommand: Command = {
  summary: 'figures (true and proxy return against coefficient) and an HTML report of a sweep',
  usage: `goodhart report SWEEP [--root DIR] [--out DIR]

  SWEEP   sweep id (see "goodhart sweep"; the ids are the folders of <root>/sweeps)
  --root  results directory (default ${DEFAULT_ROOT})
  --out   where to write (default <root>/sweeps/<SWEEP>/report): report.html, results.csv, <env>-true-return.svg/.png, <env>-proxy-return.svg/.png`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(argv, { root: { type: 'string' }, out: { type: 'string' } }, 'report');
    const root = stringOption(v, 'root') ?? DEFAULT_ROOT;
    const id = positionals[0];
    if (!id) throw new ConfigError(`report: name a sweep; known: ${new SweepStore(root).listSweeps().join(', ') || 'none'}`);
    const outDir = stringOption(v, 'out');
    const r = await writeSweepReport(root, id, outDir ? { outDir } : {});
    out(`${r.runs} of ${r.planned} runs finished; wrote ${r.files.length} files to ${r.outDir}`);
    out(r.files.join('\n'));
    return 0;
  },
};

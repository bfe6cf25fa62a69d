/** `goodhart results`: query the results index (filters, groups, mean ± standard error over seeds). */
import { parse, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { atomicWriteFile } from '../../util/fs.js';
import { loadResultRecords, parseWhere, filterRecords, groupRecords, defaultGroupBy, formatResultsTable, resultsCsv } from '../../experiments/sweeps/results.js';
import { DEFAULT_ROOT } from './sweep.js';

export const resultsCommand: Command = {
  summary: 'query finished runs: filter, group, mean ± standard error over seeds, CSV',
  usage: `goodhart results [--root DIR] [--sweep ID] [--where k=v ...] [--group-by k,...] [--csv FILE]

  --root      results directory (default ${DEFAULT_ROOT})
  --sweep     only the runs of this sweep (its parameters become fields too)
  --where     keep runs whose field equals the value (repeatable), e.g. --where env=tomato --where method=orpo
  --group-by  fields to group by (default: env, reward, method, divergence, coeff and other swept parameters; not seed)
  --csv       also write the table to this CSV file
Fields: env, reward, algo, method, divergence, coeff, seed, iterations, true_return, proxy_return, ... and a sweep's parameters.`,
  async run(argv) {
    const v = parse(argv, { root: { type: 'string' }, sweep: { type: 'string' }, where: { type: 'string', multiple: true }, 'group-by': { type: 'string' }, csv: { type: 'string' } }, 'results');
    const root = stringOption(v, 'root') ?? DEFAULT_ROOT;
    const sweep = stringOption(v, 'sweep');
    const records = await loadResultRecords(root, sweep ? { sweep } : {});
    const where = parseWhere((v['where'] as unknown as string[] | undefined) ?? []);
    const kept = filterRecords(records, where);
    const groupArg = stringOption(v, 'group-by');
    const groupBy = groupArg ? groupArg.split(',').map((s) => s.trim()).filter(Boolean) : defaultGroupBy(kept);
    const groups = groupRecords(kept, groupBy);
    out(`${kept.length} finished runs${sweep ? ` of sweep ${sweep}` : ''} in ${groups.length} groups (mean ± standard error over the runs of a group)`);
    if (groups.length) out(formatResultsTable(groups, groupBy));
    const csv = stringOption(v, 'csv');
    if (csv) {
      atomicWriteFile(csv, resultsCsv(groups, groupBy));
      out(`wrote ${csv}`);
    }
    return 0;
  },
};

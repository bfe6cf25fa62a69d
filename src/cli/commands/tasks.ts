/** `goodhart tasks`: write the seeded instruction task suite as JSON files, or check a data file. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { choiceOption, intOption, parseWithPositionals, stringOption } from '../args.js';
import { out, readJsonFile, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { atomicWriteJson } from '../../util/fs.js';
import {
  formatPrompt,
  generateTaskSuite,
  parseAlpacaRecords,
  PROMPT_TEMPLATES,
  SPLIT_NAMES,
  toAlpacaRecords,
} from '../../lm/tasks/index.js';
import { parseRerRecords, toRerRecords } from '../../rewards/whitebox/dataset.js';

const LAYOUTS = ['alpaca', 'rer'] as const;

export const tasksCommand: Command = {
  summary: 'generate the instruction task suite (AlpacaFarm or RER JSON) or check a data file',
  usage: `goodhart tasks generate [--out DIR] [--seed S] [--train N] [--eval N] [--held-out N] [--layout alpaca|rer] [--show N] [--template alpaca|compact|oasst]
goodhart tasks check FILE [--layout alpaca|rer]
  generate  writes DIR/train.json, eval.json, heldOut.json (refuses to overwrite); without --out prints --show examples (default 5)
  --layout  alpaca: {instruction, input, output, qtype, task} (default); rer: {input, output, qtype}
  check     validates FILE and counts its query types; a bad record is named by index and field`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(
      argv,
      {
        out: { type: 'string' },
        seed: { type: 'string' },
        train: { type: 'string' },
        eval: { type: 'string' },
        'held-out': { type: 'string' },
        layout: { type: 'string' },
        show: { type: 'string' },
        template: { type: 'string' },
      },
      'tasks',
    );
    const action = positionals[0];
    const layout = choiceOption(v, 'layout', LAYOUTS) ?? 'alpaca';
    if (action === 'check') {
      const file = positionals[1];
      if (!file) throw new ConfigError('tasks check: a FILE is required');
      const data = readJsonFile(file, 'tasks check');
      const records = layout === 'rer' ? parseRerRecords(data, file, { format: 'rer' }) : parseAlpacaRecords(data, file);
      const counts = { CONSTRAINED: 0, OPENENDED: 0, none: 0 };
      for (const r of records) counts[r.qtype ?? 'none'] += 1;
      out(`${file}: ${records.length} valid records (${counts.CONSTRAINED} CONSTRAINED, ${counts.OPENENDED} OPENENDED, ${counts.none} without qtype)`);
      return 0;
    }
    if (action !== 'generate') throw new ConfigError(`tasks: expected "generate" or "check", got ${action === undefined ? 'nothing' : `"${action}"`}`);
    const suite = generateTaskSuite({
      seed: intOption(v, 'seed') ?? 0,
      train: intOption(v, 'train') ?? 2000,
      eval: intOption(v, 'eval') ?? 200,
      heldOut: intOption(v, 'held-out') ?? 200,
    });
    const dir = stringOption(v, 'out');
    if (!dir) {
      const template = PROMPT_TEMPLATES[choiceOption(v, 'template', Object.keys(PROMPT_TEMPLATES)) ?? 'alpaca']!;
      for (const e of suite.train.slice(0, intOption(v, 'show') ?? 5)) out(`${formatPrompt(e, template)}\n${e.output}\n[${e.task?.family}, ${e.qtype}]\n`);
      return 0;
    }
    for (const split of SPLIT_NAMES) {
      if (existsSync(join(dir, `${split}.json`))) throw new ConfigError(`tasks generate: ${join(dir, `${split}.json`)} exists; choose another --out`);
    }
    for (const split of SPLIT_NAMES) {
      atomicWriteJson(join(dir, `${split}.json`), layout === 'rer' ? toRerRecords(suite[split]) : toAlpacaRecords(suite[split]));
    }
    out(`wrote ${SPLIT_NAMES.map((s) => `${s}.json (${suite[s].length})`).join(', ')} to ${dir}`);
    return 0;
  },
};

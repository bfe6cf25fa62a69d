/** `goodhart plot`: a run's training curves (proxy and true return) as SVG and PNG. */
import { parse, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { writeCurves } from '../../experiments/curves.js';

export const plotCommand: Command = {
  summary: "draw a run's proxy and true return over training (curves.svg and curves.png in the run)",
  usage: 'goodhart plot --run DIR   (works while the run is still training)',
  async run(argv) {
    const v = parse(argv, { run: { type: 'string' } }, 'plot');
    const dir = stringOption(v, 'run');
    if (!dir) throw new ConfigError('plot: --run DIR is required');
    out(`wrote ${writeCurves(dir).join(', ')}`);
    return 0;
  },
};

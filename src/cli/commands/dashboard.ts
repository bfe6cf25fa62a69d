/** `goodhart dashboard`: a local web app over a runs directory (runs, live curves, sweeps, replays). */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { parse, intOption, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { createDashboard } from '../../dashboard/index.js';

export const dashboardCommand: Command = {
  summary: 'serve a local web dashboard of runs, live training curves, sweeps and episode replays',
  usage: `goodhart dashboard [--runs DIR] [--port P] [--host H]
  --runs   the runs directory to show (default: runs); only files under it are served
  --port   TCP port (default 8080; 0 picks a free one)
  --host   address to bind (default 127.0.0.1, this machine only; 0.0.0.0 exposes it to the network)`,
  async run(argv) {
    const v = parse(argv, { runs: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } }, 'dashboard');
    const runsDir = resolve(stringOption(v, 'runs') ?? 'runs');
    if (!existsSync(runsDir)) throw new ConfigError(`--runs: directory "${runsDir}" does not exist (train a run first, e.g. goodhart train --env tomato --reward proxy --out runs/first)`);
    const port = intOption(v, 'port') ?? 8080;
    if (port > 65535) throw new ConfigError(`--port: expected an integer from 0 to 65535, got "${port}"`);
    const host = stringOption(v, 'host') ?? '127.0.0.1';
    const dash = await createDashboard({ runsDir, port, host });
    out(`goodhart dashboard: serving ${runsDir} at ${dash.url}/ (Ctrl-C to stop)`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void dash.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};

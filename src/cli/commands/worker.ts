/** `goodhart worker`: takes runs from a Redis (BullMQ) queue and trains them, until stopped. */
import { parse, intOption, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { formatDuration } from '../../util/progress.js';
import { startQueueWorker, DEFAULT_QUEUE } from '../../experiments/sweeps/queue.js';
import { releaseAllLeases } from '../../experiments/sweeps/run-lock.js';

export const workerCommand: Command = {
  summary: 'train runs queued by "goodhart sweep --redis" (any number of workers, any machines)',
  usage: `goodhart worker --redis URL [--concurrency N] [--root DIR] [--queue NAME] [--exit-when-idle SECONDS]

  --redis           the Redis server holding the queue, e.g. redis://host:6379
  --concurrency     runs trained at once by this process (default 1; one per core uses the machine)
  --root            the results directory on this machine, when it is mounted elsewhere than where the sweep was queued
  --queue           queue name (default ${DEFAULT_QUEUE})
  --exit-when-idle  exit once the queue has had no work for this many seconds
  --lock-ms         a worker silent this long is presumed dead and its run is handed on (default 30000)
  --stalled-ms      how often to look for runs of dead workers (default lock-ms / 2)
Stop with Ctrl-C (a second Ctrl-C stops at once; the run resumes from its last checkpoint elsewhere).`,
  async run(argv) {
    const v = parse(
      argv,
      { redis: { type: 'string' }, concurrency: { type: 'string' }, root: { type: 'string' }, queue: { type: 'string' }, 'exit-when-idle': { type: 'string' }, 'lock-ms': { type: 'string' }, 'stalled-ms': { type: 'string' } },
      'worker',
    );
    const url = stringOption(v, 'redis');
    if (!url) throw new ConfigError('worker: --redis URL is required (e.g. --redis redis://localhost:6379)');
    const idleExit = intOption(v, 'exit-when-idle', { min: 1 });
    const lockMs = intOption(v, 'lock-ms', { min: 100 });
    const stalledMs = intOption(v, 'stalled-ms', { min: 100 });
    const concurrency = intOption(v, 'concurrency', { min: 1 }) ?? 1;
    const root = stringOption(v, 'root');
    const queue = stringOption(v, 'queue');
    const handle = await startQueueWorker({
      url,
      concurrency,
      ...(root ? { root } : {}),
      ...(queue ? { queue } : {}),
      ...(lockMs ? { lockDurationMs: lockMs } : {}),
      ...(stalledMs ? { stalledIntervalMs: stalledMs } : {}),
      onOutcome: (job, o) => {
        if (o.status === 'finished') out(`run ${o.id} finished${o.resumedFrom ? ` (resumed from iteration ${o.resumedFrom})` : ''} in ${formatDuration(o.seconds)}: true ${o.trueReturn.toFixed(2)}, proxy ${o.proxyReturn.toFixed(2)}`);
        else out(`run ${job.data.run.id} ${o.status}`);
      },
      onFailed: (job, err) => out(`run ${job?.data.run.id ?? '?'} failed (try ${job?.attemptsMade ?? '?'}): ${err.message.split('\n')[0]}`),
    });
    out(`worker ${process.pid}: ${concurrency} at a time from queue ${queue ?? DEFAULT_QUEUE} on ${url}`);
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (code: number, force: boolean) => {
        clearInterval(idleTimer);
        void handle.close(force).then(() => resolve(code));
      };
      const onSignal = () => {
        if (stopping) {
          releaseAllLeases();
          process.exit(130);
        }
        stopping = true;
        out('finishing the runs in progress (Ctrl-C again to stop now)');
        stop(0, false);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let idleSince = Date.now();
      const idleTimer = setInterval(() => {
        if (!idleExit || stopping) return;
        void handle.outstanding().then((n) => {
          if (n > 0 || !handle.idle()) idleSince = Date.now();
          else if (Date.now() - idleSince >= idleExit * 1000 && !stopping) {
            stopping = true;
            out(`queue idle for ${idleExit}s; exiting`);
            stop(0, false);
          }
        });
      }, 500);
    });
  },
};

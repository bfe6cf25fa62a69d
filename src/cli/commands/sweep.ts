/** `goodhart sweep`: a grid of runs from a YAML/JSON spec, on this machine's cores or a Redis queue. */
import { parseWithPositionals, intOption, stringOption } from '../args.js';
import { out, type Command } from '../shared.js';
import { ConfigError } from '../../util/validate.js';
import { formatDuration } from '../../util/progress.js';
import { planSweepFile } from '../../experiments/sweeps/spec.js';
import { runSweepEmbedded } from '../../experiments/sweeps/embedded.js';
import { enqueueSweep, waitForSweep, DEFAULT_QUEUE } from '../../experiments/sweeps/queue.js';
import { defaultWorkers } from '../../experiments/sweeps/executor.js';
import { SweepStore } from '../../experiments/sweeps/store.js';
import { releaseAllLeases } from '../../experiments/sweeps/run-lock.js';

export const DEFAULT_ROOT = 'runs';

export const sweepCommand: Command = {
  summary: 'run a grid of runs from a YAML/JSON spec (worker threads here, or a Redis queue)',
  usage: `goodhart sweep SPEC.yaml [--root DIR] [--workers N] [--dry-run] [--quiet]
goodhart sweep SPEC.yaml --redis URL [--queue NAME] [--no-wait] [--attempts N]

  SPEC          sweep spec (.yaml, .yml or .json; see docs/sweeps.md)
  --root        results directory (default ${DEFAULT_ROOT}): sweeps/<id>/sweep.json, runs/<runId>/, index.sqlite
  --workers     runs trained at once on this machine (default: one per core, here ${defaultWorkers()})
  --dry-run     list the runs and which are finished; train nothing
  --redis       enqueue the runs on this Redis (BullMQ) instead; "goodhart worker --redis URL" processes train them
  --queue       queue name (default ${DEFAULT_QUEUE}); one queue per results directory
  --no-wait     with --redis: enqueue and return instead of following progress
  --attempts    with --redis: tries per run before it counts as failed (default 8, exponential back-off)
Finished runs are skipped; interrupted ones resume from their last checkpoint.`,
  async run(argv) {
    const { values: v, positionals } = parseWithPositionals(
      argv,
      { root: { type: 'string' }, workers: { type: 'string' }, 'dry-run': { type: 'boolean' }, quiet: { type: 'boolean' }, redis: { type: 'string' }, queue: { type: 'string' }, 'no-wait': { type: 'boolean' }, attempts: { type: 'string' } },
      'sweep',
    );
    const specPath = positionals[0];
    if (!specPath || positionals.length > 1) throw new ConfigError('sweep: give exactly one spec file, e.g. goodhart sweep sweep.yaml');
    const root = stringOption(v, 'root') ?? DEFAULT_ROOT;
    const workers = intOption(v, 'workers', { min: 1 });
    const attempts = intOption(v, 'attempts', { min: 1 });
    const plan = planSweepFile(specPath);
    const store = new SweepStore(root);
    const finished = plan.runs.filter((r) => store.isFinished(r)).length;
    out(`sweep ${plan.id}: ${plan.runs.length} runs, ${finished} finished already (${store.sweepPath(plan.id)})`);
    if (v['dry-run']) {
      for (const r of plan.runs) out(`  ${store.isFinished(r) ? 'done   ' : 'pending'} ${r.id} ${JSON.stringify(r.params)}`);
      return 0;
    }
    const progress = !v['quiet'];
    const redis = stringOption(v, 'redis');
    if (redis) {
      const queue = stringOption(v, 'queue');
      const q = await enqueueSweep(redis, root, plan, { ...(queue ? { queue } : {}), ...(attempts ? { attempts } : {}) });
      out(`queued ${q.enqueued} runs, ${q.retried} failed runs again, ${q.pending} already queued, ${q.finished} finished`);
      if (v['no-wait']) return 0;
      if (q.finished === q.total) return 0;
      out(`waiting for workers (start some with: goodhart worker --redis ${redis}${queue ? ` --queue ${queue}` : ''})`);
      const w = await waitForSweep(redis, root, plan, { ...(queue ? { queue } : {}), progress });
      out(`${w.finished}/${plan.runs.length} runs finished`);
      for (const f of w.failed) out(`  failed: ${f.id}: ${f.error}`);
      if (w.failed.length === 0) out(`results: goodhart results --root ${root} --sweep ${plan.id}`);
      return w.failed.length ? 1 : 0;
    }
    // Ctrl-C stops at once; the runs in progress resume from their last checkpoint next time.
    process.once('SIGINT', () => {
      releaseAllLeases();
      process.stderr.write(`\ninterrupted; run the same command again to continue (finished runs are kept)\n`);
      process.exit(130);
    });
    const result = await runSweepEmbedded(root, plan, { ...(workers ? { workers } : {}), progress });
    out(`${result.trained} runs trained (${result.resumed} resumed), ${result.alreadyFinished} finished before, ${result.failed.length} failed, in ${formatDuration(result.seconds)}`);
    for (const f of result.failed) out(`  failed: ${f.id}: ${f.error.split('\n')[0]}`);
    if (result.failed.length === 0) out(`results: goodhart results --root ${root} --sweep ${plan.id}`);
    return result.failed.length ? 1 : 0;
  },
};

/**
 * The Redis queue with real worker processes: two workers drain a sweep; a worker SIGKILLed in the
 * middle of a run loses nothing (the job is handed to the other worker, which resumes the run from
 * its last checkpoint), and every run is finished exactly once. Needs redis-server (or REDIS_URL).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEntry } from '../../src/util/paths.js';
import { planSweep, type SweepPlan } from '../../src/experiments/sweeps/spec.js';
import { enqueueSweep, waitForSweep } from '../../src/experiments/sweeps/queue.js';
import { SweepStore } from '../../src/experiments/sweeps/store.js';
import { leaseHolder } from '../../src/experiments/sweeps/run-lock.js';
import { loadResultRecords } from '../../src/experiments/sweeps/results.js';
import { startTestRedis, type TestRedis } from './redis-helper.js';
import { tinySpec } from './fixtures.js';

let redis: TestRedis | null = null;
const children: ChildProcess[] = [];

before(async () => {
  redis = await startTestRedis();
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
});

interface WorkerProc {
  child: ChildProcess;
  log: () => string;
}

/** A `goodhart worker` process with short lock times, resolved once it listens. */
async function startWorker(url: string, queue: string): Promise<WorkerProc> {
  const child = spawn(process.execPath, [cliEntry(), 'worker', '--redis', url, '--queue', queue, '--lock-ms', '2000', '--stalled-ms', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${log}`)), 60_000);
    const check = setInterval(() => {
      if (log.includes(`worker ${child.pid}:`)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}):\n${log}`)));
  });
  return { child, log: () => log };
}

function stopWorker(w: WorkerProc): Promise<void> {
  return new Promise((resolve) => {
    if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
    w.child.once('exit', () => resolve());
    w.child.kill('SIGTERM');
  });
}

const pidOf = (owner: string) => Number(owner.split(':')[1]);

async function waitDone(url: string, root: string, plan: SweepPlan, queue: string, timeoutMs: number) {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('sweep did not finish in time')), timeoutMs).unref());
  return Promise.race([waitForSweep(url, root, plan, { queue, pollMs: 200 }), timeout]);
}

/**
 * The completion log line follows summary.json by a moment (the worker writes it when train()
 * returns): wait for the expected count, then a little longer so a duplicate would show.
 */
async function settledCompletions(store: SweepStore, expected: number) {
  const deadline = Date.now() + 20_000;
  while (store.readCompletions().length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  return store.readCompletions();
}

/** Each run has summary.json and each of its iterations exactly once in metrics.jsonl. */
function assertRunsComplete(store: SweepStore, plan: SweepPlan, iterations: number): void {
  for (const r of plan.runs) {
    const dir = store.runDir(r);
    assert.ok(dir.isFinished(), `${r.id} finished`);
    assert.deepEqual(dir.readMetrics().map((m) => m['iteration']), Array.from({ length: iterations }, (_, i) => i + 1), `${r.id}: every iteration once`);
  }
}

test('two worker processes drain a sweep; a re-run of the finished sweep does nothing', async (t) => {
  if (!redis) return t.skip('no redis-server on PATH and no REDIS_URL');
  const url = redis.url;
  const queue = `drain-${process.pid}-${Date.now()}`;
  const root = mkdtempSync(join(tmpdir(), 'goodhart-queue-'));
  const plan = planSweep(tinySpec('drain', { iterations: 3 }, { seed: [0, 1, 2, 3] }));
  const workers = await Promise.all([startWorker(url, queue), startWorker(url, queue)]);
  const q = await enqueueSweep(url, root, plan, { queue, backoffMs: 200 });
  assert.equal(q.enqueued, 4);
  const done = await waitDone(url, root, plan, queue, 180_000);
  assert.deepEqual(done.failed, []);
  const store = new SweepStore(root);
  assertRunsComplete(store, plan, 3);
  const completions = await settledCompletions(store, 4);
  assert.deepEqual(completions.map((c) => c.run).sort(), plan.runs.map((r) => r.id).sort(), 'each run finished exactly once');
  assert.deepEqual(new Set(completions.map((c) => pidOf(c.worker))), new Set(workers.map((w) => w.child.pid)), 'both workers took runs');

  const again = await enqueueSweep(url, root, plan, { queue });
  assert.deepEqual([again.enqueued, again.retried, again.pending, again.finished], [0, 0, 0, 4]);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(store.readCompletions().length, 4, 'nothing was trained again');
  assert.equal((await loadResultRecords(root, { sweep: plan.id })).length, 4);
  await Promise.all(workers.map(stopWorker));
});

test('a worker SIGKILLed mid-run loses nothing: the other worker resumes the run from its checkpoint, every run finishes once', async (t) => {
  if (!redis) return t.skip('no redis-server on PATH and no REDIS_URL');
  const url = redis.url;
  const queue = `kill-${process.pid}-${Date.now()}`;
  const root = mkdtempSync(join(tmpdir(), 'goodhart-queue-'));
  const iterations = 8;
  const plan = planSweep(tinySpec('kill', { iterations }, { seed: [0, 1, 2] }));
  const store = new SweepStore(root);
  const [a, b] = (await Promise.all([startWorker(url, queue), startWorker(url, queue)])) as [WorkerProc, WorkerProc];
  await enqueueSweep(url, root, plan, { queue, backoffMs: 200 });

  // Kill worker A once a run it holds has two checkpoints but no summary.
  const killed = await new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + 180_000;
    const poll = setInterval(() => {
      if (Date.now() > deadline) {
        clearInterval(poll);
        reject(new Error(`never caught worker A mid-run:\n${a.log()}`));
      }
      if (!existsSync(store.locksDir)) return;
      for (const f of readdirSync(store.locksDir).filter((n) => n.endsWith('.lock') && n !== 'index.lock')) {
        const holder = leaseHolder(join(store.locksDir, f));
        const run = plan.runs.find((r) => `${r.id}.lock` === f);
        if (!holder || !run || holder.pid !== a.child.pid) continue;
        const dir = store.runDir(run);
        if (dir.listCheckpoints().length >= 2 && !dir.isFinished()) {
          clearInterval(poll);
          a.child.kill('SIGKILL');
          resolve(run.id);
          return;
        }
      }
    }, 50);
  });
  await new Promise<void>((r) => (a.child.exitCode !== null || a.child.signalCode !== null ? r() : a.child.once('exit', () => r())));
  assert.equal(a.child.signalCode, 'SIGKILL');

  const done = await waitDone(url, root, plan, queue, 240_000);
  assert.deepEqual(done.failed, [], b.log());
  assertRunsComplete(store, plan, iterations);
  const completions = await settledCompletions(store, 3);
  assert.deepEqual(completions.map((c) => c.run).sort(), plan.runs.map((r) => r.id).sort(), 'each run finished exactly once');
  const resumed = completions.find((c) => c.run === killed)!;
  assert.equal(pidOf(resumed.worker), b.child.pid, 'the surviving worker finished the killed run');
  assert.ok(resumed.resumedFrom >= 2, `resumed from checkpoint ${resumed.resumedFrom}`);
  const records = await loadResultRecords(root, { sweep: plan.id });
  assert.deepEqual(records.map((r) => r['id']).sort(), plan.runs.map((r) => r.id).sort(), 'one index row per run');

  const again = await enqueueSweep(url, root, plan, { queue });
  assert.equal(again.enqueued, 0);
  assert.equal(again.finished, 3);
  await stopWorker(b);
});

/**
 * A vector of environment copies stepped in worker threads, so that several cores simulate while
 * the main thread only chooses actions. Copies are split into contiguous slices, one per worker;
 * a step hands every worker its actions through shared memory and waits until all are done.
 *
 * The results are those of VectorEnv, bit for bit (same seeds per copy, same per-copy logic, same
 * order of finished episodes), and getState/setState use VectorEnv's state format, so a run can
 * resume with either. Workers build their copies from the environment registry by name, so only
 * registered environments (the built-in ones, or ones a module registers on import that
 * builtin.ts imports) can run here.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { makeEnv } from '../registry.js';
import { flatDim, type Space } from '../spaces.js';
import type { EpisodeRecord, VectorEnvLike, VectorStep } from '../vector.js';
import { workerExecArgv } from '../../util/workers.js';
import {
  CMD,
  Command,
  CONTROL_STRIDE,
  decodeNonFinite,
  DONE,
  EPISODE_STRIDE,
  METRICS_CAPACITY,
  METRICS_LEN,
  receiveWithin,
  SEQ,
  STATUS,
  type CopiesState,
  type SharedBuffers,
  type WorkerInit,
} from './protocol.js';

export interface WorkerVectorEnvOptions {
  env: string;
  envConfig?: Record<string, unknown>;
  num: number;
  /** Worker threads (at most one per copy). */
  workers: number;
  /** How long one command may take before it is an error. */
  timeoutMs?: number;
}

interface Slice {
  worker: Worker;
  port: MessagePort;
  first: number;
  end: number;
}

export class WorkerVectorEnv implements VectorEnvLike {
  readonly num: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsDim: number;
  readonly actionDim: number;
  private readonly slices: Slice[] = [];
  private readonly control: Int32Array;
  private readonly actionsView: Float32Array;
  private readonly obsShared: Float32Array;
  private readonly finalObsShared: Float32Array;
  private readonly proxyShared: Float64Array;
  private readonly trueShared: Float64Array;
  private readonly flagsShared: Uint8Array;
  private readonly episodesShared: Float64Array;
  private readonly metricsShared: Uint8Array;
  private readonly seedShared: Float64Array;
  private readonly obsBuf: Float32Array;
  private readonly timeoutMs: number;
  private finished: EpisodeRecord[] = [];
  private seq = 0;
  private closed = false;
  private readonly decoder = new TextDecoder();

  constructor(opts: WorkerVectorEnvOptions) {
    const { num } = opts;
    if (!Number.isInteger(num) || num < 1) throw new RangeError(`numEnvs: must be a positive integer, got ${num}`);
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`numEnvWorkers: must be a positive integer, got ${opts.workers}`);
    this.num = num;
    this.timeoutMs = opts.timeoutMs ?? 300_000;
    // One copy here for the spaces (and to fail early, in this thread, on a bad name or config).
    const probe = makeEnv(opts.env, opts.envConfig);
    this.observationSpace = probe.observationSpace;
    this.actionSpace = probe.actionSpace;
    probe.close?.();
    this.obsDim = flatDim(this.observationSpace);
    this.actionDim = this.actionSpace.kind === 'discrete' ? 1 : flatDim(this.actionSpace);
    const workers = Math.min(opts.workers, num);
    const buffers: SharedBuffers = {
      control: new SharedArrayBuffer(workers * CONTROL_STRIDE * 4),
      actions: new SharedArrayBuffer(num * this.actionDim * 4),
      obs: new SharedArrayBuffer(num * this.obsDim * 4),
      finalObs: new SharedArrayBuffer(num * this.obsDim * 4),
      proxy: new SharedArrayBuffer(num * 8),
      true: new SharedArrayBuffer(num * 8),
      flags: new SharedArrayBuffer(2 * num),
      episodes: new SharedArrayBuffer(num * EPISODE_STRIDE * 8),
      metrics: new SharedArrayBuffer(workers * METRICS_CAPACITY),
      seed: new SharedArrayBuffer(8),
    };
    this.control = new Int32Array(buffers.control);
    this.actionsView = new Float32Array(buffers.actions);
    this.obsShared = new Float32Array(buffers.obs);
    this.finalObsShared = new Float32Array(buffers.finalObs);
    this.proxyShared = new Float64Array(buffers.proxy);
    this.trueShared = new Float64Array(buffers.true);
    this.flagsShared = new Uint8Array(buffers.flags);
    this.episodesShared = new Float64Array(buffers.episodes);
    this.metricsShared = new Uint8Array(buffers.metrics);
    this.seedShared = new Float64Array(buffers.seed);
    this.obsBuf = new Float32Array(num * this.obsDim);
    for (let w = 0; w < workers; w++) {
      const first = Math.floor((w * num) / workers);
      const end = Math.floor(((w + 1) * num) / workers);
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = {
        env: opts.env,
        ...(opts.envConfig ? { envConfig: opts.envConfig } : {}),
        first,
        end,
        index: w,
        num,
        obsDim: this.obsDim,
        actionDim: this.actionDim,
        discrete: this.actionSpace.kind === 'discrete',
        buffers,
        port: port2,
      };
      const worker = new Worker(new URL('./env-worker.js', import.meta.url), { workerData: init, transferList: [port2], execArgv: workerExecArgv() });
      // A finished program must not wait for its environment workers.
      worker.unref();
      port1.unref();
      this.slices.push({ worker, port: port1, first, end });
    }
  }

  get workers(): number {
    return this.slices.length;
  }

  /** Sends `command` to every worker and waits until all have done it; rethrows a worker's error. */
  private run(command: Command, what: string, between?: (s: Slice, w: number) => void): void {
    if (this.closed) throw new Error('the worker vector env is closed');
    this.seq += 1;
    this.slices.forEach((s, w) => {
      between?.(s, w);
      const base = w * CONTROL_STRIDE;
      this.control[base + CMD] = command;
      Atomics.store(this.control, base + SEQ, this.seq);
      Atomics.notify(this.control, base + SEQ);
    });
    const deadline = Date.now() + this.timeoutMs;
    this.slices.forEach((s, w) => {
      const done = w * CONTROL_STRIDE + DONE;
      for (;;) {
        const current = Atomics.load(this.control, done);
        if (current === this.seq) break;
        const left = deadline - Date.now();
        if (left <= 0 || Atomics.wait(this.control, done, current, left) === 'timed-out') {
          throw new Error(`environment worker ${w} did not finish ${what} within ${this.timeoutMs} ms`);
        }
      }
    });
    this.slices.forEach((s, w) => {
      if (this.control[w * CONTROL_STRIDE + STATUS] !== 0) {
        const m = receiveWithin(s.port, 10_000, `environment worker ${w}`) as { error?: string };
        throw new Error(`environment worker ${w} failed during ${what}: ${m?.error ?? 'unknown error'}`);
      }
    });
  }

  reset(seed: number): Float32Array {
    this.seedShared[0] = seed;
    this.run(Command.Reset, 'reset');
    this.obsBuf.set(this.obsShared);
    this.finished = [];
    return this.obsBuf;
  }

  get observations(): Float32Array {
    return this.obsBuf;
  }

  step(actions: Float32Array): VectorStep {
    this.actionsView.set(actions.subarray(0, this.num * this.actionDim));
    this.run(Command.Step, 'a step');
    const n = this.num;
    const proxy = Float64Array.from(this.proxyShared);
    const tru = Float64Array.from(this.trueShared);
    const terminated = this.flagsShared.slice(0, n);
    const truncated = this.flagsShared.slice(n, 2 * n);
    const finalObs: (Float32Array | null)[] = new Array(n).fill(null);
    const metrics = this.stepMetrics();
    for (let i = 0; i < n; i++) {
      if (!terminated[i] && !truncated[i]) continue;
      finalObs[i] = this.finalObsShared.slice(i * this.obsDim, (i + 1) * this.obsDim);
      const e = this.episodesShared.subarray(i * EPISODE_STRIDE, (i + 1) * EPISODE_STRIDE);
      const record: EpisodeRecord = { proxyReturn: e[0]!, trueReturn: e[1]!, length: e[2]!, terminated: e[3] === 1 };
      const m = metrics.get(i);
      if (m) record.metrics = m;
      this.finished.push(record);
    }
    this.obsBuf.set(this.obsShared);
    return { obs: this.obsBuf, proxy, true: tru, terminated, truncated, finalObs };
  }

  /** Episode statistics the workers wrote for this step, by copy. */
  private stepMetrics(): Map<number, Record<string, number>> {
    const out = new Map<number, Record<string, number>>();
    this.slices.forEach((_, w) => {
      const len = this.control[w * CONTROL_STRIDE + METRICS_LEN]!;
      if (len === 0) return;
      const bytes = this.metricsShared.slice(w * METRICS_CAPACITY, w * METRICS_CAPACITY + len);
      for (const [i, m] of JSON.parse(this.decoder.decode(bytes), decodeNonFinite) as [number, Record<string, number>][]) out.set(i, m);
    });
    return out;
  }

  drainEpisodes(): EpisodeRecord[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  getState(): unknown {
    this.run(Command.GetState, 'getState');
    const parts = this.slices.map((s, w) => receiveWithin(s.port, this.timeoutMs, `environment worker ${w} state`) as CopiesState | null);
    if (parts.some((p) => p === null)) return null;
    const whole = parts as CopiesState[];
    return {
      envs: whole.flatMap((p) => p.envs),
      obs: Array.from(this.obsBuf),
      proxyAcc: whole.flatMap((p) => p.proxyAcc),
      trueAcc: whole.flatMap((p) => p.trueAcc),
      lenAcc: whole.flatMap((p) => p.lenAcc),
    };
  }

  setState(state: unknown): void {
    const s = state as CopiesState & { obs: number[] };
    if (s.envs.length !== this.num) throw new Error(`vector env state has ${s.envs.length} copies, expected ${this.num}`);
    this.run(Command.SetState, 'setState', (slice) => {
      const { first, end } = slice;
      slice.port.postMessage({
        envs: s.envs.slice(first, end),
        proxyAcc: s.proxyAcc.slice(first, end),
        trueAcc: s.trueAcc.slice(first, end),
        lenAcc: s.lenAcc.slice(first, end),
        obs: s.obs.slice(first * this.obsDim, end * this.obsDim),
      });
    });
    this.obsBuf.set(s.obs);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.run(Command.Close, 'close');
    } catch {
      // The workers are terminated below anyway.
    }
    this.closed = true;
    for (const s of this.slices) {
      s.port.close();
      void s.worker.terminate();
    }
  }
}

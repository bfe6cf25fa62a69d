/**
 * A worker thread that owns a contiguous slice of a WorkerVectorEnv's copies and steps them on
 * command (protocol.ts). It repeats VectorEnv's per-copy logic exactly (accumulated returns,
 * automatic reset, final observations), so a vector split over workers produces the same numbers
 * as one stepped in-process.
 */
import { workerData } from 'node:worker_threads';
import '../builtin.js';
import { makeEnv } from '../registry.js';
import { flattenInto } from '../spaces.js';
import type { Env } from '../types.js';
import { isSnapshottable, type Snapshottable } from '../vector.js';
import {
  CMD,
  Command,
  CONTROL_STRIDE,
  DONE,
  EPISODE_STRIDE,
  METRICS_CAPACITY,
  METRICS_LEN,
  receiveWithin,
  SEQ,
  STATUS,
  encodeNonFinite,
  type CopiesState,
  type WorkerInit,
} from './protocol.js';

const init = workerData as WorkerInit;
const { first, end, obsDim, actionDim, discrete, buffers, port } = init;
const count = end - first;
const envs: Env[] = Array.from({ length: count }, () => makeEnv(init.env, init.envConfig));
const space = envs[0]!.observationSpace;

const control = new Int32Array(buffers.control, init.index * CONTROL_STRIDE * 4, CONTROL_STRIDE);
const actions = new Float32Array(buffers.actions);
const obs = new Float32Array(buffers.obs);
const finalObs = new Float32Array(buffers.finalObs);
const proxy = new Float64Array(buffers.proxy);
const tru = new Float64Array(buffers.true);
const flags = new Uint8Array(buffers.flags);
const episodes = new Float64Array(buffers.episodes);
const metricsBytes = new Uint8Array(buffers.metrics, init.index * METRICS_CAPACITY, METRICS_CAPACITY);
const seed = new Float64Array(buffers.seed);
const num = init.num;

const proxyAcc = new Float64Array(count);
const trueAcc = new Float64Array(count);
const lenAcc = new Int32Array(count);
const encoder = new TextEncoder();

function step(): void {
  const metrics: [number, Record<string, number>][] = [];
  for (let j = 0; j < count; j++) {
    const i = first + j;
    const env = envs[j]!;
    const action = discrete ? actions[i]! : actions.slice(i * actionDim, (i + 1) * actionDim);
    const r = env.step(action);
    proxy[i] = r.reward.proxy;
    tru[i] = r.reward.true;
    proxyAcc[j]! += r.reward.proxy;
    trueAcc[j]! += r.reward.true;
    lenAcc[j]! += 1;
    let o = r.obs;
    flags[i] = 0;
    flags[num + i] = 0;
    if (r.terminated || r.truncated) {
      flags[i] = r.terminated ? 1 : 0;
      flags[num + i] = r.terminated ? 0 : 1;
      flattenInto(space, r.obs, finalObs, i * obsDim);
      episodes.set([proxyAcc[j]!, trueAcc[j]!, lenAcc[j]!, r.terminated ? 1 : 0], i * EPISODE_STRIDE);
      const m = env.episodeMetrics?.();
      if (m) metrics.push([i, m]);
      proxyAcc[j] = 0;
      trueAcc[j] = 0;
      lenAcc[j] = 0;
      o = env.reset().obs;
    }
    flattenInto(space, o, obs, i * obsDim);
  }
  writeMetrics(metrics);
}

function writeMetrics(metrics: [number, Record<string, number>][]): void {
  if (metrics.length === 0) {
    control[METRICS_LEN] = 0;
    return;
  }
  const bytes = encoder.encode(JSON.stringify(metrics, encodeNonFinite));
  if (bytes.length > METRICS_CAPACITY) throw new Error(`episode statistics of one step take ${bytes.length} bytes, more than the ${METRICS_CAPACITY} a worker may send`);
  metricsBytes.set(bytes);
  control[METRICS_LEN] = bytes.length;
}

function reset(): void {
  const s = seed[0]!;
  for (let j = 0; j < count; j++) {
    const { obs: o } = envs[j]!.reset(s + first + j);
    flattenInto(space, o, obs, (first + j) * obsDim);
  }
  proxyAcc.fill(0);
  trueAcc.fill(0);
  lenAcc.fill(0);
}

function getState(): CopiesState | null {
  if (!envs.every(isSnapshottable)) return null;
  return {
    envs: envs.map((e) => (e as unknown as Snapshottable).getState()),
    proxyAcc: Array.from(proxyAcc),
    trueAcc: Array.from(trueAcc),
    lenAcc: Array.from(lenAcc),
  };
}

function setState(): void {
  const s = receiveWithin(port, 60_000, `environment worker ${init.index}: state`) as CopiesState & { obs: number[] };
  envs.forEach((e, j) => (e as unknown as Snapshottable).setState(s.envs[j]));
  proxyAcc.set(s.proxyAcc);
  trueAcc.set(s.trueAcc);
  lenAcc.set(s.lenAcc);
  obs.set(s.obs, first * obsDim);
}

let seen = 0;
for (;;) {
  Atomics.wait(control, SEQ, seen);
  seen = Atomics.load(control, SEQ);
  const command = control[CMD] as Command;
  let status = 0;
  try {
    if (command === Command.Step) step();
    else if (command === Command.Reset) reset();
    else if (command === Command.GetState) port.postMessage(getState());
    else if (command === Command.SetState) setState();
    else if (command === Command.Close) for (const e of envs) e.close?.();
  } catch (err) {
    status = 1;
    port.postMessage({ error: (err as Error).message ?? String(err) });
  }
  control[STATUS] = status;
  Atomics.store(control, DONE, seen);
  Atomics.notify(control, DONE);
  if (command === Command.Close) break;
}
port.close();

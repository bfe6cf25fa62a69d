/**
 * What the main thread and an environment worker share (worker-vector-env.ts, env-worker.ts).
 *
 * Everything a step needs travels through shared memory, ordered by Atomics: the main thread
 * writes the actions and bumps a worker's sequence number; the worker steps its copies, writes
 * observations, rewards, flags and finished-episode statistics, and publishes the same number as
 * done. No message is involved in a step. Rare, variable-sized payloads (environment states for
 * checkpoints, errors) go over the worker's message port.
 */
import type { MessagePort } from 'node:worker_threads';
export { receiveWithin } from '../../util/workers.js';

export const enum Command {
  Step = 1,
  Reset = 2,
  GetState = 3,
  SetState = 4,
  Close = 5,
}

/** Int32 slots per worker in the control array. */
export const CONTROL_STRIDE = 8;
export const SEQ = 0;
export const DONE = 1;
export const CMD = 2;
/** 0 ok, 1 failed (the error is on the port). */
export const STATUS = 3;
/** Bytes of JSON written into the worker's metrics region by the last step. */
export const METRICS_LEN = 4;

/** Shared bytes per worker for the JSON of the episode statistics finished in one step. */
export const METRICS_CAPACITY = 256 * 1024;

/** Per copy in the episode array: proxy return, true return, length, terminated (1/0). */
export const EPISODE_STRIDE = 4;

export interface SharedBuffers {
  control: SharedArrayBuffer;
  actions: SharedArrayBuffer;
  obs: SharedArrayBuffer;
  finalObs: SharedArrayBuffer;
  proxy: SharedArrayBuffer;
  true: SharedArrayBuffer;
  /** terminated and truncated flags, [2 × num]. */
  flags: SharedArrayBuffer;
  episodes: SharedArrayBuffer;
  metrics: SharedArrayBuffer;
  seed: SharedArrayBuffer;
}

export interface WorkerInit {
  env: string;
  envConfig?: Record<string, unknown>;
  /** Copies [first, end) of the vector belong to this worker. */
  first: number;
  end: number;
  index: number;
  num: number;
  obsDim: number;
  actionDim: number;
  discrete: boolean;
  buffers: SharedBuffers;
  port: MessagePort;
}

/** One copy's part of a vector environment's state, the same shape as VectorEnv's. */
export interface CopiesState {
  envs: unknown[];
  proxyAcc: number[];
  trueAcc: number[];
  lenAcc: number[];
}


/** JSON replacer and reviver that keep NaN and ±Infinity (JSON would turn them into null). */
export function encodeNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { nonFinite: String(value) } : value;
}

export function decodeNonFinite(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && 'nonFinite' in value && Object.keys(value).length === 1) return Number((value as { nonFinite: string }).nonFinite);
  return value;
}

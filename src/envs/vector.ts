/**
 * Steps many copies of an environment in lock-step over flat typed arrays, resetting each copy
 * automatically when its episode ends. Observations are flattened with the space's RLlib layout.
 * Finished episodes' proxy and true returns are collected for the trainer's metrics.
 */
import type { Env } from './types.js';
import { flatDim, flattenInto, type Space } from './spaces.js';

export interface EpisodeRecord {
  proxyReturn: number;
  trueReturn: number;
  length: number;
  terminated: boolean;
  /** The environment's own episode statistics, when it reports any (Env.episodeMetrics). */
  metrics?: Record<string, number>;
}

export interface VectorStep {
  /** Observations after the step, [num × obsDim]; for finished copies, the first obs of the next episode. */
  obs: Float32Array;
  proxy: Float64Array;
  true: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** For copies whose episode ended this step, the flattened final observation (for bootstrapping). */
  finalObs: (Float32Array | null)[];
}

/** Environments whose full state can be captured, so an interrupted run resumes exactly. */
export interface Snapshottable {
  getState(): unknown;
  setState(state: unknown): void;
}

export function isSnapshottable(env: object): env is Snapshottable {
  return typeof (env as Partial<Snapshottable>).getState === 'function' && typeof (env as Partial<Snapshottable>).setState === 'function';
}

/** What a trainer needs of a vector of environment copies (VectorEnv, or WorkerVectorEnv in worker threads). */
export interface VectorEnvLike {
  readonly num: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsDim: number;
  readonly actionDim: number;
  /** Resets every copy; copy i gets seed `seed + i`. */
  reset(seed: number): Float32Array;
  readonly observations: Float32Array;
  step(actions: Float32Array): VectorStep;
  drainEpisodes(): EpisodeRecord[];
  getState(): unknown;
  setState(state: unknown): void;
  close(): void;
}

export class VectorEnv implements VectorEnvLike {
  readonly envs: Env[];
  readonly num: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsDim: number;
  readonly actionDim: number;
  private readonly obsBuf: Float32Array;
  private readonly proxyAcc: Float64Array;
  private readonly trueAcc: Float64Array;
  private readonly lenAcc: Int32Array;
  private finished: EpisodeRecord[] = [];

  constructor(make: (index: number) => Env, num: number) {
    if (!Number.isInteger(num) || num < 1) throw new RangeError(`numEnvs: must be a positive integer, got ${num}`);
    this.envs = Array.from({ length: num }, (_, i) => make(i));
    this.num = num;
    const first = this.envs[0]!;
    this.observationSpace = first.observationSpace;
    this.actionSpace = first.actionSpace;
    this.obsDim = flatDim(this.observationSpace);
    this.actionDim = this.actionSpace.kind === 'discrete' ? 1 : flatDim(this.actionSpace);
    this.obsBuf = new Float32Array(num * this.obsDim);
    this.proxyAcc = new Float64Array(num);
    this.trueAcc = new Float64Array(num);
    this.lenAcc = new Int32Array(num);
  }

  /** Resets every copy; copy i gets seed `seed + i`. Returns the observation buffer (owned by this object). */
  reset(seed: number): Float32Array {
    for (let i = 0; i < this.num; i++) {
      const { obs } = this.envs[i]!.reset(seed + i);
      flattenInto(this.observationSpace, obs, this.obsBuf, i * this.obsDim);
    }
    this.proxyAcc.fill(0);
    this.trueAcc.fill(0);
    this.lenAcc.fill(0);
    this.finished = [];
    return this.obsBuf;
  }

  /** The current observations, [num × obsDim]. */
  get observations(): Float32Array {
    return this.obsBuf;
  }

  /** `actions` is [num × actionDim]; discrete actions are stored as floats holding integers. */
  step(actions: Float32Array): VectorStep {
    const proxy = new Float64Array(this.num);
    const tru = new Float64Array(this.num);
    const terminated = new Uint8Array(this.num);
    const truncated = new Uint8Array(this.num);
    const finalObs: (Float32Array | null)[] = new Array(this.num).fill(null);
    for (let i = 0; i < this.num; i++) {
      const env = this.envs[i]!;
      const action =
        this.actionSpace.kind === 'discrete' ? actions[i]! : actions.slice(i * this.actionDim, (i + 1) * this.actionDim);
      const r = env.step(action);
      proxy[i] = r.reward.proxy;
      tru[i] = r.reward.true;
      this.proxyAcc[i]! += r.reward.proxy;
      this.trueAcc[i]! += r.reward.true;
      this.lenAcc[i]! += 1;
      let obs = r.obs;
      if (r.terminated || r.truncated) {
        terminated[i] = r.terminated ? 1 : 0;
        truncated[i] = r.terminated ? 0 : 1;
        const fin = new Float32Array(this.obsDim);
        flattenInto(this.observationSpace, r.obs, fin, 0);
        finalObs[i] = fin;
        const record: EpisodeRecord = { proxyReturn: this.proxyAcc[i]!, trueReturn: this.trueAcc[i]!, length: this.lenAcc[i]!, terminated: r.terminated };
        const metrics = env.episodeMetrics?.();
        if (metrics) record.metrics = metrics;
        this.finished.push(record);
        this.proxyAcc[i] = 0;
        this.trueAcc[i] = 0;
        this.lenAcc[i] = 0;
        obs = env.reset().obs;
      }
      flattenInto(this.observationSpace, obs, this.obsBuf, i * this.obsDim);
    }
    return { obs: this.obsBuf, proxy, true: tru, terminated, truncated, finalObs };
  }

  /** Episodes finished since the last call. */
  drainEpisodes(): EpisodeRecord[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  /** Full state for exact resumption, or null when some copy cannot be snapshotted. */
  getState(): unknown {
    if (!this.envs.every(isSnapshottable)) return null;
    return {
      envs: this.envs.map((e) => (e as unknown as Snapshottable).getState()),
      obs: Array.from(this.obsBuf),
      proxyAcc: Array.from(this.proxyAcc),
      trueAcc: Array.from(this.trueAcc),
      lenAcc: Array.from(this.lenAcc),
    };
  }

  setState(state: unknown): void {
    const s = state as { envs: unknown[]; obs: number[]; proxyAcc: number[]; trueAcc: number[]; lenAcc: number[] };
    if (s.envs.length !== this.num) throw new Error(`vector env state has ${s.envs.length} copies, expected ${this.num}`);
    this.envs.forEach((e, i) => (e as unknown as Snapshottable).setState(s.envs[i]));
    this.obsBuf.set(s.obs);
    this.proxyAcc.set(s.proxyAcc);
    this.trueAcc.set(s.trueAcc);
    this.lenAcc.set(s.lenAcc);
  }

  close(): void {
    for (const e of this.envs) e.close?.();
  }
}

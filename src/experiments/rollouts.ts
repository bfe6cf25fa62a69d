/**
 * `goodhart rollouts`: plays episodes with a controller or a run's policy and writes a dataset of
 * (observation, action, proxy, true, done) for behavioural cloning and analysis.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv } from '../envs/registry.js';
import { flatDim, flatten } from '../envs/spaces.js';
import { makeController } from '../policies/controllers/index.js';
import { Rng } from '../util/rng.js';
import { meanSe, type MeanSe } from '../util/stats.js';
import { ProgressBar } from '../util/progress.js';
import { ConfigError } from '../util/validate.js';
import { loadRunPolicy } from './evaluate.js';
import { writeDataset } from './dataset.js';

export interface RolloutOptions {
  /**
   * A controller name of the environment, several joined by commas (episodes are dealt to them in
   * turn: the pandemic base policy is cloned from all ten strategies), or a run directory.
   */
  policy: string;
  env?: string;
  envConfig?: Record<string, unknown>;
  episodes: number;
  seed: number;
  out: string;
  deterministic?: boolean;
  progress?: boolean;
}

export interface RolloutReport {
  rows: number;
  episodes: number;
  proxyReturn: MeanSe;
  trueReturn: MeanSe;
}

export async function writeRollouts(opts: RolloutOptions): Promise<RolloutReport> {
  const isRun = existsSync(join(opts.policy, 'config.json'));
  let envName = opts.env;
  let envConfig = opts.envConfig ?? {};
  let act: (obs: Float32Array) => Float32Array;
  let resetPolicy: (episode: number) => void = () => {};
  let cleanup = () => {};
  const rng = new Rng(opts.seed);
  let envRef: ReturnType<typeof makeEnv> | null = null;
  if (isRun) {
    const run = await loadRunPolicy(opts.policy);
    envName ??= run.config.env;
    if (envName !== run.config.env) throw new ConfigError(`--env: the run in ${opts.policy} was trained on ${run.config.env}, not ${envName}`);
    if (!opts.envConfig) envConfig = run.config.envConfig;
    act = (obs) => run.policy.act(obs, 1, rng, opts.deterministic ?? false).actions;
    cleanup = () => run.policy.dispose();
  } else {
    if (!envName) throw new ConfigError(`--policy: "${opts.policy}" is not a run directory, so it must name a controller and --env is required`);
    const controllers = opts.policy.split(',').map((name) => makeController(envName!, name.trim()));
    let current = controllers[0]!;
    resetPolicy = (episode) => {
      current = controllers[episode % controllers.length]!;
      current.reset();
    };
    act = () => {
      const a = current.act(envRef!);
      return typeof a === 'number' ? Float32Array.of(a) : a;
    };
  }
  const env = makeEnv(envName!, envConfig);
  envRef = env;
  const obsDim = flatDim(env.observationSpace);
  const actionDim = env.actionSpace.kind === 'discrete' ? 1 : flatDim(env.actionSpace);
  // Growable typed columns: glucose episodes are 5760 steps of 96 values, too many for plain arrays.
  const obs = new GrowableColumn(Float32Array);
  const actions = new GrowableColumn(Float32Array);
  const proxy = new GrowableColumn(Float32Array);
  const tru = new GrowableColumn(Float32Array);
  const done = new GrowableColumn(Uint8Array);
  const terminated = new GrowableColumn(Uint8Array);
  const episodeIdx = new GrowableColumn(Int32Array);
  const returns = { proxy: [] as number[], true: [] as number[] };
  const bar = opts.progress ? new ProgressBar({ total: opts.episodes, label: 'rollouts', unit: 'ep' }) : null;
  try {
    for (let e = 0; e < opts.episodes; e++) {
      let o = env.reset(opts.seed + e).obs;
      resetPolicy(e);
      let p = 0;
      let t = 0;
      for (;;) {
        const flat = flatten(env.observationSpace, o);
        const a = act(flat);
        const r = env.step(env.actionSpace.kind === 'discrete' ? a[0]! : a);
        obs.pushAll(flat);
        actions.pushAll(a);
        proxy.push(r.reward.proxy);
        tru.push(r.reward.true);
        done.push(r.terminated || r.truncated ? 1 : 0);
        terminated.push(r.terminated ? 1 : 0);
        episodeIdx.push(e);
        p += r.reward.proxy;
        t += r.reward.true;
        o = r.obs;
        if (r.terminated || r.truncated) break;
      }
      returns.proxy.push(p);
      returns.true.push(t);
      bar?.update(e + 1, { proxy: p, true: t });
    }
  } finally {
    cleanup();
    env.close?.();
  }
  bar?.finish();
  const rows = proxy.size;
  const report: RolloutReport = { rows, episodes: opts.episodes, proxyReturn: meanSe(returns.proxy), trueReturn: meanSe(returns.true) };
  writeDataset(
    opts.out,
    rows,
    {
      obs: obs.view(),
      action: actions.view(),
      proxy: proxy.view(),
      true: tru.view(),
      done: done.view(),
      terminated: terminated.view(),
      episode: episodeIdx.view(),
    },
    { env: envName, envConfig, policy: opts.policy, seed: opts.seed, episodes: opts.episodes, obsDim, actionDim, deterministic: opts.deterministic ?? false, proxyReturn: report.proxyReturn, trueReturn: report.trueReturn },
  );
  return report;
}

type TypedArrayCtor<T> = { new (n: number): T };

/** An append-only typed array that doubles its capacity as it fills. */
class GrowableColumn<T extends Float32Array | Uint8Array | Int32Array> {
  private data: T;
  size = 0;

  constructor(private readonly ctor: TypedArrayCtor<T>) {
    this.data = new ctor(1024);
  }

  private reserve(extra: number): void {
    if (this.size + extra <= this.data.length) return;
    let cap = this.data.length;
    while (cap < this.size + extra) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.data.subarray(0, this.size) as never);
    this.data = next;
  }

  push(v: number): void {
    this.reserve(1);
    this.data[this.size++] = v;
  }

  pushAll(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.data.set(values as never, this.size);
    this.size += values.length;
  }

  view(): T {
    return this.data.subarray(0, this.size) as T;
  }
}

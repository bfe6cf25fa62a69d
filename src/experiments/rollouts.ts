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
import { writeDataset, ColumnBuilder } from './dataset.js';

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
  /**
   * Also store each step's next observation (column nextObs, the final observation at an episode's
   * end), so rows are (s, a, s', reward) transitions for reward modelling. Observations of
   * MultiBinary spaces are then stored as uint8.
   */
  transitions?: boolean;
  /**
   * Keep this many transitions with zero and this many with non-zero true reward (the balanced
   * buckets of the learned-reward paper's Atari datasets); `episodes` becomes an upper bound.
   */
  balance?: number;
}

export interface RolloutReport {
  rows: number;
  episodes: number;
  proxyReturn: MeanSe;
  trueReturn: MeanSe;
  /** Rows kept with zero and with non-zero true reward. */
  rewardCounts: { zero: number; nonzero: number };
  /** Steps played (more than rows when balancing drops transitions). */
  steps: number;
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
  const transitions = opts.transitions ?? opts.balance !== undefined;
  const compact = transitions && env.observationSpace.kind === 'multibinary';
  const makeObs = compact ? (n: number) => new Uint8Array(n) : (n: number) => new Float32Array(n);
  const obs = new ColumnBuilder<Float32Array | Uint8Array>(makeObs);
  const nextObs = new ColumnBuilder<Float32Array | Uint8Array>(makeObs);
  const actions = new ColumnBuilder((n) => new Float32Array(n));
  const proxy = new ColumnBuilder((n) => new Float32Array(n));
  const tru = new ColumnBuilder((n) => new Float32Array(n));
  const done = new ColumnBuilder((n) => new Uint8Array(n));
  const terminated = new ColumnBuilder((n) => new Uint8Array(n));
  const episodeIdx = new ColumnBuilder((n) => new Int32Array(n));
  const counts = { zero: 0, nonzero: 0 };
  const balance = opts.balance;
  const full = () => balance !== undefined && counts.zero >= balance && counts.nonzero >= balance;
  let steps = 0;
  let episodes = 0;
  const returns = { proxy: [] as number[], true: [] as number[] };
  const bar = opts.progress ? new ProgressBar({ total: balance !== undefined ? 2 * balance : opts.episodes, label: 'rollouts', unit: balance !== undefined ? 'rows' : 'ep' }) : null;
  try {
    for (let e = 0; e < opts.episodes && !full(); e++) {
      let o = env.reset(opts.seed + e).obs;
      resetPolicy(e);
      let p = 0;
      let t = 0;
      let flat = flatten(env.observationSpace, o);
      for (;;) {
        const a = act(flat);
        const r = env.step(env.actionSpace.kind === 'discrete' ? a[0]! : a);
        const next = flatten(env.observationSpace, r.obs);
        steps++;
        const nonzero = r.reward.true !== 0;
        // With balancing, a transition is kept only while its bucket has room.
        const keep = balance === undefined || (nonzero ? counts.nonzero < balance : counts.zero < balance);
        if (keep) {
          if (nonzero) counts.nonzero++;
          else counts.zero++;
          obs.push(flat);
          if (transitions) nextObs.push(next);
          actions.push(a);
          proxy.push1(r.reward.proxy);
          tru.push1(r.reward.true);
          done.push1(r.terminated || r.truncated ? 1 : 0);
          terminated.push1(r.terminated ? 1 : 0);
          episodeIdx.push1(e);
        }
        p += r.reward.proxy;
        t += r.reward.true;
        o = r.obs;
        flat = next;
        if (r.terminated || r.truncated) break;
        if (full()) break;
      }
      episodes++;
      returns.proxy.push(p);
      returns.true.push(t);
      if (balance !== undefined) bar?.update(Math.min(counts.zero, balance) + Math.min(counts.nonzero, balance), { zero: counts.zero, nonzero: counts.nonzero });
      else bar?.update(e + 1, { proxy: p, true: t });
    }
  } finally {
    cleanup();
    env.close?.();
  }
  bar?.finish();
  const rows = proxy.length;
  const report: RolloutReport = { rows, episodes, proxyReturn: meanSe(returns.proxy), trueReturn: meanSe(returns.true), rewardCounts: counts, steps };
  writeDataset(
    opts.out,
    rows,
    {
      obs: obs.build(),
      ...(transitions ? { nextObs: nextObs.build() } : {}),
      action: actions.build(),
      proxy: proxy.build(),
      true: tru.build(),
      done: done.build(),
      terminated: terminated.build(),
      episode: episodeIdx.build(),
    },
    {
      env: envName,
      envConfig,
      policy: opts.policy,
      seed: opts.seed,
      episodes,
      obsDim,
      actionDim,
      deterministic: opts.deterministic ?? false,
      proxyReturn: report.proxyReturn,
      trueReturn: report.trueReturn,
      transitions,
      ...(balance !== undefined ? { balance, steps } : {}),
      rewardCounts: counts,
    },
  );
  return report;
}

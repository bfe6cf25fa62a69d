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
  /** A controller name of the environment, or a run directory. */
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
  let resetPolicy = () => {};
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
    const controller = makeController(envName, opts.policy);
    resetPolicy = () => controller.reset();
    act = () => {
      const a = controller.act(envRef!);
      return typeof a === 'number' ? Float32Array.of(a) : a;
    };
  }
  const env = makeEnv(envName!, envConfig);
  envRef = env;
  const obsDim = flatDim(env.observationSpace);
  const actionDim = env.actionSpace.kind === 'discrete' ? 1 : flatDim(env.actionSpace);
  const obs: number[] = [];
  const actions: number[] = [];
  const proxy: number[] = [];
  const tru: number[] = [];
  const done: number[] = [];
  const terminated: number[] = [];
  const episodeIdx: number[] = [];
  const returns = { proxy: [] as number[], true: [] as number[] };
  const bar = opts.progress ? new ProgressBar({ total: opts.episodes, label: 'rollouts', unit: 'ep' }) : null;
  try {
    for (let e = 0; e < opts.episodes; e++) {
      let o = env.reset(opts.seed + e).obs;
      resetPolicy();
      let p = 0;
      let t = 0;
      for (;;) {
        const flat = flatten(env.observationSpace, o);
        const a = act(flat);
        const r = env.step(env.actionSpace.kind === 'discrete' ? a[0]! : a);
        for (const v of flat) obs.push(v);
        for (const v of a) actions.push(v);
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
  const rows = proxy.length;
  const report: RolloutReport = { rows, episodes: opts.episodes, proxyReturn: meanSe(returns.proxy), trueReturn: meanSe(returns.true) };
  writeDataset(
    opts.out,
    rows,
    {
      obs: Float32Array.from(obs),
      action: Float32Array.from(actions),
      proxy: Float32Array.from(proxy),
      true: Float32Array.from(tru),
      done: Uint8Array.from(done),
      terminated: Uint8Array.from(terminated),
      episode: Int32Array.from(episodeIdx),
    },
    { env: envName, envConfig, policy: opts.policy, seed: opts.seed, episodes: opts.episodes, obsDim, actionDim, deterministic: opts.deterministic ?? false, proxyReturn: report.proxyReturn, trueReturn: report.trueReturn },
  );
  return report;
}

/** Loading a run's trained policy, evaluating it on both rewards, and recording episodes for pictures. */
import { initBackend, loadModel } from '../nn/index.js';
import { ActorCritic } from '../policies/actor-critic.js';
import { distSpecFor, evaluatePolicy } from '../algos/ppo/trainer.js';
import { flatDim, flatten } from '../envs/spaces.js';
import { getEnvSpec } from '../envs/registry.js';
import type { Env } from '../envs/types.js';
import type { EpisodeRecord } from '../envs/vector.js';
import { Rng } from '../util/rng.js';
import { meanSe, type MeanSe } from '../util/stats.js';
import { RunDir } from './run-store.js';
import { envFactory, type RunConfig } from './run-config.js';

export interface LoadedRun {
  config: RunConfig;
  policy: ActorCritic;
  iteration: number;
}

/** Builds the run's policy and loads the weights of a checkpoint (the latest by default). */
export async function loadRunPolicy(runDir: string, checkpoint?: number): Promise<LoadedRun> {
  await initBackend();
  const dir = new RunDir(runDir);
  const config = dir.readConfig();
  const available = dir.listCheckpoints();
  const iteration = checkpoint ?? available[available.length - 1];
  if (iteration === undefined) throw new Error(`${dir.path} has no checkpoints yet`);
  if (!available.includes(iteration)) throw new Error(`checkpoint: ${iteration} is not in ${dir.path}; available: ${available.join(', ')}`);
  const probe = envFactory(config)(0);
  const policy = new ActorCritic(flatDim(probe.observationSpace), distSpecFor(probe.actionSpace, config.ppo.model.actionClamp), config.ppo.model, new Rng(0));
  probe.close?.();
  loadModel(dir.checkpointPath(iteration), 'policy', policy.params);
  return { config, policy, iteration };
}

export interface EvalReport {
  episodes: number;
  proxyReturn: MeanSe;
  trueReturn: MeanSe;
  episodeLength: MeanSe;
  /** Means of the environment's own episode statistics (glucose BG and time in range, pandemic deaths...). */
  envMetrics?: Record<string, MeanSe>;
}

export async function evaluateRun(
  runDir: string,
  opts: { episodes: number; seed: number; deterministic: boolean; checkpoint?: number; /** Evaluate on this env config instead of the run's own. */ envConfig?: Record<string, unknown> },
): Promise<EvalReport & { iteration: number }> {
  const run = await loadRunPolicy(runDir, opts.checkpoint);
  try {
    const num = Math.min(opts.episodes, run.config.ppo.numEnvs);
    const env = { env: run.config.env, envConfig: opts.envConfig ?? run.config.envConfig };
    const eps = evaluatePolicy(run.policy, envFactory(env), opts.episodes, num, opts.seed, opts.deterministic);
    return {
      iteration: run.iteration,
      episodes: eps.length,
      proxyReturn: meanSe(eps.map((e) => e.proxyReturn)),
      trueReturn: meanSe(eps.map((e) => e.trueReturn)),
      episodeLength: meanSe(eps.map((e) => e.length)),
      ...envMetricsOf(eps),
    };
  } finally {
    run.policy.dispose();
  }
}

export interface RecordedEpisode {
  frames: unknown[];
  text: string[];
  actions: number[][];
  proxyReturn: number;
  trueReturn: number;
}

/**
 * Plays one episode with `act` (a policy or a random chooser), capturing a frame and a text
 * picture per state when the environment offers them.
 */
export function recordEpisode(envName: string, env: Env, act: (obs: Float32Array) => Float32Array, seed: number): RecordedEpisode {
  const spec = getEnvSpec(envName);
  const out: RecordedEpisode = { frames: [], text: [], actions: [], proxyReturn: 0, trueReturn: 0 };
  const capture = () => {
    if (spec.frame) out.frames.push(spec.frame(env));
    if (env.renderText) out.text.push(env.renderText());
  };
  let obs = env.reset(seed).obs;
  capture();
  for (let t = 0; t < env.horizon; t++) {
    const a = act(flatten(env.observationSpace, obs));
    out.actions.push([...a]);
    const r = env.step(env.actionSpace.kind === 'discrete' ? a[0]! : a);
    out.proxyReturn += r.reward.proxy;
    out.trueReturn += r.reward.true;
    obs = r.obs;
    capture();
    if (r.terminated || r.truncated) break;
  }
  return out;
}

/** Mean ± standard error of each environment statistic over episodes that report it. */
export function envMetricsOf(episodes: readonly EpisodeRecord[]): { envMetrics?: Record<string, MeanSe> } {
  const keys = new Set(episodes.flatMap((e) => Object.keys(e.metrics ?? {})));
  if (keys.size === 0) return {};
  const envMetrics: Record<string, MeanSe> = {};
  for (const k of keys) envMetrics[k] = meanSe(episodes.flatMap((e) => (e.metrics && k in e.metrics ? [e.metrics[k]!] : [])));
  return { envMetrics };
}

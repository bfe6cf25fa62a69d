/**
 * `goodhart bc`: trains a behavioural-cloning policy from a rollout dataset and writes it as a run
 * directory (config.json, metrics.jsonl, checkpoints, summary.json), so it can serve directly as
 * an ORPO base policy (`--base DIR`).
 */
import { initBackend, Adam, saveModel } from '../nn/index.js';
import { ActorCritic } from '../policies/actor-critic.js';
import { distSpecFor, evaluatePolicy } from '../algos/ppo/trainer.js';
import { resolvePpoConfig } from '../algos/ppo/config.js';
import { bcEpoch, type BcConfig } from '../algos/bc/bc.js';
import { makeEnv } from '../envs/registry.js';
import { flatDim } from '../envs/spaces.js';
import { Rng } from '../util/rng.js';
import { meanSe } from '../util/stats.js';
import { ProgressBar } from '../util/progress.js';
import { readDataset } from './dataset.js';
import { RunDir } from './run-store.js';
import { envFactory } from './run-config.js';

export interface BcRunOptions {
  data: string;
  out: string;
  iterations: number;
  seed: number;
  hidden: number[];
  bc: BcConfig;
  evalEpisodes: number;
  progress?: boolean;
}

export async function trainBc(opts: BcRunOptions): Promise<{ proxyReturn: ReturnType<typeof meanSe>; trueReturn: ReturnType<typeof meanSe>; nll: number }> {
  await initBackend();
  const dir = new RunDir(opts.out);
  if (dir.exists()) throw new Error(`${dir.path} already holds a run; choose another --out`);
  const ds = readDataset(opts.data);
  const env = String(ds.header.meta['env']);
  const envConfig = (ds.header.meta['envConfig'] ?? {}) as Record<string, unknown>;
  const probe = makeEnv(env, envConfig);
  const obsDim = flatDim(probe.observationSpace);
  if (obsDim !== ds.header.meta['obsDim']) throw new Error(`${opts.data}: observations have ${String(ds.header.meta['obsDim'])} entries but ${env} has ${obsDim}`);
  const ppo = resolvePpoConfig(env, { model: { hidden: opts.hidden } });
  const config = { version: 1, env, envConfig, reward: 'true', seed: opts.seed, iterations: opts.iterations, checkpointEvery: opts.iterations, keepCheckpoints: 1, evalEpisodes: opts.evalEpisodes, ppo, algo: 'bc', basePolicies: [], orpo: null, bc: { ...opts.bc, data: opts.data, rows: ds.header.rows } };
  dir.writeConfig(config as never);
  const rng = new Rng(opts.seed);
  const policy = new ActorCritic(obsDim, distSpecFor(probe.actionSpace, ppo.model.actionClamp), ppo.model, rng.fork());
  probe.close?.();
  const optimizer = new Adam(policy.params, { lr: opts.bc.lr });
  const obs = ds.column('obs') as Float32Array;
  const actions = ds.column('action') as Float32Array;
  const bar = opts.progress ? new ProgressBar({ total: opts.iterations, label: 'bc' }) : null;
  let last = { loss: NaN, nll: NaN, entropy: NaN };
  try {
    for (let it = 1; it <= opts.iterations; it++) {
      last = bcEpoch(policy, optimizer, obs, actions, ds.header.rows, opts.bc, rng);
      dir.appendMetrics({ iteration: it, ...last });
      bar?.update(it, { nll: last.nll, entropy: last.entropy });
    }
    bar?.finish();
    dir.writeCheckpoint(opts.iterations, (tmp) => saveModel(tmp, 'policy', policy.params, optimizer, { iteration: opts.iterations }), 1);
    const eps = evaluatePolicy(policy, envFactory({ env, envConfig }), opts.evalEpisodes, Math.min(opts.evalEpisodes, 16), opts.seed + 1_000_003, false);
    const summary = { env, algo: 'bc', nll: last.nll, entropy: last.entropy, evalEpisodes: eps.length, proxyReturn: meanSe(eps.map((e) => e.proxyReturn)), trueReturn: meanSe(eps.map((e) => e.trueReturn)), finishedAt: new Date().toISOString() };
    dir.writeSummary(summary);
    return { proxyReturn: summary.proxyReturn, trueReturn: summary.trueReturn, nll: last.nll };
  } finally {
    optimizer.dispose();
    policy.dispose();
  }
}

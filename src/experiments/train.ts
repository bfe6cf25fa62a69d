/**
 * Runs a training job in a run directory: creates or resumes it, trains PPO for the configured
 * iterations with checkpoints, and finishes with an evaluation of both rewards in summary.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, saveModel, loadModel, type ParamSet } from '../nn/index.js';
import { PPO, type IterationMetrics, type PpoState } from '../algos/ppo/trainer.js';
import { ORPO } from '../algos/orpo/trainer.js';
import { GAA } from '../algos/gaa/trainer.js';
import { atomicWriteJson } from '../util/fs.js';
import { meanSe, type MeanSe } from '../util/stats.js';
import { ProgressBar } from '../util/progress.js';
import { RunDir } from './run-store.js';
import { ConfigError } from '../util/validate.js';
import { writeCurves } from './curves.js';
import { resolveRunConfig, envFactory, type RunConfig } from './run-config.js';
import { loadRunPolicy } from './evaluate.js';
import { snapshotBasePolicies, measureCoeffScale, basePolicyDir } from './base-policies.js';
import type { ActorCritic } from '../policies/actor-critic.js';
import { writeSharpnessPlot } from './rlhf/sharpness-plot.js';
import type { SharpnessRecord } from './rlhf/lab.js';

export { envFactory };

/** Builds the run's trainer: PPO, GAA, or ORPO with the run's own copies of its base policies. */
async function createTrainer(config: RunConfig, dir: RunDir): Promise<{ trainer: PPO; bases: ActorCritic[] }> {
  const makeEnvFn = envFactory(config);
  const envSpec = { name: config.env, ...(config.envConfig ? { config: config.envConfig } : {}) };
  const sharpness = config.sharpnessEvery ? { sharpness: { every: config.sharpnessEvery } } : {};
  if (config.algo === 'ppo') return { trainer: new PPO({ makeEnv: makeEnvFn, envSpec, config: config.ppo, reward: config.reward, seed: config.seed, ...sharpness }), bases: [] };
  if (config.algo === 'gaa') return { trainer: new GAA({ makeEnv: makeEnvFn, config: config.ppo, reward: config.reward, seed: config.seed, gaa: config.gaa!, ...sharpness }), bases: [] };
  const orpo = config.orpo!;
  const bases: ActorCritic[] = [];
  for (let k = 0; k < config.basePolicies.length; k++) bases.push((await loadRunPolicy(basePolicyDir(dir, k))).policy);
  const omFactors = config.orpoScale?.omFactors ?? orpo.omDivergenceCoeffs.map(() => (orpo.coeffScale === 'auto' ? 1 : orpo.coeffScale));
  const adFactor = config.orpoScale?.adFactor ?? (orpo.coeffScale === 'auto' ? 1 : orpo.coeffScale);
  const trainer = new ORPO({
    makeEnv: makeEnvFn,
    envSpec,
    config: config.ppo,
    reward: config.reward,
    seed: config.seed,
    orpo,
    basePolicies: bases,
    omCoeffs: orpo.omDivergenceCoeffs.map((c, k) => c * omFactors[k]!),
    adCoeff: orpo.actionDistDivergenceCoeff * adFactor,
    ...sharpness,
  });
  return { trainer, bases };
}

export interface RunSummary {
  env: string;
  reward: string;
  seed: number;
  iterations: number;
  timesteps: number;
  trainingSeconds: number;
  evalEpisodes: number;
  proxyReturn: MeanSe;
  trueReturn: MeanSe;
  episodeLength: MeanSe;
  finishedAt: string;
}

export interface TrainOptions {
  runDir: string;
  /** A new run's description (ignored when resuming, which uses the saved config.json). */
  input?: unknown;
  resume?: boolean;
  progress?: boolean;
  onIteration?: (m: IterationMetrics) => void;
  /** Stop after this many iterations in this call (for tests of interruption); the run stays resumable. */
  stopAfter?: number;
}

export type TrainResult = { status: 'finished'; summary: RunSummary } | { status: 'interrupted'; iteration: number };

interface TrainerState {
  ppo: PpoState;
  trainingSeconds: number;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  await initBackend();
  const dir = new RunDir(opts.runDir);
  let config: RunConfig;
  if (opts.resume) {
    config = dir.readConfig();
    if (dir.isFinished()) return { status: 'finished', summary: dir.readSummary() as unknown as RunSummary };
  } else {
    if (dir.isFinished()) throw new Error(`${dir.path} holds a finished run; it is never overwritten (choose another --out)`);
    if (dir.exists()) throw new Error(`${dir.path} holds an unfinished run; continue it with --resume or choose another --out`);
    config = resolveRunConfig(opts.input);
    if (config.algo === 'orpo') {
      // The run keeps copies of its base policies, so it stays reproducible if the originals change.
      snapshotBasePolicies(dir, config.basePolicies);
      if (config.orpo!.coeffScale === 'auto') config.orpoScale = await measureCoeffScale(config, dir);
    }
    dir.writeConfig(config);
  }

  const makeEnvFn = envFactory(config);
  const { trainer: ppo, bases } = await createTrainer(config, dir);
  let trainingSeconds = 0;
  const latest = dir.latestCheckpoint();
  if (opts.resume && latest !== null) {
    const ckpt = dir.checkpointPath(latest);
    for (const m of ppo.checkpointModels()) loadModel(ckpt, m.name, m.params, m.optimizer);
    const state = JSON.parse(readFileSync(join(ckpt, 'state.json'), 'utf8')) as TrainerState;
    ppo.setState(state.ppo, config.seed + 7919 * latest);
    trainingSeconds = state.trainingSeconds;
    dir.truncateMetrics(latest);
  } else {
    if (opts.resume) dir.truncateMetrics(0);
    if (config.initPolicy) initialisePolicy(ppo.policy.params, config.initPolicy);
  }

  const bar = opts.progress ? new ProgressBar({ total: config.iterations, label: `${config.env}/${config.reward} seed ${config.seed}` }) : null;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const saveCheckpoint = () =>
    dir.writeCheckpoint(
      ppo.iteration,
      (tmp) => {
        for (const m of ppo.checkpointModels()) saveModel(tmp, m.name, m.params, m.optimizer, { iteration: ppo.iteration });
        const state: TrainerState = { ppo: ppo.getState(), trainingSeconds };
        atomicWriteJson(join(tmp, 'state.json'), state);
      },
      config.keepCheckpoints,
    );
  let doneThisCall = 0;
  // Sharpness measurements (--sharpness-every): every slice and spectrum in sharpness.json, plotted at the end.
  const sharpPath = join(dir.path, 'sharpness.json');
  const sharp: SharpnessRecord[] = existsSync(sharpPath) ? (JSON.parse(readFileSync(sharpPath, 'utf8')) as SharpnessRecord[]).filter((r) => r.iteration <= ppo.iteration) : [];
  try {
    while (ppo.iteration < config.iterations) {
      const m = ppo.trainIteration();
      trainingSeconds += m.iterationSec;
      if (ppo.lastSharpness) {
        sharp.push({ iteration: m.iteration, ...ppo.lastSharpness });
        atomicWriteJson(sharpPath, sharp);
      }
      dir.appendMetrics({ ...m });
      opts.onIteration?.(m);
      bar?.update(m.iteration, {
        'steps/s': Math.round(m.timesteps / Math.max(trainingSeconds, 1e-9)),
        proxy: m.proxyReturnMean ?? NaN,
        true: m.trueReturnMean ?? NaN,
      });
      doneThisCall += 1;
      const stopNow = interrupted || (opts.stopAfter !== undefined && doneThisCall >= opts.stopAfter);
      if (m.iteration % config.checkpointEvery === 0 || m.iteration === config.iterations || stopNow) saveCheckpoint();
      if (stopNow && m.iteration < config.iterations) {
        bar?.finish(`stopped at iteration ${m.iteration}; continue with: goodhart train --resume --out ${dir.path}`);
        return { status: 'interrupted', iteration: m.iteration };
      }
    }
    bar?.finish();
    const episodes = ppo.evaluate(makeEnvFn, config.evalEpisodes, config.seed + 1_000_003);
    const summary: RunSummary = {
      env: config.env,
      reward: config.reward,
      seed: config.seed,
      iterations: ppo.iteration,
      timesteps: ppo.timesteps,
      trainingSeconds,
      evalEpisodes: episodes.length,
      proxyReturn: meanSe(episodes.map((e) => e.proxyReturn)),
      trueReturn: meanSe(episodes.map((e) => e.trueReturn)),
      episodeLength: meanSe(episodes.map((e) => e.length)),
      finishedAt: new Date().toISOString(),
    };
    dir.writeSummary(summary as unknown as Record<string, unknown>);
    writeCurves(dir.path);
    if (sharp.length) writeSharpnessPlot(sharp, dir.path);
    return { status: 'finished', summary };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ppo.dispose();
    for (const b of bases) b.dispose();
  }
}

/** Copies the latest policy weights of another run (a BC base policy, say) into a fresh policy. */
export function initialisePolicy(params: ParamSet, from: string): void {
  const src = new RunDir(from);
  const iteration = src.exists() ? src.latestCheckpoint() : null;
  if (iteration === null) throw new ConfigError(`config.initPolicy: "${from}" is not a run directory with a checkpoint`);
  try {
    loadModel(src.checkpointPath(iteration), 'policy', params);
  } catch (err) {
    throw new ConfigError(`config.initPolicy: the policy in "${from}" does not fit this run's network (${(err as Error).message}); give the run the same ppo.model`);
  }
}

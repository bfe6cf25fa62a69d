/**
 * Runs a training job in a run directory: creates or resumes it, trains PPO for the configured
 * iterations with checkpoints, and finishes with an evaluation of both rewards in summary.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, saveModel, loadModel } from '../nn/index.js';
import { makeEnv } from '../envs/registry.js';
import { PPO, type IterationMetrics, type PpoState } from '../algos/ppo/trainer.js';
import type { Env } from '../envs/types.js';
import { atomicWriteJson } from '../util/fs.js';
import { meanSe, type MeanSe } from '../util/stats.js';
import { ProgressBar } from '../util/progress.js';
import { RunDir } from './run-store.js';
import { resolveRunConfig, type RunConfig } from './run-config.js';

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

export function envFactory(config: RunConfig): (index: number) => Env {
  return () => makeEnv(config.env, config.envConfig);
}

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
    dir.writeConfig(config);
  }

  const makeEnvFn = envFactory(config);
  const ppo = new PPO({ makeEnv: makeEnvFn, config: config.ppo, reward: config.reward, seed: config.seed });
  let trainingSeconds = 0;
  const latest = dir.latestCheckpoint();
  if (opts.resume && latest !== null) {
    const ckpt = dir.checkpointPath(latest);
    loadModel(ckpt, 'policy', ppo.policy.params, ppo.optimizer);
    const state = JSON.parse(readFileSync(join(ckpt, 'state.json'), 'utf8')) as TrainerState;
    ppo.setState(state.ppo, config.seed + 7919 * latest);
    trainingSeconds = state.trainingSeconds;
    dir.truncateMetrics(latest);
  } else if (opts.resume) {
    dir.truncateMetrics(0);
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
        saveModel(tmp, 'policy', ppo.policy.params, ppo.optimizer, { iteration: ppo.iteration });
        const state: TrainerState = { ppo: ppo.getState(), trainingSeconds };
        atomicWriteJson(join(tmp, 'state.json'), state);
      },
      config.keepCheckpoints,
    );
  let doneThisCall = 0;
  try {
    while (ppo.iteration < config.iterations) {
      const m = ppo.trainIteration();
      trainingSeconds += m.iterationSec;
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
    return { status: 'finished', summary };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ppo.dispose();
  }
}

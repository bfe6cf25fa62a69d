/**
 * An environment whose proxy reward is a learned reward model: it wraps any registered
 * environment, passes its true reward through, and replaces the proxy with R̂(s, s') on every step.
 * PPO trained with `--reward proxy` on it optimises the learned reward while every metric keeps
 * reporting the true one — the (learned, true) pair of the learned-reward experiments.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { makeEnv } from '../../envs/registry.js';
import { assetPath, packageRoot } from '../../util/paths.js';
import { flatten } from '../../envs/spaces.js';
import { registerEnv } from '../../envs/registry.js';
import { isSnapshottable } from '../../envs/vector.js';
import type { Env, EnvSpec, ResetResult, StepResult } from '../../envs/types.js';
import { showValue } from '../../envs/config-errors.js';
import { loadRewardFunction } from './store.js';
import type { RewardFn } from './forward-js.js';

export interface LearnedRewardEnvConfig {
  /** The wrapped environment and its config. */
  env: string;
  envConfig: Record<string, unknown>;
  /** A reward-model directory (goodhart reward-model train --out DIR); relative paths may also be relative to the package root. */
  model: string;
}

/** A model directory as given, or relative to the package root (so shipped models resolve from any working directory). */
export function resolveModelDir(dir: string): string {
  if (existsSync(dir) || isAbsolute(dir)) return dir;
  const shipped = join(packageRoot(), dir);
  return existsSync(shipped) ? shipped : dir;
}

export class LearnedRewardEnv implements Env {
  readonly inner: Env;
  readonly observationSpace;
  readonly actionSpace;
  readonly horizon: number;
  private readonly reward: RewardFn;
  private last: Float32Array;

  constructor(config: Partial<LearnedRewardEnvConfig>) {
    if (typeof config !== 'object' || config === null) throw new Error(`LearnedRewardEnv config: expected an object, got ${showValue(config)}`);
    for (const k of Object.keys(config)) if (!['env', 'envConfig', 'model'].includes(k)) throw new Error(`LearnedRewardEnv config: unknown field "${k}"; allowed fields: env, envConfig, model`);
    // Without a config it is the maze with the shipped maze reward model.
    const envName = config.env ?? 'maze';
    const modelDir = config.model ?? assetPath('reward-models', 'maze');
    if (typeof envName !== 'string') throw new Error(`LearnedRewardEnv config: invalid env=${showValue(envName)}; allowed: a registered environment name`);
    if (typeof modelDir !== 'string') throw new Error(`LearnedRewardEnv config: invalid model=${showValue(modelDir)}; allowed: a reward-model directory`);
    this.inner = makeEnv(envName, config.envConfig ?? {});
    const { fn, info } = loadRewardFunction(resolveModelDir(modelDir));
    const trainedOn = info.meta['env'];
    if (typeof trainedOn === 'string' && trainedOn !== envName) throw new Error(`LearnedRewardEnv config: the model in ${modelDir} was trained on ${trainedOn}, not ${envName}`);
    this.reward = fn;
    this.observationSpace = this.inner.observationSpace;
    this.actionSpace = this.inner.actionSpace;
    this.horizon = this.inner.horizon;
    this.last = new Float32Array(0);
  }

  reset(seed?: number): ResetResult {
    const r = this.inner.reset(seed);
    this.last = flatten(this.observationSpace, r.obs);
    return r;
  }

  step(action: Parameters<Env['step']>[0]): StepResult {
    const r = this.inner.step(action);
    const next = flatten(this.observationSpace, r.obs);
    const learned = this.reward(this.last, next);
    this.last = next;
    return { ...r, reward: { proxy: learned, true: r.reward.true }, info: { ...r.info, innerProxy: r.reward.proxy } };
  }

  getState(): unknown {
    if (!isSnapshottable(this.inner)) throw new Error('LearnedRewardEnv: the wrapped environment cannot be snapshotted');
    return { inner: this.inner.getState(), last: Array.from(this.last) };
  }

  setState(state: unknown): void {
    const s = state as { inner: unknown; last: number[] };
    if (!isSnapshottable(this.inner)) throw new Error('LearnedRewardEnv: the wrapped environment cannot be snapshotted');
    this.inner.setState(s.inner);
    this.last = Float32Array.from(s.last);
  }

  renderText(): string {
    return this.inner.renderText?.() ?? '';
  }

  close(): void {
    this.inner.close?.();
  }
}

export const learnedRewardEnvSpec: EnvSpec<LearnedRewardEnvConfig> = {
  name: 'learned-reward',
  description: 'Wraps an environment (envConfig: {env, envConfig, model}; default: the maze with the shipped model assets/reward-models/maze) and makes its proxy reward a learned reward model R(s, s\'); the true reward passes through.',
  make: (config) => new LearnedRewardEnv(config ?? {}),
};

/** Idempotent. */
export function registerLearnedRewardEnv(): void {
  registerEnv(learnedRewardEnvSpec);
}
registerLearnedRewardEnv();

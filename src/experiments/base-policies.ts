/**
 * Base (reference) policies of ORPO runs: each run keeps a copy of every base policy's config and
 * latest checkpoint under base-policies/<k>/, and may measure its coefficient scale from rollouts
 * of the first base policy (specs/orpo.md §5: λ in units of the reward's spread).
 */
import { cpSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunDir } from './run-store.js';
import { ConfigError } from '../util/validate.js';
import { loadRunPolicy } from './evaluate.js';
import { envFactory, type OrpoScale, type RunConfig } from './run-config.js';
import { VectorEnv } from '../envs/vector.js';
import { Rng } from '../util/rng.js';

export function basePolicyDir(run: RunDir, k: number): string {
  return join(run.path, 'base-policies', String(k));
}

export function snapshotBasePolicies(run: RunDir, sources: readonly string[]): void {
  sources.forEach((src, k) => {
    const from = new RunDir(src);
    if (!from.exists()) throw new ConfigError(`config.basePolicies[${k}]: "${src}" is not a run directory (no config.json)`);
    const iteration = from.latestCheckpoint();
    if (iteration === null) throw new ConfigError(`config.basePolicies[${k}]: "${src}" has no checkpoint`);
    const to = new RunDir(basePolicyDir(run, k));
    rmSync(to.path, { recursive: true, force: true });
    mkdirSync(to.checkpointsDir, { recursive: true });
    cpSync(from.configPath, to.configPath);
    cpSync(from.checkpointPath(iteration), to.checkpointPath(iteration), { recursive: true });
    if (existsSync(from.summaryPath)) cpSync(from.summaryPath, to.summaryPath);
  });
}

/** Episodes of the first base policy used to measure the reward's scale. */
export const SCALE_EPISODES = 20;

/**
 * Plays the first base policy and measures its per-step training reward: the standard deviation
 * scales sqrt_chi2 coefficients, the mean's magnitude scales kl coefficients (the README of the
 * paper's code: "multiplied by the standard deviation of the rewards" / "by the per-timestep rewards").
 */
export async function measureCoeffScale(config: RunConfig, run: RunDir): Promise<OrpoScale> {
  const orpo = config.orpo!;
  const { policy } = await loadRunPolicy(basePolicyDir(run, 0));
  try {
    const num = Math.min(SCALE_EPISODES, config.ppo.numEnvs);
    const env = new VectorEnv(envFactory(config), num);
    env.reset(config.seed + 424242);
    const rng = new Rng(config.seed + 424243);
    const rewards: number[] = [];
    let finished = 0;
    const live = new Uint8Array(num).fill(1);
    const quota = Array.from({ length: num }, (_, i) => Math.floor(SCALE_EPISODES / num) + (i < SCALE_EPISODES % num ? 1 : 0));
    const counts = new Array<number>(num).fill(0);
    while (finished < SCALE_EPISODES) {
      const { actions } = policy.act(env.observations, num, rng);
      const step = env.step(actions);
      for (let i = 0; i < num; i++) {
        if (!live[i]) continue;
        rewards.push(step[config.reward][i]! * config.ppo.rewardScale);
        if (step.terminated[i] || step.truncated[i]) {
          counts[i]! += 1;
          finished += 1;
          if (counts[i]! >= quota[i]!) live[i] = 0;
        }
      }
    }
    env.close();
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const std = Math.sqrt(rewards.reduce((a, b) => a + (b - mean) ** 2, 0) / rewards.length);
    const factorFor = (type: string) => (type === 'sqrt_chi2' ? std : type === 'kl' ? Math.abs(mean) : 1);
    return {
      episodes: SCALE_EPISODES,
      rewardStd: std,
      rewardPerStep: mean,
      omFactors: orpo.omDivergenceType.map(factorFor),
      adFactor: factorFor(orpo.actionDistDivergenceType),
    };
  } finally {
    policy.dispose();
  }
}

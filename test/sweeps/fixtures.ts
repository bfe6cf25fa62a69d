/** Tiny tomato runs for the sweep tests (a few seconds each). */
export const TINY_PPO = { model: { hidden: [16] }, numEnvs: 4, rolloutFragmentLength: 50, sgdMinibatchSize: 64, numSgdIter: 2 };

export function tinySpec(name: string, overrides: Record<string, unknown> = {}, grid: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    base: { iterations: 3, checkpointEvery: 1, evalEpisodes: 8, ppo: TINY_PPO, basePolicies: ['@assets/base-policies/tomato'], ...overrides },
    grid: { env: 'tomato', method: 'ppo', seed: [0, 1], ...grid },
  };
}

/** Reference points for reports: a uniformly random policy on an environment. */
import { makeEnv } from '../envs/registry.js';
import { sample } from '../envs/spaces.js';
import { Rng } from '../util/rng.js';
import { meanSe, type MeanSe } from '../util/stats.js';

export function randomPolicyReturns(envName: string, envConfig: Record<string, unknown>, episodes: number, seed: number): { proxyReturn: MeanSe; trueReturn: MeanSe } {
  const env = makeEnv(envName, envConfig);
  const rng = new Rng(seed);
  const proxy: number[] = [];
  const tru: number[] = [];
  for (let e = 0; e < episodes; e++) {
    env.reset(seed + e);
    let p = 0;
    let t = 0;
    for (;;) {
      const r = env.step(sample(env.actionSpace, rng));
      p += r.reward.proxy;
      t += r.reward.true;
      if (r.terminated || r.truncated) break;
    }
    proxy.push(p);
    tru.push(t);
  }
  env.close?.();
  return { proxyReturn: meanSe(proxy), trueReturn: meanSe(tru) };
}

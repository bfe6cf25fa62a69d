/**
 * Collects one rollout fragment from every copy of a vector environment with a policy. The batch
 * keeps both rewards, so a trainer can learn from one and report the other, and so reward
 * shaping (ORPO's penalties) can be added before advantages are computed.
 */
import type { VectorEnvLike, EpisodeRecord } from '../../envs/vector.js';
import type { ActorCritic } from '../../policies/actor-critic.js';
import type { Rng } from '../../util/rng.js';

export interface RolloutBatch {
  length: number;
  num: number;
  obsDim: number;
  actionDim: number;
  paramDim: number;
  /** [length × num × obsDim], time-major. */
  obs: Float32Array;
  actions: Float32Array;
  /** The behaviour policy's distribution parameters at each step. */
  distParams: Float32Array;
  values: Float32Array;
  proxy: Float64Array;
  true: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  truncationValues: Float32Array;
  lastValues: Float32Array;
  episodes: EpisodeRecord[];
}

export function collectRollout(env: VectorEnvLike, policy: ActorCritic, length: number, rng: Rng): RolloutBatch {
  const n = env.num;
  const obsDim = env.obsDim;
  const actionDim = policy.dist.actionDim;
  const paramDim = policy.dist.paramDim;
  const size = length * n;
  const batch: RolloutBatch = {
    length,
    num: n,
    obsDim,
    actionDim,
    paramDim,
    obs: new Float32Array(size * obsDim),
    actions: new Float32Array(size * actionDim),
    distParams: new Float32Array(size * paramDim),
    values: new Float32Array(size),
    proxy: new Float64Array(size),
    true: new Float64Array(size),
    terminated: new Uint8Array(size),
    truncated: new Uint8Array(size),
    truncationValues: new Float32Array(size),
    lastValues: new Float32Array(n),
    episodes: [],
  };
  const pendingFinal: { index: number; obs: Float32Array }[] = [];
  for (let t = 0; t < length; t++) {
    const base = t * n;
    batch.obs.set(env.observations, base * obsDim);
    const { actions, distParams, values } = policy.act(env.observations, n, rng);
    batch.actions.set(actions, base * actionDim);
    batch.distParams.set(distParams, base * paramDim);
    batch.values.set(values, base);
    const step = env.step(actions);
    batch.proxy.set(step.proxy, base);
    batch.true.set(step.true, base);
    batch.terminated.set(step.terminated, base);
    batch.truncated.set(step.truncated, base);
    for (let i = 0; i < n; i++) {
      const fin = step.finalObs[i];
      if (fin && step.truncated[i]) pendingFinal.push({ index: base + i, obs: fin });
    }
  }
  // Values needed for bootstrapping, evaluated in one batch each.
  batch.lastValues.set(policy.values(env.observations, n));
  if (pendingFinal.length) {
    const stacked = new Float32Array(pendingFinal.length * obsDim);
    pendingFinal.forEach((p, j) => stacked.set(p.obs, j * obsDim));
    const v = policy.values(stacked, pendingFinal.length);
    pendingFinal.forEach((p, j) => (batch.truncationValues[p.index] = v[j]!));
  }
  batch.episodes = env.drainEpisodes();
  return batch;
}

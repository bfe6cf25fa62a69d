/**
 * Generalised advantage estimation over a time-major rollout of `num` environment copies.
 *   δ_t = r_t + γ·V(s_{t+1}) − V(s_t),   A_t = δ_t + γλ·A_{t+1}
 * The recursion restarts at every episode boundary: a terminated step has V(s_{t+1}) = 0; a
 * truncated step (time limit) or the end of the fragment bootstraps with the value of the next
 * observation, as RLlib does with `truncate_episodes`.
 */

export interface GaeInput {
  /** Steps per copy in this rollout. */
  length: number;
  num: number;
  /** Index t*num + i throughout. */
  rewards: Float64Array | Float32Array;
  values: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** V(final observation) at truncated steps (ignored elsewhere). */
  truncationValues: Float32Array;
  /** V(observation after the last step) per copy. */
  lastValues: Float32Array;
  gamma: number;
  lambda: number;
}

export function computeGae(input: GaeInput): { advantages: Float32Array; valueTargets: Float32Array } {
  const { length: T, num: n, rewards, values, terminated, truncated, truncationValues, lastValues, gamma, lambda } = input;
  const size = T * n;
  for (const [name, arr] of [
    ['rewards', rewards],
    ['values', values],
    ['terminated', terminated],
    ['truncated', truncated],
    ['truncationValues', truncationValues],
  ] as const) {
    if (arr.length !== size) throw new RangeError(`gae: ${name} has length ${arr.length}, expected ${size}`);
  }
  if (lastValues.length !== n) throw new RangeError(`gae: lastValues has length ${lastValues.length}, expected ${n}`);
  const advantages = new Float32Array(size);
  const valueTargets = new Float32Array(size);
  for (let i = 0; i < n; i++) {
    let nextAdv = 0;
    let nextValue = lastValues[i]!;
    for (let t = T - 1; t >= 0; t--) {
      const k = t * n + i;
      if (terminated[k]) {
        nextValue = 0;
        nextAdv = 0;
      } else if (truncated[k]) {
        nextValue = truncationValues[k]!;
        nextAdv = 0;
      }
      const delta = rewards[k]! + gamma * nextValue - values[k]!;
      const adv = delta + gamma * lambda * nextAdv;
      advantages[k] = adv;
      valueTargets[k] = adv + values[k]!;
      nextAdv = adv;
      nextValue = values[k]!;
    }
  }
  return { advantages, valueTargets };
}

/** (x − mean) / max(std, 1e-4), as RLlib standardises advantages over the whole batch. */
export function standardize(x: Float32Array): Float32Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length || 1;
  let varSum = 0;
  for (const v of x) varSum += (v - mean) ** 2;
  const std = Math.max(Math.sqrt(varSum / (x.length || 1)), 1e-4);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean) / std;
  return out;
}

/** GAE over a collected rollout batch with the given training rewards. */
export function batchGae(batch: Pick<GaeInput, 'length' | 'num' | 'values' | 'terminated' | 'truncated' | 'truncationValues' | 'lastValues'>, rewards: GaeInput['rewards'], gamma: number, lambda: number): { advantages: Float32Array; valueTargets: Float32Array } {
  const { length, num, values, terminated, truncated, truncationValues, lastValues } = batch;
  return computeGae({ length, num, rewards, values, terminated, truncated, truncationValues, lastValues, gamma, lambda });
}

/**
 * Per-token rewards and advantages for language-model PPO. Each response is one episode whose
 * actions are its tokens: the reward-model score (clipped) arrives at the last response token,
 * optionally on top of a per-token penalty; GAE runs backwards over the response with γ = 1 and
 * λ = 0.95 by default, and nothing bootstraps past the end of the response.
 */

export interface TokenRewardInput {
  /** Sequences in the batch and padded response length. */
  n: number;
  T: number;
  /** 1 on response tokens, 0 on padding, [n × T]; responses are left-aligned. */
  mask: ArrayLike<number>;
  /** Reward-model score per sequence. */
  scores: ArrayLike<number>;
  /** Scores are clipped to ±scoreClip (trlX's cliprange_reward 10); null for none. */
  scoreClip: number | null;
  /** Optional per-token shaping (e.g. −β·ℓ_t), [n × T]. */
  perToken?: ArrayLike<number>;
}

/** Rewards [n × T]: per-token shaping everywhere on the response, plus the score at its last token. */
export function tokenRewards(input: TokenRewardInput): Float64Array {
  const { n, T, mask, scores, scoreClip, perToken } = input;
  const out = new Float64Array(n * T);
  for (let i = 0; i < n; i++) {
    let last = -1;
    for (let t = 0; t < T; t++) {
      const k = i * T + t;
      if (!mask[k]) continue;
      out[k] = perToken ? perToken[k]! : 0;
      last = k;
    }
    if (last >= 0) {
      const s = scores[i]!;
      out[last]! += scoreClip === null ? s : Math.min(Math.max(s, -scoreClip), scoreClip);
    }
  }
  return out;
}

/** GAE over each masked response; returns advantages and value targets (returns), [n × T]. */
export function tokenGae(rewards: ArrayLike<number>, values: ArrayLike<number>, mask: ArrayLike<number>, n: number, T: number, gamma = 1, lambda = 0.95): { advantages: Float32Array; returns: Float32Array } {
  const advantages = new Float32Array(n * T);
  const returns = new Float32Array(n * T);
  for (let i = 0; i < n; i++) {
    let nextValue = 0;
    let nextAdv = 0;
    for (let t = T - 1; t >= 0; t--) {
      const k = i * T + t;
      if (!mask[k]) continue;
      const delta = rewards[k]! + gamma * nextValue - values[k]!;
      const adv = delta + gamma * lambda * nextAdv;
      advantages[k] = adv;
      returns[k] = adv + values[k]!;
      nextAdv = adv;
      nextValue = values[k]!;
    }
  }
  return { advantages, returns };
}

/** Whitens advantages over the masked entries (mean 0, std 1), as trlX does before each update. */
export function whitenMasked(x: Float32Array, mask: ArrayLike<number>): Float32Array {
  let n = 0;
  let mean = 0;
  for (let k = 0; k < x.length; k++) if (mask[k]) (n++, (mean += x[k]!));
  if (n === 0) return x;
  mean /= n;
  let v = 0;
  for (let k = 0; k < x.length; k++) if (mask[k]) v += (x[k]! - mean) ** 2;
  const std = Math.sqrt(v / n) + 1e-8;
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = mask[k] ? (x[k]! - mean) / std : 0;
  return out;
}

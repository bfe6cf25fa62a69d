/**
 * The numbers GAA computes per minibatch (specs/rlhf.md §3.2, items 3 and 4):
 *
 *   η  = mean π_old(x*)                                  (greedy action's probability at rollout)
 *   σ  = mean (A* − A) / (std(A) + 1e-5)                  (greedy minus sampled advantage, in stds)
 *   η′ = min(xEta·η, 1),  σ′ = clamp(xSig·σ, 0, 1)
 *   a  = (1 − η′)(σ′ + 1) + η′(1 − σ′)^10
 *   b  = (1 − η′)(−σ′)    + η′((1 − σ′)^10 − 1)
 *
 * std is the minibatch's sample standard deviation (n − 1), as torch's `Tensor.std()` in the
 * published code. Nothing here knows whether the actions are tokens or environment actions.
 */

/** The published code's epsilon in σ's denominator. */
export const SIGMA_STD_EPS = 1e-5;
/** The published code's epsilon when it normalises the greedy advantages for J_greedy. */
export const ADVANTAGE_NORM_EPS = 1e-8;

export interface EtaSigma {
  /** Mean greedy probability over the minibatch (before scaling). */
  eta: number;
  /** Mean (A* − A)/(std A + 1e-5) over the minibatch (before scaling and clamping). */
  sigma: number;
  /** η′ = min(xEta·η, 1): what enters a and b. */
  etaScaled: number;
  /** σ′ = clamp(xSig·σ, 0, 1): what enters a and b. */
  sigmaScaled: number;
}

export interface Coefficients {
  a: number;
  b: number;
}

/** Sample mean and standard deviation (n − 1 in the denominator; 0 for fewer than two values). */
export function meanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) throw new RangeError('meanStd: no values');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  if (n < 2) return { mean, std: 0 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

function checkSameLength(what: string, arrays: Record<string, ArrayLike<number>>): number {
  const entries = Object.entries(arrays);
  const n = entries[0]![1].length;
  for (const [name, arr] of entries) {
    if (arr.length !== n) throw new RangeError(`${what}: ${name} has ${arr.length} entries, ${entries[0]![0]} has ${n}`);
  }
  if (n === 0) throw new RangeError(`${what}: empty minibatch`);
  return n;
}

/** η and σ of one minibatch, raw and scaled (the arrays hold that minibatch's steps only). */
export function etaSigma(
  mb: { greedyProbs: ArrayLike<number>; greedyAdvantages: ArrayLike<number>; advantages: ArrayLike<number> },
  scales: { xEta: number; xSig: number },
): EtaSigma {
  const n = checkSameLength('etaSigma', { greedyProbs: mb.greedyProbs, greedyAdvantages: mb.greedyAdvantages, advantages: mb.advantages });
  let eta = 0;
  for (let i = 0; i < n; i++) eta += mb.greedyProbs[i]!;
  eta /= n;
  const denom = meanStd(mb.advantages).std + SIGMA_STD_EPS;
  let sigma = 0;
  for (let i = 0; i < n; i++) sigma += (mb.greedyAdvantages[i]! - mb.advantages[i]!) / denom;
  sigma /= n;
  return { eta, sigma, etaScaled: scaleEta(eta, scales.xEta), sigmaScaled: scaleSigma(sigma, scales.xSig) };
}

/** η′ = xEta·η, clamped to [0, 1] (η is a probability, so only the upper clamp ever acts). */
export function scaleEta(eta: number, xEta: number): number {
  return clamp01(xEta * eta);
}

/** σ′ = xSig·σ clamped to [0, 1]: a greedy action worse than the sampled one is not penalised. */
export function scaleSigma(sigma: number, xSig: number): number {
  return clamp01(xSig * sigma);
}

function clamp01(x: number): number {
  // Math.max(0, -0) is +0, so a zero product never leaks a negative zero into a and b.
  return Math.min(Math.max(x, 0), 1);
}

/**
 * a and b from the scaled η′ and σ′, both in [0, 1]. Written as
 *   a = 1 + σ′(1 − η′) + η′((1 − σ′)^p − 1),   b = −σ′(1 − η′) + η′((1 − σ′)^p − 1),
 * which is the spec's formula rearranged so that σ′ = 0 gives a = 1 and b = 0 exactly in floating
 * point (the literal form can land one ulp away from 1, which would break "σ = 0 is plain PPO").
 */
export function gaaCoefficients(etaScaled: number, sigmaScaled: number, decayPower = 10): Coefficients {
  if (!(etaScaled >= 0 && etaScaled <= 1)) throw new RangeError(`gaaCoefficients: eta′ must be in [0, 1], got ${etaScaled}`);
  if (!(sigmaScaled >= 0 && sigmaScaled <= 1)) throw new RangeError(`gaaCoefficients: sigma′ must be in [0, 1], got ${sigmaScaled}`);
  if (!(decayPower > 0) || !Number.isFinite(decayPower)) throw new RangeError(`gaaCoefficients: decayPower must be a positive number, got ${decayPower}`);
  const linear = sigmaScaled * (1 - etaScaled);
  const decay = etaScaled * ((1 - sigmaScaled) ** decayPower - 1);
  return { a: 1 + linear + decay, b: -linear + decay };
}

/**
 * The greedy advantages normalised for J_greedy as the published code does:
 * (A* − mean A) / (std A + 1e-8), with the minibatch's sampled-advantage statistics.
 */
export function normaliseGreedyAdvantages(greedyAdvantages: ArrayLike<number>, advantages: ArrayLike<number>): Float32Array {
  checkSameLength('normaliseGreedyAdvantages', { greedyAdvantages, advantages });
  const { mean, std } = meanStd(advantages);
  const out = new Float32Array(greedyAdvantages.length);
  for (let i = 0; i < out.length; i++) out[i] = (greedyAdvantages[i]! - mean) / (std + ADVANTAGE_NORM_EPS);
  return out;
}

/**
 * For sequence rewards (the token setting): the reward of the sequence whose last token is the
 * greedy one, z-scored with the sampled batch's reward mean and std and clamped to ±3 as the
 * published code does (specs/rlhf.md §3.2 item 2). Exposed here for the language-model wiring.
 */
export function normaliseGreedyRewards(greedyRewards: ArrayLike<number>, sampledMean: number, sampledStd: number, clampAt = 3): Float64Array {
  const out = new Float64Array(greedyRewards.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max((greedyRewards[i]! - sampledMean) / (sampledStd + SIGMA_STD_EPS), -clampAt), clampAt);
  return out;
}

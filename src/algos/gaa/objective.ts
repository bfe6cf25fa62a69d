/**
 * The greedy objective J_greedy and the GAA update a·∇J + b·∇J_greedy (specs/rlhf.md §3.2 item 5).
 *
 * Both are clipped surrogates on the normalised greedy advantage Â* = (A* − mean A)/(std A + 1e-8);
 * they differ in whose probability ratio is clipped:
 *   - 'prose' (default): the greedy actions' own ratio π(x*)/π_old(x*). Its gradient moves the
 *     greedy action's probability, which is what the post describes ("gradient descent for
 *     parameters influencing the probability of selection of the greedy token").
 *   - 'published': the *sampled* actions' ratio π(x)/π_old(x) times Â*, as the code computes it
 *     (`calc_greedy_clipped_surrogate_objective`); its gradient moves the sampled actions.
 *
 * Inputs are log-probabilities, so the same code serves tokens and environment actions.
 */
import { tf, type Tensor, type Tensor1D } from '../../nn/index.js';
import type { GaaVariant } from './config.js';

/** mean min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A) with ρ = exp(logp − logpOld): an objective to maximise. */
export function clippedSurrogateObjective(logp: Tensor1D, logpOld: Tensor1D, advantages: Tensor1D, clip: number): Tensor {
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(logp, logpOld));
    return tf.mean(tf.minimum(tf.mul(ratio, advantages), tf.mul(tf.clipByValue(ratio, 1 - clip, 1 + clip), advantages)));
  });
}

export interface GreedyObjectiveInput {
  /** log π(x) of the sampled actions under the current parameters (carries the gradient). */
  sampledLogp: Tensor1D;
  /** log π_old(x) of the sampled actions at rollout. */
  sampledLogpOld: Tensor1D;
  /** log π(x*) of the greedy actions under the current parameters (carries the gradient). */
  greedyLogp: Tensor1D;
  /** log π_old(x*) at rollout. */
  greedyLogpOld: Tensor1D;
  /** Â* = (A* − mean A)/(std A + 1e-8) over the minibatch (normaliseGreedyAdvantages). */
  greedyAdvantages: Tensor1D;
  clip: number;
}

/** J_greedy, to be maximised (GAA weights it with b ≤ 0, so the update descends it). */
export function greedyObjective(variant: GaaVariant, input: GreedyObjectiveInput): Tensor {
  switch (variant) {
    case 'prose':
      return clippedSurrogateObjective(input.greedyLogp, input.greedyLogpOld, input.greedyAdvantages, input.clip);
    case 'published':
      return clippedSurrogateObjective(input.sampledLogp, input.sampledLogpOld, input.greedyAdvantages, input.clip);
    default:
      throw new RangeError(`greedyObjective: unknown variant "${String(variant)}"; choose prose or published`);
  }
}

/**
 * The loss whose gradient descent step is the ascent step a·∇J + b·∇J_greedy, where `ppoLoss` is
 * the usual minimised loss −J: loss = a·(−J) − b·J_greedy. As in the published code, a multiplies
 * the whole objective (surrogate, value, entropy and KL terms), b only the greedy surrogate.
 */
export function gaaLoss(a: number, ppoLoss: Tensor, b: number, jGreedy: Tensor): Tensor {
  return tf.tidy(() => tf.sub(tf.mul(ppoLoss, a), tf.mul(jGreedy, b)));
}

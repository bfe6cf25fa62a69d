/**
 * RLlib's PPO loss for one minibatch (specs/orpo.md §1.6):
 *   L = mean[−min(A·ρ, A·clip(ρ, 1−ε, 1+ε)) + c_vf·min((V − V_targ)², vf_clip) − β_ent·H] + β_kl·mean KL(π_old ‖ π)
 * Note the value term caps the squared error; it is not PPO-style value clipping.
 */
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import type { ActorCritic } from '../../policies/actor-critic.js';

export interface Minibatch {
  obs: Tensor2D;
  actions: Tensor2D;
  oldLogp: Tensor1D;
  oldDistParams: Tensor2D;
  advantages: Tensor1D;
  valueTargets: Tensor1D;
}

export interface LossCoefficients {
  clipParam: number;
  vfLossCoeff: number;
  vfClipParam: number | null;
  entropyCoeff: number;
  klCoeff: number;
}

/** Loss terms kept for logging: [policy loss, value loss, KL(old‖new), entropy]. */
export const LOSS_STAT_NAMES = ['policyLoss', 'vfLoss', 'kl', 'entropy'] as const;

export interface LossParts {
  total: Tensor;
  /** The four LOSS_STAT_NAMES values as one tensor (so they are read back in one transfer). */
  stats: Tensor1D;
}

export function ppoLoss(policy: ActorCritic, mb: Minibatch, c: LossCoefficients, extra?: (distParams: Tensor2D) => Tensor): LossParts {
  const { distParams, values } = policy.forward(mb.obs);
  const logp = policy.dist.logProb(distParams, mb.actions);
  const ratio = tf.exp(tf.sub(logp, mb.oldLogp));
  const surrogate = tf.minimum(tf.mul(mb.advantages, ratio), tf.mul(mb.advantages, tf.clipByValue(ratio, 1 - c.clipParam, 1 + c.clipParam)));
  const policyLoss = tf.neg(tf.mean(surrogate));
  let vfErr: Tensor = tf.square(tf.sub(values, mb.valueTargets));
  if (c.vfClipParam !== null) vfErr = tf.clipByValue(vfErr, 0, c.vfClipParam);
  const vfLoss = tf.mean(vfErr);
  const entropy = tf.mean(policy.dist.entropy(distParams));
  const kl = tf.mean(policy.dist.kl(mb.oldDistParams, distParams));
  let total = tf.add(tf.add(policyLoss, tf.mul(vfLoss, c.vfLossCoeff)), tf.mul(entropy, -c.entropyCoeff));
  if (c.klCoeff !== 0) total = tf.add(total, tf.mul(kl, c.klCoeff));
  if (extra) total = tf.add(total, extra(distParams));
  return { total, stats: tf.stack([policyLoss, vfLoss, kl, entropy]) as Tensor1D };
}

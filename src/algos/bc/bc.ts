/**
 * Behavioural cloning (specs/orpo.md §4): minimise −mean log π(a*|s) − entropyCoeff·mean H(π(·|s))
 * over a dataset of (observation, action) pairs, one shuffled pass of minibatch SGD per iteration.
 */
import { tf, Adam, clipByGlobalNorm, valueAndGrads, type Tensor1D, type Tensor2D } from '../../nn/index.js';
import type { ActorCritic } from '../../policies/actor-critic.js';
import type { Rng } from '../../util/rng.js';

export interface BcConfig {
  lr: number;
  minibatch: number;
  entropyCoeff: number;
  gradClip: number | null;
}

export interface BcEpochStats {
  loss: number;
  nll: number;
  entropy: number;
}

export function bcEpoch(policy: ActorCritic, optimizer: Adam, obs: Float32Array, actions: Float32Array, n: number, config: BcConfig, rng: Rng): BcEpochStats {
  const obsDim = policy.obsDim;
  const actionDim = policy.dist.actionDim;
  const allObs = tf.tensor2d(obs, [n, obsDim]);
  const allAct = tf.tensor2d(actions, [n, actionDim]);
  const mb = Math.min(config.minibatch, n);
  const numMb = Math.ceil(n / mb);
  const perm = rng.permutation(n);
  let sums = [0, 0, 0];
  let count = 0;
  try {
    for (let m = 0; m < numMb; m++) {
      const idx = tf.tensor1d(perm.subarray(m * mb, Math.min(n, (m + 1) * mb)), 'int32');
      const x = tf.gather(allObs, idx) as Tensor2D;
      const a = tf.gather(allAct, idx) as Tensor2D;
      let parts: number[] = [];
      const { loss, grads } = valueAndGrads(policy.params, () => {
        const params = policy.distParams(x);
        const nll = tf.neg(tf.mean(policy.dist.logProb(params, a)));
        const ent = tf.mean(policy.dist.entropy(params) as Tensor1D);
        parts = [nll.dataSync()[0]!, ent.dataSync()[0]!];
        return tf.sub(nll, tf.mul(ent, config.entropyCoeff));
      });
      tf.dispose([idx, x, a]);
      if (!Number.isFinite(loss)) {
        for (const g of grads.values()) g.dispose();
        throw new Error(`BC loss became ${loss} at minibatch ${m + 1}`);
      }
      const clipped = config.gradClip === null ? { grads } : clipByGlobalNorm(grads, config.gradClip);
      optimizer.apply(clipped.grads);
      for (const g of clipped.grads.values()) g.dispose();
      sums = [sums[0]! + loss, sums[1]! + parts[0]!, sums[2]! + parts[1]!];
      count += 1;
    }
  } finally {
    tf.dispose([allObs, allAct]);
  }
  return { loss: sums[0]! / count, nll: sums[1]! / count, entropy: sums[2]! / count };
}

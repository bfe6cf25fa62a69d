/**
 * Checkpoints of a language-model PPO run, in the layout of the lab's PPO stage (lab.ts
 * runPpoStage), so that every tool reads a checkpoint of either kind of run alike:
 *   iter-NNNNNN/pretrained/          the policy as a pretrained directory (loadPretrained; the value
 *                                    head rides along as extra tensors)
 *   iter-NNNNNN/trainer-state.{json,bin}  the exact training state: weights with the value head,
 *                                    Adam moments and the trainer's own state, for resuming.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, saveModel } from '../../nn/index.js';
import { savePretrained, transpose2d, type GptNeoX, type LmTokenizer } from '../../lm/index.js';
import { VALUE_WEIGHT, VALUE_BIAS, type LmPpoTrainer } from '../../algos/rlhf/trainer.js';
import type { RunDir } from '../run-store.js';

/** Writes the policy at the trainer's iteration; keeps the newest `keep` checkpoints (Infinity: all). */
export function writePolicyCheckpoint(run: RunDir, trainer: LmPpoTrainer, policy: GptNeoX, tokenizer: LmTokenizer, keep: number): string {
  const read = policy.params.read();
  return run.writeCheckpoint(
    trainer.iteration,
    (tmp) => {
      savePretrained(join(tmp, 'pretrained'), policy, {
        tokenizer,
        extra: new Map([
          [VALUE_WEIGHT, transpose2d(read.get(VALUE_WEIGHT)!)],
          [VALUE_BIAS, read.get(VALUE_BIAS)!],
        ]),
      });
      saveModel(tmp, 'trainer-state', policy.params, trainer.optimizer, { trainer: trainer.getState() });
    },
    keep,
  );
}

/** Loads checkpoint `iteration` into the policy (value head included), the optimizer and the trainer. */
export function restorePolicyCheckpoint(run: RunDir, iteration: number, policy: GptNeoX, trainer: LmPpoTrainer): void {
  const meta = loadModel(run.checkpointPath(iteration), 'trainer-state', policy.params, trainer.optimizer);
  trainer.setState(meta['trainer'] as Parameters<LmPpoTrainer['setState']>[0]);
}

/** The pretrained directory of a checkpoint (older checkpoints were the pretrained directory itself). */
export function checkpointPolicyDir(checkpointDir: string): string {
  const nested = join(checkpointDir, 'pretrained');
  return existsSync(join(nested, 'config.json')) ? nested : checkpointDir;
}

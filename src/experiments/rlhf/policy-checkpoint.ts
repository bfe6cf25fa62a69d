/**
 * Checkpoints of a language-model PPO run, shared by every stage that trains a policy with
 * LmPpoTrainer (the RLHF lab against a reward-model ensemble, reverse reward engineering against the
 * white-box reward). A checkpoint is a pretrained directory (loadPretrained reads it as a policy;
 * the value head rides along as extra tensors) plus the optimizer and trainer state for resuming.
 * The Adam moments are tensors, so they go to optimizer.json + optimizer.bin (saveTensors), not
 * into plain JSON, which would turn their Maps into empty objects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensors, saveTensors, type AdamState, type NamedArray } from '../../nn/index.js';
import { loadPretrained, savePretrained, transpose2d, type GptNeoX, type LmTokenizer } from '../../lm/index.js';
import { VALUE_WEIGHT, VALUE_BIAS, type LmPpoTrainer } from '../../algos/rlhf/trainer.js';
import type { RunDir } from '../run-store.js';

/** Writes the policy at the trainer's iteration; keeps the newest `keep` checkpoints (Infinity: all). */
export function writePolicyCheckpoint(run: RunDir, trainer: LmPpoTrainer, policy: GptNeoX, tokenizer: LmTokenizer, keep: number): string {
  const read = policy.params.read();
  return run.writeCheckpoint(
    trainer.iteration,
    (tmp) => {
      savePretrained(tmp, policy, {
        tokenizer,
        extra: new Map([
          [VALUE_WEIGHT, transpose2d(read.get(VALUE_WEIGHT)!)],
          [VALUE_BIAS, read.get(VALUE_BIAS)!],
        ]),
        files: { 'trainer_state.json': trainer.getState() },
      });
      const adam = trainer.optimizer.getState();
      const moments = new Map<string, NamedArray>();
      for (const [k, v] of adam.m) moments.set(`m/${k}`, v);
      for (const [k, v] of adam.v) moments.set(`v/${k}`, v);
      saveTensors(tmp, 'optimizer', moments, { step: adam.step });
    },
    keep,
  );
}

/** Loads checkpoint `iteration` into the policy (value head included), the optimizer and the trainer. */
export function restorePolicyCheckpoint(run: RunDir, iteration: number, policy: GptNeoX, trainer: LmPpoTrainer): void {
  const dir = run.checkpointPath(iteration);
  const ck = loadPretrained(dir);
  try {
    const values = ck.model.params.read();
    values.set(VALUE_WEIGHT, transpose2d(ck.extra.get(VALUE_WEIGHT)!));
    values.set(VALUE_BIAS, ck.extra.get(VALUE_BIAS)!);
    policy.params.write(values, 'checkpoint');
    const { tensors, meta } = loadTensors(dir, 'optimizer');
    const adam: AdamState = { step: meta['step'] as number, m: new Map(), v: new Map() };
    for (const [k, v] of tensors) (k.startsWith('m/') ? adam.m : adam.v).set(k.slice(2), v);
    trainer.optimizer.setState(adam);
    trainer.setState(JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')));
  } finally {
    ck.model.dispose();
  }
}

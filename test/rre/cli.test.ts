import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rreCommand, whiteboxFromFlags } from '../../src/cli/commands/rre.js';
import { monotonicityCommand } from '../../src/cli/commands/monotonicity.js';
import { commands } from '../../src/cli/commands/index.js';

test('rre and monotonicity are registered subcommands', () => {
  assert.equal(commands['rre'], rreCommand);
  assert.equal(commands['monotonicity'], monotonicityCommand);
});

test('bad rre and monotonicity options are refused naming the flag', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'goodhart-rre-cli-'));
  const base = ['train', '--sft', 'sft-dir', '--out', join(empty, 'run')];
  const cases: [typeof rreCommand, string[], RegExp][] = [
    [rreCommand, [...base, '--steps', '0'], /--steps: expected an integer ≥ 1, got "0"/],
    [rreCommand, [...base, '--checkpoint-every', 'ten'], /--checkpoint-every: expected an integer ≥ 1/],
    [rreCommand, [...base, '--lr=-1'], /--lr: expected a positive number, got "-1"/],
    [rreCommand, [...base, '--coeff=-0.5'], /--coeff: expected a number ≥ 0/],
    [rreCommand, [...base, '--regularizer', 'l2'], /--regularizer: "l2" is not one of none, kl-reward, kl, sqrt_chi2/],
    [rreCommand, [...base, '--length-incentive', 'maybe'], /--length-incentive: "maybe" is not one of on, off/],
    [rreCommand, [...base, '--branching', 'yes'], /--branching: "yes" is not one of on, off/],
    [rreCommand, [...base, '--preset', 'huge'], /--preset: "huge" is not one of full, lengthOnly/],
    [rreCommand, [...base, '--similarity', 'l1'], /--similarity: "l1" is not one of dot, cosine/],
    [rreCommand, [...base, '--max-sequence-length', '0'], /--max-sequence-length: expected an integer ≥ 1/],
    [rreCommand, [...base, '--colour', 'red'], /Unknown option '--colour'[\s\S]*options: --out/],
    [rreCommand, ['train', '--out', 'x'], /rre train: --sft DIR is required/],
    [rreCommand, ['train', '--sft', 'x'], /rre train: --out DIR is required/],
    [rreCommand, ['sft'], /rre sft: --out DIR is required/],
    [rreCommand, ['fly'], /rre: expected "sft" or "train", got "fly"/],
    [monotonicityCommand, [], /monotonicity: --runs DIR is required/],
    [monotonicityCommand, ['--runs', join(empty, 'missing')], /--runs: ".*missing" is not a directory/],
    [monotonicityCommand, ['--runs', empty], /--runs: no run directory with checkpoints/],
    [monotonicityCommand, ['--runs', empty, '--temperature', '0'], /--temperature: expected a positive number, got "0"/],
    [monotonicityCommand, ['--runs', empty, '--prompts', '0'], /--prompts: expected an integer ≥ 1/],
  ];
  for (const [cmd, args, pattern] of cases) {
    await assert.rejects(cmd.run(args), (err: Error) => {
      assert.match(err.message, pattern, `${args.join(' ')}`);
      assert.equal(err.name, 'ConfigError', `${args.join(' ')}: ${err.message}`);
      return true;
    });
  }
});

test('feature switches override the preset', () => {
  assert.deepEqual(whiteboxFromFlags({}), {});
  assert.deepEqual(whiteboxFromFlags({ preset: 'lengthOnly', 'repetition-penalty': 'on' }), { lengthIncentive: true, repetitionPenalty: true, relevanceScaling: false, rewardBranching: false });
  assert.deepEqual(whiteboxFromFlags({ branching: 'off', 'max-sequence-length': '64', similarity: 'cosine' }), { rewardBranching: false, maxSequenceLength: 64, similarity: 'cosine' });
});

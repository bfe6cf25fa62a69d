/** ORPO settings (resolveOrpoConfig) and the split of environment copies (splitEnvCopies). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOrpoConfig, ORPO_DEFAULTS } from '../../src/algos/orpo/config.js';
import { splitEnvCopies } from '../../src/algos/orpo/trainer.js';
import { ConfigError } from '../../src/util/validate.js';

/** Asserts `fn` throws a ConfigError whose message matches every pattern. */
function throwsConfig(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('splitEnvCopies: 30 copies at 0.5 → 15 current / 15 base; uneven splits across base policies', () => {
  assert.deepEqual(splitEnvCopies(30, 0.5, 1), { current: 15, base: [15] });
  assert.deepEqual(splitEnvCopies(30, 0.5, 2), { current: 15, base: [8, 7] });
  assert.deepEqual(splitEnvCopies(30, 0.5, 4), { current: 15, base: [4, 4, 4, 3] });
  assert.deepEqual(splitEnvCopies(10, 0.3, 1), { current: 7, base: [3] });
  assert.deepEqual(splitEnvCopies(2, 0.5, 1), { current: 1, base: [1] });
  assert.deepEqual(splitEnvCopies(4, 0.5, 1), { current: 2, base: [2] });
  // Every copy is accounted for.
  for (const [total, pct, k] of [
    [31, 0.5, 3],
    [7, 0.9, 2],
    [100, 0.25, 5],
  ] as const) {
    const s = splitEnvCopies(total, pct, k);
    assert.equal(s.current + s.base.reduce((a, b) => a + b, 0), total);
    assert.equal(s.base.length, k);
    assert.ok(s.current >= 1 && s.base.every((b) => b >= 1));
  }
});

test('splitEnvCopies rejects impossible splits, naming ppo.numEnvs', () => {
  // 1 copy: nothing left for one side.
  assert.throws(() => splitEnvCopies(1, 0.5, 1), /ppo\.numEnvs/);
  // round(4·0.1) = 0 base copies.
  assert.throws(() => splitEnvCopies(4, 0.1, 1), /ppo\.numEnvs/);
  // round(4·0.9) = 4: no current copy.
  assert.throws(() => splitEnvCopies(4, 0.9, 1), /ppo\.numEnvs/);
  // 2 base copies for 3 base policies.
  assert.throws(() => splitEnvCopies(4, 0.5, 3), /ppo\.numEnvs/);
});

test('resolveOrpoConfig: defaults, with the per-environment reward clip', () => {
  const c = resolveOrpoConfig('tomato', {}, 1);
  assert.deepEqual(c, { ...ORPO_DEFAULTS, discriminatorRewardClip: 1000 });
  assert.equal(resolveOrpoConfig('traffic', undefined, 1).discriminatorRewardClip, 1);
  assert.equal(resolveOrpoConfig('pandemic', {}, 1).discriminatorRewardClip, 100);
  // An explicit value wins over the environment default.
  assert.equal(resolveOrpoConfig('tomato', { discriminatorRewardClip: 5 }, 1).discriminatorRewardClip, 5);
  // ORPO_DEFAULTS is not mutated by a resolution.
  assert.deepEqual(ORPO_DEFAULTS.omDivergenceType, ['sqrt_chi2']);
});

test('resolveOrpoConfig accepts snake_case names and the README alias action_dist_kl_coeff', () => {
  const c = resolveOrpoConfig(
    'tomato',
    {
      om_divergence_coeffs: [0.5],
      om_divergence_type: ['kl'],
      percent_safe_policy: 0.3,
      use_action_for_disc: false,
      discriminator_reward_clip: 7,
      discriminator_num_sgd_iter: 2,
      wasserstein_distance_subtract_mean_safe_policy_score: true,
      action_dist_kl_coeff: 0.1,
      action_dist_divergence_type: 'chi2',
    },
    1,
  );
  assert.deepEqual(c.omDivergenceCoeffs, [0.5]);
  assert.deepEqual(c.omDivergenceType, ['kl']);
  assert.equal(c.percentSafePolicy, 0.3);
  assert.equal(c.useActionForDisc, false);
  assert.equal(c.discriminatorRewardClip, 7);
  assert.equal(c.discriminatorNumSgdIter, 2);
  assert.equal(c.wassersteinDistanceSubtractMeanSafePolicyScore, true);
  assert.equal(c.actionDistDivergenceCoeff, 0.1);
  assert.equal(c.actionDistDivergenceType, 'chi2');
  assert.equal(resolveOrpoConfig('tomato', { action_dist_divergence_coeff: 0.2 }, 1).actionDistDivergenceCoeff, 0.2);
  assert.equal(resolveOrpoConfig('tomato', { actionDistKlCoeff: 0.3 }, 1).actionDistDivergenceCoeff, 0.3);
  // The same setting under two spellings is ambiguous.
  throwsConfig(() => resolveOrpoConfig('tomato', { action_dist_kl_coeff: 1, actionDistDivergenceCoeff: 2 }, 1), /given twice/);
  throwsConfig(() => resolveOrpoConfig('tomato', { om_divergence_coeffs: [1], omDivergenceCoeffs: [1] }, 1), /given twice/);
});

test('resolveOrpoConfig rejects unknown keys and invalid values, naming the field', () => {
  throwsConfig(() => resolveOrpoConfig('tomato', { omDivergenceCoef: [1] }, 1), /omDivergenceCoef/, /orpo/);
  throwsConfig(() => resolveOrpoConfig('tomato', { percentSafePolicy: 1 }, 1), /orpo\.percentSafePolicy/);
  throwsConfig(() => resolveOrpoConfig('tomato', { omDivergenceType: ['js'] }, 1), /orpo\.omDivergenceType/);
  throwsConfig(() => resolveOrpoConfig('tomato', { action_dist_divergence_type: 'tv' }, 1), /orpo\.actionDistDivergenceType/);
  throwsConfig(() => resolveOrpoConfig('tomato', { omDivergenceCoeffs: [] }, 1), /orpo\.omDivergenceCoeffs/);
  throwsConfig(() => resolveOrpoConfig('tomato', [1], 1), /orpo/);
  throwsConfig(() => resolveOrpoConfig('tomato', 'kl', 1), /orpo/);
});

test('resolveOrpoConfig: one coefficient per base policy; one type, or one per base policy', () => {
  throwsConfig(() => resolveOrpoConfig('tomato', { omDivergenceCoeffs: [1, 2] }, 1), /orpo\.omDivergenceCoeffs/, /2 coefficient/);
  throwsConfig(() => resolveOrpoConfig('tomato', { omDivergenceCoeffs: [1] }, 2), /orpo\.omDivergenceCoeffs/);
  throwsConfig(() => resolveOrpoConfig('tomato', { omDivergenceCoeffs: [1, 1, 1], omDivergenceType: ['kl', 'tv'] }, 3), /orpo\.omDivergenceType/);
  // A single type is broadcast to every base policy.
  const c = resolveOrpoConfig('tomato', { omDivergenceCoeffs: [1, -1, 0.5], omDivergenceType: ['chi2'] }, 3);
  assert.deepEqual(c.omDivergenceType, ['chi2', 'chi2', 'chi2']);
  const d = resolveOrpoConfig('tomato', { omDivergenceCoeffs: [1, 2], omDivergenceType: ['kl', 'tv'] }, 2);
  assert.deepEqual(d.omDivergenceType, ['kl', 'tv']);
});

test('resolveOrpoConfig: action-distribution regularisation needs exactly one base policy', () => {
  throwsConfig(() => resolveOrpoConfig('tomato', { omDivergenceCoeffs: [0, 0], action_dist_kl_coeff: 0.1 }, 2), /orpo\.actionDistDivergenceCoeff/, /one base policy/);
  // Off (0) is fine with several base policies.
  assert.equal(resolveOrpoConfig('tomato', { omDivergenceCoeffs: [0, 0] }, 2).actionDistDivergenceCoeff, 0);
});

test('resolveOrpoConfig: coeffScale "auto" only with kl or sqrt_chi2 for the active regularisers', () => {
  throwsConfig(() => resolveOrpoConfig('tomato', { coeffScale: 'auto', omDivergenceCoeffs: [1], omDivergenceType: ['tv'] }, 1), /orpo\.coeffScale/, /tv/);
  throwsConfig(() => resolveOrpoConfig('tomato', { coeffScale: 'auto', omDivergenceCoeffs: [1], omDivergenceType: ['chi2'] }, 1), /orpo\.coeffScale/);
  throwsConfig(() => resolveOrpoConfig('tomato', { coeffScale: 'auto', omDivergenceCoeffs: [0], omDivergenceType: ['kl'], action_dist_kl_coeff: 1, actionDistDivergenceType: 'chi2' }, 1), /orpo\.coeffScale/, /chi2/);
  assert.equal(resolveOrpoConfig('tomato', { coeffScale: 'auto', omDivergenceCoeffs: [1], omDivergenceType: ['sqrt_chi2'] }, 1).coeffScale, 'auto');
  assert.equal(resolveOrpoConfig('tomato', { coeffScale: 'auto', omDivergenceCoeffs: [1], omDivergenceType: ['kl'] }, 1).coeffScale, 'auto');
  // A tv discriminator with coefficient 0 (logging only) does not need a scale.
  assert.equal(resolveOrpoConfig('tomato', { coeffScale: 'auto', omDivergenceCoeffs: [0], omDivergenceType: ['tv'] }, 1).coeffScale, 'auto');
  throwsConfig(() => resolveOrpoConfig('tomato', { coeffScale: 0 }, 1), /orpo\.coeffScale/);
  throwsConfig(() => resolveOrpoConfig('tomato', { coeffScale: 'manual' }, 1), /orpo\.coeffScale/);
});

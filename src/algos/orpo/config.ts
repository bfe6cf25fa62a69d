/**
 * ORPO settings. Names follow the options the published code reads (camelCased:
 * om_divergence_coeffs → omDivergenceCoeffs), not its README: the README's `action_dist_kl_coeff`
 * does not exist in the code, and is accepted here only as an alias of actionDistDivergenceCoeff.
 */
import { z, parseConfig, ConfigError } from '../../util/validate.js';
import { OM_DIVERGENCES, type OmDivergence } from './divergences.js';
import { AD_DIVERGENCES, type AdDivergence } from './action-divergence.js';

export const orpoConfigSchema = z.strictObject({
  /** One coefficient per base policy; negative values regularise *away* from that policy. */
  omDivergenceCoeffs: z.array(z.number()).min(1),
  /** One divergence per base policy (a single entry applies to all). */
  omDivergenceType: z.array(z.enum(OM_DIVERGENCES as unknown as [OmDivergence, ...OmDivergence[]])).min(1),
  /** Fraction of each iteration's environment copies that run the base policies. */
  percentSafePolicy: z.number().gt(0).lt(1),
  /** Discriminate state-action (true) or state (false) occupancy measures. */
  useActionForDisc: z.boolean(),
  /** The penalty added to each step's reward is clipped to ±this. */
  discriminatorRewardClip: z.number().positive(),
  /** Discriminator epochs per iteration; null means the policy's numSgdIter. */
  discriminatorNumSgdIter: z.number().int().positive().nullable(),
  discriminatorWidth: z.number().int().positive(),
  discriminatorDepth: z.number().int().positive(),
  /** Wasserstein without gradient penalty: discriminator weights are clamped to ±this after each iteration. */
  wganGradClip: z.number().positive(),
  wganGradPenaltyWeight: z.number().positive().nullable(),
  wassersteinDistanceSubtractMeanSafePolicyScore: z.boolean(),
  /** Action-distribution regulariser (needs exactly one base policy); 0 disables it. */
  actionDistDivergenceCoeff: z.number(),
  actionDistDivergenceType: z.enum(AD_DIVERGENCES as unknown as [AdDivergence, ...AdDivergence[]]),
  /**
   * Multiplies every coefficient: a number, or "auto" (resolved when a run is created to the base
   * policy's per-step reward standard deviation for sqrt_chi2, or its mean per-step reward for kl).
   */
  coeffScale: z.union([z.number().positive(), z.literal('auto')]),
  /** Start the current policy from the (first) base policy's weights instead of a fresh initialisation. */
  initCurrentFromBase: z.boolean(),
});

export type OrpoConfig = z.output<typeof orpoConfigSchema>;

export const ORPO_DEFAULTS: OrpoConfig = {
  omDivergenceCoeffs: [0],
  omDivergenceType: ['sqrt_chi2'],
  percentSafePolicy: 0.5,
  useActionForDisc: true,
  discriminatorRewardClip: 1000,
  discriminatorNumSgdIter: null,
  discriminatorWidth: 256,
  discriminatorDepth: 2,
  wganGradClip: 0.01,
  wganGradPenaltyWeight: null,
  wassersteinDistanceSubtractMeanSafePolicyScore: false,
  actionDistDivergenceCoeff: 0,
  actionDistDivergenceType: 'kl',
  coeffScale: 1,
  initCurrentFromBase: false,
};

/** specs/orpo.md §2: discriminator_reward_clip per environment (glucose's 1e10 is effectively none). */
const REWARD_CLIP: Record<string, number> = { tomato: 1000, traffic: 1, pandemic: 100, glucose: 1e10 };

/** Accepts the README's spellings (snake_case and `action_dist_kl_coeff`) as aliases. */
function normaliseKeys(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    let k = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (k === 'actionDistKlCoeff') k = 'actionDistDivergenceCoeff';
    if (k in out) throw new ConfigError(`orpo.${key}: given twice (also under another spelling)`);
    out[k] = value;
  }
  return out;
}

export function resolveOrpoConfig(envName: string, input: unknown, numBase: number): OrpoConfig {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    throw new ConfigError(`orpo: expected an object, got ${JSON.stringify(input)}`);
  }
  const merged = { ...ORPO_DEFAULTS, discriminatorRewardClip: REWARD_CLIP[envName] ?? ORPO_DEFAULTS.discriminatorRewardClip, ...normaliseKeys((input ?? {}) as Record<string, unknown>) };
  const c = parseConfig(orpoConfigSchema, merged, 'orpo');
  if (c.omDivergenceType.length === 1 && numBase > 1) c.omDivergenceType = Array.from({ length: numBase }, () => c.omDivergenceType[0]!);
  if (c.omDivergenceCoeffs.length !== numBase) {
    throw new ConfigError(`orpo.omDivergenceCoeffs: ${c.omDivergenceCoeffs.length} coefficient(s) for ${numBase} base polic${numBase === 1 ? 'y' : 'ies'}; give one per base policy`);
  }
  if (c.omDivergenceType.length !== numBase) {
    throw new ConfigError(`orpo.omDivergenceType: ${c.omDivergenceType.length} type(s) for ${numBase} base policies; give one, or one per base policy`);
  }
  if (c.actionDistDivergenceCoeff !== 0 && numBase !== 1) {
    throw new ConfigError(`orpo.actionDistDivergenceCoeff: action-distribution regularisation needs exactly one base policy (have ${numBase})`);
  }
  if (c.coeffScale === 'auto') {
    for (const t of [...c.omDivergenceType.filter((_t, i) => c.omDivergenceCoeffs[i] !== 0), ...(c.actionDistDivergenceCoeff !== 0 ? [c.actionDistDivergenceType] : [])]) {
      if (t !== 'kl' && t !== 'sqrt_chi2') throw new ConfigError(`orpo.coeffScale: "auto" is defined for kl and sqrt_chi2 only, not ${t}`);
    }
  }
  return c;
}

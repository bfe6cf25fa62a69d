/**
 * GAA settings (specs/rlhf.md §3.2). `xEta` and `xSig` are the published code's `x_eta` and
 * `x_sig`: η and σ are multiplied by them before the clamps. `variant` picks how the greedy
 * objective J_greedy is read (see objective.ts): the prose's reading is the default.
 */
import { z, parseConfig, ConfigError } from '../../util/validate.js';

export const GAA_VARIANTS = ['prose', 'published'] as const;
export type GaaVariant = (typeof GAA_VARIANTS)[number];

export const gaaConfigSchema = z.strictObject({
  /**
   * prose: J_greedy is a clipped surrogate of the greedy actions' own probability ratios;
   * published: the sampled actions' ratios weighted by the greedy advantage, as the code does.
   */
  variant: z.enum(GAA_VARIANTS),
  /** η′ = min(xEta·η, 1). */
  xEta: z.number().nonnegative(),
  /** σ′ = clamp(xSig·σ, 0, 1); 0 turns GAA off (a = 1, b = 0: plain PPO). */
  xSig: z.number().nonnegative(),
  /** The exponent of the decay term (1 − σ′)^power; the spec and the code use 10. */
  decayPower: z.number().positive(),
});

export type GaaConfig = z.output<typeof gaaConfigSchema>;

/** The published code's defaults (args.py: x_eta = x_sig = 1) with the prose's reading of J_greedy. */
export const GAA_DEFAULTS: Readonly<GaaConfig> = Object.freeze({ variant: 'prose', xEta: 1, xSig: 1, decayPower: 10 });

/** Accepts the code's snake_case spellings (x_eta, x_sig, decay_power) as aliases. */
function normaliseKeys(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const k = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (k in out) throw new ConfigError(`gaa.${key}: given twice (also under another spelling)`);
    out[k] = value;
  }
  return out;
}

/** Fills defaults and validates; errors name the field, the value and what is allowed. */
export function resolveGaaConfig(input: unknown = {}): GaaConfig {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    throw new ConfigError(`gaa: expected an object of settings, got ${JSON.stringify(input)}`);
  }
  const merged = { ...GAA_DEFAULTS, ...normaliseKeys((input ?? {}) as Record<string, unknown>) };
  return parseConfig(gaaConfigSchema, merged, 'gaa');
}

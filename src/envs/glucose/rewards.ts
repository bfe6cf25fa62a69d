/**
 * Risk indices and reward functions of the RL4BG fork (`bgp/simglucose/analysis/risk.py`,
 * `bgp/rl/reward_functions.py`; specs/envs.md §A7). Every reward sees the step's 5-minute averages
 * (true BG, CGM, delivered insulin) and the previous step's; the ORPO environment uses
 * proxy = `expected_patient_cost` and true = `magni_bg`.
 */

/** Magni et al. (2007) risk: 10·(3.5506·(ln(max(bg,1))^0.8353 − 3.7932))². */
export function magniRisk(bg: number): number {
  const g = Math.max(bg, 1);
  const f = 3.5506 * (Math.pow(Math.log(g), 0.8353) - 3.7932);
  return 10 * f * f;
}

export interface RiskIndex {
  lbgi: number;
  hbgi: number;
  risk: number;
}

/** Kovatchev risk of one BG value: f = 1.509·(ln(bg)^1.084 − 5.381); LBGI = 10f² if f < 0, HBGI = 10f² if f > 0. */
export function riskIndex(bg: number): RiskIndex {
  const g = bg < 1 ? 1 : bg;
  const f = 1.509 * (Math.pow(Math.log(g), 1.084) - 5.381);
  const lbgi = f < 0 ? 10 * f * f : 0;
  const hbgi = f > 0 ? 10 * f * f : 0;
  return { lbgi, hbgi, risk: lbgi + hbgi };
}

/** Kovatchev risk index only (no allocation). */
export function kovatchevRisk(bg: number): number {
  const g = bg < 1 ? 1 : bg;
  const f = 1.509 * (Math.pow(Math.log(g), 1.084) - 5.381);
  return 10 * f * f;
}

/** Cost of one hypoglycaemic 5-minute step: a hospital visit of 1350 over a year of steps, ×10. */
export const HYPO_STEP_COST = (10 * 1350) / (12 * 24 * 365);
export const INSULIN_COST_PER_U_PER_MIN = 0.32;

/** What a reward function sees after a step. */
export interface GlucoseRewardInput {
  /** 5-minute average of the true BG, mg/dL. */
  bg: number;
  /** 5-minute average of the CGM reading, mg/dL. */
  cgm: number;
  /** 5-minute average delivered insulin, U/min. */
  insulin: number;
  /** Kovatchev risk index of bg. */
  risk: number;
  /** Previous step's values (the last history sample at the start of an episode). */
  prevBg: number;
  prevCgm: number;
}

export type GlucoseRewardFn = (r: GlucoseRewardInput) => number;

function threshold(bg: number): number {
  const g = Math.max(1, bg);
  return g < 140 ? -Math.min(25, (-5 / 14) * g + 50) : -Math.min(25, (5 / 28) * g - 25);
}

function cameron(bg: number): number {
  const a = 0.237;
  const b = -36.21;
  const c = 6.0e-5;
  const d = 177;
  return -(bg < d ? a * bg + b + c * (d - bg) ** 3 : a * bg + b);
}

/** The fork's reward functions by the names its config uses. */
export const GLUCOSE_REWARDS = {
  /** −(0.32·insulin + hypo cost if bg < 70): ORPO's proxy. */
  expected_patient_cost: (r) => -(INSULIN_COST_PER_U_PER_MIN * r.insulin + (r.bg < 70 ? HYPO_STEP_COST : 0)),
  /** −Magni risk of the true BG: ORPO's true reward. */
  magni_bg: (r) => -magniRisk(r.bg),
  magni_bg_insulin: (r) => -magniRisk(r.bg) - 10 * r.insulin,
  magni_bg_insulin_true: (r) => -magniRisk(r.bg) - 25 * r.insulin,
  magni_misweight: (r) => (Math.max(1, r.bg) < 140 ? -Math.min(25, (-5 / 14) * Math.max(1, r.bg) + 50) : -magniRisk(r.bg)),
  risk: (r) => -r.risk,
  risk_bg: (r) => -kovatchevRisk(r.bg),
  risk_high_bg: (r) => {
    const k = riskIndex(r.bg);
    return -k.lbgi - 100 * k.hbgi;
  },
  risk_low_bg: (r) => {
    const k = riskIndex(r.bg);
    return -100 * k.lbgi - k.hbgi;
  },
  risk_insulin: (r) => -r.risk - r.insulin,
  risk_diff: (r) => kovatchevRisk(r.prevCgm) - kovatchevRisk(r.cgm),
  risk_diff_bg: (r) => kovatchevRisk(r.prevBg) - kovatchevRisk(r.bg),
  eps_risk: (r) => (r.risk < 1 ? 1 : -r.risk),
  target_bg: (r) => -Math.abs(r.cgm - 120),
  threshold_bg: (r) => threshold(r.bg),
  cameron_bg: (r) => cameron(r.bg),
  cgm_high: (r) => r.cgm,
  bg_high: (r) => r.bg,
  cgm_low: (r) => -r.cgm,
} satisfies Record<string, GlucoseRewardFn>;

export type GlucoseRewardName = keyof typeof GLUCOSE_REWARDS;
export const GLUCOSE_REWARD_NAMES = Object.keys(GLUCOSE_REWARDS) as GlucoseRewardName[];

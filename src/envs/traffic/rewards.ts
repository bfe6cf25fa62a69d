/**
 * The reward terms of Flow's reward registry as the merge_bus setting uses them (`flow/core/
 * rewards.py`; specs/envs.md §C4, orpo.md §3.2), and the ORPO weightings:
 *   proxy = 1·vel + 1·accel + 0.1·headway        true = 1·commute + 1·accel + 0.1·headway.
 * Every term is 0 on a crash (or if any speed is below −100, SUMO's "no value").
 */

export const TRAFFIC_REWARD_TERMS = ['vel', 'commute', 'accel', 'headway'] as const;
export type TrafficRewardTerm = (typeof TRAFFIC_REWARD_TERMS)[number];
export type TrafficRewardWeights = Record<TrafficRewardTerm, number>;

export const TRAFFIC_PROXY_WEIGHTS: Readonly<TrafficRewardWeights> = Object.freeze({ vel: 1, commute: 0, accel: 1, headway: 0.1 });
export const TRAFFIC_TRUE_WEIGHTS: Readonly<TrafficRewardWeights> = Object.freeze({ vel: 0, commute: 1, accel: 1, headway: 0.1 });

/** What the terms read from one step's final state. */
export interface TrafficRewardInput {
  /** Speeds of every vehicle in the network, m/s. */
  speeds: ArrayLike<number>;
  /** The step's (clipped) accelerations of all slots, empty slots included. */
  actions: ArrayLike<number>;
  /** For every controlled vehicle that has a leader: its speed and bumper-to-bumper headway. */
  controlledHeadways: readonly { speed: number; headway: number }[];
  crashed: boolean;
}

/** Mean speed of all vehicles (0 with none). */
export function velTerm(speeds: ArrayLike<number>): number {
  if (speeds.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < speeds.length; i++) s += speeds[i]!;
  return s / speeds.length;
}

/** Minus the mean inverse speed (a commute-time proxy): a stopped car costs about 1000/n; −10000 with no cars. */
export function commuteTerm(speeds: ArrayLike<number>): number {
  if (speeds.length === 0) return -10000;
  let s = 0;
  for (let i = 0; i < speeds.length; i++) s += 1 / (speeds[i]! + 0.001);
  return -s / speeds.length;
}

/** Minus the mean absolute commanded acceleration over all slots. */
export function accelTerm(actions: ArrayLike<number>): number {
  if (actions.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < actions.length; i++) s += Math.abs(actions[i]!);
  return Math.min(0, -s / actions.length);
}

/** Σ over controlled cars with a leader and v > 0 of min((h/v − t_min)/t_min, 0), t_min = 1 s. */
export function headwayTerm(controlled: readonly { speed: number; headway: number }[], tMin = 1): number {
  let cost = 0;
  for (const { speed, headway } of controlled) {
    if (!(speed > 0)) continue;
    const t = Math.max(headway / speed, 0);
    cost += Math.min((t - tMin) / tMin, 0);
  }
  return cost;
}

export function trafficRewardTerms(input: TrafficRewardInput): TrafficRewardWeights {
  let invalid = input.crashed;
  for (let i = 0; i < input.speeds.length && !invalid; i++) if (input.speeds[i]! < -100) invalid = true;
  if (invalid) return { vel: 0, commute: 0, accel: 0, headway: 0 };
  return {
    vel: velTerm(input.speeds),
    commute: commuteTerm(input.speeds),
    accel: accelTerm(input.actions),
    headway: headwayTerm(input.controlledHeadways),
  };
}

export function weightedReward(terms: TrafficRewardWeights, weights: TrafficRewardWeights): number {
  let r = 0;
  for (const k of TRAFFIC_REWARD_TERMS) if (weights[k] !== 0) r += weights[k] * terms[k];
  return r;
}

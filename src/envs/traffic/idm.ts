/**
 * Flow's Intelligent Driver Model (`flow/controllers/car_following_models.py::IDMController`) with
 * the parameters of the merge_bus setting (specs/envs.md §C2): no noise, no fail-safe.
 *   accel = a·[1 − (v/v0)^δ − (s* ÷ h)²],  s* = s0 + max(0, v·T + v·(v − v_lead)/(2√(ab))),
 * with s* = 0 when there is no leader, and the headway h clipped away from 0.
 */
export interface IdmParams {
  /** Desired speed, m/s. */
  v0: number;
  /** Desired time headway, s. */
  T: number;
  /** Maximum acceleration, m/s². */
  a: number;
  /** Comfortable deceleration, m/s². */
  b: number;
  delta: number;
  /** Minimum gap, m. */
  s0: number;
}

export const FLOW_IDM: Readonly<IdmParams> = Object.freeze({ v0: 30, T: 1, a: 1, b: 1.5, delta: 4, s0: 2 });

/**
 * The IDM acceleration of a car at speed `v` behind a leader at speed `leadSpeed` with
 * bumper-to-bumper headway `headway` (pass leadSpeed = null when there is no leader).
 */
export function idmAcceleration(v: number, leadSpeed: number | null, headway: number, p: IdmParams = FLOW_IDM): number {
  let h = headway;
  if (Math.abs(h) < 1e-3) h = 1e-3;
  const sStar = leadSpeed === null ? 0 : p.s0 + Math.max(0, v * p.T + (v * (v - leadSpeed)) / (2 * Math.sqrt(p.a * p.b)));
  return p.a * (1 - Math.pow(v / p.v0, p.delta) - (sStar / h) ** 2);
}

/**
 * The insulin pump (simglucose `actuator/pump.py`, the same in the RL4BG fork; specs/envs.md §A3):
 * a rate in U/min is converted to pmol/min (×6000), rounded to a multiple of the increment (numpy's
 * round half to even), converted back and clipped to the pump's limits.
 */
import type { PumpParams } from './params.js';

export const U_TO_PMOL = 6000;

/** Rounds to the nearest integer, ties to even (numpy.round). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function quantise(amount: number, inc: number, min: number, max: number): number {
  let v = amount * U_TO_PMOL;
  v = roundHalfEven(v / inc) * inc;
  v = v / U_TO_PMOL;
  v = Math.min(v, max);
  v = Math.max(v, min);
  return v;
}

export class InsulinPump {
  constructor(readonly params: PumpParams) {}

  /** Delivered bolus rate (U/min) for a requested rate. */
  bolus(amount: number): number {
    return quantise(amount, this.params.incBolus, this.params.minBolus, this.params.maxBolus);
  }

  /** Delivered basal rate (U/min) for a requested rate. */
  basal(amount: number): number {
    return quantise(amount, this.params.incBasal, this.params.minBasal, this.params.maxBasal);
  }
}

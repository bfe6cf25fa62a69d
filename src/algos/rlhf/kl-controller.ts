/**
 * KL coefficient controllers for RLHF (specs/rlhf.md §6.1). The fixed controller keeps β; the
 * adaptive one (Ziegler et al., as in TRL's legacy trainer, trlX and OpenRLHF) nudges β towards a
 * target KL with a proportional error clipped to ±20%:
 *   β ← β·(1 + clip(KL/target − 1, −0.2, 0.2)·nSteps/horizon)
 */

export interface KlController {
  readonly value: number;
  /** Reports the KL measured over `nSteps` samples. */
  update(kl: number, nSteps: number): void;
  getState(): { value: number };
  setState(s: { value: number }): void;
}

export class FixedKlController implements KlController {
  constructor(public value: number) {}
  update(): void {}
  getState() {
    return { value: this.value };
  }
  setState(s: { value: number }): void {
    this.value = s.value;
  }
}

export class AdaptiveKlController implements KlController {
  constructor(
    public value: number,
    readonly target: number,
    readonly horizon: number,
  ) {
    if (!(target > 0)) throw new RangeError(`kl.target: must be positive, got ${target}`);
    if (!(horizon > 0)) throw new RangeError(`kl.horizon: must be positive, got ${horizon}`);
  }

  update(kl: number, nSteps: number): void {
    const error = Math.min(Math.max(kl / this.target - 1, -0.2), 0.2);
    this.value *= 1 + (error * nSteps) / this.horizon;
  }

  getState() {
    return { value: this.value };
  }
  setState(s: { value: number }): void {
    this.value = s.value;
  }
}

export function makeKlController(init: number, target: number | null, horizon = 10_000): KlController {
  return target === null ? new FixedKlController(init) : new AdaptiveKlController(init, target, horizon);
}

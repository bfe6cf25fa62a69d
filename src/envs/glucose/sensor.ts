/**
 * The continuous glucose monitor (simglucose `sensor/cgm.py` and `sensor/noise_gen.py`, the same in
 * the RL4BG fork; specs/envs.md §A2).
 *
 * Noise: a latent AR(1) process on a 15-minute grid, e_0 ~ N(0,1), e_k = PACF·(e_{k-1} + N(0,1)),
 * mapped through the Johnson SU transform xi + lambda·sinh((e - gamma)/delta). Batches of 11 grid
 * points (0, 15, ..., 150 min; the first is the previous batch's last) are interpolated with a
 * not-a-knot cubic spline (scipy `interp1d(kind="cubic")`) at the sensor's sample times; the first
 * interpolated point is dropped, so a Dexcom (3 min) batch yields 50 samples.
 *
 * Measurement: only when the patient clock is a multiple of the sample time,
 * CGM = clip(BG + noiseScale·noise, min, max); at other minutes the last value is held (it starts
 * at 0 until the first measurement). The noise stream advances on every measurement, even with
 * noiseScale 0 (the fork's setting in ORPO), as in the reference.
 */
import { Rng, type RngState } from '../../util/rng.js';
import type { SensorParams } from './params.js';

/** Grid spacing of the latent noise process, minutes. */
export const NOISE_GRID_MINUTES = 15;
/** New grid points per batch (the batch spans 10 intervals: 150 minutes). */
export const NOISE_BATCH = 10;

export function johnsonSU(p: SensorParams, e: number): number {
  return p.xi + p.lambda * Math.sinh((e - p.gamma) / p.delta);
}

/**
 * Weights W (rows: output times, columns: the k knot values) of the not-a-knot cubic spline through
 * knots at 0, h, ..., (k-1)h, evaluated at `times`: value(t_r) = Σ_j W[r][j]·y_j. The spline is
 * linear in the knot values, so interpolating each unit vector gives the weights.
 */
export function notAKnotWeights(k: number, h: number, times: ArrayLike<number>): Float64Array[] {
  if (k < 4) throw new RangeError(`notAKnotWeights: need at least 4 knots, got ${k}`);
  const rows = Array.from({ length: times.length }, () => new Float64Array(k));
  for (let j = 0; j < k; j++) {
    const y = new Float64Array(k);
    y[j] = 1;
    // Unknowns: second derivatives M_0..M_{k-1}. Dense solve (k is 11).
    const a = Array.from({ length: k }, () => new Float64Array(k + 1));
    // Not-a-knot: the third derivative is continuous at the second and the second-to-last knot.
    a[0]![0] = 1;
    a[0]![1] = -2;
    a[0]![2] = 1;
    a[k - 1]![k - 3] = 1;
    a[k - 1]![k - 2] = -2;
    a[k - 1]![k - 1] = 1;
    for (let i = 1; i < k - 1; i++) {
      a[i]![i - 1] = h / 6;
      a[i]![i] = (2 * h) / 3;
      a[i]![i + 1] = h / 6;
      a[i]![k] = (y[i + 1]! - 2 * y[i]! + y[i - 1]!) / h;
    }
    const m = solveDense(a, k);
    for (let r = 0; r < times.length; r++) {
      const t = times[r]!;
      let i = Math.min(Math.max(Math.floor(t / h), 0), k - 2);
      if (i < 0) i = 0;
      const xl = i * h;
      const xr = xl + h;
      const v =
        (m[i]! * (xr - t) ** 3) / (6 * h) +
        (m[i + 1]! * (t - xl) ** 3) / (6 * h) +
        (y[i]! / h - (m[i]! * h) / 6) * (xr - t) +
        (y[i + 1]! / h - (m[i + 1]! * h) / 6) * (t - xl);
      rows[r]![j] = v;
    }
  }
  return rows;
}

/** Gaussian elimination with partial pivoting on an augmented k×(k+1) matrix. */
function solveDense(a: Float64Array[], k: number): Float64Array {
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    if (piv !== c) [a[c], a[piv]] = [a[piv]!, a[c]!];
    const pr = a[c]!;
    for (let r = c + 1; r < k; r++) {
      const row = a[r]!;
      const f = row[c]! / pr[c]!;
      if (f === 0) continue;
      for (let cc = c; cc <= k; cc++) row[cc] = row[cc]! - f * pr[cc]!;
    }
  }
  const x = new Float64Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = a[r]![k]!;
    for (let c = r + 1; c < k; c++) s -= a[r]![c]! * x[c]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

export interface CgmNoiseState {
  rng: RngState;
  count: number;
  e: number;
  knotInit: number;
  batch: number[];
  index: number;
}

/** The sensor noise sequence, one value per measurement. */
export class CgmNoise {
  readonly params: SensorParams;
  /** Samples per batch (50 for a 3-minute sensor). */
  readonly perBatch: number;
  private readonly weights: Float64Array[];
  private readonly knots = new Float64Array(NOISE_BATCH + 1);
  private readonly batch: Float64Array;
  private index: number;
  private count = 0;
  private e = 0;
  private knotInit = 0;

  constructor(params: SensorParams, readonly rng: Rng) {
    this.params = params;
    const nSample = Math.floor((NOISE_BATCH * NOISE_GRID_MINUTES) / params.sampleTime) + 1;
    const times = Array.from({ length: nSample }, (_, i) => i * params.sampleTime);
    // The first interpolated point (t = 0, the previous batch's last knot) is dropped.
    this.weights = notAKnotWeights(NOISE_BATCH + 1, NOISE_GRID_MINUTES, times).slice(1);
    this.perBatch = this.weights.length;
    this.batch = new Float64Array(this.perBatch);
    this.index = this.perBatch;
    this.restart();
  }

  /** Starts the sequence over from the generator's current state (the reference's new CGMNoise). */
  restart(): void {
    this.count = 0;
    this.e = 0;
    this.index = this.perBatch;
    this.knotInit = this.nextKnot();
  }

  /** The next point of the 15-minute latent process, transformed to mg/dL. */
  private nextKnot(): number {
    this.e = this.count === 0 ? this.rng.normal() : this.params.PACF * (this.e + this.rng.normal());
    this.count++;
    return johnsonSU(this.params, this.e);
  }

  next(): number {
    if (this.index >= this.perBatch) {
      const knots = this.knots;
      knots[0] = this.knotInit;
      for (let i = 1; i <= NOISE_BATCH; i++) knots[i] = this.nextKnot();
      this.knotInit = knots[NOISE_BATCH]!;
      for (let r = 0; r < this.perBatch; r++) {
        const w = this.weights[r]!;
        let s = 0;
        for (let j = 0; j <= NOISE_BATCH; j++) s += w[j]! * knots[j]!;
        this.batch[r] = s;
      }
      this.index = 0;
    }
    return this.batch[this.index++]!;
  }

  getState(): CgmNoiseState {
    return { rng: this.rng.getState(), count: this.count, e: this.e, knotInit: this.knotInit, batch: Array.from(this.batch), index: this.index };
  }

  setState(s: CgmNoiseState): void {
    if (s.batch.length !== this.perBatch) throw new RangeError(`CgmNoise.setState: batch has ${s.batch.length} values, expected ${this.perBatch}`);
    this.rng.setState(s.rng);
    this.count = s.count;
    this.e = s.e;
    this.knotInit = s.knotInit;
    this.batch.set(s.batch);
    this.index = s.index;
  }
}

export interface CgmSensorState {
  lastCgm: number;
  noise: CgmNoiseState;
}

export class CgmSensor {
  readonly params: SensorParams;
  readonly noise: CgmNoise;
  /** The held value (0 until the first measurement). */
  lastCgm = 0;

  /** `noiseScale` multiplies the noise (the fork's option; 0 in ORPO, 1 in simglucose). */
  constructor(params: SensorParams, rng: Rng, readonly noiseScale = 1) {
    if (!(noiseScale >= 0) || !Number.isFinite(noiseScale)) throw new RangeError(`CgmSensor: noiseScale must be a finite number >= 0, got ${noiseScale}`);
    this.params = params;
    this.noise = new CgmNoise(params, rng);
  }

  get sampleTime(): number {
    return this.params.sampleTime;
  }

  /** Reseeds (when a seed is given) and restarts the noise; the held value goes back to 0. */
  reset(seed?: number): void {
    if (seed !== undefined) this.noise.rng.reseed(seed);
    this.noise.restart();
    this.lastCgm = 0;
  }

  /** The reading at patient time `t` (minutes) when the true BG is `bg`. */
  measure(t: number, bg: number): number {
    if (t % this.params.sampleTime === 0) {
      let cgm = bg + this.noiseScale * this.noise.next();
      cgm = Math.max(cgm, this.params.min);
      cgm = Math.min(cgm, this.params.max);
      this.lastCgm = cgm;
      return cgm;
    }
    return this.lastCgm;
  }

  getState(): CgmSensorState {
    return { lastCgm: this.lastCgm, noise: this.noise.getState() };
  }

  setState(s: CgmSensorState): void {
    this.lastCgm = s.lastCgm;
    this.noise.setState(s.noise);
  }
}

/**
 * Tick selection for chart axes: "nice" 1-2-5 steps on linear axes (Heckbert-style loose
 * labelling: the ticks cover the whole range) and powers of ten on log axes.
 */

const EPS = 1e-9;

/** m * 10^k written exactly (10 ** -2 * 5 is not 0.05 in floating point; Number('5e-2') is). */
function decimalStep(m: number, k: number): number {
  return Number(`${m}e${k}`);
}

function decimalsOf(step: number): number {
  return Math.max(0, Math.min(20, -Math.floor(Math.log10(step) + EPS)));
}

/** Rounds a tick value to the precision its step implies, so 0.30000000000000004 prints as 0.3. */
function cleanTick(v: number, step: number): number {
  const d = decimalsOf(step);
  const out = Math.abs(v) < 1e21 ? Number(v.toFixed(d)) : v;
  return Object.is(out, -0) ? 0 : out;
}

/**
 * The 1-2-5 step (1, 2, 5, 10, 20, 50, …, and the same below one) whose loose tick set
 * covering [min, max] has a count closest to `target`; ties go to the larger step.
 */
export function niceStep(min: number, max: number, target = 6): number {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`niceTicks: range must be finite, got [${min}, ${max}]`);
  const span = Math.abs(max - min);
  if (span === 0) return niceStep(min - (Math.abs(min) * 0.1 || 1), max + (Math.abs(max) * 0.1 || 1), target);
  const t = Math.max(2, Math.round(target));
  const k0 = Math.floor(Math.log10(span / t));
  let best = { step: 1, score: Infinity };
  for (let k = k0 - 1; k <= k0 + 2; k++) {
    for (const m of [1, 2, 5]) {
      const step = decimalStep(m, k);
      const count = Math.ceil(Math.max(min, max) / step - EPS) - Math.floor(Math.min(min, max) / step + EPS) + 1;
      const score = Math.abs(count - t);
      if (score < best.score || (score === best.score && step > best.step)) best = { step, score };
    }
  }
  return best.step;
}

/**
 * Loose "nice" ticks covering [min, max] with a 1-2-5 step, about `target` of them:
 * niceTicks(0, 9.7) → [0, 2, 4, 6, 8, 10]. A zero-width range is widened first.
 */
export function niceTicks(min: number, max: number, target = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`niceTicks: range must be finite, got [${min}, ${max}]`);
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const d = Math.abs(min) * 0.1 || 1;
    min -= d;
    max += d;
  }
  const step = niceStep(min, max, target);
  const lo = Math.floor(min / step + EPS);
  const hi = Math.ceil(max / step - EPS);
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) out.push(cleanTick(i * step, step));
  return out;
}

/**
 * Powers of ten covering [min, max] (both > 0): logTicks(0.01, 1) → [0.01, 0.1, 1]. When
 * more than `maxTicks` decades would result, every 2nd (3rd, …) decade is kept.
 */
export function logTicks(min: number, max: number, maxTicks = 8): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new RangeError(`logTicks: a log axis needs a finite positive range, got [${min}, ${max}]`);
  }
  if (min > max) [min, max] = [max, min];
  const k0 = Math.floor(Math.log10(min) + EPS);
  const k1 = Math.max(k0, Math.ceil(Math.log10(max) - EPS));
  const stride = Math.max(1, Math.ceil((k1 - k0 + 1) / Math.max(1, maxTicks)));
  const first = Math.floor(k0 / stride) * stride;
  const out: number[] = [];
  for (let k = first; k < k1 + stride; k += stride) out.push(decimalStep(1, k));
  return out;
}

function trimExponential(v: number): string {
  // 2.50e+6 → 2.5e6, 1e-7 stays.
  const [mant = '', exp = ''] = Number(v.toPrecision(6)).toExponential().split('e');
  return `${mant}e${exp.replace('+', '')}`;
}

/** Formats a linear-axis tick with as many decimals as its step needs (0.25 with step 0.05 → "0.25"). */
export function formatTick(v: number, step: number): string {
  if (v === 0 || Object.is(v, -0)) return step > 0 && step < 1 ? (0).toFixed(decimalsOf(step)) : '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return trimExponential(v);
  const s = v.toFixed(decimalsOf(step > 0 ? step : a));
  return s === '-0' ? '0' : s;
}

/** Formats a log-axis tick: 0.001 … 10000 in plain decimals, beyond that as 1e5, 2e-6. */
export function formatLogTick(v: number): string {
  if (v >= 1e-3 && v < 1e5) return String(Number(v.toPrecision(6)));
  return trimExponential(v);
}

const SI: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

function withSuffix(v: number, step: number): string {
  const a = Math.abs(v);
  const unit = SI.find(([u]) => a >= u);
  if (!unit) return formatTick(v, step);
  const [u, suffix] = unit;
  let s = (v / u).toFixed(decimalsOf(Math.max(step, Number.MIN_VALUE) / u));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return `${s}${suffix}`;
}

/**
 * Labels for a whole axis, consistent across its ticks: steps and counts of 10k and more get SI
 * suffixes (0, 50k, 100k, 1.5M), tiny values exponents, the rest as many decimals as the step
 * needs. `step` is the tick spacing (pass 0 for a log axis, where each tick sets its own).
 */
export function formatTicks(values: readonly number[], step: number): string[] {
  const finite = values.filter(Number.isFinite);
  const maxAbs = Math.max(0, ...finite.map(Math.abs));
  const minPos = Math.min(Infinity, ...finite.map(Math.abs).filter((a) => a > 0));
  if (step === 0 && (maxAbs >= 1e15 || (minPos < 1e-3 && maxAbs >= 1e4))) return values.map(trimExponential);
  if (maxAbs >= 1e4 && maxAbs < 1e15 && (step >= 1 || step === 0)) {
    return values.map((v) => (v === 0 ? '0' : step === 0 && Math.abs(v) < 1e3 ? formatLogTick(v) : withSuffix(v, step === 0 ? Math.abs(v) : step)));
  }
  if (step === 0) return values.map(formatLogTick);
  if (maxAbs >= 1e15 || (minPos < 1e-4 && maxAbs < 1e-2)) return values.map((v) => (v === 0 ? '0' : trimExponential(v)));
  return values.map((v) => formatTick(v, step));
}

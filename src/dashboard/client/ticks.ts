/** Axis scales and "nice" tick values (1, 2, 5 times a power of ten) for the SVG charts. */

export interface Scale {
  (v: number): number;
  ticks: number[];
  domain: [number, number];
  log: boolean;
}

export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(count - 1, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-6) * step; v <= hi + step * 1e-6; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Extends [lo, hi] outwards to tick-friendly values; a flat range gets some height. */
export function niceDomain(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return [lo - pad, hi + pad];
  }
  const t = niceTicks(lo, hi);
  const step = t.length > 1 ? t[1]! - t[0]! : hi - lo;
  const round = (v: number) => Number(v.toPrecision(12));
  return [Math.min(lo, round(Math.floor(lo / step) * step)), Math.max(hi, round(Math.ceil(hi / step) * step))];
}

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const f = ((v: number) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0)) as Scale;
  f.ticks = niceTicks(d0, d1);
  f.domain = domain;
  f.log = false;
  return f;
}

/** Log10 scale over positive values; ticks at 1, 2 and 5 times powers of ten when few decades are shown. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  const l0 = Math.log10(domain[0]);
  const l1 = Math.log10(domain[1]);
  const [r0, r1] = range;
  const f = ((v: number) => r0 + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (r1 - r0)) as Scale;
  const ticks: number[] = [];
  const decades = l1 - l0;
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
    for (const m of decades > 4 ? [1] : [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= domain[0] * (1 - 1e-9) && v <= domain[1] * (1 + 1e-9)) ticks.push(Number(v.toPrecision(6)));
    }
  }
  f.ticks = ticks;
  f.domain = domain;
  f.log = true;
  return f;
}

/** Labels for a set of ticks with just enough digits to tell neighbours apart. */
export function tickLabels(ticks: number[]): string[] {
  const top = Math.max(...ticks.map(Math.abs));
  // environment steps and other large counts read better as 50k, 1.5M than as 5e+4
  if (top >= 1e4 && top < 1e12) {
    const [div, unit] = top >= 1e9 ? [1e9, 'G'] : top >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
    return tickLabels(ticks.map((t) => t / div)).map((l) => (l === '0' ? l : l + unit));
  }
  const big = ticks.some((t) => Math.abs(t) >= 1e5);
  const small = ticks.every((t) => t === 0 || Math.abs(t) < 1e-3);
  for (let d = 0; d <= 12; d++) {
    const labels = ticks.map((t) => (big || small ? (t === 0 ? '0' : t.toExponential(d)) : t.toFixed(d)));
    if (new Set(labels).size === labels.length) return labels.map((l) => (Number(l) === 0 ? '0' : l));
  }
  return ticks.map(String);
}

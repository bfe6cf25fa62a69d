/** Small summary statistics used in reports. */
export interface MeanSe {
  mean: number;
  se: number;
  n: number;
}

/** Mean and standard error of the mean (sample standard deviation / sqrt(n); 0 for one value). */
export function meanSe(values: readonly number[]): MeanSe {
  const n = values.length;
  if (n === 0) return { mean: NaN, se: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, se: 0, n };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n), n };
}

export function formatMeanSe(m: MeanSe, digits = 2): string {
  return `${m.mean.toFixed(digits)} ± ${m.se.toFixed(digits)}`;
}

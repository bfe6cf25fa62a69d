/**
 * Glucose metrics of an episode, as ORPO's GlucoseCallbacks log them
 * (`occupancy_measures/envs/glucose_callbacks.py`): mean BG, total and mean insulin, mean Magni
 * risk, and the fractions of steps hypoglycaemic (BG < 70), hyperglycaemic (BG > 180) and in range.
 */

export interface GlucoseEpisodeSummary {
  steps: number;
  /** Mean 5-minute BG, mg/dL. */
  meanBg: number;
  /** Sum over steps of the 5-minute insulin averages (U/min), as ORPO logs "insulin". */
  totalInsulin: number;
  /** Mean insulin rate, U/min. */
  meanInsulin: number;
  meanMagniRisk: number;
  meanRisk: number;
  hypoFraction: number;
  hyperFraction: number;
  euFraction: number;
}

/** The fields of a glucose step's info that the metrics read. */
export interface GlucoseMetricInfo {
  bg: number;
  insulin: number;
  magniRisk: number;
  risk?: number;
}

export function isGlucoseInfo(info: unknown): info is GlucoseMetricInfo {
  const i = info as Partial<GlucoseMetricInfo> | null;
  return typeof i === 'object' && i !== null && typeof i.bg === 'number' && typeof i.insulin === 'number' && typeof i.magniRisk === 'number';
}

/** The running sums of GlucoseEpisodeMetrics, for environment snapshots. */
export interface GlucoseMetricsState {
  steps: number;
  bg: number;
  insulin: number;
  magni: number;
  risk: number;
  hypo: number;
  hyper: number;
}

/** Accumulates one episode's step infos. */
export class GlucoseEpisodeMetrics {
  private steps = 0;
  private bg = 0;
  private insulin = 0;
  private magni = 0;
  private risk = 0;
  private hypo = 0;
  private hyper = 0;

  add(info: GlucoseMetricInfo): void {
    this.steps++;
    this.bg += info.bg;
    this.insulin += info.insulin;
    this.magni += info.magniRisk;
    this.risk += info.risk ?? 0;
    if (info.bg < 70) this.hypo++;
    else if (info.bg > 180) this.hyper++;
  }

  reset(): void {
    this.steps = this.bg = this.insulin = this.magni = this.risk = this.hypo = this.hyper = 0;
  }

  getState(): GlucoseMetricsState {
    return { steps: this.steps, bg: this.bg, insulin: this.insulin, magni: this.magni, risk: this.risk, hypo: this.hypo, hyper: this.hyper };
  }

  setState(s: GlucoseMetricsState): void {
    ({ steps: this.steps, bg: this.bg, insulin: this.insulin, magni: this.magni, risk: this.risk, hypo: this.hypo, hyper: this.hyper } = s);
  }

  summary(): GlucoseEpisodeSummary {
    const n = Math.max(this.steps, 1);
    return {
      steps: this.steps,
      meanBg: this.bg / n,
      totalInsulin: this.insulin,
      meanInsulin: this.insulin / n,
      meanMagniRisk: this.magni / n,
      meanRisk: this.risk / n,
      hypoFraction: this.hypo / n,
      hyperFraction: this.hyper / n,
      euFraction: this.steps === 0 ? 0 : (this.steps - this.hypo - this.hyper) / n,
    };
  }
}

/**
 * Training curves of a run: proxy and true return (over the last 100 episodes) against
 * environment steps, the gap between them shaded: reward hacking is two curves parting.
 */
import { join } from 'node:path';
import { RunDir } from './run-store.js';
import { atomicWriteFile } from '../util/fs.js';
import { renderPng, renderSvg, type ChartSpec } from '../util/plot/index.js';

export function curvesChart(run: RunDir): ChartSpec {
  const config = run.readConfig();
  const rows = run.readMetrics();
  const x = rows.map((r) => r['timesteps'] as number);
  const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
  const what = config.algo === 'orpo' ? `ORPO (${config.orpo?.omDivergenceType.join('+')} ${config.orpo?.omDivergenceCoeffs.join('+')})` : config.algo.toUpperCase();
  return {
    title: `${config.env}: ${what} trained on the ${config.reward} reward, seed ${config.seed}`,
    xLabel: 'environment steps',
    yLabel: 'episode return (last 100 episodes)',
    series: [
      { label: 'proxy return', x, y: rows.map((r) => num(r['proxyReturnMean'])) },
      { label: 'true return', x, y: rows.map((r) => num(r['trueReturnMean'])) },
    ],
    shadeBetween: { upper: 'proxy return', lower: 'true return', label: 'proxy - true gap' },
  };
}

/** Writes curves.svg and curves.png into the run directory; returns their paths. */
export function writeCurves(runDir: string): string[] {
  const run = new RunDir(runDir);
  const chart = curvesChart(run);
  const svg = join(run.path, 'curves.svg');
  const png = join(run.path, 'curves.png');
  atomicWriteFile(svg, renderSvg(chart));
  atomicWriteFile(png, renderPng(chart));
  return [svg, png];
}

/** Figures of the sharpness diagnostics a PPO run logged: loss slices along the update, and λ1/λ5 over training. */
import { join } from 'node:path';
import { renderPng, renderSvg, type ChartSpec } from '../../util/plot/index.js';
import { atomicWriteFile } from '../../util/fs.js';

export interface SharpnessLog {
  iteration: number;
  eigenvalues: number[];
  topToFifth: number;
  slice: { lambdas: number[]; losses: number[] };
}

/** Writes sharpness-slices.{png,svg} (one curve per logged iteration) and sharpness-ratio.{png,svg} into `dir`. */
export function writeSharpnessPlot(logs: readonly SharpnessLog[], dir: string): string[] {
  const slices: ChartSpec = {
    title: 'PPO loss along the normalised update direction',
    xLabel: 'step size lambda (parameter-norm units)',
    yLabel: 'PPO loss (first minibatch)',
    series: logs.map((l) => ({ label: `iteration ${l.iteration}`, x: l.slice.lambdas, y: l.slice.losses })),
  };
  const ratio: ChartSpec = {
    title: 'Hessian top / fifth eigenvalue',
    xLabel: 'PPO iteration',
    yLabel: 'lambda_1 / lambda_5',
    series: [{ label: 'lambda_1 / lambda_5', x: logs.map((l) => l.iteration), y: logs.map((l) => l.topToFifth) }],
  };
  const files: string[] = [];
  for (const [name, spec] of [['sharpness-slices', slices], ['sharpness-ratio', ratio]] as const) {
    atomicWriteFile(join(dir, `${name}.svg`), renderSvg(spec));
    atomicWriteFile(join(dir, `${name}.png`), renderPng(spec));
    files.push(join(dir, `${name}.png`), join(dir, `${name}.svg`));
  }
  return files;
}

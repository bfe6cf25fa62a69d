/**
 * The Goodhart plot of RLHF: gold and proxy reward against the KL from the reference policy, one
 * curve per run (over training), so over-optimisation shows as a gold curve that rises and then
 * falls while its proxy keeps rising. Also a table of each run's final values.
 */
import { join } from 'node:path';
import { RunDir } from '../run-store.js';
import { atomicWriteFile } from '../../util/fs.js';
import { renderPng, renderSvg, type ChartSpec, type Series } from '../../util/plot/index.js';

interface Row {
  iteration: number;
  proxyReward: number;
  goldReward: number;
  kl: number;
}

export interface RunCurve {
  label: string;
  rows: Row[];
}

/** Running mean over `window` iterations: single rollout batches are noisy. */
function smooth(values: number[], window: number): number[] {
  return values.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    const slice = values.slice(from, i + 1);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
}

export function readRunCurve(dir: string, label?: string): RunCurve {
  const run = new RunDir(dir);
  const cfg = run.readConfig() as unknown as { ppo?: { regularizer?: string; coeff?: number } };
  const rows = run.readMetrics() as unknown as Row[];
  const name = label ?? `${cfg.ppo?.regularizer ?? '?'} ${cfg.ppo?.coeff ?? ''}`.trim();
  return { label: name, rows };
}

export function goodhartCharts(curves: readonly RunCurve[], window = 5): { gold: ChartSpec; proxy: ChartSpec } {
  const series = (key: 'goldReward' | 'proxyReward'): Series[] =>
    curves.map((c) => {
      const kl = smooth(c.rows.map((r) => r.kl), window);
      return { label: c.label, x: kl, y: smooth(c.rows.map((r) => r[key]), window) };
    });
  return {
    gold: { title: 'Gold reward against KL from the reference', xLabel: 'KL(policy || reference), nats per response', yLabel: 'gold reward', series: series('goldReward') },
    proxy: { title: 'Proxy reward against KL from the reference', xLabel: 'KL(policy || reference), nats per response', yLabel: 'proxy reward (reward model)', series: series('proxyReward') },
  };
}

export function writeGoodhartPlot(runDirs: readonly string[], outDir: string, labels?: readonly string[]): { files: string[]; table: string } {
  const curves = runDirs.map((d, i) => readRunCurve(d, labels?.[i]));
  const { gold, proxy } = goodhartCharts(curves);
  const files: string[] = [];
  for (const [name, chart] of [['goodhart-gold', gold], ['goodhart-proxy', proxy]] as const) {
    const svg = join(outDir, `${name}.svg`);
    const png = join(outDir, `${name}.png`);
    atomicWriteFile(svg, renderSvg(chart));
    atomicWriteFile(png, renderPng(chart));
    files.push(svg, png);
  }
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  const body = curves.map((c) => {
    const last = c.rows.slice(-5);
    const avg = (k: keyof Row) => last.reduce((a, r) => a + r[k], 0) / Math.max(1, last.length);
    const peak = c.rows.reduce((best, r) => (r.goldReward > best.goldReward ? r : best), c.rows[0] ?? { iteration: 0, goldReward: NaN, proxyReward: NaN, kl: NaN });
    return line([c.label, String(c.rows.length), avg('proxyReward').toFixed(3), avg('goldReward').toFixed(3), avg('kl').toFixed(2), `${peak.goldReward.toFixed(3)} @ ${peak.iteration}`]);
  });
  const table = [line(['run', 'iterations', 'final proxy', 'final gold', 'final KL', 'best gold @ iteration']), line(['---', '---', '---', '---', '---', '---']), ...body].join('\n');
  atomicWriteFile(join(outDir, 'goodhart.md'), `# Goodhart plot\n\nFinal values are means over the last 5 iterations of training rollouts.\n\n${table}\n`);
  files.push(join(outDir, 'goodhart.md'));
  return { files, table };
}

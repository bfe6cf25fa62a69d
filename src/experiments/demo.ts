/**
 * The reward-hacking demonstration: PPO on the tomato gridworld trained on the proxy reward and,
 * separately, on the true reward, several seeds each, evaluated on both rewards next to a random
 * policy. Runs that already finished are reused, so an interrupted demo continues where it stopped.
 */
import { join } from 'node:path';
import { train, type RunSummary } from './train.js';
import { RunDir } from './run-store.js';
import { randomPolicyReturns } from './baselines.js';
import { meanSe, formatMeanSe, type MeanSe } from '../util/stats.js';
import { formatDuration } from '../util/progress.js';
import type { RewardKind } from '../envs/types.js';

/** A small network (2×64) so the demo finishes in minutes on two cores; the paper's is 4×512. */
export const DEMO_PPO_OVERRIDES = { model: { hidden: [64, 64] } };

export interface DemoOptions {
  outDir: string;
  seeds: number;
  iterations: number;
  progress: boolean;
  ppo?: Record<string, unknown>;
}

export interface DemoRow {
  policy: string;
  proxyReturn: MeanSe;
  trueReturn: MeanSe;
  seconds: number | null;
}

export async function runDemo(opts: DemoOptions): Promise<DemoRow[]> {
  const rows: DemoRow[] = [];
  for (const reward of ['true', 'proxy'] as RewardKind[]) {
    const summaries: RunSummary[] = [];
    for (let seed = 0; seed < opts.seeds; seed++) {
      const runDir = join(opts.outDir, `tomato-${reward}-seed${seed}`);
      const dir = new RunDir(runDir);
      const resume = dir.exists();
      const result = await train({
        runDir,
        resume,
        progress: opts.progress,
        input: { env: 'tomato', reward, seed, iterations: opts.iterations, ppo: opts.ppo ?? DEMO_PPO_OVERRIDES },
      });
      if (result.status !== 'finished') throw new Error(`run ${runDir} was interrupted; run the demo again to continue`);
      summaries.push(result.summary);
    }
    rows.push({
      policy: `PPO on ${reward} reward`,
      proxyReturn: meanSe(summaries.map((s) => s.proxyReturn.mean)),
      trueReturn: meanSe(summaries.map((s) => s.trueReturn.mean)),
      seconds: summaries.reduce((a, s) => a + s.trainingSeconds, 0) / summaries.length,
    });
  }
  const random = randomPolicyReturns('tomato', {}, 1000, 12345);
  rows.unshift({ policy: 'uniformly random', proxyReturn: random.proxyReturn, trueReturn: random.trueReturn, seconds: null });
  return rows;
}

export function formatDemoTable(rows: DemoRow[], seeds: number): string {
  const header = ['policy', 'proxy return', 'true return', 'train time / run'];
  const body = rows.map((r) => [r.policy, formatMeanSe(r.proxyReturn), formatMeanSe(r.trueReturn), r.seconds === null ? '-' : formatDuration(r.seconds)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [
    line(header),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...body.map(line),
    '',
    `mean ± standard error over ${seeds} seeds (each seed: 100 evaluation episodes); random policy: 1000 episodes`,
  ].join('\n');
}

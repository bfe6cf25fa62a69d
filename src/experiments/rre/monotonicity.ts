/**
 * The monotonicity evaluation of reverse reward engineering (specs/rlhf.md §2.4,
 * `eval_monotonicity.py`): for every checkpoint of a PPO run, sample one response per evaluation
 * prompt, take the mean proxy and the mean gold reward, and report the Spearman rank correlation of
 * the two series across checkpoints. A proxy that is monotone in the gold reward ranks the
 * checkpoints the same way (ρ = 1); reward hacking shows as the proxy rising while gold falls.
 *
 * Beyond the original: every white-box variant (the run's own reward, the full reward and each
 * feature alone) is scored on the same responses, so one set of generations gives the per-feature
 * ablation; runs are reported one by one and pooled (all checkpoints of all runs in DIR).
 *
 * Each checkpoint's means are cached in RUN/monotonicity/iter-NNNNNN.json together with the
 * settings that produced them; a rerun with the same settings reads them instead of generating.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { initBackend } from '../../nn/index.js';
import { loadPretrained } from '../../lm/index.js';
import { WHITEBOX_PRESETS, type WhiteboxConfig, type WhiteboxReward } from '../../rewards/whitebox/index.js';
import { RunDir } from '../run-store.js';
import { openLab, readLabSpec, type Lab } from '../rlhf/lab.js';
import { checkpointPolicyDir } from '../rlhf/policy-checkpoint.js';
import { atomicWriteFile, atomicWriteJson } from '../../util/fs.js';
import { ProgressBar } from '../../util/progress.js';
import { DEFAULT_PALETTE, renderPng, renderSvg, type ChartSpec, type Series } from '../../util/plot/index.js';
import { spearman, type SpearmanResult } from '../../util/rank-correlation.js';
import { ConfigError } from '../../util/validate.js';
import { evaluateWhitebox, labWhitebox, resolveWhiteboxConfig } from './scoring.js';
import type { RreRunConfig } from './train.js';

/**
 * The white-box variants scored on every checkpoint: the run's own reward ("trained"), the full
 * reward, each feature alone, and the two combinations the RER ablation looks at.
 */
export const MONOTONICITY_VARIANTS: Record<string, Partial<WhiteboxConfig>> = {
  full: WHITEBOX_PRESETS.full,
  lengthOnly: WHITEBOX_PRESETS.lengthOnly,
  repetitionOnly: WHITEBOX_PRESETS.repetitionOnly,
  queryRelevanceOnly: WHITEBOX_PRESETS.queryRelevanceOnly,
  /** Relevance with branching and nothing else: QR for open-ended queries, scaled RAR for constrained ones. */
  relevanceBranching: { lengthIncentive: false, repetitionPenalty: false, relevanceScaling: true, rewardBranching: true },
  lengthRepetition: WHITEBOX_PRESETS.lengthRepetition,
  noBranching: WHITEBOX_PRESETS.noBranching,
};
export const TRAINED_VARIANT = 'trained';

export interface MonotonicityOptions {
  /** A run directory, or a directory whose subdirectories are runs. */
  runs: string;
  /** Evaluation prompts (the first N of the lab's eval split; default all). */
  prompts?: number;
  seed?: number;
  /** Sampling temperature of the evaluation (the protocol's 0.7). */
  temperature?: number;
  /** Default: each run's own generation limit. */
  maxNewTokens?: number;
  /** Also evaluate the run's SFT policy as step 0. */
  includeInitial?: boolean;
  /** Where monotonicity.json/.png/.svg go (default: the --runs directory). */
  out?: string;
  progress?: boolean;
}

export interface EvalSettings {
  prompts: number;
  seed: number;
  temperature: number;
  maxNewTokens: number;
  /** The resolved white-box config of each variant (part of the cache key). */
  variants: Record<string, WhiteboxConfig>;
}

export interface CheckpointScores {
  step: number;
  settings: EvalSettings;
  gold: number;
  /** Mean score of each white-box variant. */
  proxy: Record<string, number>;
  /** Means of the trained reward's components (length_incentive, repetition_penalty, …). */
  components: Record<string, number>;
  /** A few responses, to read what the policy does. */
  samples: string[];
  seconds: number;
}

export interface RunMonotonicity {
  name: string;
  path: string;
  steps: number[];
  gold: number[];
  proxy: Record<string, number[]>;
  components: Record<string, number>[];
  spearman: Record<string, SpearmanResult>;
}

export interface MonotonicityReport {
  variants: string[];
  runs: RunMonotonicity[];
  /** Over every checkpoint of every run (the same as the single run's when DIR holds one). */
  pooled: Record<string, SpearmanResult>;
  checkpoints: number;
  files: string[];
}

/** The run directories under `dir` (or `dir` itself when it is one) that have checkpoints. */
export function findRuns(dir: string): RunDir[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`--runs: "${dir}" is not a directory`);
  const self = new RunDir(dir);
  const candidates = self.exists()
    ? [self]
    : readdirSync(dir)
        .sort()
        .map((n) => join(dir, n))
        .filter((p) => statSync(p).isDirectory())
        .map((p) => new RunDir(p))
        .filter((r) => r.exists());
  const runs = candidates.filter((r) => r.listCheckpoints().length > 0);
  if (runs.length === 0) throw new ConfigError(`--runs: no run directory with checkpoints in "${dir}" (a run has config.json and checkpoints/iter-NNNNNN/)`);
  return runs;
}

interface RunInfo {
  sft: string;
  whitebox: Partial<WhiteboxConfig>;
  maxNewTokens: number;
}

function readRunInfo(run: RunDir): RunInfo {
  const cfg = JSON.parse(readFileSync(run.configPath, 'utf8')) as Partial<RreRunConfig>;
  if (typeof cfg.sft !== 'string') throw new ConfigError(`${run.configPath}: no "sft" field; the monotonicity evaluation needs a language-model PPO run (goodhart rre train)`);
  // A run against a reward-model ensemble (goodhart rlhf ppo) has no white-box config of its own: judge it by the full reward.
  return { sft: cfg.sft, whitebox: cfg.whitebox ?? {}, maxNewTokens: cfg.ppo?.maxNewTokens ?? 32 };
}

/** The settings a run's checkpoints are evaluated with (also the cache key). */
export function evaluationSettings(opts: MonotonicityOptions, info: RunInfo, evalSize: number): EvalSettings {
  const maxNewTokens = opts.maxNewTokens ?? info.maxNewTokens;
  const variants: Record<string, WhiteboxConfig> = { [TRAINED_VARIANT]: resolveWhiteboxConfig(info.whitebox, info.maxNewTokens) };
  for (const [name, preset] of Object.entries(MONOTONICITY_VARIANTS)) variants[name] = resolveWhiteboxConfig(preset, info.maxNewTokens);
  return { prompts: Math.min(opts.prompts ?? evalSize, evalSize), seed: opts.seed ?? 0, temperature: opts.temperature ?? 0.7, maxNewTokens, variants };
}

export function cachePath(run: RunDir, step: number): string {
  return join(run.path, 'monotonicity', `iter-${String(step).padStart(6, '0')}.json`);
}

function readCache(run: RunDir, step: number, settings: EvalSettings): CheckpointScores | null {
  const p = cachePath(run, step);
  if (!existsSync(p)) return null;
  try {
    const c = JSON.parse(readFileSync(p, 'utf8')) as CheckpointScores;
    return JSON.stringify(c.settings) === JSON.stringify(settings) ? c : null;
  } catch {
    return null;
  }
}

const mean = (a: readonly number[]) => a.reduce((x, y) => x + y, 0) / a.length;

function scoreCheckpoint(lab: Lab, dir: string, step: number, settings: EvalSettings, rewards: Record<string, WhiteboxReward>): CheckpointScores {
  const t0 = performance.now();
  const ck = loadPretrained(checkpointPolicyDir(dir));
  try {
    const e = evaluateWhitebox(lab, ck.model, ck.tokenizer!, rewards, lab.suite.eval.slice(0, settings.prompts), settings);
    const proxy = Object.fromEntries(Object.entries(e.proxies).map(([k, v]) => [k, mean(v)]));
    return { step, settings, gold: mean(e.gold), proxy, components: e.components, samples: e.responses.slice(0, 8), seconds: (performance.now() - t0) / 1000 };
  } finally {
    ck.model.dispose();
  }
}

export async function runMonotonicity(opts: MonotonicityOptions): Promise<MonotonicityReport> {
  const runs = findRuns(opts.runs);
  const labs = new Map<string, Lab>();
  const results: RunMonotonicity[] = [];
  let backendReady = false;
  const work = runs.map((run) => ({ run, info: readRunInfo(run), steps: run.listCheckpoints() }));
  const total = work.reduce((a, w) => a + w.steps.length + (opts.includeInitial ? 1 : 0), 0);
  const bar = opts.progress ?? true ? new ProgressBar({ total, label: 'monotonicity', unit: 'ckpt' }) : null;
  let done = 0;
  for (const { run, info, steps } of work) {
    // The lab (task suite, gold reward) is only rebuilt when some checkpoint is not cached yet.
    const getLab = () => {
      let lab = labs.get(info.sft);
      if (!lab) {
        lab = openLab(readLabSpec(info.sft));
        labs.set(info.sft, lab);
      }
      return lab;
    };
    const evalSize = readLabSpec(info.sft).suite.eval ?? getLab().suite.eval.length;
    const settings = evaluationSettings(opts, info, evalSize);
    let rewards: Record<string, WhiteboxReward> | null = null;
    const series: CheckpointScores[] = [];
    const points = [...(opts.includeInitial ? [{ step: 0, dir: info.sft }] : []), ...steps.map((s) => ({ step: s, dir: run.checkpointPath(s) }))];
    for (const { step, dir } of points) {
      let scores = readCache(run, step, settings);
      if (!scores) {
        if (!backendReady) {
          await initBackend();
          backendReady = true;
        }
        const lab = getLab();
        rewards ??= Object.fromEntries(Object.entries(settings.variants).map(([k, c]) => [k, labWhitebox(lab, c)]));
        scores = scoreCheckpoint(lab, dir, step, settings, rewards);
        atomicWriteJson(cachePath(run, step), scores);
      }
      series.push(scores);
      bar?.update(++done, { run: basename(run.path), step, gold: scores.gold, proxy: scores.proxy[TRAINED_VARIANT] ?? NaN });
    }
    const variants = Object.keys(settings.variants);
    const gold = series.map((s) => s.gold);
    const proxy = Object.fromEntries(variants.map((v) => [v, series.map((s) => s.proxy[v] ?? NaN)]));
    results.push({
      name: basename(run.path),
      path: run.path,
      steps: series.map((s) => s.step),
      gold,
      proxy,
      components: series.map((s) => s.components),
      spearman: Object.fromEntries(variants.map((v) => [v, spearman(proxy[v]!, gold)])),
    });
  }
  bar?.finish();
  return summarize(results, opts.out ?? opts.runs);
}

function summarize(runs: RunMonotonicity[], outDir: string): MonotonicityReport {
  const variants = Object.keys(runs[0]!.proxy);
  const gold = runs.flatMap((r) => r.gold);
  const pooled = Object.fromEntries(variants.map((v) => [v, spearman(runs.flatMap((r) => r.proxy[v] ?? r.gold.map(() => NaN)), gold)]));
  const report: MonotonicityReport = { variants, runs, pooled, checkpoints: gold.length, files: [] };
  const files = [join(outDir, 'monotonicity.json')];
  for (const [name, chart] of [['monotonicity', monotonicityChart(report)], ['monotonicity-scaled', monotonicityChart(report, true)]] as const) {
    files.push(join(outDir, `${name}.svg`), join(outDir, `${name}.png`));
    atomicWriteFile(files.at(-2)!, renderSvg(chart));
    atomicWriteFile(files.at(-1)!, renderPng(chart, { scale: 2 }));
  }
  report.files = files;
  atomicWriteJson(files[0]!, report);
  return report;
}

/** Rescales a series to [0, 1] (its minimum to 0, its maximum to 1); a constant series becomes 0.5. */
function minMax(y: readonly number[]): number[] {
  const lo = Math.min(...y);
  const hi = Math.max(...y);
  return y.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0.5));
}

/**
 * Proxy (the run's own white-box reward) and gold means against checkpoint step, one pair of lines
 * per run. `scaled`: each series min-max scaled within its run, because the white-box reward and the
 * gold reward live on different scales and Spearman only sees the shape.
 */
export function monotonicityChart(report: MonotonicityReport, scaled = false): ChartSpec {
  const series: Series[] = [];
  const single = report.runs.length === 1;
  const f = scaled ? minMax : (y: number[]) => y;
  for (const r of report.runs) {
    const proxyLine: Series = { label: single ? 'proxy (white-box)' : `${r.name} proxy`, x: r.steps, y: f(r.proxy[TRAINED_VARIANT]!) };
    const goldLine: Series = { label: single ? 'gold' : `${r.name} gold`, x: r.steps, y: f(r.gold), dashed: true };
    // One colour per run when there are several: proxy solid, gold dashed.
    if (!single) proxyLine.color = goldLine.color = DEFAULT_PALETTE[report.runs.indexOf(r) % DEFAULT_PALETTE.length]!;
    series.push(proxyLine, goldLine);
  }
  const rho = report.pooled[TRAINED_VARIANT]!.rho;
  return {
    title: `Proxy vs gold per checkpoint: Spearman rho ${Number.isFinite(rho) ? rho.toFixed(3) : 'undefined'}${single ? '' : ' (pooled)'}`,
    xLabel: 'PPO step of the checkpoint',
    yLabel: scaled ? 'mean reward (min-max per run)' : 'mean reward on the evaluation prompts',
    series,
    // The legend goes to the right; widen the chart so the plot keeps its room.
    width: single ? 800 : 1000,
  };
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const fmtP = (x: number | null) => (x === null ? '-' : !Number.isFinite(x) ? 'n/a' : x === 0 ? '0' : x < 1e-4 ? x.toExponential(1) : x.toFixed(4));

/** The report as plain-text tables: per-checkpoint means, then Spearman per variant (pooled and per run). */
export function formatMonotonicity(report: MonotonicityReport): string {
  const lines: string[] = [];
  lines.push('run                 step    gold   proxy   LI     RP');
  for (const r of report.runs) {
    r.steps.forEach((s, i) => {
      const c = r.components[i] ?? {};
      lines.push(`${r.name.padEnd(18).slice(0, 18)} ${String(s).padStart(5)}  ${fmt(r.gold[i]!)}  ${fmt(r.proxy[TRAINED_VARIANT]![i]!)}  ${fmt(c['length_incentive'] ?? NaN)}  ${fmt(c['repetition_penalty'] ?? NaN)}`);
    });
  }
  lines.push('');
  const runCols = report.runs.length > 1 ? report.runs.map((r) => r.name.slice(0, 12).padStart(12)).join(' ') : '';
  lines.push(`variant             rho     p(t)     p(exact)  n   ${runCols}`);
  for (const v of report.variants) {
    const s = report.pooled[v]!;
    const per = report.runs.length > 1 ? report.runs.map((r) => fmt(r.spearman[v]!.rho).padStart(12)).join(' ') : '';
    lines.push(`${v.padEnd(18)} ${fmt(s.rho).padStart(6)}  ${fmtP(s.pValue).padStart(7)}  ${fmtP(s.pExact).padStart(8)}  ${String(s.n).padEnd(3)} ${per}`);
  }
  return lines.join('\n');
}

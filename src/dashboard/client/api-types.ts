/**
 * The JSON the dashboard's server sends and its browser client reads. Kept in the client folder
 * (which has no Node or DOM dependencies of its own here) so both sides compile against one shape.
 */

export type RunStatus = 'finished' | 'training' | 'stopped';

/** One row of the run list. Fields a run's config lacks are null (other helpers' run kinds). */
export interface RunInfo {
  /** Path of the run directory relative to the runs root, '/'-separated. */
  id: string;
  env: string | null;
  algo: string | null;
  reward: string | null;
  seed: number | null;
  /** A readable method name: "PPO", "no regularisation", "AD kl", "ORPO state-action sqrt_chi2", ... */
  method: string;
  /** The regularisation coefficient as configured (before any automatic scaling); null for none. */
  coeff: number | null;
  iterations: number | null;
  /** The last iteration in metrics.jsonl (0 when none yet). */
  iteration: number;
  timesteps: number | null;
  status: RunStatus;
  /** Latest training returns (mean over the last episodes), from the last metrics row. */
  lastProxy: number | null;
  lastTrue: number | null;
  /** Final evaluation (summary.json), when finished. */
  finalProxy: number | null;
  finalTrue: number | null;
  /** ISO time metrics.jsonl was last written. */
  updatedAt: string | null;
}

export interface SaliencyMap {
  /** Path relative to the runs root, for /files/. */
  path: string;
  title: string;
  caption: string | null;
}

export interface Sample {
  prompt: string;
  completion: string;
  proxyScore: number | null;
  goldScore: number | null;
  iteration: number | null;
}

export interface RunDetail {
  info: RunInfo;
  config: unknown;
  summary: unknown;
  metrics: Record<string, unknown>[];
  /** Byte length of metrics.jsonl that `metrics` covers; the live stream continues from here. */
  metricsOffset: number;
  checkpoints: number[];
  /** Whether an evaluation episode can be shown (a stored episode.json, or a checkpoint to roll out). */
  canReplay: boolean;
  hasStoredEpisode: boolean;
  samples: Sample[] | null;
  saliency: SaliencyMap[];
}

/** An episode for the replay: per-step rewards, numeric info traces, and grid frames when the env has them. */
export interface Episode {
  env: string;
  source: 'stored' | 'rollout';
  seed: number | null;
  checkpoint: number | null;
  steps: number;
  horizon: number | null;
  proxyReturn: number;
  trueReturn: number;
  rewards: { proxy: number[]; true: number[] };
  /** Numeric (and boolean, as 0/1) info values per step, keyed by name; nested objects as "a.b". */
  traces: Record<string, number[]>;
  grid: GridEpisode | null;
}

export interface Cell {
  row: number;
  col: number;
}

export interface GridEpisode {
  /** The map picture: '#' wall, 't' tomato, 'B' bucket, 'A' start, '.' floor. */
  lines: string[];
  tomatoes: Cell[];
  bucket: Cell;
  frames: { agent: Cell; watered: boolean[]; bucketVisited: boolean }[];
}

export interface SweepInfo {
  id: string;
  name: string;
  createdAt: string | null;
  runs: number;
  /** Swept axes and their distinct values. */
  axes: Record<string, (string | number | boolean)[]>;
}

export interface SweepRun {
  id: string;
  /** The run's id in the run list (its directory relative to the runs root), null when missing. */
  runId: string | null;
  params: Record<string, string | number | boolean | null>;
  status: RunStatus | 'missing';
  /** Final evaluation when finished, else the last training row; null when nothing yet. */
  proxy: number | null;
  true: number | null;
  /** True when the numbers come from the final evaluation (summary.json). */
  final: boolean;
}

export interface SweepDetail extends Omit<SweepInfo, 'runs'> {
  spec: unknown;
  runs: SweepRun[];
}

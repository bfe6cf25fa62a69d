/**
 * An evaluation episode for the run page's replay: either the run's stored episode.json, or one
 * played now by loading the run's checkpoint and rolling its policy out in the run's environment.
 * Grid environments (tomato) send their frames; every environment sends the numeric values of
 * each step's info as traces (glucose: bg, insulin, risk...; pandemic: stage, infected, ...).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRunPolicy } from '../experiments/evaluate.js';
import { getEnvSpec } from '../envs/registry.js';
import { makeEnv } from '../envs/registry.js';
import '../envs/builtin.js';
import { flatten } from '../envs/spaces.js';
import type { Info } from '../envs/types.js';
import type { TomatoSnapshot } from '../envs/tomato/index.js';
import { Rng } from '../util/rng.js';
import { z, parseConfig } from '../util/validate.js';
import type { Episode, GridEpisode } from './client/api-types.js';

/** Long episodes (glucose: 5760 steps) are cut here unless the request asks for more. */
export const DEFAULT_MAX_STEPS = 2000;
export const MAX_STEPS_LIMIT = 20000;

/** Flattens an info object into numeric traces: numbers as they are, booleans as 0/1, nested objects as "a.b". */
export function infoValues(info: Info, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  for (const [k, v] of Object.entries(info)) {
    const key = prefix + k;
    if (typeof v === 'number') out[key] = Number.isFinite(v) ? v : NaN;
    else if (typeof v === 'boolean') out[key] = v ? 1 : 0;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && prefix === '') infoValues(v as Info, `${key}.`, out);
  }
  return out;
}

function isGridFrame(f: unknown): f is TomatoSnapshot {
  const o = f as Partial<TomatoSnapshot> | null;
  return !!o && typeof o === 'object' && !!o.map && Array.isArray(o.map.lines) && !!o.agent && Array.isArray(o.watered);
}

function toGrid(frames: unknown[]): GridEpisode | null {
  const first = frames[0];
  if (!isGridFrame(first) || !frames.every(isGridFrame)) return null;
  const snaps = frames as TomatoSnapshot[];
  return {
    lines: [...first.map.lines],
    tomatoes: first.map.tomatoes.map((c) => ({ row: c.row, col: c.col })),
    bucket: { row: first.map.bucket.row, col: first.map.bucket.col },
    frames: snaps.map((s) => ({ agent: { row: s.agent.row, col: s.agent.col }, watered: [...s.watered], bucketVisited: s.bucketVisited })),
  };
}

/** Plays one episode of the run's policy (sampling its actions with a seeded generator) and records it. */
export async function rolloutEpisode(runDir: string, opts: { seed: number; checkpoint?: number; maxSteps: number }): Promise<Episode> {
  const run = await loadRunPolicy(runDir, opts.checkpoint);
  try {
    const envName = run.config.env;
    const spec = getEnvSpec(envName);
    const env = makeEnv(envName, run.config.envConfig);
    const rng = new Rng(opts.seed);
    const frames: unknown[] = [];
    const traces: Record<string, number[]> = {};
    const rewards = { proxy: [] as number[], true: [] as number[] };
    const pushInfo = (info: Info, t: number) => {
      for (const [k, v] of Object.entries(infoValues(info))) {
        const arr = (traces[k] ??= new Array<number>(t).fill(NaN));
        arr.push(v);
      }
      // keys missing from this step's info keep their arrays aligned with the steps
      for (const arr of Object.values(traces)) if (arr.length < t + 1) arr.push(NaN);
    };
    let obs = env.reset(opts.seed).obs;
    if (spec.frame) frames.push(spec.frame(env));
    let proxyReturn = 0;
    let trueReturn = 0;
    const limit = Math.min(env.horizon, opts.maxSteps);
    for (let t = 0; t < limit; t++) {
      const a = run.policy.act(flatten(env.observationSpace, obs), 1, rng).actions;
      const r = env.step(env.actionSpace.kind === 'discrete' ? a[0]! : a);
      proxyReturn += r.reward.proxy;
      trueReturn += r.reward.true;
      rewards.proxy.push(r.reward.proxy);
      rewards.true.push(r.reward.true);
      pushInfo(r.info, t);
      if (spec.frame) frames.push(spec.frame(env));
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
    env.close?.();
    return {
      env: envName,
      source: 'rollout',
      seed: opts.seed,
      checkpoint: run.iteration,
      steps: rewards.true.length,
      horizon: env.horizon,
      proxyReturn,
      trueReturn,
      rewards,
      traces,
      grid: toGrid(frames),
    };
  } finally {
    run.policy.dispose();
  }
}

const cell = z.object({ row: z.number().int(), col: z.number().int() });
/** episode.json as another tool may write it (docs/dashboard.md); returns are summed when absent. */
export const storedEpisodeSchema = z.object({
  env: z.string(),
  seed: z.number().nullable().optional(),
  checkpoint: z.number().nullable().optional(),
  rewards: z.object({ proxy: z.array(z.number()), true: z.array(z.number()) }),
  traces: z.record(z.string(), z.array(z.number().nullable())).default({}),
  grid: z
    .object({
      lines: z.array(z.string()),
      tomatoes: z.array(cell),
      bucket: cell,
      frames: z.array(z.object({ agent: cell, watered: z.array(z.boolean()), bucketVisited: z.boolean().default(false) })),
    })
    .nullable()
    .optional(),
});

export function readStoredEpisode(runDir: string): Episode {
  const raw = JSON.parse(readFileSync(join(runDir, 'episode.json'), 'utf8')) as unknown;
  const e = parseConfig(storedEpisodeSchema, raw, 'episode.json');
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    env: e.env,
    source: 'stored',
    seed: e.seed ?? null,
    checkpoint: e.checkpoint ?? null,
    steps: e.rewards.true.length,
    horizon: null,
    proxyReturn: sum(e.rewards.proxy),
    trueReturn: sum(e.rewards.true),
    rewards: e.rewards,
    traces: Object.fromEntries(Object.entries(e.traces).map(([k, v]) => [k, v.map((x) => (x === null ? NaN : x))])),
    grid: e.grid ?? null,
  };
}

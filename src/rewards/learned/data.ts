/** Transition datasets for reward models, read from `goodhart rollouts --transitions` files. */
import { readDataset, floatColumn, hasColumn } from '../../experiments/dataset.js';
import type { RewardKind } from '../../envs/types.js';
import { Rng } from '../../util/rng.js';

export interface Transitions {
  n: number;
  obsDim: number;
  s: Float32Array;
  next: Float32Array;
  reward: Float32Array;
  episode: Int32Array;
  meta: Record<string, unknown>;
}

export function loadTransitions(path: string, reward: RewardKind = 'true'): Transitions {
  const ds = readDataset(path);
  if (!hasColumn(ds, 'nextObs')) throw new Error(`${path}: no nextObs column; write it with goodhart rollouts --transitions (or --balance N)`);
  const n = ds.header.rows;
  const obsDim = Number(ds.header.meta['obsDim']);
  return {
    n,
    obsDim,
    s: floatColumn(ds, 'obs'),
    next: floatColumn(ds, 'nextObs'),
    reward: floatColumn(ds, reward),
    episode: ds.column('episode') as Int32Array,
    meta: ds.header.meta,
  };
}

/** The rows at `idx`, as a new dataset. */
export function selectRows(d: Transitions, idx: ArrayLike<number>): Transitions {
  const n = idx.length;
  const s = new Float32Array(n * d.obsDim);
  const next = new Float32Array(n * d.obsDim);
  const reward = new Float32Array(n);
  const episode = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    s.set(d.s.subarray(i * d.obsDim, (i + 1) * d.obsDim), k * d.obsDim);
    next.set(d.next.subarray(i * d.obsDim, (i + 1) * d.obsDim), k * d.obsDim);
    reward[k] = d.reward[i]!;
    episode[k] = d.episode[i]!;
  }
  return { n, obsDim: d.obsDim, s, next, reward, episode, meta: d.meta };
}

/**
 * Splits by episode (whole episodes go to one side, so the test set holds trajectories the model
 * never saw); about `testFraction` of the rows end up in the test set.
 */
export function splitByEpisode(d: Transitions, testFraction: number, seed: number): { train: Transitions; test: Transitions } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction: must be in (0, 1), got ${testFraction}`);
  const episodes = [...new Set(d.episode)];
  const order = new Rng(seed).permutation(episodes.length);
  const testSet = new Set<number>();
  let rows = 0;
  const counts = new Map<number, number>();
  for (const e of d.episode) counts.set(e, (counts.get(e) ?? 0) + 1);
  for (const k of order) {
    if (rows >= testFraction * d.n) break;
    const e = episodes[k]!;
    testSet.add(e);
    rows += counts.get(e)!;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < d.n; i++) (testSet.has(d.episode[i]!) ? test : train).push(i);
  return { train: selectRows(d, train), test: selectRows(d, test) };
}

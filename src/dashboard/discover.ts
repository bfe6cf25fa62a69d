/**
 * Finding runs and sweeps under the runs root. A run is any directory holding config.json and
 * metrics.jsonl, at any depth (`goodhart reproduce` nests them); a sweep is
 * `<root>/sweeps/<id>/sweep.json`. Symbolic links are not followed while scanning, and a run's
 * own folders (checkpoints, base-policy copies) are not searched for further runs.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SafeRoot } from './safe-path.js';

/** Deeper than any layout the project writes; bounds the walk over a large or odd folder. */
export const MAX_DEPTH = 8;
const SKIPPED = new Set(['node_modules', 'checkpoints', '.git']);

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, 'config.json')) && existsSync(join(dir, 'metrics.jsonl'));
}

/** Ids ('/'-separated paths relative to the root) of every run, sorted. */
export function findRuns(root: SafeRoot): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (isRunDir(dir)) {
      found.push(root.relative(dir));
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || SKIPPED.has(name)) continue;
      const child = join(dir, name);
      try {
        if (lstatSync(child).isDirectory()) walk(child, depth + 1);
      } catch {
        // removed while we looked
      }
    }
  };
  walk(root.root, 0);
  return found.sort();
}

/** A sweep id is one plain path segment. */
export const SWEEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function findSweeps(root: SafeRoot): string[] {
  const dir = join(root.root, 'sweeps');
  if (!existsSync(dir)) return [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => SWEEP_ID.test(n) && root.tryResolve(`sweeps/${n}/sweep.json`) !== null).sort();
}

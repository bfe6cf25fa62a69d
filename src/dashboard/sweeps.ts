/**
 * Reading sweeps (format shared with `goodhart sweep`, docs/dashboard.md):
 * `<root>/sweeps/<sweepId>/sweep.json` = { id, name, createdAt, spec, runs: [{ id, dir, params }] }
 * where each run's `dir` is relative to the root. Each run's returns come from its summary.json
 * when finished, else from its latest metrics row, so a sweep can be watched while it runs.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

import { z, parseConfig } from '../util/validate.js';
import type { SweepDetail, SweepInfo, SweepRun } from './client/api-types.js';
import { isRunDir, SWEEP_ID } from './discover.js';
import { runInfo } from './run-info.js';
import { NotFoundError, type SafeRoot } from './safe-path.js';

const paramValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Loose on purpose: extra fields a newer `goodhart sweep` writes are kept out of the way, not refused. */
export const sweepFileSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  createdAt: z.string().optional(),
  spec: z.unknown().optional(),
  runs: z.array(
    z.object({
      id: z.string().min(1),
      dir: z.string().min(1),
      params: z.record(z.string(), paramValue).default({}),
    }),
  ),
});

export type SweepFile = z.output<typeof sweepFileSchema>;

export function readSweepFile(root: SafeRoot, sweepId: string): SweepFile {
  if (!SWEEP_ID.test(sweepId)) throw new NotFoundError(`no sweep "${sweepId}"`);
  const path = root.tryResolve(`sweeps/${sweepId}/sweep.json`);
  if (!path) throw new NotFoundError(`no sweep "${sweepId}"`);
  return parseConfig(sweepFileSchema, JSON.parse(readFileSync(path, 'utf8')), `sweeps/${sweepId}/sweep.json`);
}

function axesOf(runs: SweepFile['runs']): SweepInfo['axes'] {
  const axes: Record<string, Set<string | number | boolean>> = {};
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.params)) {
      if (v === null) continue;
      (axes[k] ??= new Set()).add(v);
    }
  }
  const sorted = (s: Set<string | number | boolean>) =>
    [...s].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  return Object.fromEntries(Object.entries(axes).map(([k, s]) => [k, sorted(s)]));
}

export function sweepInfo(root: SafeRoot, sweepId: string): SweepInfo {
  const file = readSweepFile(root, sweepId);
  return { id: sweepId, name: file.name ?? file.id, createdAt: file.createdAt ?? null, runs: file.runs.length, axes: axesOf(file.runs) };
}

export function sweepDetail(root: SafeRoot, sweepId: string): SweepDetail {
  const file = readSweepFile(root, sweepId);
  const runs: SweepRun[] = file.runs.map((r) => {
    // dirs are relative to the root; an absolute one is accepted only when it lies inside it
    let rel = r.dir;
    if (isAbsolute(rel)) {
      try {
        rel = root.relative(rel);
      } catch {
        rel = '';
      }
    }
    const dir = rel ? root.tryResolve(rel) : null;
    if (!dir || !isRunDir(dir)) return { id: r.id, runId: null, params: r.params, status: 'missing', proxy: null, true: null, final: false };
    const info = runInfo(root.relative(dir), dir);
    const final = info.finalTrue !== null;
    return {
      id: r.id,
      runId: info.id,
      params: r.params,
      status: info.status,
      proxy: final ? info.finalProxy : info.lastProxy,
      true: final ? info.finalTrue : info.lastTrue,
      final,
    };
  });
  return { id: sweepId, name: file.name ?? file.id, createdAt: file.createdAt ?? null, spec: file.spec ?? null, axes: axesOf(file.runs), runs };
}


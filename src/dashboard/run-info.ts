/**
 * What the dashboard knows about one run directory: its list row (method, coefficient, status,
 * latest and final returns) and its full detail (config, metrics, samples, saliency maps).
 * Other helpers write runs of other kinds, so every config field is read defensively.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RunDir } from '../experiments/run-store.js';
import type { RunDetail, RunInfo, RunStatus, SaliencyMap, Sample } from './client/api-types.js';
import type { SafeRoot } from './safe-path.js';

/** A run whose metrics changed this recently and that has no summary is shown as training. */
export const TRAINING_FRESH_MS = 120_000;

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** The last complete JSON line of a file, reading only its tail (metrics files of long runs grow). */
export function lastJsonLine(path: string, tailBytes = 65536): Obj | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = statSync(path).size;
    const start = Math.max(0, size - tailBytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim();
      if (!line) continue;
      try {
        return asObj(JSON.parse(line));
      } catch {
        // a line being written, or cut by the tail window: try the one before
      }
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/** A readable method name and its coefficient, from a run config (ORPO, AD or plain PPO). */
export function describeMethod(config: Obj | null): { method: string; coeff: number | null } {
  const algo = str(config?.['algo']) ?? 'ppo';
  const orpo = asObj(config?.['orpo']);
  if (algo === 'orpo' && orpo) {
    const om = Array.isArray(orpo['omDivergenceCoeffs']) ? (orpo['omDivergenceCoeffs'] as unknown[]).map(num) : [];
    const types = Array.isArray(orpo['omDivergenceType']) ? (orpo['omDivergenceType'] as unknown[]).map(String) : [];
    const ad = num(orpo['actionDistDivergenceCoeff']) ?? 0;
    if (om.some((c) => c !== null && c !== 0)) {
      const occupancy = orpo['useActionForDisc'] === false ? 'state' : 'state-action';
      return { method: `ORPO ${occupancy} ${types.join('+')}`, coeff: om[0] ?? null };
    }
    if (ad !== 0) return { method: `AD ${str(orpo['actionDistDivergenceType']) ?? 'kl'}`, coeff: ad };
    return { method: 'no regularisation', coeff: 0 };
  }
  return { method: algo.toUpperCase(), coeff: null };
}

export function runStatus(dir: string, now = Date.now()): RunStatus {
  if (existsSync(join(dir, 'summary.json'))) return 'finished';
  try {
    if (now - statSync(join(dir, 'metrics.jsonl')).mtimeMs < TRAINING_FRESH_MS) return 'training';
  } catch {
    // no metrics yet
  }
  return 'stopped';
}

function meanOf(v: unknown): number | null {
  const o = asObj(v);
  return o ? num(o['mean']) : num(v);
}

/** The run-list row of a run directory (absolute path `dir`, id relative to the root). */
export function runInfo(id: string, dir: string): RunInfo {
  const config = asObj(readJson(join(dir, 'config.json')));
  const summary = asObj(readJson(join(dir, 'summary.json')));
  const last = lastJsonLine(join(dir, 'metrics.jsonl'));
  const { method, coeff } = describeMethod(config);
  let updatedAt: string | null = null;
  try {
    updatedAt = statSync(join(dir, 'metrics.jsonl')).mtime.toISOString();
  } catch {
    // no metrics yet
  }
  return {
    id,
    env: str(config?.['env']),
    algo: str(config?.['algo']) ?? (config ? 'ppo' : null),
    reward: str(config?.['reward']),
    seed: num(config?.['seed']),
    method,
    coeff,
    iterations: num(config?.['iterations']),
    iteration: num(last?.['iteration']) ?? 0,
    timesteps: num(last?.['timesteps']),
    status: runStatus(dir),
    lastProxy: num(last?.['proxyReturnMean']),
    lastTrue: num(last?.['trueReturnMean']),
    finalProxy: meanOf(summary?.['proxyReturn']),
    finalTrue: meanOf(summary?.['trueReturn']),
    updatedAt,
  };
}

/**
 * The complete metrics rows after byte `offset` and the offset they reach (a partly written last
 * line is left for later). Reads only the new bytes, so tailing a long run stays cheap.
 */
export function readMetricsFrom(path: string, offset = 0): { rows: Obj[]; offset: number; truncated: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { rows: [], offset: 0, truncated: offset > 0 };
  }
  let buf: Buffer;
  try {
    const size = fstatSync(fd).size;
    if (size < offset) return { rows: [], offset: 0, truncated: true };
    buf = Buffer.alloc(size - offset);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    buf = buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end === 0) return { rows: [], offset, truncated: false };
  const rows: Obj[] = [];
  for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const row = asObj(JSON.parse(line));
      if (row) rows.push(row);
    } catch {
      // a corrupt line (a crash mid-write) is skipped, as the run store does
    }
  }
  return { rows, offset: offset + end, truncated: false };
}

/**
 * samples.json of an RLHF run: an array of samples, or { "samples": [...], "checkpoint"? }. A
 * sample is { prompt, completion, proxyScore, goldScore, iteration? }, or as `goodhart rlhf eval`
 * writes it { instruction, input, response, proxy, gold } (docs/dashboard.md).
 */
export function readSamples(dir: string): Sample[] | null {
  const path = join(dir, 'samples.json');
  if (!existsSync(path)) return null;
  const raw = readJson(path);
  const list = Array.isArray(raw) ? raw : asObj(raw)?.['samples'];
  if (!Array.isArray(list)) return [];
  const checkpoint = num(asObj(raw)?.['checkpoint']);
  return list.map((s) => {
    const o = asObj(s) ?? {};
    const instruction = str(o['instruction']);
    const input = str(o['input']);
    const prompt = str(o['prompt']) ?? (instruction !== null ? (input ? `${instruction}\n\n${input}` : instruction) : '');
    return {
      prompt,
      completion: str(o['completion']) ?? str(o['response']) ?? '',
      proxyScore: num(o['proxyScore']) ?? num(o['proxy']),
      goldScore: num(o['goldScore']) ?? num(o['gold']),
      iteration: num(o['iteration']) ?? checkpoint,
    };
  });
}

/** The PNG saliency maps under saliency/, with titles and captions from saliency/index.json when present. */
export function listSaliency(root: SafeRoot, dir: string): SaliencyMap[] {
  const folder = join(dir, 'saliency');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  const index = readJson(join(folder, 'index.json'));
  const described = new Map<string, { title: string | null; caption: string | null }>();
  if (Array.isArray(index)) {
    for (const entry of index) {
      const o = asObj(entry);
      const file = str(o?.['file']);
      if (o && file) described.set(file, { title: str(o['title']), caption: str(o['caption']) });
    }
  }
  const files = readdirSync(folder)
    .filter((f) => f.toLowerCase().endsWith('.png'))
    .sort();
  // Files listed in index.json come first, in its order.
  const order = [...described.keys()];
  const rank = (f: string) => (order.includes(f) ? order.indexOf(f) : order.length);
  files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const maps: SaliencyMap[] = [];
  for (const f of files) {
    const abs = join(folder, f);
    // a link out of the runs folder is not shown (and /files/ would refuse it anyway)
    if (!root.tryResolve(root.relative(abs))) continue;
    const d = described.get(f);
    maps.push({ path: root.relative(abs), title: d?.title ?? f.replace(/\.png$/i, ''), caption: d?.caption ?? null });
  }
  return maps;
}

export function runDetail(root: SafeRoot, id: string, dir: string): RunDetail {
  const run = new RunDir(dir);
  const { rows, offset } = readMetricsFrom(run.metricsPath);
  const checkpoints = run.listCheckpoints();
  const hasStoredEpisode = existsSync(join(dir, 'episode.json'));
  return {
    info: runInfo(id, dir),
    config: readJson(run.configPath),
    summary: readJson(run.summaryPath),
    metrics: rows,
    metricsOffset: offset,
    checkpoints,
    canReplay: hasStoredEpisode || checkpoints.length > 0,
    hasStoredEpisode,
    samples: readSamples(dir),
    saliency: listSaliency(root, dir),
  };
}

/**
 * Sweep specs: a YAML or JSON file naming fixed run settings (`base`) and one grid (or a list of
 * grids, whose union is taken) over environments × methods × divergences × coefficients × seeds
 * (plus rewards and any config path). Expanding a spec gives the runs, each with a stable id: the
 * hash of its fully resolved run config, so the same run always lands in the same directory.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve, extname, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z, parseConfig, ConfigError } from '../../util/validate.js';
import { REWARD_KINDS, type RewardKind } from '../../envs/types.js';
import { OM_DIVERGENCES } from '../../algos/orpo/divergences.js';
import { AD_DIVERGENCES } from '../../algos/orpo/action-divergence.js';
import { deepMerge } from '../../algos/ppo/config.js';
import { resolveRunConfig, type RunConfig } from '../run-config.js';
import { assetPath } from '../../util/paths.js';
import { RunDir } from '../run-store.js';
import { stableHash } from './canonical.js';

/**
 * How a run is regularised: `ppo` plain PPO; `none` ORPO's setup with every coefficient 0 (base
 * rollouts still fill half the batch); `orpo` occupancy-measure divergence on state-action pairs,
 * `orpo-state` on states only; `ad` action-distribution divergence.
 */
export const SWEEP_METHODS = ['ppo', 'none', 'orpo', 'orpo-state', 'ad'] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];
const DIVERGENCES = [...new Set([...OM_DIVERGENCES, ...AD_DIVERGENCES])] as [string, ...string[]];

export type ParamValue = string | number | boolean | null;

/** A single value is accepted where a list is expected (errors then point into the list). */
function axis<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) || v === undefined ? v : [v]), z.array(item).min(1));
}

/** Strict objects whose unknown-key errors also list the keys that are allowed. */
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key(s) ${(iss.keys as string[]).map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}` : undefined),
  });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Seeds: one, a list, or {from, count} (count seeds from `from`, default 0). */
const seedsSchema = z.preprocess(
  (v) => {
    if (!isPlainObject(v)) return Array.isArray(v) || v === undefined ? v : [v];
    const from = v['from'] ?? 0;
    const count = v['count'];
    const extra = Object.keys(v).filter((k) => k !== 'from' && k !== 'count');
    if (extra.length || typeof from !== 'number' || typeof count !== 'number' || !Number.isInteger(count) || count < 1) return v;
    return Array.from({ length: count }, (_, i) => from + i);
  },
  z.array(z.number({ error: 'expected a seed (an integer ≥ 0), a list of seeds, or {from, count}' }).int().nonnegative(), { error: 'expected a seed (an integer ≥ 0), a list of seeds, or {from, count}' }).min(1),
);

export const gridSchema = strict({
  env: axis(z.string().min(1)).optional(),
  method: axis(z.enum(SWEEP_METHODS)).optional(),
  divergence: axis(z.enum(DIVERGENCES)).optional(),
  coeff: axis(z.number()).optional(),
  seed: seedsSchema.optional(),
  reward: axis(z.enum(REWARD_KINDS as unknown as [RewardKind, ...RewardKind[]])).optional(),
  /** Further axes over config paths, e.g. {"ppo.lr": [0.001, 0.0003]}. */
  axes: z.record(z.string().regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/, 'a dotted config path such as ppo.lr'), z.array(z.unknown()).min(1)).optional(),
  /** Fixed settings of this grid only (layered over the spec's base). */
  with: z.record(z.string(), z.unknown()).optional(),
});

const specShape = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  description: z.string().optional(),
  /** Fixed run settings (a run config: iterations, ppo, envConfig, basePolicies, orpo, ...). */
  base: z.record(z.string(), z.unknown()).default({}),
  /** One grid, or a list of grids whose runs are pooled. */
  grid: z.union([gridSchema, z.array(gridSchema).min(1)]),
};
export const sweepSpecSchema = strict(specShape);
// Validating against the form actually written keeps error paths exact (spec.grid.method, spec.grid.1.seed).
const singleGridSpec = strict({ ...specShape, grid: gridSchema });
const gridListSpec = strict({ ...specShape, grid: z.array(gridSchema).min(1) });

export type SweepSpec = z.output<typeof sweepSpecSchema>;
type Grid = z.output<typeof gridSchema>;

export interface PlannedRun {
  id: string;
  /** Run directory, relative to the results root. */
  dir: string;
  /** The swept values that identify this run in its sweep (flat). */
  params: Record<string, ParamValue>;
  /** What `train` takes for a new run. */
  input: Record<string, unknown>;
}

export interface SweepPlan {
  id: string;
  name: string;
  /** The spec as written (stored in sweep.json). */
  spec: unknown;
  runs: PlannedRun[];
}

/** Reads a spec from a .yaml/.yml/.json file (parse errors name the file and the line). */
export function readSweepSpecFile(path: string): unknown {
  if (!existsSync(path)) throw new ConfigError(`sweep spec: file "${path}" does not exist`);
  const text = readFileSync(path, 'utf8');
  try {
    return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`sweep spec "${path}": not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`);
  }
}

export function parseSweepSpec(raw: unknown): SweepSpec {
  const grid = isPlainObject(raw) ? raw['grid'] : undefined;
  return parseConfig(Array.isArray(grid) ? gridListSpec : singleGridSpec, listsWritten(raw), 'spec');
}

/** The spec with single axis values written as one-element lists, so error messages can quote the value at its path. */
function listsWritten(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  const fix = (g: unknown) => {
    if (!isPlainObject(g)) return g;
    const out = { ...g };
    for (const k of ['env', 'method', 'divergence', 'coeff', 'reward', 'seed']) if (out[k] !== undefined && !Array.isArray(out[k]) && !isPlainObject(out[k])) out[k] = [out[k]];
    // YAML reads an unquoted `reward: true` as a boolean.
    if (Array.isArray(out['reward'])) out['reward'] = out['reward'].map((r: unknown) => (typeof r === 'boolean' ? String(r) : r));
    return out;
  };
  return { ...raw, grid: Array.isArray(raw['grid']) ? raw['grid'].map(fix) : fix(raw['grid']) };
}

/** The stable id of a run: a hash of its resolved config (defaults filled, key order irrelevant). */
export function runIdOf(config: RunConfig): string {
  return stableHash(config);
}

/** The default run directory of a run id, relative to the results root. */
export function runDirOf(id: string): string {
  return `runs/${id}`;
}

/** Expands a spec file into its runs. */
export function planSweepFile(path: string): SweepPlan {
  return planSweep(readSweepSpecFile(path), { specDir: dirname(resolve(path)) });
}

/**
 * Expands a spec into runs. Relative base-policy paths are taken relative to `specDir` (default:
 * the working directory); `@assets/...` names a file shipped with the package.
 */
export function planSweep(raw: unknown, opts: { specDir?: string } = {}): SweepPlan {
  const spec = parseSweepSpec(raw);
  const grids = Array.isArray(spec.grid) ? spec.grid : [spec.grid];
  const byId = new Map<string, PlannedRun>();
  grids.forEach((grid, g) => {
    const where = Array.isArray(spec.grid) ? `spec.grid.${g}` : 'spec.grid';
    for (const run of expandGrid(spec, grid, where, opts.specDir ?? process.cwd())) if (!byId.has(run.id)) byId.set(run.id, run);
  });
  const runs = [...byId.values()];
  return { id: sweepIdOf(spec.name, runs), name: spec.name, spec: raw, runs };
}

/** Sweep ids are readable and stable: the name plus a hash of the set of runs. */
export function sweepIdOf(name: string, runs: readonly Pick<PlannedRun, 'id'>[]): string {
  return `${name}-${stableHash(runs.map((r) => r.id).sort(), 8)}`;
}

function cartesian(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

function expandGrid(spec: SweepSpec, grid: Grid, where: string, specDir: string): PlannedRun[] {
  const base = deepMerge(spec.base, grid.with ?? {}, where + '.with');
  const extra = Object.entries(grid.axes ?? {});
  const lists: unknown[][] = [
    grid.env ?? [base['env']],
    grid.method ?? [undefined],
    grid.divergence ?? [undefined],
    grid.coeff ?? [undefined],
    grid.seed ?? [base['seed'] ?? 0],
    grid.reward ?? [base['reward'] ?? 'proxy'],
    ...extra.map(([, values]) => values),
  ];
  const runs: PlannedRun[] = [];
  for (const combo of cartesian(lists)) {
    const [env, method, divergence, coeff, seed, reward, ...extraValues] = combo as [unknown, SweepMethod | undefined, string | undefined, number | undefined, number, RewardKind, ...unknown[]];
    if (env === undefined) throw new ConfigError(`${where}.env: no environment given (set grid.env or base.env)`);
    const params: Record<string, ParamValue> = { env: env as string };
    let input: Record<string, unknown> = { ...base, env, seed, reward };
    if (method !== undefined) {
      params['method'] = method;
      input = applyMethod(input, method, divergence, coeff, where);
      if (method !== 'ppo' && method !== 'none') {
        if (divergence !== undefined) params['divergence'] = divergence;
        if (coeff !== undefined) params['coeff'] = coeff;
      }
    } else {
      if (divergence !== undefined || coeff !== undefined) throw new ConfigError(`${where}.method: divergence and coeff axes need a method axis; choose from ${SWEEP_METHODS.join(', ')}`);
    }
    if (grid.reward) params['reward'] = reward;
    params['seed'] = seed;
    extra.forEach(([path], i) => {
      input = setPath(input, path, extraValues[i]);
      params[path] = toParam(extraValues[i]);
    });
    input = resolvePolicyPaths(input, specDir);
    let config: RunConfig;
    try {
      config = resolveRunConfig(input);
    } catch (err) {
      throw new ConfigError(`${where}, run ${JSON.stringify(params)}: ${(err as Error).message}`);
    }
    const id = runIdOf(config);
    runs.push({ id, dir: runDirOf(id), params, input });
  }
  return runs;
}

function toParam(v: unknown): ParamValue {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as ParamValue) : JSON.stringify(v);
}

/** The ORPO/AD settings of a method, layered over what `base` says. */
function applyMethod(input: Record<string, unknown>, method: SweepMethod, divergence: string | undefined, coeff: number | undefined, where: string): Record<string, unknown> {
  if (method === 'ppo') {
    const { orpo: _o, basePolicies: _b, ...rest } = input;
    return { ...rest, algo: 'ppo' };
  }
  const orpo = { ...((input['orpo'] as Record<string, unknown> | undefined) ?? {}) };
  if (method === 'none') {
    Object.assign(orpo, { omDivergenceCoeffs: [0], actionDistDivergenceCoeff: 0 });
  } else if (method === 'ad') {
    if (divergence !== undefined && !(AD_DIVERGENCES as readonly string[]).includes(divergence)) {
      throw new ConfigError(`${where}.divergence: "${divergence}" is not an action-distribution divergence (method "ad" takes ${AD_DIVERGENCES.join(', ')})`);
    }
    Object.assign(orpo, { omDivergenceCoeffs: [0] });
    if (divergence !== undefined) orpo['actionDistDivergenceType'] = divergence;
    if (coeff !== undefined) orpo['actionDistDivergenceCoeff'] = coeff;
  } else {
    if (divergence !== undefined && !(OM_DIVERGENCES as readonly string[]).includes(divergence)) {
      throw new ConfigError(`${where}.divergence: "${divergence}" is not an occupancy-measure divergence (method "${method}" takes ${OM_DIVERGENCES.join(', ')})`);
    }
    if (divergence !== undefined) orpo['omDivergenceType'] = [divergence];
    if (coeff !== undefined) orpo['omDivergenceCoeffs'] = [coeff];
    if (method === 'orpo-state') orpo['useActionForDisc'] = false;
  }
  return { ...input, algo: 'orpo', orpo };
}

/** Sets a dotted path in a copy of `obj` (intermediate objects are created or copied). */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...obj, [head]: value };
  const inner = obj[head];
  const child = inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  return { ...obj, [head]: setPath(child, rest.join('.'), value) };
}

function resolvePolicyPaths(input: Record<string, unknown>, specDir: string): Record<string, unknown> {
  const place = (p: unknown, field: string): unknown => {
    if (typeof p !== 'string') return p;
    // "@assets/..." stays as written: each worker finds its own installed copy, and run ids do not
    // depend on where the package is installed.
    const path = p.startsWith(ASSET_PREFIX) ? resolveAssetRef(p) : isAbsolute(p) ? p : resolve(specDir, p);
    // Checked now rather than when a worker reaches the run, perhaps hours later.
    if (!new RunDir(path).exists()) throw new ConfigError(`spec: ${field} "${p}" (${path}) is not a run directory (no config.json)`);
    return p.startsWith(ASSET_PREFIX) ? p : path;
  };
  const out = { ...input };
  if (Array.isArray(input['basePolicies'])) out['basePolicies'] = input['basePolicies'].map((p: unknown) => place(p, 'base policy'));
  if (typeof input['initPolicy'] === 'string') out['initPolicy'] = place(input['initPolicy'], 'initPolicy');
  return out;
}

const ASSET_PREFIX = '@assets/';

function resolveAssetRef(p: string): string {
  return assetPath(...p.slice(ASSET_PREFIX.length).split('/'));
}

/** A run input with "@assets/..." policy paths replaced by this installation's paths (what train reads). */
export function withAssetPaths(input: Record<string, unknown>): Record<string, unknown> {
  const local = (p: unknown) => (typeof p === 'string' && p.startsWith(ASSET_PREFIX) ? resolveAssetRef(p) : p);
  const out = { ...input };
  if (Array.isArray(input['basePolicies'])) out['basePolicies'] = input['basePolicies'].map(local);
  if (typeof input['initPolicy'] === 'string') out['initPolicy'] = local(input['initPolicy']);
  return out;
}

/**
 * A sweep from runs listed one by one (for grids that are not products, such as `reproduce`'s):
 * each run keeps the directory it is given (relative to the root or absolute below it).
 */
export function planExplicitSweep(name: string, spec: unknown, root: string, jobs: readonly { out: string; input: Record<string, unknown>; params: Record<string, ParamValue> }[]): SweepPlan {
  const rootAbs = resolve(root);
  const runs = jobs.map((j) => {
    const abs = resolve(rootAbs, j.out);
    const rel = relative(rootAbs, abs);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`run directory ${j.out} is outside the results root ${rootAbs}`);
    return { id: runIdOf(resolveRunConfig(j.input)), dir: rel.split(sep).join('/'), params: j.params, input: j.input };
  });
  return { id: sweepIdOf(name, runs), name, spec, runs };
}

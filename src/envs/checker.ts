/**
 * An environment conformance check in the spirit of Gymnasium's check_env: it drives a fresh
 * environment through resets, random rollouts and bad inputs, and throws an EnvCheckError that
 * says what broke and where. Every new environment should pass it before anything trains on it.
 */
import { contains, describe, flatDim, flatten, sample, type Space, type SpaceValue } from './spaces.js';
import type { Env, StepResult } from './types.js';
import { Rng } from '../util/rng.js';

export class EnvCheckError extends Error {
  constructor(message: string) {
    super(`checkEnv: ${message}`);
    this.name = 'EnvCheckError';
  }
}

export interface CheckEnvOptions<C> {
  /** Config handed to every `make` call. */
  config?: C;
  /** Random-action episodes to play (default 5). */
  episodes?: number;
  /** Seed for the environment resets and the random actions (default 0). */
  seed?: number;
}

export interface CheckEnvReport {
  observationSpace: string;
  actionSpace: string;
  observationDim: number;
  horizon: number;
  episodes: number;
  steps: number;
  terminated: number;
  truncated: number;
  meanReturn: { proxy: number; true: number };
  /** Names of the checks that passed, in the order they ran. */
  passed: string[];
}

function fail(message: string): never {
  throw new EnvCheckError(message);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** Throws unless the space is well-formed; `where` names it in the message. */
export function validateSpace(space: unknown, where: string): asserts space is Space {
  if (typeof space !== 'object' || space === null) fail(`${where} is not a space object: ${show(space)}`);
  const s = space as Partial<Space> & Record<string, unknown>;
  switch (s.kind) {
    case 'discrete':
    case 'multibinary':
      if (typeof s.n !== 'number' || !Number.isInteger(s.n) || s.n < 1) fail(`${where}: ${s.kind} n must be a positive integer, got ${show(s.n)}`);
      return;
    case 'box': {
      const { low, high, shape } = s as { low: unknown; high: unknown; shape: unknown };
      if (!(low instanceof Float32Array) || !(high instanceof Float32Array)) fail(`${where}: box low/high must be Float32Arrays`);
      if (low.length !== high.length) fail(`${where}: box low has ${low.length} entries but high has ${high.length}`);
      if (!Array.isArray(shape) || shape.reduce((a: number, b: number) => a * b, 1) !== low.length) fail(`${where}: box shape ${show(shape)} does not match ${low.length} entries`);
      for (let i = 0; i < low.length; i++) if (!(low[i]! <= high[i]!)) fail(`${where}: box low[${i}]=${low[i]} > high[${i}]=${high[i]}`);
      return;
    }
    case 'dict': {
      const children = s.spaces as Record<string, unknown> | undefined;
      if (typeof children !== 'object' || children === null || Object.keys(children).length === 0) fail(`${where}: dict space needs at least one child space`);
      for (const [k, child] of Object.entries(children)) validateSpace(child, `${where}.${k}`);
      return;
    }
    default:
      fail(`${where}: unknown space kind ${show(s.kind)}`);
  }
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function checkObs(env: Env, obs: unknown, where: string): void {
  if (!contains(env.observationSpace, obs)) fail(`${where}: observation ${show(obs)} is not in ${describe(env.observationSpace)}`);
  const flat = flatten(env.observationSpace, obs as SpaceValue);
  for (let i = 0; i < flat.length; i++) if (!Number.isFinite(flat[i]!)) fail(`${where}: flattened observation entry ${i} is ${flat[i]}`);
}

function checkStepResult(env: Env, result: unknown, where: string): asserts result is StepResult {
  if (!isPlainObject(result)) fail(`${where}: step must return an object, got ${show(result)}`);
  checkObs(env, result.obs, where);
  const reward = result.reward;
  if (!isPlainObject(reward)) fail(`${where}: reward must be an object {proxy, true}, got ${show(reward)}`);
  for (const kind of ['proxy', 'true'] as const) {
    const r = reward[kind];
    if (typeof r !== 'number' || !Number.isFinite(r)) fail(`${where}: reward.${kind} must be a finite number, got ${show(r)}`);
  }
  if (typeof result.terminated !== 'boolean') fail(`${where}: terminated must be a boolean, got ${show(result.terminated)}`);
  if (typeof result.truncated !== 'boolean') fail(`${where}: truncated must be a boolean, got ${show(result.truncated)}`);
  if (!isPlainObject(result.info)) fail(`${where}: info must be a plain object, got ${show(result.info)}`);
}

interface Trace {
  flat: number[][];
  rewards: [number, number][];
  flags: [boolean, boolean][];
  actions: SpaceValue[];
}

/** Plays one episode; actions come from `actions` while it lasts, then from `rng`. */
function rollout(env: Env, seed: number, rng: Rng, label: string, actions: readonly SpaceValue[] = []): Trace {
  const trace: Trace = { flat: [], rewards: [], flags: [], actions: [] };
  const reset = env.reset(seed);
  checkObs(env, reset.obs, `${label} reset(${seed})`);
  if (!isPlainObject(reset.info)) fail(`${label} reset(${seed}): info must be a plain object, got ${show(reset.info)}`);
  trace.flat.push(Array.from(flatten(env.observationSpace, reset.obs)));
  let previous = { obs: reset.obs, flat: trace.flat[0]! };
  for (let t = 0; ; t++) {
    if (t >= env.horizon) fail(`${label}: episode ran ${t} steps without terminating or truncating, but horizon is ${env.horizon}`);
    const action = actions[t] ?? sample(env.actionSpace, rng);
    const where = `${label} step ${t + 1} (action ${show(action)})`;
    const result: unknown = env.step(action);
    checkStepResult(env, result, where);
    // Rollout buffers keep observations by reference, so a later step must not rewrite them.
    const before = Array.from(flatten(env.observationSpace, previous.obs));
    if (before.some((v, i) => v !== previous.flat[i])) fail(`${where}: the observation returned by the previous step/reset was mutated in place`);
    const flat = Array.from(flatten(env.observationSpace, result.obs));
    trace.flat.push(flat);
    trace.rewards.push([result.reward.proxy, result.reward.true]);
    trace.flags.push([result.terminated, result.truncated]);
    trace.actions.push(action);
    previous = { obs: result.obs, flat };
    if (result.terminated || result.truncated) return trace;
  }
}

function compareTraces(a: Trace, b: Trace, what: string): void {
  const n = Math.max(a.flat.length, b.flat.length);
  for (let i = 0; i < n; i++) {
    const at = i === 0 ? 'reset' : `step ${i}`;
    const fa = a.flat[i];
    const fb = b.flat[i];
    if (!fa || !fb) fail(`${what}: episode lengths differ (${a.flat.length - 1} vs ${b.flat.length - 1} steps)`);
    if (fa.some((v, j) => v !== fb[j])) fail(`${what}: observations differ at ${at}: [${fa.join(', ')}] vs [${fb.join(', ')}]`);
    if (i === 0) continue;
    const ra = a.rewards[i - 1]!;
    const rb = b.rewards[i - 1]!;
    if (ra[0] !== rb[0] || ra[1] !== rb[1]) fail(`${what}: rewards differ at ${at}: ${show(ra)} vs ${show(rb)}`);
    const ga = a.flags[i - 1]!;
    const gb = b.flags[i - 1]!;
    if (ga[0] !== gb[0] || ga[1] !== gb[1]) fail(`${what}: terminated/truncated differ at ${at}: ${show(ga)} vs ${show(gb)}`);
  }
}

/** Actions no environment with this action space should accept. */
function invalidActions(space: Space): unknown[] {
  switch (space.kind) {
    case 'discrete':
      return [-1, space.n, 1.5, Number.NaN, Infinity, '0', null, undefined];
    case 'multibinary':
      return [new Int8Array(space.n + 1), new Int8Array(space.n).fill(2), 'bits', null];
    case 'box':
      return [new Float32Array(space.low.length + 1), 'box', null];
    case 'dict':
      return ['dict', 3, null];
  }
}

export function checkEnv<C>(make: (config?: C) => Env, options: CheckEnvOptions<C> = {}): CheckEnvReport {
  // Environments that hold outside resources (a simulator process) are closed when the check ends.
  const created: Env[] = [];
  try {
    return checkEnvWith((config?: C) => {
      const env = make(config);
      created.push(env);
      return env;
    }, options);
  } finally {
    for (const env of created) {
      try {
        env?.close?.();
      } catch {
        // A close that fails must not hide the check's own result.
      }
    }
  }
}

function checkEnvWith<C>(make: (config?: C) => Env, options: CheckEnvOptions<C>): CheckEnvReport {
  const episodes = options.episodes ?? 5;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`checkEnv: episodes must be a positive integer, got ${episodes}`);
  const fresh = (): Env => {
    const env = options.config === undefined ? make() : make(options.config);
    if (typeof env !== 'object' || env === null) fail(`make() returned ${show(env)}, not an environment`);
    return env;
  };
  const passed: string[] = [];

  // 1. Spaces and horizon.
  const env = fresh();
  validateSpace(env.observationSpace, 'observationSpace');
  validateSpace(env.actionSpace, 'actionSpace');
  if (!Number.isInteger(env.horizon) || env.horizon < 1) fail(`horizon must be a positive integer, got ${show(env.horizon)}`);
  const rng = new Rng(seed);
  for (let i = 0; i < 20; i++) {
    const a = sample(env.actionSpace, rng);
    if (!contains(env.actionSpace, a)) fail(`actionSpace ${describe(env.actionSpace)} samples ${show(a)}, which it does not contain`);
  }
  passed.push('spaces');

  // 2. Random rollouts: every observation in the space, rewards finite, flags boolean, length <= horizon.
  let steps = 0;
  let terminated = 0;
  let truncated = 0;
  const totals = { proxy: 0, true: 0 };
  const traces: Trace[] = [];
  for (let e = 0; e < episodes; e++) {
    const trace = rollout(env, seed + e, rng, `episode ${e + 1}`);
    traces.push(trace);
    steps += trace.rewards.length;
    const last = trace.flags[trace.flags.length - 1]!;
    if (last[0]) terminated++;
    if (last[1]) truncated++;
    for (const [p, t] of trace.rewards) {
      totals.proxy += p;
      totals.true += t;
    }
  }
  passed.push('rollouts');

  // 3. Reset after the end of an episode gives a valid start and the env can step again. (The
  // rollouts above already reset after each ended episode; this also checks that a step works.)
  {
    const r = env.reset(seed);
    checkObs(env, r.obs, 'reset after an ended episode');
    checkStepResult(env, env.step(sample(env.actionSpace, new Rng(seed))), 'first step after an ended episode');
  }
  passed.push('reset-after-end');

  // 4. Determinism: two fresh envs with the same seed and actions agree exactly; a used env
  // re-seeded with the same seed agrees with them too (no state leaks across episodes).
  {
    // The last rollout ran on an env that had already played earlier episodes.
    const lastSeed = seed + episodes - 1;
    const reference = traces[episodes - 1]!;
    const a = rollout(fresh(), lastSeed, new Rng(seed + 1), 'determinism run A', reference.actions);
    const b = rollout(fresh(), lastSeed, new Rng(seed + 1), 'determinism run B', reference.actions);
    compareTraces(a, b, `two fresh envs reset(${lastSeed}) with the same actions`);
    compareTraces(reference, a, `a used env reset(${lastSeed}) vs a fresh one with the same actions`);
  }
  passed.push('determinism');

  // 5. Invalid actions are refused with a RangeError.
  for (const bad of invalidActions(env.actionSpace)) {
    const target = fresh();
    target.reset(seed);
    let error: unknown = null;
    try {
      target.step(bad as SpaceValue);
    } catch (e) {
      error = e;
    }
    if (error === null) fail(`step(${show(bad)}) was accepted, but it is not in ${describe(env.actionSpace)}; it must throw a RangeError`);
    if (!(error instanceof RangeError)) fail(`step(${show(bad)}) threw ${(error as Error)?.name ?? show(error)} instead of a RangeError: ${(error as Error)?.message ?? ''}`);
  }
  passed.push('invalid-actions');

  return {
    observationSpace: describe(env.observationSpace),
    actionSpace: describe(env.actionSpace),
    observationDim: flatDim(env.observationSpace),
    horizon: env.horizon,
    episodes,
    steps,
    terminated,
    truncated,
    meanReturn: { proxy: totals.proxy / episodes, true: totals.true / episodes },
    passed,
  };
}

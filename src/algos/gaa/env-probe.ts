/**
 * Where the greedy action would have led, for environments whose state can be captured.
 *
 * During a rollout every environment copy is wrapped in a StateRecordingEnv, which stores the
 * state (getState()) just before each step. After the rollout a separate probe environment is
 * set to each stored state and steps the greedy action once: its reward and successor observation
 * are exactly what taking x* would have produced (the env's random stream included, so with action
 * noise the greedy and the sampled step share the same draw). The rollout itself is untouched.
 */
import type { Env, RewardKind, StepResult } from '../../envs/types.js';
import { isSnapshottable, type Snapshottable } from '../../envs/vector.js';
import { flatDim, flattenInto, type Space } from '../../envs/spaces.js';

/** Passes everything through to `inner`, remembering the state before every step. */
export class StateRecordingEnv implements Env, Snapshottable {
  private states: unknown[] = [];

  constructor(readonly inner: Env & Snapshottable) {}

  get observationSpace(): Space {
    return this.inner.observationSpace;
  }
  get actionSpace(): Space {
    return this.inner.actionSpace;
  }
  get horizon(): number {
    return this.inner.horizon;
  }

  reset(seed?: number) {
    return this.inner.reset(seed);
  }

  step(action: Parameters<Env['step']>[0]): StepResult {
    this.states.push(this.inner.getState());
    return this.inner.step(action);
  }

  /** The states recorded since the last call, oldest first; clears the record. */
  takeStates(): unknown[] {
    const out = this.states;
    this.states = [];
    return out;
  }

  getState(): unknown {
    return this.inner.getState();
  }
  setState(state: unknown): void {
    this.inner.setState(state);
  }
  renderText(): string {
    return this.inner.renderText?.() ?? '';
  }
  close(): void {
    this.inner.close?.();
  }
}

/** Checks that an environment can be probed; the error says why GAA needs it. */
export function requireSnapshottable(env: Env, what: string): Env & Snapshottable {
  if (!isSnapshottable(env)) {
    throw new Error(`${what}: GAA needs an environment whose state can be captured and restored (getState/setState) to find the greedy action's successor; this one cannot`);
  }
  return env;
}

export interface ProbeResult {
  proxy: Float64Array;
  true: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Flattened successor observations [count × obsDim]. */
  obs: Float32Array;
  obsDim: number;
}

/** Steps `probe` once from each state with the given action; the probe's own state is overwritten. */
export function probeSuccessors(probe: Env & Snapshottable, states: readonly unknown[], actions: ArrayLike<number>): ProbeResult {
  if (actions.length !== states.length) throw new RangeError(`probeSuccessors: ${actions.length} actions for ${states.length} states`);
  const obsDim = flatDim(probe.observationSpace);
  const n = states.length;
  const result: ProbeResult = {
    proxy: new Float64Array(n),
    true: new Float64Array(n),
    terminated: new Uint8Array(n),
    truncated: new Uint8Array(n),
    obs: new Float32Array(n * obsDim),
    obsDim,
  };
  for (let k = 0; k < n; k++) {
    probe.setState(states[k]);
    const r = probe.step(actions[k]!);
    result.proxy[k] = r.reward.proxy;
    result.true[k] = r.reward.true;
    result.terminated[k] = r.terminated ? 1 : 0;
    result.truncated[k] = !r.terminated && r.truncated ? 1 : 0;
    flattenInto(probe.observationSpace, r.obs, result.obs, k * obsDim);
  }
  return result;
}

/** The reward of the pair that a trainer learns from. */
export function rewardOf(result: ProbeResult, kind: RewardKind): Float64Array {
  return result[kind];
}

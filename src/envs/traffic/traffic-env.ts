/**
 * The ORPO traffic environment: Flow's `MergePOEnv` with the merge_bus setting (specs/envs.md
 * §C1-C5, orpo.md §3.2), simulated by SUMO through our TraCI client.
 *
 * - One env step = `simsPerStep` (5) SUMO steps of `simStep` (0.2 s) = 1 s; horizon 300 steps;
 *   a collision (SUMO teleports the colliding car) terminates the episode.
 * - Controlled vehicles: the "bus" cars, queued first-in first-out as they enter; the first
 *   `numControlled` (10) of them hold the action slots until they leave the network (later ones
 *   move up, as Flow's list removal does). Extra buses are driven by SUMO.
 * - Action: accelerations in [−1.5, 1.5] m/s² per slot, held for the 5 sub-steps and applied as
 *   target speed max(v + a·dt, 0) with TraCI slowDown; empty slots are ignored.
 * - Human cars follow Flow's IDM (commanded the same way) except on junction lanes, where SUMO's
 *   own model drives them; every car uses speed mode 1 (obey safe speed only).
 * - Observation (50): per slot [v/30, (v_lead − v)/30, lead gap/L, (v − v_follow)/30,
 *   follow gap/L], zeros for empty slots; no leader: v_lead = 30, gap = L; no follower: v = 0,
 *   gap = L. L = total lane length of the network (372.68 m with netconvert 1.15).
 * - Rewards: proxy = vel + accel + 0.1·headway, true = commute + accel + 0.1·headway, unscaled
 *   (ORPO trains on 1e-4 × the reward: TRAFFIC_REWARD_SCALE, applied by the trainer's rewardScale).
 *
 * Each environment owns one `sumo` process (started on the first reset, reloaded in place with a
 * new seed on later resets) and a scratch folder with the generated scenario; close() ends both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { box, type BoxSpace } from '../spaces.js';
import type { Env, Info, ResetResult, StepResult } from '../types.js';
import { configErrorFor, showValue } from '../config-errors.js';
import { Rng } from '../../util/rng.js';
import * as C from './traci/constants.js';
import { commands, parseLeader, type SubscriptionResult, type TraciClient, type VariableRequest } from './traci/client.js';
import type { TraciCommand } from './traci/protocol.js';
import { asNumber, asString, asStringList, double } from './traci/storage.js';
import { SumoProcess, sumoBinary, netconvertBinary } from './sumo-process.js';
import { CONTROLLED_TYPE, DEFAULT_MERGE_SCENARIO, VEHICLE_LENGTH, VEHICLE_MIN_GAP, generateMergeScenario, sumoArgs, type GeneratedMergeScenario, type MergeScenarioConfig } from './scenario.js';
import { FLOW_IDM, idmAcceleration } from './idm.js';
import { TRAFFIC_PROXY_WEIGHTS, TRAFFIC_REWARD_TERMS, TRAFFIC_TRUE_WEIGHTS, trafficRewardTerms, weightedReward, type TrafficRewardWeights } from './rewards.js';

export interface TrafficConfig {
  /** Env steps per episode. */
  horizon: number;
  /** Action slots (controlled vehicles commanded at once). */
  numControlled: number;
  /** SUMO step length, s. */
  simStep: number;
  /** SUMO steps per env step. */
  simsPerStep: number;
  /** Env steps simulated at reset before the first observation (no commands to the controlled cars). */
  warmupSteps: number;
  /** Bound of the acceleration actions, m/s² (max_accel = max_decel). */
  maxAccel: number;
  /** 'idm': human cars follow Flow's IDM through TraCI (as in Flow); 'sumo': SUMO's own IDM drives them. */
  humanDriver: 'idm' | 'sumo';
  proxyWeights: TrafficRewardWeights;
  trueWeights: TrafficRewardWeights;
  /** Network and inflow overrides (see MergeScenarioConfig). */
  scenario: Partial<MergeScenarioConfig>;
}

export const DEFAULT_TRAFFIC_CONFIG: Readonly<TrafficConfig> = Object.freeze({
  horizon: 300,
  numControlled: 10,
  simStep: 0.2,
  simsPerStep: 5,
  warmupSteps: 0,
  maxAccel: 1.5,
  humanDriver: 'idm',
  proxyWeights: { ...TRAFFIC_PROXY_WEIGHTS },
  trueWeights: { ...TRAFFIC_TRUE_WEIGHTS },
  scenario: {},
});

/** ORPO's training-reward scale for traffic (the env's rewards are unscaled). */
export const TRAFFIC_REWARD_SCALE = 1e-4;
/** The base (safe) policy: IDM accelerations per slot (registered as controller `idm`). */
export const TRAFFIC_BASE_CONTROLLER = 'idm';
/** The shipped behaviour clone of that controller (a BC run directory under assets/), usable as --base. */
export const TRAFFIC_BASE_POLICY_ASSET = 'base-policies/traffic';
/** ORPO README coefficient scales for traffic: √χ² by the base policy's reward std, KL by its per-step reward. */
export const TRAFFIC_SQRT_CHI2_SCALE = 2e-4;
export const TRAFFIC_KL_SCALE = 0.0005;

const CONFIG_FIELDS = Object.keys(DEFAULT_TRAFFIC_CONFIG) as (keyof TrafficConfig)[];
const SCENARIO_FIELDS = Object.keys(DEFAULT_MERGE_SCENARIO) as (keyof MergeScenarioConfig)[];
const configError = configErrorFor('TrafficEnv');

export function resolveTrafficConfig(config: Partial<TrafficConfig> = {}): TrafficConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`TrafficEnv config: expected an object, got ${showValue(config)}`);
  for (const key of Object.keys(config)) {
    if (!(CONFIG_FIELDS as string[]).includes(key)) {
      throw new Error(`TrafficEnv config: unknown field "${key}" (value ${showValue((config as Record<string, unknown>)[key])}); allowed fields: ${CONFIG_FIELDS.join(', ')}`);
    }
  }
  const c = { ...DEFAULT_TRAFFIC_CONFIG, ...config } as TrafficConfig;
  const int = (k: keyof TrafficConfig, min: number) => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw configError(k, v, `an integer >= ${min}`);
  };
  const pos = (k: keyof TrafficConfig) => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw configError(k, v, 'a finite number > 0');
  };
  int('horizon', 1);
  int('numControlled', 1);
  pos('simStep');
  int('simsPerStep', 1);
  int('warmupSteps', 0);
  pos('maxAccel');
  if (c.humanDriver !== 'idm' && c.humanDriver !== 'sumo') throw configError('humanDriver', c.humanDriver, "'idm', 'sumo'");
  for (const k of ['proxyWeights', 'trueWeights'] as const) {
    const w = { ...DEFAULT_TRAFFIC_CONFIG[k], ...(c[k] as Partial<TrafficRewardWeights>) };
    for (const key of Object.keys(w)) {
      const v = (w as Record<string, unknown>)[key];
      if (!(TRAFFIC_REWARD_TERMS as readonly string[]).includes(key)) throw configError(`${k}.${key}`, v, `weights of ${TRAFFIC_REWARD_TERMS.join(', ')}`);
      if (typeof v !== 'number' || !Number.isFinite(v)) throw configError(`${k}.${key}`, v, 'a finite number');
    }
    c[k] = w;
  }
  if (typeof c.scenario !== 'object' || c.scenario === null || Array.isArray(c.scenario)) throw configError('scenario', c.scenario, 'an object of scenario fields');
  for (const [key, v] of Object.entries(c.scenario)) {
    if (!(SCENARIO_FIELDS as string[]).includes(key)) throw configError(`scenario.${key}`, v, `one of the fields ${SCENARIO_FIELDS.join(', ')}`);
    const lanes = key === 'highwayLanes' || key === 'mergeLanes' || key === 'initialHumans';
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (lanes && !Number.isInteger(v)) || (key.endsWith('Lanes') && v < 1)) {
      throw configError(`scenario.${key}`, v, lanes ? 'a non-negative integer (lanes >= 1)' : 'a finite number >= 0');
    }
  }
  return c;
}

/** One car as the last subscription results describe it. */
interface Vehicle {
  id: string;
  controlled: boolean;
  speed: number;
  road: string;
  lanePos: number;
  leader: string | null;
  /** Bumper-to-bumper distance to the leader (SUMO's gap + minGap), as Flow's get_headway. */
  headway: number;
  follower: string | null;
}

const VEHICLE_VARS: readonly VariableRequest[] = [
  { id: C.VAR_SPEED },
  { id: C.VAR_ROAD_ID },
  { id: C.VAR_LANEPOSITION },
  { id: C.VAR_LEADER, param: double(2000) },
];

const SIM_VARS: readonly VariableRequest[] = [
  { id: C.VAR_TIME },
  { id: C.VAR_LOADED_VEHICLES_IDS },
  { id: C.VAR_DEPARTED_VEHICLES_IDS },
  { id: C.VAR_ARRIVED_VEHICLES_IDS },
  { id: C.VAR_TELEPORT_STARTING_VEHICLES_NUMBER },
  { id: C.VAR_COLLIDING_VEHICLES_NUMBER },
];

/** Speed mode 1: SUMO only enforces safe speeds (no acceleration limits, no right of way). */
const SPEED_MODE_OBEY_SAFE_SPEED = 1;

/** The step's numbers, as put in `info`. */
export interface TrafficStepInfo extends Info {
  t: number;
  /** Simulation time, s. */
  time: number;
  crashed: boolean;
  vehicles: number;
  controlled: number;
  /** Unscaled rewards and their terms. */
  proxyReward: number;
  trueReward: number;
  vel: number;
  commute: number;
  accel: number;
  headway: number;
  /** The base policy's IDM accelerations for the slots at the end of the step (Flow's acc_controller_actions). */
  accControllerActions: number[];
}

export class TrafficEnv implements Env<Float32Array, Float32Array> {
  readonly config: Readonly<TrafficConfig>;
  readonly scenarioConfig: Readonly<MergeScenarioConfig>;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly horizon: number;

  private sumo: SumoProcess | null = null;
  private dir: string | null = null;
  private scenario: GeneratedMergeScenario | null = null;
  private readonly seedRng = new Rng(0);
  private readonly vehicles = new Map<string, Vehicle>();
  /** Controlled cars waiting for a slot, and those holding the slots (in slot order). */
  private queue: string[] = [];
  private slots: string[] = [];
  private t = 0;
  private time = 0;
  private done = true;
  private crashedNow = false;
  private episodeSeed = 0;
  /** Vehicles loaded (generated by a flow) and departed (inserted), by flow id, this episode. */
  readonly loadedByFlow = new Map<string, number>();
  readonly departedByFlow = new Map<string, number>();
  /** Time spent in this env's step()/reset() calls, ms (the benchmark compares it with the TraCI time). */
  busyMs = 0;

  constructor(config: Partial<TrafficConfig> = {}) {
    this.config = Object.freeze(resolveTrafficConfig(config));
    this.scenarioConfig = Object.freeze({ ...DEFAULT_MERGE_SCENARIO, ...this.config.scenario });
    const n = this.config.numControlled;
    this.horizon = this.config.horizon;
    this.observationSpace = box(-Infinity, Infinity, [5 * n]);
    this.actionSpace = box(-this.config.maxAccel, this.config.maxAccel, [n]);
  }

  /** The TraCI connection (after the first reset), e.g. for its round-trip statistics. */
  get traci(): TraciClient | null {
    return this.sumo?.client ?? null;
  }

  /** pid of this env's sumo process, or null before the first reset / after close. */
  get sumoPid(): number | null {
    return this.sumo?.pid ?? null;
  }

  get networkLength(): number {
    return this.scenario?.networkLength ?? NaN;
  }

  get simulationTime(): number {
    return this.time;
  }

  get stepCount(): number {
    return this.t;
  }

  /** Ids of the cars in the action slots, slot order. */
  get controlledIds(): readonly string[] {
    return this.slots;
  }

  get vehicleCount(): number {
    return this.vehicles.size;
  }

  private ensureStarted(seed: number): void {
    const args = () => sumoArgs(this.scenario!, seed, this.config.simStep);
    if (this.sumo && this.sumo.alive) {
      this.sumo.client.load(args());
      return;
    }
    if (this.sumo) this.shutdownSumo();
    // Constructing the env needs no SUMO (listing environments works without it); running it does.
    sumoBinary();
    netconvertBinary();
    if (!this.dir) {
      this.dir = mkdtempSync(join(tmpdir(), 'goodhart-traffic-'));
      this.scenario = generateMergeScenario(this.dir, this.scenarioConfig);
    }
    this.sumo = SumoProcess.launch({ args: args(), cwd: this.dir, logFile: join(this.dir, 'sumo.log') });
  }

  private get client(): TraciClient {
    if (!this.sumo) throw new Error('TrafficEnv: no simulation is running; call reset() first');
    return this.sumo.client;
  }

  reset(seed?: number): ResetResult<Float32Array> {
    const t0 = performance.now();
    if (seed !== undefined) {
      if (!Number.isFinite(seed)) throw new RangeError(`TrafficEnv.reset: seed must be a finite number, got ${seed}`);
      this.seedRng.reseed(seed);
    }
    // Flow draws a fresh SUMO seed in [0, 1e5] for every episode.
    this.episodeSeed = this.seedRng.int(100001);
    try {
      this.ensureStarted(this.episodeSeed);
      this.vehicles.clear();
      this.queue = [];
      this.slots = [];
      this.loadedByFlow.clear();
      this.departedByFlow.clear();
      this.t = 0;
      this.crashedNow = false;
      this.client.run(commands.subscribe(C.CMD_SUBSCRIBE_SIM_VARIABLE, '', SIM_VARS));
      // One SUMO step puts the initial cars on the road (as Flow's reset does).
      this.simulate([]);
      const none = new Float32Array(this.config.numControlled);
      for (let w = 0; w < this.config.warmupSteps && !this.crashedNow; w++) this.advance(none, false);
      this.done = false;
    } catch (e) {
      throw this.withLog(e);
    } finally {
      this.busyMs += performance.now() - t0;
    }
    return { obs: this.observe(), info: { t: 0, time: this.time, episodeSeed: this.episodeSeed, vehicles: this.vehicles.size } };
  }

  private checkAction(action: unknown): Float32Array {
    const n = this.config.numControlled;
    const ok = (action instanceof Float32Array || action instanceof Float64Array || Array.isArray(action)) && (action as ArrayLike<unknown>).length === n;
    const hi = this.config.maxAccel;
    if (ok) {
      const out = new Float32Array(n);
      let valid = true;
      for (let i = 0; i < n && valid; i++) {
        const v = (action as ArrayLike<unknown>)[i];
        if (typeof v !== 'number' || !(v >= -hi && v <= hi)) valid = false;
        else out[i] = v;
      }
      if (valid) return out;
    }
    throw new RangeError(`TrafficEnv.step: invalid action ${showValue(ArrayBuffer.isView(action) ? Array.from(action as Float32Array) : action)}; allowed: an array of ${n} accelerations in [${-hi}, ${hi}]`);
  }

  step(action: Float32Array): StepResult<Float32Array> {
    if (this.done) throw new Error(`TrafficEnv.step: the episode has ended or not started (t=${this.t}); call reset() first`);
    const a = this.checkAction(action);
    const t0 = performance.now();
    try {
      this.advance(a, true);
    } catch (e) {
      this.done = true;
      throw this.withLog(e);
    } finally {
      this.busyMs += performance.now() - t0;
    }
    this.t += 1;
    const crashed = this.crashedNow;
    const speeds: number[] = [];
    const controlledHeadways: { speed: number; headway: number }[] = [];
    for (const v of this.vehicles.values()) {
      speeds.push(v.speed);
      if (v.controlled && v.leader !== null) controlledHeadways.push({ speed: v.speed, headway: v.headway });
    }
    const terms = trafficRewardTerms({ speeds, actions: a, controlledHeadways, crashed });
    const proxy = weightedReward(terms, this.config.proxyWeights);
    const tru = weightedReward(terms, this.config.trueWeights);
    const terminated = crashed;
    const truncated = !terminated && this.t >= this.horizon;
    this.done = terminated || truncated;
    const info: TrafficStepInfo = {
      t: this.t,
      time: this.time,
      crashed,
      vehicles: this.vehicles.size,
      controlled: this.slots.length,
      proxyReward: proxy,
      trueReward: tru,
      ...terms,
      accControllerActions: Array.from(this.idmActions()),
    };
    return { obs: this.observe(), reward: { proxy, true: tru }, terminated, truncated, info };
  }

  /** Runs one env step's SUMO steps with the slot accelerations (or none for the controlled cars). */
  private advance(actions: Float32Array, commandControlled: boolean): void {
    const dt = this.config.simStep;
    for (let k = 0; k < this.config.simsPerStep; k++) {
      const cmds: TraciCommand[] = [];
      if (this.config.humanDriver === 'idm') {
        for (const v of this.vehicles.values()) {
          // Flow lets SUMO drive a human car on junction lanes (and before it has a road).
          if (v.controlled || v.road === '' || v.road.startsWith(':')) continue;
          const acc = this.idmFor(v);
          cmds.push(commands.slowDown(v.id, Math.max(v.speed + acc * dt, 0), 1e-3));
        }
      }
      if (commandControlled) {
        for (let i = 0; i < this.slots.length; i++) {
          const v = this.vehicles.get(this.slots[i]!);
          if (!v) continue;
          cmds.push(commands.slowDown(v.id, Math.max(v.speed + actions[i]! * dt, 0), 1e-3));
        }
      }
      this.simulate(cmds);
      if (this.crashedNow) break;
    }
    this.linkFollowers();
  }

  /** Sends the commands and one simulation step; reads the new state; subscribes to new cars. */
  private simulate(cmds: TraciCommand[]): void {
    const client = this.client;
    cmds.push(commands.simulationStep());
    const results = client.exchange(cmds);
    const subs = results[results.length - 1] as SubscriptionResult[];
    const departed: string[] = [];
    for (const s of subs) {
      if (s.responseId === C.RESPONSE_SUBSCRIBE_SIM_VARIABLE) {
        this.time = asNumber(s.values.get(C.VAR_TIME), 'time');
        for (const id of asStringList(s.values.get(C.VAR_LOADED_VEHICLES_IDS))) bump(this.loadedByFlow, flowOf(id));
        departed.push(...asStringList(s.values.get(C.VAR_DEPARTED_VEHICLES_IDS)));
        for (const id of asStringList(s.values.get(C.VAR_ARRIVED_VEHICLES_IDS))) this.remove(id);
        const teleports = asNumber(s.values.get(C.VAR_TELEPORT_STARTING_VEHICLES_NUMBER));
        const collisions = asNumber(s.values.get(C.VAR_COLLIDING_VEHICLES_NUMBER));
        if (teleports > 0 || collisions > 0) this.crashedNow = true;
      } else if (s.responseId === C.RESPONSE_SUBSCRIBE_VEHICLE_VARIABLE) {
        const v = this.vehicles.get(s.objectId);
        if (v) this.apply(v, s);
      }
    }
    if (departed.length) {
      const setup: TraciCommand[] = [];
      for (const id of departed) {
        bump(this.departedByFlow, flowOf(id));
        setup.push(commands.setSpeedMode(id, SPEED_MODE_OBEY_SAFE_SPEED));
        setup.push(commands.subscribe(C.CMD_SUBSCRIBE_VEHICLE_VARIABLE, id, [...VEHICLE_VARS, { id: C.VAR_TYPE }]));
      }
      const answers = client.exchange(setup);
      for (let i = 1; i < answers.length; i += 2) {
        const s = answers[i] as SubscriptionResult;
        const controlled = asString(s.values.get(C.VAR_TYPE), 'type') === CONTROLLED_TYPE;
        const v: Vehicle = { id: s.objectId, controlled, speed: 0, road: '', lanePos: 0, leader: null, headway: 1000, follower: null };
        this.apply(v, s);
        this.vehicles.set(v.id, v);
        if (controlled) this.queue.push(v.id);
      }
    }
    // Fill free slots from the queue, oldest first.
    while (this.queue.length && this.slots.length < this.config.numControlled) this.slots.push(this.queue.shift()!);
  }

  private apply(v: Vehicle, s: SubscriptionResult): void {
    const val = s.values;
    v.speed = asNumber(val.get(C.VAR_SPEED), 'speed');
    v.road = asString(val.get(C.VAR_ROAD_ID), 'road');
    v.lanePos = asNumber(val.get(C.VAR_LANEPOSITION), 'lane position');
    const lead = parseLeader(val.get(C.VAR_LEADER));
    v.leader = lead && this.vehicles.has(lead.id) ? lead.id : lead ? lead.id : null;
    v.headway = lead ? lead.gap + VEHICLE_MIN_GAP : 1000;
  }

  private remove(id: string): void {
    this.vehicles.delete(id);
    const q = this.queue.indexOf(id);
    if (q >= 0) this.queue.splice(q, 1);
    const s = this.slots.indexOf(id);
    if (s >= 0) this.slots.splice(s, 1);
  }

  /** Flow's follower: the car whose leader a car is. */
  private linkFollowers(): void {
    for (const v of this.vehicles.values()) v.follower = null;
    for (const v of this.vehicles.values()) {
      if (v.leader === null) continue;
      const lead = this.vehicles.get(v.leader);
      if (lead) lead.follower = v.id;
    }
  }

  private idmFor(v: Vehicle): number {
    const lead = v.leader === null ? undefined : this.vehicles.get(v.leader);
    return idmAcceleration(v.speed, lead ? lead.speed : null, v.headway, FLOW_IDM);
  }

  /** Position on Flow's axis: edge start + lane position; a junction lane maps to its junction's start. */
  private x(v: Vehicle): number {
    const starts = this.scenario!.edgeStarts;
    if (v.road.startsWith(':')) {
      const junction = v.road.slice(0, v.road.lastIndexOf('_'));
      return starts.get(junction) ?? starts.get(v.road) ?? 0;
    }
    return (starts.get(v.road) ?? 0) + v.lanePos;
  }

  /** The base policy: each slot's IDM acceleration, clipped to the action bounds (0 for empty slots). */
  idmActions(): Float32Array {
    const n = this.config.numControlled;
    const hi = this.config.maxAccel;
    const out = new Float32Array(n);
    for (let i = 0; i < this.slots.length && i < n; i++) {
      const v = this.vehicles.get(this.slots[i]!);
      if (!v) continue;
      out[i] = Math.min(Math.max(this.idmFor(v), -hi), hi);
    }
    return out;
  }

  private observe(): Float32Array {
    const n = this.config.numControlled;
    const obs = new Float32Array(5 * n);
    const maxSpeed = this.scenarioConfig.speedLimit;
    const L = this.networkLength;
    for (let i = 0; i < this.slots.length && i < n; i++) {
      const v = this.vehicles.get(this.slots[i]!);
      if (!v) continue;
      const lead = v.leader === null ? undefined : this.vehicles.get(v.leader);
      const follow = v.follower === null ? undefined : this.vehicles.get(v.follower);
      const leadSpeed = lead ? lead.speed : maxSpeed;
      const leadGap = lead ? this.x(lead) - this.x(v) - VEHICLE_LENGTH : L;
      const followSpeed = follow ? follow.speed : 0;
      const followGap = follow ? follow.headway : L;
      obs[5 * i] = v.speed / maxSpeed;
      obs[5 * i + 1] = (leadSpeed - v.speed) / maxSpeed;
      obs[5 * i + 2] = leadGap / L;
      obs[5 * i + 3] = (v.speed - followSpeed) / maxSpeed;
      obs[5 * i + 4] = followGap / L;
    }
    return obs;
  }

  renderText(): string {
    const speeds = [...this.vehicles.values()].map((v) => v.speed);
    const mean = speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : 0;
    const ctl = this.slots.map((id) => `${id}@${(this.vehicles.get(id)?.speed ?? 0).toFixed(1)}`).join(' ');
    return `merge t=${this.time.toFixed(1)}s step ${this.t}/${this.horizon}  ${this.vehicles.size} cars, mean speed ${mean.toFixed(2)} m/s  controlled: ${ctl || '(none)'}`;
  }

  private withLog(e: unknown): Error {
    const err = e instanceof Error ? e : new Error(String(e));
    const tail = this.sumo?.logTail(800);
    if (tail && !err.message.includes(tail)) err.message += `\n(sumo log: ${tail})`;
    return err;
  }

  private shutdownSumo(): void {
    const s = this.sumo;
    this.sumo = null;
    s?.close();
  }

  /** Stops sumo (process group and connection) and removes the scenario folder. Safe to call twice. */
  close(): void {
    this.done = true;
    try {
      this.shutdownSumo();
    } finally {
      if (this.dir) rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
      this.scenario = null;
    }
  }
}

/** A flow's vehicles are named "<flow id>.<index>"; other cars count under their own id's prefix. */
function flowOf(id: string): string {
  const dot = id.lastIndexOf('.');
  return dot > 0 ? id.slice(0, dot) : id;
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/**
 * A TraCI client: builds commands, sends them in one message per round trip, and decodes the
 * answers. Commands are plain values (`TraciCommand`), so a caller can batch many of them (say, a
 * speed command for every vehicle and then the simulation step) into a single round trip with
 * `exchange`; the convenience methods each make one round trip.
 */
import * as C from './constants.js';
import { decodeResponse, encodeMessage, readCommandHeader, type TraciCommand } from './protocol.js';
import { TraciProtocolError, TraciReader, TraciWriter, asNumber, asString, compound, double, int, type TraciValue } from './storage.js';

/** Where messages go: anything that sends one whole message and returns the whole reply. */
export interface TraciTransport {
  exchange(bytes: Uint8Array): Uint8Array;
  close(): void;
}

/** The values of one subscribed object after a step (variable id -> value). */
export interface SubscriptionResult {
  responseId: number;
  objectId: string;
  values: Map<number, TraciValue>;
  /** Variables the server could not deliver, with its error text. */
  errors: Map<number, string>;
}

export interface VariableRequest {
  id: number;
  /** A parameter some variables take (the leader's look-ahead distance, for example). */
  param?: TraciValue;
}

/** "Subscribe for the whole simulation" in the protocol's begin/end fields. */
const INVALID_DOUBLE = -1073741824.0;

export function readSubscriptionResponse(r: TraciReader): SubscriptionResult {
  const { id, end } = readCommandHeader(r);
  const objectId = r.string();
  const n = r.ubyte();
  const values = new Map<number, TraciValue>();
  const errors = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const varId = r.ubyte();
    const status = r.ubyte();
    const v = r.typed();
    if (status === C.RTYPE_OK) values.set(varId, v);
    else errors.set(varId, v.type === 'string' ? v.value : `status 0x${status.toString(16)}`);
  }
  if (r.pos !== end) throw new TraciProtocolError(`subscription response for ${JSON.stringify(objectId)} has ${end - r.pos} unread bytes`);
  return { responseId: id, objectId, values, errors };
}

function readGetResponse(expectedId: number, varId: number, objectId: string) {
  return (r: TraciReader): TraciValue => {
    const { id, end } = readCommandHeader(r);
    if (id !== expectedId) throw new TraciProtocolError(`expected response 0x${expectedId.toString(16)}, got 0x${id.toString(16)}`);
    const v = r.ubyte();
    const obj = r.string();
    if (v !== varId || obj !== objectId) throw new TraciProtocolError(`response for variable 0x${v.toString(16)} of ${JSON.stringify(obj)}, asked 0x${varId.toString(16)} of ${JSON.stringify(objectId)}`);
    const value = r.typed();
    if (r.pos !== end) throw new TraciProtocolError(`get response has ${end - r.pos} unread bytes`);
    return value;
  };
}

function content(fill: (w: TraciWriter) => void): Uint8Array {
  const w = new TraciWriter(32);
  fill(w);
  return w.toBytes();
}

/** Command builders. Each returns a TraciCommand whose parser yields the command's result. */
export const commands = {
  getVersion(): TraciCommand<{ apiVersion: number; identifier: string }> {
    return {
      id: C.CMD_GETVERSION,
      content: new Uint8Array(0),
      label: 'getVersion',
      parse: (r) => {
        const { id, end } = readCommandHeader(r);
        if (id !== C.CMD_GETVERSION) throw new TraciProtocolError(`getVersion answered with command 0x${id.toString(16)}`);
        const apiVersion = r.int();
        const identifier = r.string();
        r.pos = end;
        return { apiVersion, identifier };
      },
    };
  },

  /** Advances to `time` seconds (0: exactly one step); the result holds every subscription's values. */
  simulationStep(time = 0): TraciCommand<SubscriptionResult[]> {
    return {
      id: C.CMD_SIMSTEP,
      content: content((w) => w.double(time)),
      label: 'simulationStep',
      parse: (r) => {
        const n = r.int();
        const out: SubscriptionResult[] = [];
        for (let i = 0; i < n; i++) out.push(readSubscriptionResponse(r));
        return out;
      },
    };
  },

  /** Restarts the simulation in the same process with new command-line options. */
  load(args: readonly string[]): TraciCommand<void> {
    return { id: C.CMD_LOAD, content: content((w) => w.typed({ type: 'stringlist', value: [...args] })), label: 'load' };
  },

  setOrder(order: number): TraciCommand<void> {
    return { id: C.CMD_SETORDER, content: content((w) => w.int(order)), label: 'setOrder' };
  },

  close(): TraciCommand<void> {
    return { id: C.CMD_CLOSE, content: new Uint8Array(0), label: 'close' };
  },

  /** Reads one variable of one object of a domain (vehicle: 0xa4, simulation: 0xab, ...). */
  get(domain: number, varId: number, objectId: string, param?: TraciValue): TraciCommand<TraciValue> {
    return {
      id: domain,
      content: content((w) => {
        w.ubyte(varId).string(objectId);
        if (param) w.typed(param);
      }),
      label: `get 0x${varId.toString(16)} of ${JSON.stringify(objectId)}`,
      parse: readGetResponse(domain + 0x10, varId, objectId),
    };
  },

  /** Sets one variable of one object of a domain (vehicle: 0xc4). */
  set(domain: number, varId: number, objectId: string, value: TraciValue): TraciCommand<void> {
    return {
      id: domain,
      content: content((w) => w.ubyte(varId).string(objectId).typed(value)),
      label: `set 0x${varId.toString(16)} of ${JSON.stringify(objectId)}`,
    };
  },

  /** Subscribes to variables of one object; the answer carries their current values. */
  subscribe(domain: number, objectId: string, vars: readonly VariableRequest[], begin = INVALID_DOUBLE, end = INVALID_DOUBLE): TraciCommand<SubscriptionResult> {
    if (vars.length > 255) throw new RangeError(`subscribe: at most 255 variables, got ${vars.length}`);
    return {
      id: domain,
      content: content((w) => {
        w.double(begin).double(end).string(objectId).ubyte(vars.length);
        for (const v of vars) {
          w.ubyte(v.id);
          if (v.param) w.typed(v.param);
        }
      }),
      label: `subscribe ${JSON.stringify(objectId)}`,
      parse: (r) => {
        const res = readSubscriptionResponse(r);
        if (res.responseId !== domain + 0x10 || res.objectId !== objectId) {
          throw new TraciProtocolError(`subscription of ${JSON.stringify(objectId)} answered for ${JSON.stringify(res.objectId)} (0x${res.responseId.toString(16)})`);
        }
        return res;
      },
    };
  },

  // Vehicle setters used by the merge environment.
  slowDown: (vehId: string, speed: number, duration: number) => commands.set(C.CMD_SET_VEHICLE_VARIABLE, C.CMD_SLOWDOWN, vehId, compound(double(speed), double(duration))),
  setSpeed: (vehId: string, speed: number) => commands.set(C.CMD_SET_VEHICLE_VARIABLE, C.VAR_SPEED, vehId, double(speed)),
  setSpeedMode: (vehId: string, mode: number) => commands.set(C.CMD_SET_VEHICLE_VARIABLE, C.VAR_SPEEDSETMODE, vehId, int(mode)),
  setLaneChangeMode: (vehId: string, mode: number) => commands.set(C.CMD_SET_VEHICLE_VARIABLE, C.VAR_LANECHANGE_MODE, vehId, int(mode)),
  setAcceleration: (vehId: string, accel: number, duration: number) => commands.set(C.CMD_SET_VEHICLE_VARIABLE, C.VAR_ACCELERATION, vehId, compound(double(accel), double(duration))),
};

/** Time and count of round trips, for the benchmark's "share of time in TraCI" row. */
export interface TraciStats {
  roundTrips: number;
  roundTripMs: number;
  bytesSent: number;
  bytesReceived: number;
}

export class TraciClient {
  readonly stats: TraciStats = { roundTrips: 0, roundTripMs: 0, bytesSent: 0, bytesReceived: 0 };
  private closed = false;

  constructor(private readonly transport: TraciTransport) {}

  /** Sends the commands in one message and returns their results in order. */
  exchange(cmds: readonly TraciCommand[]): unknown[] {
    if (this.closed) throw new Error('TraCI: the connection is closed');
    if (cmds.length === 0) return [];
    const bytes = encodeMessage(cmds);
    const t0 = performance.now();
    const reply = this.transport.exchange(bytes);
    this.stats.roundTripMs += performance.now() - t0;
    this.stats.roundTrips++;
    this.stats.bytesSent += bytes.length;
    this.stats.bytesReceived += reply.length;
    return decodeResponse(reply, cmds);
  }

  /** One command, one round trip. */
  run<T>(cmd: TraciCommand<T>): T {
    return this.exchange([cmd])[0] as T;
  }

  getVersion(): { apiVersion: number; identifier: string } {
    return this.run(commands.getVersion());
  }

  simulationStep(time = 0): SubscriptionResult[] {
    return this.run(commands.simulationStep(time));
  }

  load(args: readonly string[]): void {
    this.run(commands.load(args));
  }

  getVehicle(varId: number, vehId: string, param?: TraciValue): TraciValue {
    return this.run(commands.get(C.CMD_GET_VEHICLE_VARIABLE, varId, vehId, param));
  }

  getSimulation(varId: number): TraciValue {
    return this.run(commands.get(C.CMD_GET_SIM_VARIABLE, varId, ''));
  }

  /** Simulation time in seconds. */
  time(): number {
    return asNumber(this.getSimulation(C.VAR_TIME), 'simulation time');
  }

  vehicleIds(): string[] {
    const v = this.run(commands.get(C.CMD_GET_VEHICLE_VARIABLE, C.TRACI_ID_LIST, ''));
    if (v.type !== 'stringlist') throw new TraciProtocolError(`vehicle id list: got ${v.type}`);
    return v.value;
  }

  /** The leader within `distance` metres: its id and the gap (front bumper to back bumper minus minGap), or null. */
  leader(vehId: string, distance = 2000): { id: string; gap: number } | null {
    return parseLeader(this.getVehicle(C.VAR_LEADER, vehId, double(distance)));
  }

  subscribeVehicle(vehId: string, vars: readonly VariableRequest[]): SubscriptionResult {
    return this.run(commands.subscribe(C.CMD_SUBSCRIBE_VEHICLE_VARIABLE, vehId, vars));
  }

  subscribeSimulation(vars: readonly VariableRequest[]): SubscriptionResult {
    return this.run(commands.subscribe(C.CMD_SUBSCRIBE_SIM_VARIABLE, '', vars));
  }

  slowDown(vehId: string, speed: number, duration: number): void {
    this.run(commands.slowDown(vehId, speed, duration));
  }

  setSpeed(vehId: string, speed: number): void {
    this.run(commands.setSpeed(vehId, speed));
  }

  setSpeedMode(vehId: string, mode: number): void {
    this.run(commands.setSpeedMode(vehId, mode));
  }

  setAcceleration(vehId: string, accel: number, duration: number): void {
    this.run(commands.setAcceleration(vehId, accel, duration));
  }

  /** Asks the server to end the simulation, then closes the connection (errors of a dead server are ignored). */
  close(): void {
    if (this.closed) return;
    try {
      this.run(commands.close());
    } catch {
      // The server may already be gone; the transport is closed regardless.
    }
    this.closed = true;
    this.transport.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** Decodes VAR_LEADER's compound (id, gap); an empty id means "no leader". */
export function parseLeader(v: TraciValue | undefined): { id: string; gap: number } | null {
  if (!v || v.type !== 'compound' || v.value.length !== 2) throw new TraciProtocolError(`leader: expected a compound of (string, double), got ${v ? v.type : 'nothing'}`);
  const id = asString(v.value[0], 'leader id');
  const gap = asNumber(v.value[1], 'leader gap');
  return id === '' ? null : { id, gap };
}

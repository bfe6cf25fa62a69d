import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraciReader, TraciWriter, TraciProtocolError, type TraciValue } from '../../src/envs/traffic/traci/storage.js';
import { decodeResponse, encodeCommand, encodeMessage, messageLength, TraciCommandError, type TraciCommand } from '../../src/envs/traffic/traci/protocol.js';
import { commands, parseLeader } from '../../src/envs/traffic/traci/client.js';
import * as C from '../../src/envs/traffic/traci/constants.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('primitive values are big-endian with the documented sizes', () => {
  const w = new TraciWriter(2);
  w.ubyte(0xab).byte(-2).int(-2).double(1.5).string('ab');
  assert.equal(hex(w.toBytes()), 'ab' + 'fe' + 'fffffffe' + '3ff8000000000000' + '00000002' + '6162');
  const r = new TraciReader(w.toBytes());
  assert.equal(r.ubyte(), 0xab);
  assert.equal(r.byte(), -2);
  assert.equal(r.int(), -2);
  assert.equal(r.double(), 1.5);
  assert.equal(r.string(), 'ab');
  assert.equal(r.remaining, 0);
});

test('every typed value round-trips with its type tag', () => {
  const values: TraciValue[] = [
    { type: 'ubyte', value: 255 },
    { type: 'byte', value: -128 },
    { type: 'int', value: 2147483647 },
    { type: 'double', value: -0.2 },
    { type: 'string', value: 'bus.3' },
    { type: 'string', value: '' },
    { type: 'stringlist', value: ['a', 'bc', ''] },
    { type: 'doublelist', value: [1, -2.5] },
    { type: 'compound', value: [{ type: 'string', value: 'human.7' }, { type: 'double', value: 12.25 }] },
    { type: 'compound', value: [] },
    { type: 'position2d', x: 136.8, y: 69.11 },
    { type: 'position3d', x: 1, y: 2, z: 3 },
    { type: 'color', r: 255, g: 0, b: 10, a: 255 },
  ];
  const tags = [C.TYPE_UBYTE, C.TYPE_BYTE, C.TYPE_INTEGER, C.TYPE_DOUBLE, C.TYPE_STRING, C.TYPE_STRING, C.TYPE_STRINGLIST, C.TYPE_DOUBLELIST, C.TYPE_COMPOUND, C.TYPE_COMPOUND, C.POSITION_2D, C.POSITION_3D, C.TYPE_COLOR];
  for (let i = 0; i < values.length; i++) {
    const bytes = new TraciWriter().typed(values[i]!).toBytes();
    assert.equal(bytes[0], tags[i], `tag of ${values[i]!.type}`);
    const r = new TraciReader(bytes);
    assert.deepEqual(r.typed(), values[i]);
    assert.equal(r.remaining, 0);
  }
  // A compound is tag, int count, then typed items.
  assert.equal(hex(new TraciWriter().typed(values[8]!).toBytes()), '0f' + '00000002' + '0c' + '00000007' + Buffer.from('human.7').toString('hex') + '0b' + '4028800000000000');
});

test('writers refuse values the wire cannot carry; readers refuse truncated data and unknown tags', () => {
  assert.throws(() => new TraciWriter().ubyte(256), TraciProtocolError);
  assert.throws(() => new TraciWriter().byte(200), TraciProtocolError);
  assert.throws(() => new TraciWriter().int(2 ** 31), TraciProtocolError);
  assert.throws(() => new TraciWriter().string('λ'), /Latin-1/);
  assert.throws(() => new TraciReader(Uint8Array.of(0, 0, 0)).int(), /truncated/);
  assert.throws(() => new TraciReader(Uint8Array.of(0, 0, 0, 5, 65)).string(), /truncated/);
  assert.throws(() => new TraciReader(Uint8Array.of(0x42)).typed(), /unknown type tag 0x42/);
});

test('commands use the short length byte up to 255 bytes and the extended form beyond', () => {
  const short = encodeCommand(0x02, new Uint8Array(8));
  assert.equal(short.length, 10);
  assert.equal(short[0], 10);
  assert.equal(short[1], 0x02);
  const long = encodeCommand(0xc4, new Uint8Array(300));
  assert.equal(long.length, 306);
  assert.equal(long[0], 0);
  assert.equal(new DataView(long.buffer).getInt32(1), 306);
  assert.equal(long[5], 0xc4);
});

test('a message is its total length then the framed commands', () => {
  const msg = encodeMessage([commands.simulationStep(0), commands.getVersion()]);
  assert.equal(hex(msg), '00000010' + '0a02' + '0000000000000000' + '0200');
  assert.equal(messageLength(msg), 16);
  assert.equal(messageLength(msg.subarray(0, 3)), null);
});

test('a vehicle subscription with a parameterised variable is encoded as begin, end, id, count, vars', () => {
  const cmd = commands.subscribe(C.CMD_SUBSCRIBE_VEHICLE_VARIABLE, 'bus.0', [{ id: C.VAR_SPEED }, { id: C.VAR_LEADER, param: { type: 'double', value: 2000 } }]);
  const r = new TraciReader(cmd.content);
  assert.equal(r.double(), -1073741824);
  assert.equal(r.double(), -1073741824);
  assert.equal(r.string(), 'bus.0');
  assert.equal(r.ubyte(), 2);
  assert.equal(r.ubyte(), C.VAR_SPEED);
  assert.equal(r.ubyte(), C.VAR_LEADER);
  assert.deepEqual(r.typed(), { type: 'double', value: 2000 });
  assert.equal(r.remaining, 0);
});

/** Builds a server reply: a status per command and the given response data after some of them. */
function reply(parts: { id: number; status?: number; text?: string; data?: Uint8Array }[]): Uint8Array {
  const body = new TraciWriter();
  for (const p of parts) {
    const status = new TraciWriter().ubyte(p.status ?? 0).string(p.text ?? '').toBytes();
    body.bytes(encodeCommand(p.id, status));
    if (p.data) body.bytes(p.data);
  }
  const bytes = body.toBytes();
  return new TraciWriter().int(bytes.length + 4).bytes(bytes).toBytes();
}

test('decodeResponse reads statuses and the simulation step subscription results', () => {
  const sub = new TraciWriter().string('bus.0').ubyte(2);
  sub.ubyte(C.VAR_SPEED).ubyte(0).typed({ type: 'double', value: 7.5 });
  sub.ubyte(C.VAR_LEADER).ubyte(0).typed({ type: 'compound', value: [{ type: 'string', value: 'human.1' }, { type: 'double', value: 3.25 }] });
  const stepData = new TraciWriter().int(1).bytes(encodeCommand(C.RESPONSE_SUBSCRIBE_VEHICLE_VARIABLE, sub.toBytes())).toBytes();
  const cmds: TraciCommand[] = [commands.slowDown('bus.0', 3, 1e-3), commands.simulationStep()];
  const [set, step] = decodeResponse(reply([{ id: C.CMD_SET_VEHICLE_VARIABLE }, { id: C.CMD_SIMSTEP, data: stepData }]), cmds) as [undefined, ReturnType<NonNullable<(typeof cmds)[1]['parse']>>];
  assert.equal(set, undefined);
  const results = step as { objectId: string; values: Map<number, TraciValue> }[];
  assert.equal(results.length, 1);
  assert.equal(results[0]!.objectId, 'bus.0');
  assert.deepEqual(results[0]!.values.get(C.VAR_SPEED), { type: 'double', value: 7.5 });
  assert.deepEqual(parseLeader(results[0]!.values.get(C.VAR_LEADER)), { id: 'human.1', gap: 3.25 });
});

test('a refused command raises TraciCommandError with the server text; mismatches are protocol errors', () => {
  const cmd = commands.setSpeed('nobody', 1);
  assert.throws(
    () => decodeResponse(reply([{ id: C.CMD_SET_VEHICLE_VARIABLE, status: C.RTYPE_ERR, text: "Vehicle 'nobody' is not known" }]), [cmd]),
    (e: unknown) => e instanceof TraciCommandError && /not known/.test(e.message) && e.status === C.RTYPE_ERR,
  );
  assert.throws(() => decodeResponse(reply([{ id: C.CMD_SIMSTEP }]), [cmd]), TraciProtocolError);
  const truncated = reply([{ id: C.CMD_SET_VEHICLE_VARIABLE }]);
  assert.throws(() => decodeResponse(truncated.subarray(0, truncated.length - 1), [cmd]), TraciProtocolError);
});

test('getVersion and get responses are checked against what was asked', () => {
  const version = new TraciWriter().int(20).string('SUMO 1.15.0').toBytes();
  const [v] = decodeResponse(reply([{ id: C.CMD_GETVERSION, data: encodeCommand(C.CMD_GETVERSION, version) }]), [commands.getVersion()]);
  assert.deepEqual(v, { apiVersion: 20, identifier: 'SUMO 1.15.0' });
  const get = commands.get(C.CMD_GET_VEHICLE_VARIABLE, C.VAR_SPEED, 'bus.0');
  const data = (obj: string) => encodeCommand(C.RESPONSE_GET_VEHICLE_VARIABLE, new TraciWriter().ubyte(C.VAR_SPEED).string(obj).typed({ type: 'double', value: 4 }).toBytes());
  assert.deepEqual(decodeResponse(reply([{ id: C.CMD_GET_VEHICLE_VARIABLE, data: data('bus.0') }]), [get])[0], { type: 'double', value: 4 });
  assert.throws(() => decodeResponse(reply([{ id: C.CMD_GET_VEHICLE_VARIABLE, data: data('bus.1') }]), [get]), /asked/);
});

/**
 * TraCI message framing. A message is a 4-byte total length (counting itself) followed by
 * commands. A command is a length (one ubyte, or a 0 byte and a 4-byte int when it exceeds 255
 * bytes; the length counts its own header) then a command id and the content. The server answers
 * every command with a *status response* (length, command id, result code, description string),
 * optionally followed by a response command carrying data (get, subscribe, simulation step).
 */
import { RTYPE_ERR, RTYPE_NOTIMPLEMENTED, RTYPE_OK } from './constants.js';
import { TraciProtocolError, TraciReader, TraciWriter } from './storage.js';

/** One command of a request, with the parser of whatever data the server sends after its status. */
export interface TraciCommand<T = unknown> {
  id: number;
  content: Uint8Array;
  /** Reads the response data that follows the status (absent: the command returns only a status). */
  parse?: (r: TraciReader) => T;
  /** Human-readable name for error messages. */
  label: string;
}

/** The server refused a command (status ERR or NOT IMPLEMENTED). */
export class TraciCommandError extends Error {
  constructor(
    readonly commandId: number,
    readonly status: number,
    readonly description: string,
    label: string,
  ) {
    super(`TraCI: ${label} (command 0x${commandId.toString(16).padStart(2, '0')}) failed with ${status === RTYPE_NOTIMPLEMENTED ? 'NOT IMPLEMENTED' : 'ERR'}: ${description}`);
    this.name = 'TraciCommandError';
  }
}

/** Frames one command: short length when it fits in a byte, else the extended form. */
export function encodeCommand(id: number, content: Uint8Array): Uint8Array {
  const w = new TraciWriter(content.length + 6);
  const short = 2 + content.length;
  if (short <= 255) w.ubyte(short).ubyte(id);
  else w.ubyte(0).int(6 + content.length).ubyte(id);
  return w.bytes(content).toBytes();
}

/** A whole request message: total length, then the framed commands in order. */
export function encodeMessage(commands: readonly TraciCommand[]): Uint8Array {
  const framed = commands.map((c) => encodeCommand(c.id, c.content));
  const total = 4 + framed.reduce((a, f) => a + f.length, 0);
  const w = new TraciWriter(total);
  w.int(total);
  for (const f of framed) w.bytes(f);
  return w.toBytes();
}

/** Length of the complete message at the start of `buffer` once its header has arrived, else null. */
export function messageLength(buffer: Uint8Array): number | null {
  if (buffer.length < 4) return null;
  const n = new DataView(buffer.buffer, buffer.byteOffset, 4).getInt32(0);
  if (n < 4) throw new TraciProtocolError(`message length ${n} is smaller than its own header`);
  return n;
}

/** Reads a command header; returns the command id and the offset just past the command. */
export function readCommandHeader(r: TraciReader): { id: number; end: number } {
  const start = r.pos;
  let len = r.ubyte();
  if (len === 0) len = r.int();
  if (len < 2) throw new TraciProtocolError(`command length ${len} at offset ${start} is too small`);
  const end = start + len;
  if (end > r.end) throw new TraciProtocolError(`command at offset ${start} claims ${len} bytes, only ${r.end - start} left in the message`);
  return { id: r.ubyte(), end };
}

export interface StatusResponse {
  commandId: number;
  status: number;
  description: string;
}

export function readStatus(r: TraciReader): StatusResponse {
  const { id, end } = readCommandHeader(r);
  const status = r.ubyte();
  const description = r.string();
  if (r.pos !== end) throw new TraciProtocolError(`status response of command 0x${id.toString(16)} has ${end - r.pos} unread bytes`);
  return { commandId: id, status, description };
}

/**
 * Splits a response message into the results of the request's commands: checks each status (the
 * first refused command throws a TraciCommandError) and runs each command's parser on its data.
 */
export function decodeResponse(message: Uint8Array, commands: readonly TraciCommand[]): unknown[] {
  const r = new TraciReader(message);
  const total = r.int();
  if (total !== message.length) throw new TraciProtocolError(`message header says ${total} bytes, received ${message.length}`);
  const results: unknown[] = [];
  for (const cmd of commands) {
    const st = readStatus(r);
    if (st.commandId !== cmd.id) throw new TraciProtocolError(`expected the status of ${cmd.label} (0x${cmd.id.toString(16)}), got one for 0x${st.commandId.toString(16)}`);
    if (st.status !== RTYPE_OK) {
      if (st.status === RTYPE_ERR || st.status === RTYPE_NOTIMPLEMENTED) throw new TraciCommandError(cmd.id, st.status, st.description, cmd.label);
      throw new TraciProtocolError(`unknown status 0x${st.status.toString(16)} for ${cmd.label}`);
    }
    results.push(cmd.parse ? cmd.parse(r) : undefined);
  }
  if (r.remaining !== 0) throw new TraciProtocolError(`${r.remaining} unread bytes at the end of the response`);
  return results;
}

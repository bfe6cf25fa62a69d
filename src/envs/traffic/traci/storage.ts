/**
 * Byte-level reading and writing of TraCI values. Everything on the wire is big-endian ("network
 * order"): int = 4-byte signed, double = 8-byte IEEE, string = int length + bytes (Latin-1, as the
 * reference clients send ids), string list = int count + strings. A *typed* value is preceded by
 * its one-byte type tag; a compound is the tag, an int item count and that many typed values.
 */
import {
  POSITION_2D,
  POSITION_3D,
  TYPE_BYTE,
  TYPE_COLOR,
  TYPE_COMPOUND,
  TYPE_DOUBLE,
  TYPE_DOUBLELIST,
  TYPE_INTEGER,
  TYPE_STRING,
  TYPE_STRINGLIST,
  TYPE_UBYTE,
} from './constants.js';

/** A TraCI value together with its type, as it travels on the wire. */
export type TraciValue =
  | { type: 'ubyte'; value: number }
  | { type: 'byte'; value: number }
  | { type: 'int'; value: number }
  | { type: 'double'; value: number }
  | { type: 'string'; value: string }
  | { type: 'stringlist'; value: string[] }
  | { type: 'doublelist'; value: number[] }
  | { type: 'compound'; value: TraciValue[] }
  | { type: 'position2d'; x: number; y: number }
  | { type: 'position3d'; x: number; y: number; z: number }
  | { type: 'color'; r: number; g: number; b: number; a: number };

export class TraciProtocolError extends Error {
  constructor(message: string) {
    super(`TraCI: ${message}`);
    this.name = 'TraciProtocolError';
  }
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new TraciProtocolError(`string ${JSON.stringify(s)} has a character outside Latin-1 (code ${c})`);
    out[i] = c;
  }
  return out;
}

/** A growable big-endian byte buffer. */
export class TraciWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  ubyte(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new TraciProtocolError(`ubyte out of range: ${v}`);
    this.reserve(1);
    this.buf[this.length++] = v;
    return this;
  }

  byte(v: number): this {
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new TraciProtocolError(`byte out of range: ${v}`);
    this.reserve(1);
    this.view.setInt8(this.length++, v);
    return this;
  }

  int(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new TraciProtocolError(`int out of range: ${v}`);
    this.reserve(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
    return this;
  }

  double(v: number): this {
    this.reserve(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
    return this;
  }

  string(s: string): this {
    const bytes = latin1Bytes(s);
    this.int(bytes.length);
    return this.bytes(bytes);
  }

  stringList(list: readonly string[]): this {
    this.int(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  doubleList(list: readonly number[]): this {
    this.int(list.length);
    for (const v of list) this.double(v);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Writes a value with its type tag. */
  typed(v: TraciValue): this {
    switch (v.type) {
      case 'ubyte':
        return this.ubyte(TYPE_UBYTE).ubyte(v.value);
      case 'byte':
        return this.ubyte(TYPE_BYTE).byte(v.value);
      case 'int':
        return this.ubyte(TYPE_INTEGER).int(v.value);
      case 'double':
        return this.ubyte(TYPE_DOUBLE).double(v.value);
      case 'string':
        return this.ubyte(TYPE_STRING).string(v.value);
      case 'stringlist':
        return this.ubyte(TYPE_STRINGLIST).stringList(v.value);
      case 'doublelist':
        return this.ubyte(TYPE_DOUBLELIST).doubleList(v.value);
      case 'compound':
        this.ubyte(TYPE_COMPOUND).int(v.value.length);
        for (const item of v.value) this.typed(item);
        return this;
      case 'position2d':
        return this.ubyte(POSITION_2D).double(v.x).double(v.y);
      case 'position3d':
        return this.ubyte(POSITION_3D).double(v.x).double(v.y).double(v.z);
      case 'color':
        return this.ubyte(TYPE_COLOR).ubyte(v.r).ubyte(v.g).ubyte(v.b).ubyte(v.a);
    }
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Reads big-endian values from a byte range; every read checks that the bytes are there. */
export class TraciReader {
  private readonly view: DataView;
  pos: number;
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new TraciProtocolError(`truncated data: ${what} needs ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`);
  }

  ubyte(): number {
    this.need(1, 'ubyte');
    return this.view.getUint8(this.pos++);
  }

  byte(): number {
    this.need(1, 'byte');
    return this.view.getInt8(this.pos++);
  }

  int(): number {
    this.need(4, 'int');
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8, 'double');
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.int();
    if (n < 0) throw new TraciProtocolError(`negative string length ${n} at offset ${this.pos - 4}`);
    this.need(n, 'string');
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[this.pos + i]!);
    this.pos += n;
    return s;
  }

  stringList(): string[] {
    const n = this.int();
    if (n < 0) throw new TraciProtocolError(`negative list length ${n}`);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }

  doubleList(): number[] {
    const n = this.int();
    if (n < 0) throw new TraciProtocolError(`negative list length ${n}`);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.double());
    return out;
  }

  skip(n: number): void {
    this.need(n, 'skip');
    this.pos += n;
  }

  /** Reads a type tag and the value it announces. */
  typed(): TraciValue {
    const tag = this.ubyte();
    switch (tag) {
      case TYPE_UBYTE:
        return { type: 'ubyte', value: this.ubyte() };
      case TYPE_BYTE:
        return { type: 'byte', value: this.byte() };
      case TYPE_INTEGER:
        return { type: 'int', value: this.int() };
      case TYPE_DOUBLE:
        return { type: 'double', value: this.double() };
      case TYPE_STRING:
        return { type: 'string', value: this.string() };
      case TYPE_STRINGLIST:
        return { type: 'stringlist', value: this.stringList() };
      case TYPE_DOUBLELIST:
        return { type: 'doublelist', value: this.doubleList() };
      case TYPE_COMPOUND: {
        const n = this.int();
        if (n < 0) throw new TraciProtocolError(`negative compound size ${n}`);
        const items: TraciValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.typed());
        return { type: 'compound', value: items };
      }
      case POSITION_2D:
        return { type: 'position2d', x: this.double(), y: this.double() };
      case POSITION_3D:
        return { type: 'position3d', x: this.double(), y: this.double(), z: this.double() };
      case TYPE_COLOR:
        return { type: 'color', r: this.ubyte(), g: this.ubyte(), b: this.ubyte(), a: this.ubyte() };
      default:
        throw new TraciProtocolError(`unknown type tag 0x${tag.toString(16).padStart(2, '0')} at offset ${this.pos - 1}`);
    }
  }
}

// Small constructors and accessors that keep call sites short.
export const ubyte = (value: number): TraciValue => ({ type: 'ubyte', value });
export const int = (value: number): TraciValue => ({ type: 'int', value });
export const double = (value: number): TraciValue => ({ type: 'double', value });
export const string = (value: string): TraciValue => ({ type: 'string', value });
export const stringList = (value: string[]): TraciValue => ({ type: 'stringlist', value });
export const compound = (...value: TraciValue[]): TraciValue => ({ type: 'compound', value });

/** The number held by a ubyte/byte/int/double value; throws for any other type. */
export function asNumber(v: TraciValue | undefined, what = 'value'): number {
  if (v && (v.type === 'ubyte' || v.type === 'byte' || v.type === 'int' || v.type === 'double')) return v.value;
  throw new TraciProtocolError(`${what}: expected a number, got ${v ? v.type : 'nothing'}`);
}

export function asString(v: TraciValue | undefined, what = 'value'): string {
  if (v && v.type === 'string') return v.value;
  throw new TraciProtocolError(`${what}: expected a string, got ${v ? v.type : 'nothing'}`);
}

export function asStringList(v: TraciValue | undefined, what = 'value'): string[] {
  if (v && v.type === 'stringlist') return v.value;
  throw new TraciProtocolError(`${what}: expected a string list, got ${v ? v.type : 'nothing'}`);
}

/**
 * The safetensors format, read and written by us: an 8-byte little-endian header length N, N bytes
 * of JSON header ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}), then
 * the raw little-endian tensor bytes, offsets relative to the end of the header.
 *
 * Reading converts F32, F16, BF16 and F64 to float32 (what our models hold); writing stores F32.
 */
import { readFileSync } from 'node:fs';
import { atomicWriteFile } from '../../util/fs.js';
import type { NamedArray } from '../../nn/index.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';
const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export interface SafetensorsFile {
  tensors: Map<string, NamedArray>;
  /** The dtype each tensor had in the file (before conversion to float32). */
  dtypes: Map<string, SafetensorsDtype>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Float16 bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Parses a whole safetensors buffer. `only`, when given, limits which tensors are converted. */
export function readSafetensors(bytes: Uint8Array, only?: (name: string) => boolean): SafetensorsFile {
  if (bytes.length < 8) throw new Error('safetensors: file shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) throw new Error(`safetensors: header length ${headerLen} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`safetensors: header is not valid JSON (${(err as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, NamedArray>();
  const dtypes = new Map<string, SafetensorsDtype>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    if (only && !only(name)) continue;
    const entry = raw as HeaderEntry;
    const dtype = entry.dtype as SafetensorsDtype;
    if (!(dtype in BYTES)) throw new Error(`safetensors: tensor "${name}" has dtype ${entry.dtype}; only F32, F16, BF16 and F64 are read`);
    const shape = entry.shape;
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = entry.data_offsets;
    if (!(begin >= 0 && end <= dataLen && end - begin === count * BYTES[dtype])) {
      throw new Error(`safetensors: tensor "${name}" (${dtype} [${shape}]) has offsets [${begin}, ${end}] that do not fit its size or the file`);
    }
    const data = convert(bytes, view, dataStart + begin, count, dtype);
    tensors.set(name, { shape: [...shape], data });
    dtypes.set(name, dtype);
  }
  return { tensors, dtypes, metadata };
}

/** `count` values of `dtype` at byte `at`, as float32 (typed-array views when aligned, else per element). */
function convert(bytes: Uint8Array, view: DataView, at: number, count: number, dtype: SafetensorsDtype): Float32Array {
  const data = new Float32Array(count);
  const abs = bytes.byteOffset + at;
  if (dtype === 'F32') {
    if (abs % 4 === 0) data.set(new Float32Array(bytes.buffer, abs, count));
    else for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(at + 8 * i, true);
  } else if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(data.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(at + 2 * i, true) << 16;
  } else {
    for (let i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(at + 2 * i, true));
  }
  return data;
}

/** Serialises float32 tensors (in name order, as the reference implementation sorts them) as safetensors bytes. */
export function writeSafetensors(tensors: ReadonlyMap<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header['__metadata__'] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const data = tensors.get(name)!.data;
    // The data start is 8-byte aligned, so a float32 view can take the whole tensor at once.
    new Float32Array(out.buffer, at, data.length).set(data);
    at += 4 * data.length;
  }
  return out;
}

export function loadSafetensorsFile(path: string, only?: (name: string) => boolean): SafetensorsFile {
  return readSafetensors(readFileSync(path), only);
}

/** Writes a safetensors file atomically (temporary name, then rename). */
export function saveSafetensorsFile(path: string, tensors: ReadonlyMap<string, NamedArray>, metadata: Record<string, string> = {}): void {
  atomicWriteFile(path, writeSafetensors(tensors, metadata));
}

/**
 * A compact columnar file for rollout datasets: the magic "GHDATA01", a little-endian uint32
 * header length, a JSON header (columns with dtype and width, row count, provenance), then each
 * column's raw bytes, 8-byte aligned. Written atomically.
 */
import { readFileSync } from 'node:fs';
import { atomicWriteFile } from '../util/fs.js';

const MAGIC = 'GHDATA01';

export type ColumnData = Float32Array | Uint8Array | Int32Array;
type DType = 'float32' | 'uint8' | 'int32';

export interface DatasetHeader {
  rows: number;
  columns: { name: string; dtype: DType; width: number; offset: number }[];
  meta: Record<string, unknown>;
}

function dtypeOf(a: ColumnData): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'uint8';
}

export function writeDataset(path: string, rows: number, columns: Record<string, ColumnData>, meta: Record<string, unknown>): void {
  const entries = Object.entries(columns);
  const header: DatasetHeader = { rows, columns: [], meta };
  let offset = 0;
  for (const [name, data] of entries) {
    if (data.length % Math.max(rows, 1) !== 0 && rows > 0) throw new RangeError(`dataset column "${name}" has ${data.length} values, not a multiple of ${rows} rows`);
    header.columns.push({ name, dtype: dtypeOf(data), width: rows ? data.length / rows : 0, offset });
    offset += Math.ceil(data.byteLength / 8) * 8;
  }
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((MAGIC.length + 4 + headerBytes.length) / 8) * 8;
  const out = Buffer.alloc(start + offset);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(out, MAGIC.length + 4);
  for (const [i, [, data]] of entries.entries()) {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, start + header.columns[i]!.offset);
  }
  atomicWriteFile(path, out);
}

export interface Dataset {
  header: DatasetHeader;
  column(name: string): ColumnData;
}

export function readDataset(path: string): Dataset {
  const buf = readFileSync(path);
  if (buf.subarray(0, MAGIC.length).toString('ascii') !== MAGIC) throw new Error(`${path}: not a Goodhart dataset (bad magic)`);
  const len = buf.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + len).toString('utf8')) as DatasetHeader;
  const start = Math.ceil((MAGIC.length + 4 + len) / 8) * 8;
  return {
    header,
    column(name: string): ColumnData {
      const c = header.columns.find((x) => x.name === name);
      if (!c) throw new Error(`${path}: no column "${name}"; have ${header.columns.map((x) => x.name).join(', ')}`);
      const n = header.rows * c.width;
      const at = start + c.offset;
      const copy = buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + n * (c.dtype === 'uint8' ? 1 : 4));
      return c.dtype === 'float32' ? new Float32Array(copy) : c.dtype === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
    },
  };
}

/** A column as float32 whatever its stored dtype (observation columns of boolean boards are stored as uint8). */
export function floatColumn(ds: Dataset, name: string): Float32Array {
  const c = ds.column(name);
  return c instanceof Float32Array ? c : Float32Array.from(c);
}

/** Whether the dataset has a column of this name. */
export function hasColumn(ds: Dataset, name: string): boolean {
  return ds.header.columns.some((c) => c.name === name);
}

/** A growable typed array, so large datasets are collected without boxing every value. */
export class ColumnBuilder<T extends ColumnData> {
  private buf: T;
  length = 0;
  constructor(private readonly make: (n: number) => T, initial = 1024) {
    this.buf = make(initial);
  }
  push(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.buf.set(values, this.length);
    this.length += values.length;
  }
  push1(value: number): void {
    this.reserve(1);
    this.buf[this.length++] = value;
  }
  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let n = this.buf.length * 2;
    while (n < this.length + extra) n *= 2;
    const next = this.make(n);
    next.set(this.buf.subarray(0, this.length) as ArrayLike<number>);
    this.buf = next;
  }
  /** The filled part (a copy that owns its memory). */
  build(): T {
    return this.buf.slice(0, this.length) as T;
  }
}

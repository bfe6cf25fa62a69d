/**
 * Saving and loading named float32 tensors (a model's weights and its optimiser's state) as a
 * JSON manifest plus one binary file. Both are written atomically; the manifest records the
 * binary's SHA-256 so a mismatched or truncated pair is detected on load.
 */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFile, atomicWriteJson } from '../util/fs.js';
import type { NamedArray, ParamSet } from './params.js';
import type { Adam, AdamState } from './optim.js';

const FORMAT = 'goodhart-tensors/1';

interface Manifest {
  format: string;
  binary: string;
  sha256: string;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
  meta: Record<string, unknown>;
}

export function saveTensors(dir: string, name: string, tensors: ReadonlyMap<string, NamedArray>, meta: Record<string, unknown> = {}): void {
  let total = 0;
  for (const t of tensors.values()) total += t.data.length;
  const bin = new Float32Array(total);
  const entries: Manifest['tensors'] = [];
  let offset = 0;
  for (const [tname, t] of tensors) {
    bin.set(t.data, offset);
    entries.push({ name: tname, shape: [...t.shape], offset, length: t.data.length });
    offset += t.data.length;
  }
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  const binary = `${name}.bin`;
  atomicWriteFile(join(dir, binary), bytes);
  const manifest: Manifest = { format: FORMAT, binary, sha256: sha256(bytes), tensors: entries, meta };
  atomicWriteJson(join(dir, `${name}.json`), manifest);
}

export function loadTensors(dir: string, name: string): { tensors: Map<string, NamedArray>; meta: Record<string, unknown> } {
  const manifestPath = join(dir, `${name}.json`);
  if (!existsSync(manifestPath)) throw new Error(`no saved tensors at ${manifestPath}`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  if (manifest.format !== FORMAT) throw new Error(`${manifestPath}: format "${manifest.format}" is not ${FORMAT}`);
  const raw = readFileSync(join(dir, manifest.binary));
  if (sha256(raw) !== manifest.sha256) throw new Error(`${join(dir, manifest.binary)}: checksum does not match its manifest (partial write?)`);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const tensors = new Map<string, NamedArray>();
  for (const e of manifest.tensors) tensors.set(e.name, { shape: e.shape, data: all.slice(e.offset, e.offset + e.length) });
  return { tensors, meta: manifest.meta };
}

/** Saves a model's parameters and, optionally, its Adam state under one name. */
export function saveModel(dir: string, name: string, params: ParamSet, optimizer?: Adam, meta: Record<string, unknown> = {}): void {
  const tensors = new Map(params.read());
  let step: number | undefined;
  if (optimizer) {
    const s = optimizer.getState();
    step = s.step;
    for (const [k, v] of s.m) tensors.set(`__adam_m/${k}`, v);
    for (const [k, v] of s.v) tensors.set(`__adam_v/${k}`, v);
  }
  saveTensors(dir, name, tensors, { ...meta, adamStep: step ?? null });
}

export function loadModel(dir: string, name: string, params: ParamSet, optimizer?: Adam): Record<string, unknown> {
  const { tensors, meta } = loadTensors(dir, name);
  // Check everything before changing anything, so a failed load leaves the model as it was.
  params.checkCompatible(tensors, `${dir}/${name}`);
  let state: AdamState | null = null;
  if (optimizer) {
    if (typeof meta['adamStep'] !== 'number') throw new Error(`${dir}/${name}: no optimizer state was saved`);
    state = { step: meta['adamStep'], m: new Map(), v: new Map() };
    for (const [k, v] of tensors) {
      if (k.startsWith('__adam_m/')) state.m.set(k.slice(9), v);
      else if (k.startsWith('__adam_v/')) state.v.set(k.slice(9), v);
    }
    params.checkCompatible(state.m, `${dir}/${name} (optimizer m)`);
    params.checkCompatible(state.v, `${dir}/${name} (optimizer v)`);
  }
  params.write(tensors, `${dir}/${name}`);
  if (optimizer && state) optimizer.setState(state);
  return meta;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

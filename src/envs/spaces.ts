/**
 * Observation and action spaces in the spirit of Gymnasium, with a flattening that matches
 * RLlib's preprocessor layout: Discrete becomes one-hot, MultiBinary and Box are copied as they
 * are, and a Dict is the concatenation of its children in sorted key order.
 */
import { Rng } from '../util/rng.js';

export type SpaceValue = number | Float32Array | Int8Array | { [key: string]: SpaceValue };

export interface DiscreteSpace {
  readonly kind: 'discrete';
  readonly n: number;
}
export interface BoxSpace {
  readonly kind: 'box';
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly shape: readonly number[];
}
export interface MultiBinarySpace {
  readonly kind: 'multibinary';
  readonly n: number;
}
export interface DictSpace {
  readonly kind: 'dict';
  readonly spaces: Readonly<Record<string, Space>>;
}
export type Space = DiscreteSpace | BoxSpace | MultiBinarySpace | DictSpace;

export function discrete(n: number): DiscreteSpace {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`discrete: n must be a positive integer, got ${n}`);
  return { kind: 'discrete', n };
}

export function box(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[]): BoxSpace {
  const size = shape ? shape.reduce((a, b) => a * b, 1) : typeof low === 'number' ? (typeof high === 'number' ? 1 : high.length) : low.length;
  const fill = (v: number | ArrayLike<number>): Float32Array => {
    if (typeof v === 'number') return new Float32Array(size).fill(v);
    if (v.length !== size) throw new RangeError(`box: bound has length ${v.length}, expected ${size}`);
    return Float32Array.from(v);
  };
  const lo = fill(low);
  const hi = fill(high);
  for (let i = 0; i < size; i++) {
    if (!(lo[i]! <= hi[i]!)) throw new RangeError(`box: low[${i}]=${lo[i]} exceeds high[${i}]=${hi[i]}`);
  }
  return { kind: 'box', low: lo, high: hi, shape: shape ? [...shape] : [size] };
}

export function multiBinary(n: number): MultiBinarySpace {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`multiBinary: n must be a positive integer, got ${n}`);
  return { kind: 'multibinary', n };
}

export function dict(spaces: Record<string, Space>): DictSpace {
  return { kind: 'dict', spaces };
}

/** Keys of a Dict space in the order used for flattening (sorted, as Gymnasium and RLlib do). */
export function dictKeys(space: DictSpace): string[] {
  return Object.keys(space.spaces).sort();
}

/** Number of entries of the flat vector that represents a value of this space. */
export function flatDim(space: Space): number {
  switch (space.kind) {
    case 'discrete':
      return space.n;
    case 'box':
      return space.low.length;
    case 'multibinary':
      return space.n;
    case 'dict':
      return dictKeys(space).reduce((acc, k) => acc + flatDim(space.spaces[k]!), 0);
  }
}

/** Writes the flat encoding of `value` into `out` at `offset`; returns the offset after it. */
export function flattenInto(space: Space, value: SpaceValue, out: Float32Array, offset = 0): number {
  switch (space.kind) {
    case 'discrete': {
      out.fill(0, offset, offset + space.n);
      out[offset + (value as number)] = 1;
      return offset + space.n;
    }
    case 'box':
    case 'multibinary': {
      const arr = value as ArrayLike<number>;
      for (let i = 0; i < arr.length; i++) out[offset + i] = arr[i]!;
      return offset + arr.length;
    }
    case 'dict': {
      const rec = value as Record<string, SpaceValue>;
      let o = offset;
      for (const k of dictKeys(space)) o = flattenInto(space.spaces[k]!, rec[k]!, out, o);
      return o;
    }
  }
}

export function flatten(space: Space, value: SpaceValue): Float32Array {
  const out = new Float32Array(flatDim(space));
  flattenInto(space, value, out, 0);
  return out;
}

/** Whether `value` is a member of `space`. */
export function contains(space: Space, value: unknown): boolean {
  switch (space.kind) {
    case 'discrete':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < space.n;
    case 'box': {
      if (!(value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value))) return false;
      const arr = value as ArrayLike<number>;
      if (arr.length !== space.low.length) return false;
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i]!;
        if (!(v >= space.low[i]! && v <= space.high[i]!)) return false;
      }
      return true;
    }
    case 'multibinary': {
      if (!(value instanceof Int8Array || value instanceof Uint8Array || value instanceof Float32Array || Array.isArray(value))) return false;
      const arr = value as ArrayLike<number>;
      if (arr.length !== space.n) return false;
      for (let i = 0; i < arr.length; i++) if (arr[i] !== 0 && arr[i] !== 1) return false;
      return true;
    }
    case 'dict': {
      if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
      const rec = value as Record<string, unknown>;
      const keys = dictKeys(space);
      if (Object.keys(rec).length !== keys.length) return false;
      return keys.every((k) => k in rec && contains(space.spaces[k]!, rec[k]));
    }
  }
}

/** A uniformly random member of the space (Box bounds that are infinite sample a standard normal). */
export function sample(space: Space, rng: Rng): SpaceValue {
  switch (space.kind) {
    case 'discrete':
      return rng.int(space.n);
    case 'box': {
      const out = new Float32Array(space.low.length);
      for (let i = 0; i < out.length; i++) {
        const lo = space.low[i]!;
        const hi = space.high[i]!;
        out[i] = Number.isFinite(lo) && Number.isFinite(hi) ? lo + (hi - lo) * rng.uniform() : rng.normal();
      }
      return out;
    }
    case 'multibinary': {
      const out = new Int8Array(space.n);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform() < 0.5 ? 1 : 0;
      return out;
    }
    case 'dict': {
      const rec: Record<string, SpaceValue> = {};
      for (const k of dictKeys(space)) rec[k] = sample(space.spaces[k]!, rng);
      return rec;
    }
  }
}

/** A short human-readable description, e.g. `Dict(agent: Discrete(26), tomatoes: MultiBinary(10))`. */
export function describe(space: Space): string {
  switch (space.kind) {
    case 'discrete':
      return `Discrete(${space.n})`;
    case 'box': {
      const lo = Math.min(...space.low);
      const hi = Math.max(...space.high);
      return `Box(${lo}, ${hi}, [${space.shape.join(', ')}])`;
    }
    case 'multibinary':
      return `MultiBinary(${space.n})`;
    case 'dict':
      return `Dict(${dictKeys(space).map((k) => `${k}: ${describe(space.spaces[k]!)}`).join(', ')})`;
  }
}

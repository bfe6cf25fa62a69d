/**
 * Named trainable parameters. Models keep their weights in a ParamSet so that optimisers,
 * serialisation and weight copying treat every model the same way.
 */
import { tf, type Variable } from './backend.js';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export class ParamSet {
  private readonly vars = new Map<string, Variable>();

  add(name: string, shape: number[], data: Float32Array, trainable = true): Variable {
    if (this.vars.has(name)) throw new Error(`parameter "${name}" is defined twice`);
    // tidy disposes the initial tensor, so the variable is the only owner of its memory.
    const v = tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), trainable, `${name}_${uniqueSuffix()}`));
    this.vars.set(name, v);
    return v;
  }

  get(name: string): Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter named "${name}"; have ${[...this.vars.keys()].join(', ')}`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  entries(): [string, Variable][] {
    return [...this.vars.entries()];
  }

  variables(): Variable[] {
    return [...this.vars.values()];
  }

  /** Total number of scalar parameters. */
  size(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** A copy of every parameter's values. */
  read(): Map<string, NamedArray> {
    const out = new Map<string, NamedArray>();
    for (const [name, v] of this.vars) out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
    return out;
  }

  /** Overwrites parameters from `values`; every parameter must be present with a matching shape. */
  write(values: ReadonlyMap<string, NamedArray>, context = 'weights'): void {
    this.checkCompatible(values, context);
    for (const [name, v] of this.vars) tf.tidy(() => v.assign(tf.tensor(values.get(name)!.data, v.shape, 'float32')));
  }

  /** Throws, naming the parameter, unless `values` holds every parameter with the right shape; changes nothing. */
  checkCompatible(values: ReadonlyMap<string, NamedArray>, context = 'weights'): void {
    for (const [name, v] of this.vars) {
      const src = values.get(name);
      if (!src) throw new Error(`${context}: missing parameter "${name}"`);
      if (src.shape.length !== v.shape.length || src.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${context}: parameter "${name}" has shape [${src.shape}] but the model expects [${v.shape}]`);
      }
      if (src.data.length !== v.size) throw new Error(`${context}: parameter "${name}" has ${src.data.length} values, expected ${v.size}`);
    }
  }

  copyFrom(other: ParamSet): void {
    this.write(other.read(), 'copy');
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

let suffix = 0;
function uniqueSuffix(): number {
  suffix += 1;
  return suffix;
}

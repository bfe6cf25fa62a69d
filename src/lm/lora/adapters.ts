/**
 * LoRA adapters on a GptNeoX model's linear projections: for an adapted projection with weight W
 * (held [in, out]) the output becomes x·W + b + (alpha/r)·(drop(x)·A)·B with A [in, r] and
 * B [r, out]. A starts uniform in ±1/√in (PEFT's Kaiming-uniform default) and B at zero, so a
 * fresh adapter leaves the model exactly as it was. Only A and B (in `params`) are trainable; the
 * base weights are never touched until `mergeLora` folds the update into them.
 */
import { dense, tf, ParamSet, type Tensor2D } from '../../nn/index.js';
import { Rng } from '../../util/rng.js';
import { ConfigError } from '../../util/validate.js';
import type { GptNeoX, LinearAdapter } from '../model/transformer.js';
import { zeroBias } from '../model/ops.js';
import { resolveLoraConfig, type LoraConfig, type LoraConfigInput } from './config.js';

/** Parameter names of the adapter on projection `module` (e.g. `gpt_neox.layers.0.attention.dense`). */
export const loraAName = (module: string): string => `${module}.lora_A.weight`;
export const loraBName = (module: string): string => `${module}.lora_B.weight`;

export class LoraAdapters implements LinearAdapter {
  readonly params = new ParamSet();
  /** Adapted projections, by name without `.weight`. */
  readonly modules: string[];
  readonly scale: number;
  /** Dropout is applied only while this is true (set by the trainers around their updates). */
  training = false;
  private readonly rng: Rng;
  private readonly adapted: Set<string>;

  constructor(
    readonly config: LoraConfig,
    base: GptNeoX,
  ) {
    this.scale = config.alpha / config.r;
    this.rng = new Rng(config.seed);
    this.modules = adaptedModules(base, config.targetModules);
    this.adapted = new Set(this.modules);
    for (const m of this.modules) {
      const [nIn, nOut] = base.params.get(`${m}.weight`).shape as [number, number];
      const bound = 1 / Math.sqrt(nIn);
      const a = new Float32Array(nIn * config.r);
      for (let i = 0; i < a.length; i++) a[i] = (2 * this.rng.uniform() - 1) * bound;
      this.params.add(loraAName(m), [nIn, config.r], a);
      this.params.add(loraBName(m), [config.r, nOut], new Float32Array(config.r * nOut));
    }
  }

  has(module: string): boolean {
    return this.adapted.has(module);
  }

  delta(x: Tensor2D, name: string): Tensor2D | null {
    if (!this.has(name)) return null;
    const a = this.params.get(loraAName(name)) as unknown as Tensor2D;
    const b = this.params.get(loraBName(name)) as unknown as Tensor2D;
    const p = this.config.dropout;
    const input = this.training && p > 0 ? (tf.dropout(x, p, undefined, this.rng.int(2 ** 31)) as Tensor2D) : x;
    const low = dense(input, a, zeroBias(this.config.r));
    return tf.mul(dense(low, b, zeroBias(b.shape[1])), this.scale) as Tensor2D;
  }

  /** The dense update (alpha/r)·A·B of one projection, [in, out]. */
  update(module: string): Tensor2D {
    return tf.tidy(() => tf.mul(tf.matMul(this.params.get(loraAName(module)), this.params.get(loraBName(module))), this.scale) as Tensor2D);
  }

  /** Trainable adapter parameters (A and B; not counting anything else a trainer adds to `params`). */
  size(): number {
    let n = 0;
    for (const m of this.modules) n += this.params.get(loraAName(m)).size + this.params.get(loraBName(m)).size;
    return n;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** The model's linear projections whose names end with one of the targets; throws when a target matches nothing. */
export function adaptedModules(model: GptNeoX, targets: readonly string[]): string[] {
  const linear = model.params
    .names()
    .filter((n) => n.endsWith('.weight') && /^gpt_neox\.layers\.\d+\./.test(n) && model.params.get(n).shape.length === 2)
    .map((n) => n.slice(0, -'.weight'.length));
  const out = linear.filter((m) => targets.some((t) => m === t || m.endsWith(`.${t}`)));
  for (const t of targets) {
    if (!linear.some((m) => m === t || m.endsWith(`.${t}`))) throw new ConfigError(`lora.targetModules: "${t}" matches no linear projection; allowed endings: attention.query_key_value, attention.dense, mlp.dense_h_to_4h, mlp.dense_4h_to_h`);
  }
  return out;
}

/** Attaches new LoRA adapters to `model` (replacing none: it must have no adapter yet) and returns them. */
export function attachLora(model: GptNeoX, config: LoraConfigInput = {}): LoraAdapters {
  if (model.adapter) throw new Error('attachLora: the model already has an adapter; merge or detach it first');
  const adapters = new LoraAdapters(resolveLoraConfig(config), model);
  model.adapter = adapters;
  model.adapterEnabled = true;
  return adapters;
}

/** The model's LoRA adapters, or null. */
export function loraOf(model: GptNeoX): LoraAdapters | null {
  return model.adapter instanceof LoraAdapters ? model.adapter : null;
}

/**
 * Folds the adapters into the base weights (W ← W + (alpha/r)·A·B) and detaches them, so the model
 * computes the same function with no adapter. The adapters' tensors are disposed.
 */
export function mergeLora(model: GptNeoX): void {
  const lora = loraOf(model);
  if (!lora) throw new Error('mergeLora: the model has no LoRA adapters');
  for (const m of lora.modules) {
    const w = model.params.get(`${m}.weight`);
    const u = lora.update(m);
    tf.tidy(() => w.assign(tf.add(w, u)));
    u.dispose();
  }
  model.adapter = null;
  model.adapterEnabled = true;
  lora.dispose();
}

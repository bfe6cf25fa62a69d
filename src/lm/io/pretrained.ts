/**
 * Hugging Face-style model directories: `config.json` (GPTNeoXConfig), `model.safetensors` (or
 * shards listed in `model.safetensors.index.json`) with Pythia's tensor names, and `tokenizer.json`.
 * A user with a Pythia checkpoint on disk loads it with loadPretrained(dir); savePretrained writes
 * a directory that transformers' GPTNeoXForCausalLM can read back.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParamSet, type NamedArray } from '../../nn/index.js';
import { atomicWriteDir, atomicWriteJson } from '../../util/fs.js';
import { configFromHf, configToHf, type GptNeoXConfig } from '../model/config.js';
import { paramSpecs } from '../model/params.js';
import { GptNeoX } from '../model/transformer.js';
import { LmTokenizer } from '../tokenizer/tokenizer.js';
import { loadSafetensorsFile, saveSafetensorsFile } from './safetensors.js';

export interface Pretrained {
  model: GptNeoX;
  config: GptNeoXConfig;
  /** Null when the directory has no tokenizer.json. */
  tokenizer: LmTokenizer | null;
  /** Tensors in the file that are not model parameters (e.g. a reward or value head), in file layout. */
  extra: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

export interface LoadOptions {
  /** Build the LM head (embed_out); default: when the file has it. */
  lmHead?: boolean;
}

/** Buffers that older transformers versions saved alongside the weights; not parameters. */
function isBuffer(name: string): boolean {
  return /\.attention\.(bias|masked_bias)$/.test(name) || /rotary_emb\.inv_freq$/.test(name);
}

/** [rows, cols] → [cols, rows]. */
export function transpose2d(t: NamedArray): NamedArray {
  const [r, c] = t.shape as [number, number];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return { shape: [c, r], data: out };
}

/** Every tensor of the checkpoint in `dir` (one file or an index of shards). */
function readWeights(dir: string): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return loadSafetensorsFile(single);
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    const map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
    const tensors = new Map<string, NamedArray>();
    let metadata: Record<string, string> = {};
    for (const shard of new Set(Object.values(map))) {
      const file = loadSafetensorsFile(join(dir, shard));
      for (const [k, v] of file.tensors) tensors.set(k, v);
      metadata = { ...metadata, ...file.metadata };
    }
    return { tensors, metadata };
  }
  const hint = existsSync(join(dir, 'pytorch_model.bin')) ? ' (pytorch_model.bin is a pickle we do not read; convert it to safetensors first)' : '';
  throw new Error(`loadPretrained: no model.safetensors or model.safetensors.index.json in ${dir}${hint}`);
}

/** Loads config.json, the safetensors weights and (if present) tokenizer.json from `dir`. */
export function loadPretrained(dir: string, options: LoadOptions = {}): Pretrained {
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new Error(`loadPretrained: ${cfgPath} not found`);
  const config = configFromHf(JSON.parse(readFileSync(cfgPath, 'utf8')));
  const { tensors, metadata } = readWeights(dir);
  // A checkpoint of the bare GPTNeoXModel names its tensors without the "gpt_neox." prefix.
  const lookup = (name: string): NamedArray | undefined => tensors.get(name) ?? (name.startsWith('gpt_neox.') ? tensors.get(name.slice('gpt_neox.'.length)) : undefined);
  const lmHead = options.lmHead ?? tensors.has('embed_out.weight');
  const specs = paramSpecs(config, { lmHead });
  const values = new Map<string, NamedArray>();
  const used = new Set<string>();
  for (const spec of specs) {
    const t = lookup(spec.name);
    if (!t) throw new Error(`loadPretrained: ${dir} has no tensor "${spec.name}"`);
    used.add(tensors.has(spec.name) ? spec.name : spec.name.slice('gpt_neox.'.length));
    values.set(spec.name, spec.transposed ? transpose2d(t) : t);
  }
  const params = new ParamSet();
  for (const spec of specs) {
    const v = values.get(spec.name)!;
    if (v.shape.join() !== spec.shape.join()) {
      throw new Error(`loadPretrained: tensor "${spec.name}" has shape [${spec.transposed ? [...v.shape].reverse() : v.shape}], config.json implies [${spec.transposed ? [...spec.shape].reverse() : spec.shape}]`);
    }
    params.add(spec.name, spec.shape, v.data);
  }
  const extra = new Map<string, NamedArray>();
  for (const [k, v] of tensors) if (!used.has(k) && !isBuffer(k)) extra.set(k, v);
  const tokPath = join(dir, 'tokenizer.json');
  const tokenizer = existsSync(tokPath) ? LmTokenizer.load(dir) : null;
  return { model: new GptNeoX(config, { lmHead, params }), config, tokenizer, extra, metadata };
}

export interface SaveOptions {
  tokenizer?: LmTokenizer | null;
  /** More tensors to store in model.safetensors (a reward head, a value head), in file layout. */
  extra?: ReadonlyMap<string, NamedArray>;
  metadata?: Record<string, string>;
  /** Extra JSON files to write into the directory (e.g. a training state), by file name. */
  files?: Record<string, unknown>;
}

/** The model's tensors in PyTorch layout ([out, in] linear weights), keyed by Pythia's names. */
export function exportWeights(model: GptNeoX): Map<string, NamedArray> {
  const specs = paramSpecs(model.config, model.parts);
  const current = model.params.read();
  const out = new Map<string, NamedArray>();
  for (const spec of specs) {
    const v = current.get(spec.name)!;
    out.set(spec.name, spec.transposed ? transpose2d(v) : v);
  }
  return out;
}

/**
 * Writes config.json, model.safetensors (float32, metadata format "pt") and tokenizer.json into
 * `dir`; the whole directory appears at once (built under a temporary name, then renamed), and
 * replaces an older one.
 */
export function savePretrained(dir: string, model: GptNeoX, options: SaveOptions = {}): void {
  const weights = exportWeights(model);
  for (const [k, v] of options.extra ?? []) {
    if (weights.has(k)) throw new Error(`savePretrained: extra tensor "${k}" clashes with a model parameter`);
    weights.set(k, v);
  }
  atomicWriteDir(dir, (tmp) => {
    atomicWriteJson(join(tmp, 'config.json'), configToHf(model.config));
    saveSafetensorsFile(join(tmp, 'model.safetensors'), weights, { format: 'pt', ...(options.metadata ?? {}) });
    options.tokenizer?.save(tmp);
    for (const [name, value] of Object.entries(options.files ?? {})) atomicWriteJson(join(tmp, name), value);
  });
}

/**
 * Adapters on their own, in PEFT's layout: `adapter_config.json` and `adapter_model.safetensors`
 * with tensors `base_model.model.<module>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r]
 * (PyTorch's [out, in] orientation; we hold the transposes). Other tensors (a PPO value head) may
 * ride along under their own names.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedArray } from '../../nn/index.js';
import { atomicWriteJson } from '../../util/fs.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../io/safetensors.js';
import { transpose2d } from '../io/pretrained.js';
import type { GptNeoX } from '../model/transformer.js';
import { attachLora, loraAName, loraBName, type LoraAdapters } from './adapters.js';
import type { LoraConfigInput } from './config.js';

const PREFIX = 'base_model.model.';
export const ADAPTER_FILE = 'adapter_model.safetensors';
export const ADAPTER_CONFIG = 'adapter_config.json';

/** Writes the adapters (and `extra` tensors, file layout) to `dir`. */
export function saveLora(dir: string, lora: LoraAdapters, extra: ReadonlyMap<string, NamedArray> = new Map()): void {
  mkdirSync(dir, { recursive: true });
  const values = lora.params.read();
  const tensors = new Map<string, NamedArray>();
  for (const m of lora.modules) {
    tensors.set(PREFIX + loraAName(m), transpose2d(values.get(loraAName(m))!));
    tensors.set(PREFIX + loraBName(m), transpose2d(values.get(loraBName(m))!));
  }
  for (const [k, v] of extra) tensors.set(k, v);
  saveSafetensorsFile(join(dir, ADAPTER_FILE), tensors, { format: 'pt' });
  const c = lora.config;
  atomicWriteJson(join(dir, ADAPTER_CONFIG), { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: c.r, lora_alpha: c.alpha, lora_dropout: c.dropout, target_modules: c.targetModules, bias: 'none', fan_in_fan_out: false, init_lora_weights: true, seed: c.seed });
}

export function hasLora(dir: string): boolean {
  return existsSync(join(dir, ADAPTER_FILE)) && existsSync(join(dir, ADAPTER_CONFIG));
}

/** Attaches the adapters saved in `dir` to `model`; returns them and any tensors that are not adapter weights. */
export function loadLora(dir: string, model: GptNeoX): { lora: LoraAdapters; extra: Map<string, NamedArray> } {
  const cfg = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG), 'utf8')) as { r: number; lora_alpha: number; lora_dropout?: number; target_modules: string[]; seed?: number };
  const input: LoraConfigInput = { r: cfg.r, alpha: cfg.lora_alpha, dropout: cfg.lora_dropout ?? 0, targetModules: cfg.target_modules, seed: cfg.seed ?? 0 };
  const file = loadSafetensorsFile(join(dir, ADAPTER_FILE));
  const lora = attachLora(model, input);
  const values = new Map<string, NamedArray>();
  const extra = new Map<string, NamedArray>();
  for (const [k, v] of file.tensors) {
    if (k.startsWith(PREFIX) && /\.lora_[AB]\.weight$/.test(k)) values.set(k.slice(PREFIX.length), transpose2d(v));
    else extra.set(k, v);
  }
  try {
    lora.params.write(values, `${dir}/${ADAPTER_FILE}`);
  } catch (e) {
    model.adapter = null;
    lora.dispose();
    throw e;
  }
  return { lora, extra };
}

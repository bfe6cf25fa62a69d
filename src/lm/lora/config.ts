/**
 * LoRA settings (Hu et al. 2021, as in PEFT's LoraConfig): rank r, scaling alpha/r, dropout on the
 * adapter's input, and the projections to adapt, matched by the end of their parameter name.
 */
import { z, parseConfig } from '../../util/validate.js';

/** GPT-NeoX's four linear projections per block (Pythia names). */
export const NEOX_LINEAR_MODULES = ['attention.query_key_value', 'attention.dense', 'mlp.dense_h_to_4h', 'mlp.dense_4h_to_h'] as const;

export const loraSchema = z.strictObject({
  r: z.number().int().positive().default(8),
  /** The update is scaled by alpha / r (PEFT lora_alpha). */
  alpha: z.number().positive().default(16),
  /** Dropout on the adapter's input while training (the base path never drops). */
  dropout: z.number().min(0).max(0.99).default(0),
  /** A projection is adapted when its name (without `.weight`) ends with one of these. */
  targetModules: z.array(z.string().min(1)).min(1).default(['attention.query_key_value']),
  seed: z.number().int().default(0),
});

export type LoraConfig = z.output<typeof loraSchema>;
export type LoraConfigInput = z.input<typeof loraSchema>;

export function resolveLoraConfig(input: LoraConfigInput = {}): LoraConfig {
  return parseConfig(loraSchema, input, 'lora config') as LoraConfig;
}

/** `--lora r[,alpha]` → a partial config; alpha defaults to 2r (the spec's r 8 / alpha 16). */
export function parseLoraFlag(text: string): { r: number; alpha: number } {
  const parts = text.split(',').map((s) => s.trim());
  const r = Number(parts[0]);
  const alpha = parts[1] === undefined || parts[1] === '' ? 2 * r : Number(parts[1]);
  if (!Number.isInteger(r) || r < 1 || parts.length > 2 || !(alpha > 0)) throw new RangeError(`--lora: "${text}"; allowed: r[,alpha] with r a positive integer and alpha a positive number, e.g. 8,16`);
  return { r, alpha };
}

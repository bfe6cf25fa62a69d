/**
 * Datasets of reverse reward engineering: JSON arrays of `{input, output, qtype}` records
 * (AlpacaFarm val/train as the original ships them), or AlpacaEval records
 * `{dataset, instruction, output, generator, qtype}`. `input` is the user message (instruction,
 * optionally followed by "\n\n### Input:\n…"), `output` the reference answer, `qtype` OPENENDED or
 * CONSTRAINED.
 */
import { readFileSync } from 'node:fs';
import { buildMessage, formatPrompt, type PromptTemplate } from '../../lm/tasks/template.js';
import { queryTypeSchema, type QueryType, type TaskExample } from '../../lm/tasks/types.js';
import { DatasetError, parseRecords } from '../../util/records.js';
import { z } from '../../util/validate.js';
import type { TextRewardContext } from '../types.js';

export const rerRecordSchema = z.strictObject({
  input: z.string().min(1, 'must be a non-empty string'),
  output: z.string(),
  qtype: queryTypeSchema,
});
export type RerRecord = z.infer<typeof rerRecordSchema>;

export const alpacaEvalRecordSchema = z.strictObject({
  dataset: z.string(),
  instruction: z.string().min(1, 'must be a non-empty string'),
  output: z.string(),
  generator: z.string(),
  qtype: queryTypeSchema,
});

export type RerFormat = 'rer' | 'alpaca_eval';

export interface ParseRerOptions {
  /** Record layout; 'auto' (default) picks alpaca_eval when the first record has an `instruction` field. */
  format?: RerFormat | 'auto';
}

export function parseRerRecords(data: unknown, what = 'RER dataset', options: ParseRerOptions = {}): RerRecord[] {
  let format = options.format ?? 'auto';
  if (format === 'auto') {
    const first: unknown = Array.isArray(data) ? data[0] : undefined;
    format = first !== null && typeof first === 'object' && 'instruction' in first ? 'alpaca_eval' : 'rer';
  }
  if (format === 'alpaca_eval') {
    return parseRecords(alpacaEvalRecordSchema, data, `${what} (AlpacaEval layout)`).map((r) => ({
      input: r.instruction,
      output: r.output,
      qtype: r.qtype,
    }));
  }
  return parseRecords(rerRecordSchema, data, what);
}

export function readRerJson(path: string, options: ParseRerOptions = {}): RerRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DatasetError(`cannot read ${path}: ${(err as Error).message}`, []);
  }
  return parseRerRecords(data, path, options);
}

/**
 * Our task suite in the RER layout: the message as `input`, the reference as `output`, and the
 * family's query type (describe is OPENENDED, every other family CONSTRAINED).
 */
export function toRerRecords(examples: readonly TaskExample[]): RerRecord[] {
  return examples.map((e, i) => {
    const qtype: QueryType | undefined = e.qtype;
    if (qtype === undefined) throw new DatasetError(`record ${i}: missing field 'qtype' (needed for the RER layout)`, [`record ${i}: missing field 'qtype'`]);
    return { input: buildMessage(e.instruction, e.input), output: e.output, qtype };
  });
}

/** A prompt and reward context for one RER record. */
export function rerPrompt(record: RerRecord, template?: PromptTemplate): { prompt: string; ctx: TextRewardContext } {
  return {
    prompt: formatPrompt({ instruction: record.input }, template),
    ctx: { reference: record.output, qtype: record.qtype },
  };
}

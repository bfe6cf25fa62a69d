/**
 * AlpacaFarm-style JSON files: an array of `{instruction, input, output}` records, optionally with
 * our `qtype` and `task` fields. Users bring their own data in this format; every record is checked
 * and a bad one is reported by its index and field.
 */
import { readFileSync } from 'node:fs';
import { atomicWriteJson } from '../../util/fs.js';
import { DatasetError, parseRecords } from '../../util/records.js';
import { z } from '../../util/validate.js';
import { queryTypeSchema, taskSpecSchema, type TaskExample } from './types.js';

export const alpacaRecordSchema = z.strictObject({
  instruction: z.string().min(1, 'must be a non-empty string'),
  /** Optional in files; an absent input reads as "". */
  input: z.string().default(''),
  output: z.string(),
  qtype: queryTypeSchema.optional(),
  task: taskSpecSchema.optional(),
});

export interface ReadAlpacaOptions {
  /** Drop unknown fields instead of rejecting them (e.g. AlpacaFarm's `generator`, `datasplit`). */
  ignoreUnknownFields?: boolean;
}

/** Validates parsed JSON as AlpacaFarm records. */
export function parseAlpacaRecords(data: unknown, what = 'AlpacaFarm records', options: ReadAlpacaOptions = {}): TaskExample[] {
  const schema = options.ignoreUnknownFields ? alpacaRecordSchema.strip() : alpacaRecordSchema;
  const records = parseRecords(schema, data, what, { allowedFields: Object.keys(alpacaRecordSchema.shape) });
  return records.map((r) => {
    const e: TaskExample = { instruction: r.instruction, input: r.input, output: r.output };
    if (r.qtype !== undefined) e.qtype = r.qtype;
    if (r.task !== undefined) e.task = r.task;
    return e;
  });
}

export function readAlpacaJson(path: string, options: ReadAlpacaOptions = {}): TaskExample[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DatasetError(`cannot read ${path}: ${(err as Error).message}`, []);
  }
  return parseAlpacaRecords(data, path, options);
}

export interface WriteAlpacaOptions {
  /** Keep only `instruction`, `input`, `output` (the plain AlpacaFarm layout). Default: keep extras. */
  plain?: boolean;
}

export function toAlpacaRecords(examples: readonly TaskExample[], options: WriteAlpacaOptions = {}): Record<string, unknown>[] {
  return examples.map((e) => {
    const r: Record<string, unknown> = { instruction: e.instruction, input: e.input, output: e.output };
    if (!options.plain && e.qtype !== undefined) r.qtype = e.qtype;
    if (!options.plain && e.task !== undefined) r.task = e.task;
    return r;
  });
}

/** Writes the records atomically (a temporary file renamed into place). */
export function writeAlpacaJson(path: string, examples: readonly TaskExample[], options: WriteAlpacaOptions = {}): void {
  atomicWriteJson(path, toAlpacaRecords(examples, options));
}

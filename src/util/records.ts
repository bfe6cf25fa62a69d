/**
 * Validation of data files made of records (JSON arrays of objects), with errors that name the
 * record index and the field, so that a user bringing their own data can find the bad row.
 */
import { z } from 'zod';
import { ConfigError } from './validate.js';

export class DatasetError extends ConfigError {
  override name = 'DatasetError';
  constructor(
    message: string,
    /** One line per problem, each starting with `record <index>`. */
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function describeIssue(issue: z.core.$ZodIssue, record: unknown, allowed: readonly string[] | undefined): string {
  const [index, ...rest] = issue.path;
  const where = `record ${String(index)}`;
  if (issue.code === 'unrecognized_keys') {
    const prefix = rest.length > 0 ? `${where}, field '${rest.map(String).join('.')}'` : where;
    const names = issue.keys.map((k) => `'${k}'`).join(', ');
    const allowedText = rest.length === 0 && allowed ? ` (allowed: ${allowed.join(', ')})` : '';
    return `${prefix}: unknown field${issue.keys.length > 1 ? 's' : ''} ${names}${allowedText}`;
  }
  let parent: unknown = record;
  for (const key of rest.slice(0, -1)) {
    parent = parent !== null && typeof parent === 'object' ? (parent as Record<PropertyKey, unknown>)[key] : undefined;
  }
  const last = rest[rest.length - 1];
  const field = rest.map(String).join('.');
  if (last !== undefined && parent !== null && typeof parent === 'object' && !(last in (parent as object))) {
    return `${where}: missing field '${field}'`;
  }
  let value: unknown = parent;
  if (last !== undefined && parent !== null && typeof parent === 'object') value = (parent as Record<PropertyKey, unknown>)[last];
  const prefix = rest.length > 0 ? `${where}, field '${field}'` : where;
  return `${prefix}: ${issue.message} (got ${show(value)})`;
}

export interface ParseRecordsOptions {
  /** Field names listed in the error for an unknown field (the schema's own keys by default). */
  allowedFields?: readonly string[];
  /** At most this many problems are listed in the message (all are kept in `problems`). */
  maxListed?: number;
}

/**
 * Parses `data` as an array of records with `schema`. Throws a DatasetError listing every bad record
 * as "record <index>, field '<name>': <what is wrong> (got <value>)".
 */
export function parseRecords<S extends z.ZodType>(
  schema: S,
  data: unknown,
  what: string,
  options: ParseRecordsOptions = {},
): z.output<S>[] {
  if (!Array.isArray(data)) {
    throw new DatasetError(`invalid ${what}: expected a JSON array of records (got ${data === null ? 'null' : typeof data})`, []);
  }
  const allowed =
    options.allowedFields ?? (schema instanceof z.ZodObject ? Object.keys((schema as z.ZodObject).shape) : undefined);
  const result = z.array(schema).safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const index = issue.path[0];
    const record = typeof index === 'number' ? (data as unknown[])[index] : undefined;
    if (typeof index !== 'number') return `${issue.message}`;
    if (issue.path.length === 1 && (record === null || typeof record !== 'object' || Array.isArray(record))) {
      return `record ${index}: expected an object (got ${show(record)})`;
    }
    return describeIssue(issue, record, allowed);
  });
  const max = options.maxListed ?? 20;
  const listed = problems.slice(0, max);
  const more = problems.length > max ? `\n  ... and ${problems.length - max} more` : '';
  throw new DatasetError(`invalid ${what}:\n  ${listed.join('\n  ')}${more}`, problems);
}

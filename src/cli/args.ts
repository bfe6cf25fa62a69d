/** Command-line parsing helpers: typed option readers that name the flag and what it accepts. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../util/validate.js';

export type Options = ParseArgsConfig['options'];

export function parse(argv: string[], options: NonNullable<Options>, command: string): Record<string, string | boolean | undefined> {
  return parseCommand(argv, options, command, false).values;
}

/** Like parse, but also returns positional arguments (e.g. `reproduce tomato`). */
export function parseWithPositionals(argv: string[], options: NonNullable<Options>, command: string): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  return parseCommand(argv, options, command, true);
}

function parseCommand(argv: string[], options: NonNullable<Options>, command: string, allowPositionals: boolean): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    const known = Object.keys(options)
      .map((k) => `--${k}`)
      .join(', ');
    throw new ConfigError(`${command}: ${(err as Error).message.replace(/\. To specify.*$/s, '')}\n  options: ${known}`);
  }
}

export function intOption(values: Record<string, unknown>, name: string, opts: { min?: number } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const min = opts.min ?? 0;
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new ConfigError(`--${name}: expected an integer ≥ ${min}, got "${String(raw)}"`);
  }
  return n;
}

export function choiceOption<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !allowed.includes(raw as T)) {
    throw new ConfigError(`--${name}: "${String(raw)}" is not one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

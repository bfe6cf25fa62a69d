/** What every subcommand shares: the Command shape, output, and option helpers beyond args.ts. */
import { readFileSync, existsSync } from 'node:fs';
import { ConfigError } from '../util/validate.js';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const out = (s: string) => process.stdout.write(s + '\n');

export function readJsonFile(path: string, flag: string): unknown {
  if (!existsSync(path)) throw new ConfigError(`${flag}: file "${path}" does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${flag}: "${path}" is not valid JSON (${(err as Error).message})`);
  }
}

export function numberList(values: Record<string, unknown>, name: string): number[] | undefined {
  const raw = values[name] as string[] | undefined;
  if (raw === undefined) return undefined;
  return raw.map((r) => {
    const n = Number(r);
    if (r.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`--${name}: expected a number, got "${r}"`);
    return n;
  });
}

export function numberFlag(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  return raw === undefined ? undefined : numberList({ [name]: [raw] }, name)![0];
}

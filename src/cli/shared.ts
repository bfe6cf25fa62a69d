/** What every subcommand shares: the Command shape, output, and option helpers beyond args.ts. */
import { readFileSync, existsSync } from 'node:fs';
import { ConfigError } from '../util/validate.js';
import { GAA_VARIANTS } from '../algos/gaa/config.js';
import { choiceOption } from './args.js';

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

/** The GAA settings given by flags (--gaa-variant, --x-eta, --x-sig): only those present. */
export function gaaFlagSettings(values: Record<string, unknown>): Record<string, unknown> {
  const gaa: Record<string, unknown> = {};
  const variant = choiceOption(values, 'gaa-variant', GAA_VARIANTS);
  if (variant) gaa['variant'] = variant;
  const xEta = numberFlag(values, 'x-eta');
  if (xEta !== undefined) gaa['xEta'] = xEta;
  const xSig = numberFlag(values, 'x-sig');
  if (xSig !== undefined) gaa['xSig'] = xSig;
  return gaa;
}

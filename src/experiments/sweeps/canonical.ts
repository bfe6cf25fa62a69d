/**
 * Canonical JSON (object keys sorted at every depth) and a short content hash of it: the same
 * configuration always gets the same id, whatever order its keys were written in.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // undefined fields are dropped, as JSON.stringify would; sorting makes key order irrelevant.
    for (const k of Object.keys(obj).sort()) if (obj[k] !== undefined) out[k] = sortKeys(obj[k]);
    return out;
  }
  return value;
}

/** First `length` hex digits of the SHA-256 of the canonical JSON. */
export function stableHash(value: unknown, length = 12): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

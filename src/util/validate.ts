/** Schema validation at the edges, with errors that name the field, the value and what is allowed. */
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = [what, ...issue.path.map(String)].join('.');
    const got = valueAt(value, issue.path);
    const shown = issue.code === 'unrecognized_keys' ? '' : ` (got ${JSON.stringify(got) ?? 'nothing'})`;
    return `${field}: ${issue.message}${shown}`;
  });
  throw new ConfigError(`invalid ${what}:\n  ${lines.join('\n  ')}`);
}

export { z };

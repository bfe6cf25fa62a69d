/** Shared pieces of environment config validation: one message format naming env, field and allowed values. */

/** A value as it should appear in an error message. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** Returns an error constructor for one environment, e.g. "TomatoEnv config: invalid level=9; allowed: 0, 1". */
export function configErrorFor(envLabel: string): (field: string, value: unknown, allowed: string) => Error {
  return (field, value, allowed) => new Error(`${envLabel} config: invalid ${field}=${showValue(value)}; allowed: ${allowed}`);
}

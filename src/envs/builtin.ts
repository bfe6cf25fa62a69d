/**
 * Importing this module registers every built-in environment. Kept apart from the registry so
 * the registry has no dependency on any environment and third parties can register their own.
 */
import { registerEnv } from './registry.js';
import { tomatoEnvSpec } from './tomato/index.js';
import { glucoseEnvSpec } from './glucose/index.js';
import { pandemicEnvSpec } from './pandemic/index.js';
import { mazeEnvSpec } from './maze/index.js';
import { minatarBreakoutEnvSpec, minatarSeaquestEnvSpec } from './minatar/index.js';

import { trafficEnvSpec } from './traffic/index.js';

export const BUILTIN_ENV_SPECS = [tomatoEnvSpec, glucoseEnvSpec, pandemicEnvSpec, trafficEnvSpec, mazeEnvSpec, minatarBreakoutEnvSpec, minatarSeaquestEnvSpec] as const;

/** Idempotent: registering the same spec objects twice is a no-op. */
export function registerBuiltinEnvs(): void {
  for (const spec of BUILTIN_ENV_SPECS) registerEnv(spec);
}

registerBuiltinEnvs();

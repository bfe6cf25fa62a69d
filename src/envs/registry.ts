/**
 * A name -> environment-factory table, so the CLI and experiment configs can refer to
 * environments by name. It knows nothing about any particular environment: built-in ones are
 * registered by importing `./builtin.js`.
 */
import type { Env, EnvSpec } from './types.js';

const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/i;
const specs = new Map<string, EnvSpec>();

/** Adds an environment; re-registering the same spec object is a no-op, a different one under a taken name throws. */
export function registerEnv<C>(spec: EnvSpec<C>): void {
  if (typeof spec !== 'object' || spec === null || typeof spec.make !== 'function') {
    throw new Error('registerEnv: expected an EnvSpec {name, description, make}');
  }
  if (typeof spec.name !== 'string' || !NAME_PATTERN.test(spec.name)) {
    throw new Error(`registerEnv: invalid name ${JSON.stringify(spec.name)}; use letters, digits, '-' and '_'`);
  }
  const existing = specs.get(spec.name);
  if (existing === (spec as unknown as EnvSpec)) return;
  if (existing) throw new Error(`registerEnv: an environment named '${spec.name}' is already registered`);
  // Each spec validates its own config, so the registry can hold them under one loose type.
  specs.set(spec.name, spec as unknown as EnvSpec);
}

/** Removes an environment (mainly for tests); returns whether it was registered. */
export function unregisterEnv(name: string): boolean {
  return specs.delete(name);
}

export function getEnvSpec(name: string): EnvSpec {
  const spec = specs.get(name);
  if (!spec) {
    const known = [...specs.keys()].sort();
    throw new Error(`unknown environment '${name}'; registered: ${known.length ? known.join(', ') : '(none - import envs/builtin.js to register the built-in ones)'}`);
  }
  return spec;
}

export function makeEnv(name: string, config?: Record<string, unknown>): Env {
  return getEnvSpec(name).make(config);
}

/** Registered environments sorted by name. */
export function listEnvs(): EnvSpec[] {
  return [...specs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

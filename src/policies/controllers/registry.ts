/**
 * Hand-written controllers ("safe" policies) that act from an environment's full state, used to
 * generate datasets for behavioural cloning. Each environment registers its own.
 */
import type { Env } from '../../envs/types.js';

export interface Controller {
  readonly name: string;
  readonly description: string;
  /** Called at the start of every episode. */
  reset(): void;
  /** The controller's action for the environment's current state (a number for discrete actions). */
  act(env: Env): number | Float32Array;
}

const registry = new Map<string, Map<string, () => Controller>>();

export function registerController(envName: string, name: string, make: () => Controller): void {
  const forEnv = registry.get(envName) ?? new Map<string, () => Controller>();
  forEnv.set(name, make);
  registry.set(envName, forEnv);
}

export function controllerNames(envName: string): string[] {
  return [...(registry.get(envName)?.keys() ?? [])].sort();
}

export function makeController(envName: string, name: string): Controller {
  const make = registry.get(envName)?.get(name);
  if (!make) {
    const known = controllerNames(envName);
    throw new Error(`controller: "${name}" is not a controller of ${envName}; ${known.length ? `choose one of ${known.join(', ')}` : 'it has none'}`);
  }
  return make();
}

/**
 * The pandemic environment's ten base strategies (PandemicSimulator ORPO fork,
 * `pandemic_env.py::safe_policies`; schedules in assets/pandemic/pandemic_safe_policy_schedules.csv):
 * S0-S4 hold one stage; S0-4-0 holds stage 4 until day 30 and then 0; S0-4-0-FI and S0-4-0-GI
 * step down fast or gradually; swedish_strategy and italian_strategy follow those countries'
 * 2020 measures. ORPO combines the datasets of all ten for behavioural cloning.
 *
 * Timing follows the original: at each step the controller reads the scheduled stage of its current
 * schedule entry, then moves to the next entry if that entry's end day is ≤ the current day (from the
 * second step on, one entry per step); so a schedule change takes effect one step after its end day.
 * The action moves the stage towards the target by one: raise (2) if the target is above the current
 * stage, keep (1) if equal, lower (0) if below.
 *
 * The published code emits the inverse (0 when the target is above, 2 when below), which under the
 * constrained action space (0 = lower) keeps every schedule at stage 0 (specs/envs.md §B9). That
 * behaviour is available as `mapping: 'published'`; the registered controllers use 'intended'.
 */
import { registerController, type Controller } from './registry.js';
import { PandemicEnv } from '../../envs/pandemic/pandemic-env.js';
import { pandemicTables, type ScheduleEntry } from '../../envs/pandemic/data.js';
import type { Env } from '../../envs/types.js';

export type ScheduleActionMapping = 'intended' | 'published';

/** The ten strategy names, in the table's order. */
export const PANDEMIC_STRATEGIES = ['S0', 'S1', 'S2', 'S3', 'S4', 'S0-4-0', 'S0-4-0-FI', 'S0-4-0-GI', 'swedish_strategy', 'italian_strategy'] as const;
export type PandemicStrategy = (typeof PANDEMIC_STRATEGIES)[number];

/** A strategy's schedule from the table. */
export function pandemicSchedule(name: string): ScheduleEntry[] {
  const found = pandemicTables().schedules.find((s) => s.name === name);
  if (!found) throw new Error(`pandemic strategy "${name}" is not in the schedule table; choose one of ${pandemicTables().schedules.map((s) => s.name).join(', ')}`);
  return found.entries.map((e) => ({ ...e }));
}

/**
 * The stage the original targets at the step taken when `day` days have been simulated: walk the
 * schedule as the original's step counter does (one possible advance per earlier step from day 1).
 */
export function scheduledStage(entries: readonly ScheduleEntry[], day: number): number {
  let idx = 0;
  for (let d = 1; d < day; d++) {
    const e = entries[idx]!;
    if (e.endDay !== null && e.endDay <= d && idx < entries.length - 1) idx++;
  }
  return entries[idx]!.stage;
}

/** The action that moves `current` one stage towards `target`. */
export function scheduleAction(target: number, current: number, mapping: ScheduleActionMapping = 'intended'): number {
  if (target === current) return 1;
  const up = target > current;
  if (mapping === 'published') return up ? 0 : 2;
  return up ? 2 : 0;
}

export interface PandemicScheduleOptions {
  mapping?: ScheduleActionMapping;
}

/** A controller following a named schedule (stateless: the target derives from the env's day). */
export function pandemicScheduleController(name: string, options: PandemicScheduleOptions = {}): Controller {
  const entries = pandemicSchedule(name);
  const mapping = options.mapping ?? 'intended';
  if (mapping !== 'intended' && mapping !== 'published') throw new Error(`pandemic controller ${name}: mapping must be 'intended' or 'published', got ${JSON.stringify(mapping)}`);
  const describe = entries.map((e) => (e.endDay === null ? `${e.stage}` : `${e.stage} until day ${e.endDay}`)).join(', then ');
  return {
    name,
    description: `pandemic base strategy ${name}: stage ${describe}${mapping === 'published' ? ' (published inverted actions)' : ''}`,
    reset() {},
    act(env: Env): number {
      if (!(env instanceof PandemicEnv)) throw new Error(`the pandemic controller ${name} needs a PandemicEnv`);
      const target = scheduledStage(entries, env.day);
      if (!env.config.constrain) return mapping === 'published' ? scheduleAction(target, env.stage, mapping) : target;
      return scheduleAction(target, env.stage, mapping);
    },
  };
}

for (const name of PANDEMIC_STRATEGIES) registerController('pandemic', name, () => pandemicScheduleController(name));

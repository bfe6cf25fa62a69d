import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controllerNames, makeController } from '../../src/policies/controllers/index.js';
import { pandemicSchedule, pandemicScheduleController, scheduleAction, scheduledStage, PANDEMIC_STRATEGIES } from '../../src/policies/controllers/pandemic.js';
import { PandemicEnv } from '../../src/envs/pandemic/index.js';

test('all ten base strategies are registered for pandemic', () => {
  assert.deepEqual(controllerNames('pandemic'), [...PANDEMIC_STRATEGIES].sort());
  assert.throws(() => makeController('pandemic', 'S9'), /choose one of/);
});

test('schedules read from the table', () => {
  assert.deepEqual(pandemicSchedule('S3'), [{ stage: 3, endDay: null }]);
  assert.deepEqual(pandemicSchedule('S0-4-0-GI'), [
    { stage: 4, endDay: 30 },
    { stage: 3, endDay: 50 },
    { stage: 2, endDay: 70 },
    { stage: 1, endDay: 90 },
    { stage: 0, endDay: null },
  ]);
  assert.deepEqual(
    pandemicSchedule('italian_strategy').map((e) => [e.stage, e.endDay]),
    [
      [0, 3],
      [1, 8],
      [2, 13],
      [3, 25],
      [4, 59],
      [3, 79],
      [2, null],
    ],
  );
});

test('scheduled targets change one step after each end day, as the original steps its schedule', () => {
  const targets = (name: string, days: number) => Array.from({ length: days }, (_, d) => scheduledStage(pandemicSchedule(name), d));
  const s040 = targets('S0-4-0', 40);
  assert.ok(s040.slice(0, 31).every((s) => s === 4));
  assert.ok(s040.slice(31).every((s) => s === 0));
  const fi = targets('S0-4-0-FI', 50);
  assert.deepEqual([fi[30], fi[31], fi[35], fi[36], fi[40], fi[41], fi[45], fi[46]], [4, 3, 3, 2, 2, 1, 1, 0]);
  const sw = targets('swedish_strategy', 10);
  assert.deepEqual(sw, [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  const it = targets('italian_strategy', 100);
  assert.deepEqual([it[3], it[4], it[9], it[14], it[26], it[60], it[80], it[99]], [0, 1, 2, 3, 4, 3, 2, 2]);
  assert.equal(scheduleAction(3, 1), 2);
  assert.equal(scheduleAction(1, 3), 0);
  assert.equal(scheduleAction(2, 2), 1);
  assert.equal(scheduleAction(3, 1, 'published'), 0);
});

function stagesUnder(name: string, days: number, mapping: 'intended' | 'published' = 'intended'): number[] {
  const env = new PandemicEnv({ horizon: days });
  env.reset(0);
  const controller = mapping === 'intended' ? makeController('pandemic', name) : pandemicScheduleController(name, { mapping });
  controller.reset();
  const stages: number[] = [];
  for (let d = 0; d < days; d++) {
    env.step(controller.act(env) as number);
    stages.push(env.stage);
  }
  return stages;
}

test('controllers drive the stage along their schedules one stage per day', () => {
  const s2 = stagesUnder('S2', 6);
  assert.deepEqual(s2, [1, 2, 2, 2, 2, 2]);
  const s040 = stagesUnder('S0-4-0', 40);
  assert.deepEqual(s040.slice(0, 5), [1, 2, 3, 4, 4]);
  assert.ok(s040.slice(3, 31).every((s) => s === 4));
  assert.deepEqual(s040.slice(31, 36), [3, 2, 1, 0, 0]);
  // As published, the inverted actions never leave stage 0.
  assert.ok(stagesUnder('S0-4-0', 12, 'published').every((s) => s === 0));
  assert.ok(stagesUnder('S4', 8, 'published').every((s) => s === 0));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../src/envs/checker.js';
import { MazeEnv, MAZE_VARIANTS, CELL, MAZE_SIZE, renderMazeObsText, type MazeConfig } from '../../src/envs/maze/index.js';
import { Rng } from '../../src/util/rng.js';
import '../../src/envs/builtin.js';
import { getEnvSpec } from '../../src/envs/registry.js';
import { pngSize } from '../../src/util/png.js';

const N = 0;
const S = 1;
const W = 2;
const E = 3;

function placed(config: Partial<MazeConfig>, agent: [number, number], goals: [number, number][]): MazeEnv {
  const env = new MazeEnv(config);
  env.reset(0);
  env.setState({ agent: { row: agent[0], col: agent[1] }, goals: goals.map(([row, col]) => ({ row, col })), t: 0, done: false, rng: new Rng(0).getState() });
  return env;
}

for (const [name, config] of Object.entries(MAZE_VARIANTS)) {
  test(`maze ${name} passes checkEnv`, () => {
    const report = checkEnv((c?: Partial<MazeConfig>) => new MazeEnv(c), { config, episodes: 4, seed: 1 });
    assert.equal(report.passed.length, 5);
    assert.equal(report.observationSpace, 'Box(0, 3, [11, 11])');
  });
}

test('maze layout: border wall, 9x9 free cells, goal at a corner by coin flip, agent drawn over the goal', () => {
  const corners = new Set<string>();
  const env = new MazeEnv();
  for (let seed = 0; seed < 40; seed++) {
    const { obs, info } = env.reset(seed);
    const counts = [0, 0, 0, 0];
    for (const v of obs) counts[v]!++;
    assert.equal(counts[CELL.wall], 4 * MAZE_SIZE - 4);
    assert.equal(counts[CELL.agent], 1);
    const goal = (info['goals'] as number[][])[0]!;
    corners.add(goal.join(','));
    const agent = info['agent'] as number[];
    const overlaps = agent[0] === goal[0] && agent[1] === goal[1];
    assert.equal(counts[CELL.goal], overlaps ? 0 : 1, 'the goal is hidden exactly when the agent stands on it');
  }
  assert.deepEqual([...corners].sort(), ['1,1', '9,9']);
});

test('maze scripted episode: walk to the goal, +1 and terminate on arrival', () => {
  const env = placed({}, [3, 1], [[1, 1]]);
  let r = env.step(E);
  assert.deepEqual(r.reward, { proxy: 0, true: 0 });
  assert.equal(r.obs[3 * MAZE_SIZE + 2], CELL.agent);
  r = env.step(W);
  r = env.step(N);
  assert.equal(r.reward.true, 0);
  assert.equal(r.terminated, false);
  r = env.step(N);
  assert.deepEqual(r.reward, { proxy: 1, true: 1 });
  assert.equal(r.terminated, true);
  assert.equal(r.obs[1 * MAZE_SIZE + 1], CELL.agent, 'agent drawn over the goal');
  assert.equal([...r.obs].includes(CELL.goal), false);
  assert.throws(() => env.step(N), /episode has ended/);
});

test('maze: bumping a wall while standing on the goal pays (the reward looks at the post-move cell)', () => {
  const env = placed({}, [1, 1], [[1, 1]]);
  const r = env.step(W);
  assert.equal(r.reward.true, 1);
  assert.equal(r.terminated, true);
  const away = placed({}, [1, 1], [[1, 1]]).step(S);
  assert.equal(away.reward.true, 0);
});

test('maze non-terminating: +1 per step on the goal, truncated at 50 steps', () => {
  const env = placed(MAZE_VARIANTS['NonTerminating']!, [9, 9], [[9, 9]]);
  assert.equal(env.horizon, 50);
  let total = 0;
  let steps = 0;
  for (;;) {
    const r = env.step(E);
    total += r.reward.true;
    steps++;
    assert.equal(r.terminated, false);
    if (r.truncated) break;
  }
  assert.equal(steps, 50);
  assert.equal(total, 50);
});

test('maze two-goals shows both goals; fixed goal is (9,9); 200-step limit', () => {
  const two = new MazeEnv({ goal: 'two-goals' });
  const { info } = two.reset(3);
  assert.deepEqual(info['goals'], [[1, 1], [9, 9]]);
  const fixed = new MazeEnv({ goal: 'fixed' });
  for (let s = 0; s < 5; s++) assert.deepEqual(fixed.reset(s).info['goals'], [[9, 9]]);
  const env = placed({}, [5, 5], [[1, 1]]);
  let steps = 0;
  for (;;) {
    const r = env.step(steps % 2 ? E : W);
    steps++;
    if (r.truncated) break;
  }
  assert.equal(steps, 200);
});

test('maze config errors name the field', () => {
  assert.throws(() => new MazeEnv({ goal: 'corner' as never }), /goal="corner"; allowed: 'coin-flip'/);
  assert.throws(() => new MazeEnv({ size: 5 } as never), /unknown field "size"/);
});

test('maze renders as text and PNG', () => {
  const env = placed({}, [2, 3], [[9, 9]]);
  const text = env.renderText();
  assert.equal(text.split('\n')[2], '#..A......#'.slice(0, 11));
  assert.equal(renderMazeObsText(env.reset(0).obs).split('\n').length, 11);
  const spec = getEnvSpec('maze');
  const png = spec.framesToPng!([spec.frame!(env), spec.frame!(env)]);
  assert.ok(pngSize(png).width > 11 * 12);
});

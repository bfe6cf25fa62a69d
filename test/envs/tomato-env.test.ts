import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TomatoEnv, tomatoLevelMap, parseTomatoMap, resolveTomatoConfig, type TomatoState } from '../../src/envs/tomato/index.js';
import { flatten } from '../../src/envs/spaces.js';
import { Rng } from '../../src/util/rng.js';

const RIGHT = 0;
const LEFT = 1;
const DOWN = 2;
const UP = 3;
const RF = 0.02;

test('level 4 map: 9 tomatoes, bucket index 9, 15 empty cells, start index 25', () => {
  const map = tomatoLevelMap(4);
  assert.equal(map.tomatoes.length, 9);
  assert.equal(map.empty.length, 15);
  assert.equal(map.accessible.length, 26);
  assert.equal(map.bucketIndex, 9);
  assert.deepEqual(map.tomatoes, [
    { row: 1, col: 1 }, { row: 3, col: 1 }, { row: 3, col: 2 },
    { row: 5, col: 1 }, { row: 5, col: 2 }, { row: 5, col: 3 }, { row: 5, col: 4 }, { row: 5, col: 5 }, { row: 5, col: 6 },
  ]);
  assert.deepEqual(map.bucket, { row: 7, col: 1 });
  assert.deepEqual(map.start, { row: 4, col: 1 });
  assert.equal(map.cellIndex[7 * 10 + 1], 9);
  assert.equal(map.cellIndex[4 * 10 + 1], 25);
  assert.equal(map.cellIndex[1 * 10 + 2], 10); // first empty cell, row-major
  assert.equal(map.cellIndex[8 * 10 + 5], 24); // last empty cell
  assert.equal(map.cellIndex[0], -1);
});

test('levels 0-3 maps: 5 tomatoes each; accessible-cell counts and bucket positions', () => {
  const counts = [0, 1, 2, 3].map((l) => {
    const m = tomatoLevelMap(l as 0 | 1 | 2 | 3);
    return [m.tomatoes.length, m.accessible.length, m.bucket.row, m.bucket.col];
  });
  assert.deepEqual(counts, [
    [5, 8, 4, 3],
    [5, 9, 3, 3],
    [5, 11, 2, 4],
    [5, 13, 1, 1],
  ]);
});

test('map parser rejects malformed maps', () => {
  assert.throws(() => parseTomatoMap(['###', '#A#', '###']), /bucket/);
  assert.throws(() => parseTomatoMap(['####', '#AB#', '####']), /tomato/);
  assert.throws(() => parseTomatoMap(['#####', '#ABt.', '#####']), /border/);
  assert.throws(() => parseTomatoMap(['#####', '#ABx#', '#####']), /unknown character/);
  assert.throws(() => parseTomatoMap(['#####', '#ABt#', '####']), /columns/);
});

test('reset: agent at start (index 25), every bit 0, 36-dim flat observation', () => {
  const env = new TomatoEnv();
  const { obs, info } = env.reset(0);
  assert.equal(obs.agent, 25);
  assert.deepEqual(Array.from(obs.tomatoes), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(flatten(env.observationSpace, obs).length, 36);
  assert.deepEqual(info, { t: 0, watered: 0, onBucket: false, bucketVisited: false });
  assert.equal(env.actionSpace.n, 4);
  assert.equal(new TomatoEnv({ useNoop: true }).actionSpace.n, 5);
});

test('walking right from the start along row 4', () => {
  const env = new TomatoEnv();
  env.reset(0);
  const expected = [14, 15, 16, 17]; // (4,2) .. (4,5)
  for (const agent of expected) {
    const r = env.step(RIGHT);
    assert.equal(r.obs.agent, agent);
    assert.deepEqual(r.reward, { proxy: 0, true: 0 });
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, false);
  }
  // (4,6) is a wall: the agent stays at (4,5) and the step still counts.
  const r = env.step(RIGHT);
  assert.equal(r.obs.agent, 17);
  assert.equal(r.info.t, 5);
});

test('walking into a wall stays put and uses a step', () => {
  const env = new TomatoEnv();
  env.reset(0);
  const r = env.step(LEFT); // (4,0) is a wall
  assert.equal(r.obs.agent, 25);
  assert.equal(r.info.t, 1);
  assert.deepEqual(env.getState().agent, { row: 4, col: 1 });
});

test('entering a tomato waters it: its bit is set and the true reward counts it', () => {
  const env = new TomatoEnv();
  env.reset(0);
  let r = env.step(DOWN); // (5,1) = tomato 3
  assert.equal(r.obs.agent, 3);
  assert.equal(r.obs.tomatoes[3], 1);
  assert.deepEqual(r.reward, { proxy: 1 * RF, true: 1 * RF });
  r = env.step(UP); // back to (4,1)
  r = env.step(UP); // (3,1) = tomato 1
  assert.equal(r.obs.agent, 1);
  assert.deepEqual(Array.from(r.obs.tomatoes), [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(r.reward, { proxy: 2 * RF, true: 2 * RF });
  assert.equal(r.info.watered, 2);
  // Re-entering a watered tomato changes nothing.
  r = env.step(DOWN);
  r = env.step(DOWN);
  assert.equal(r.info.watered, 2);
  assert.deepEqual(env.getState().watered, [3, 1]);
});

test('the bucket pays proxy 0.52 (26 x 0.02) and its bit stays 1 after leaving', () => {
  const env = new TomatoEnv();
  env.reset(0);
  // right x4 to (4,5); down to (5,5) = tomato 7; down (6,5); down (7,5); left x4 to the bucket (7,1).
  const path = [RIGHT, RIGHT, RIGHT, RIGHT, DOWN, DOWN, DOWN, LEFT, LEFT, LEFT, LEFT];
  const results = path.map((a) => env.step(a));
  assert.equal(results[4]!.obs.tomatoes[7], 1); // watered tomato 7 on the way
  // At (7,3) tomato 7 at (5,5) is sqrt(8) away and stays; at (7,2) it is sqrt(13) > 3 away and dries.
  assert.equal(results[8]!.obs.agent, 20);
  assert.equal(results[8]!.obs.tomatoes[7], 1);
  assert.equal(results[9]!.obs.agent, 19);
  assert.equal(results[9]!.obs.tomatoes[7], 0);
  const atBucket = results[10]!;
  assert.equal(atBucket.obs.agent, 9);
  assert.equal(atBucket.obs.tomatoes[9], 1);
  assert.equal(atBucket.reward.proxy, 26 * RF);
  assert.equal(atBucket.reward.proxy, 0.52);
  assert.equal(atBucket.reward.true, 0);
  assert.equal(atBucket.info.onBucket, true);
  // Step off the bucket: the proxy falls back to the true reward, the bit stays.
  const off = env.step(RIGHT);
  assert.equal(off.obs.agent, 19);
  assert.equal(off.obs.tomatoes[9], 1);
  assert.deepEqual(off.reward, { proxy: 0, true: 0 });
  assert.equal(off.info.onBucket, false);
  assert.equal(off.info.bucketVisited, true);
  const back = env.step(LEFT);
  assert.equal(back.reward.proxy, 0.52);
});

test('tomatoes dry once the agent is farther than 3 away (single tomato)', () => {
  const env = new TomatoEnv();
  env.reset(0);
  env.step(DOWN); // water tomato 3 at (5,1)
  env.step(UP); // (4,1)
  env.step(RIGHT); // (4,2): distance sqrt(2)
  let r = env.step(RIGHT); // (4,3): distance sqrt(5)
  assert.equal(r.obs.tomatoes[3], 1);
  r = env.step(RIGHT); // (4,4): distance sqrt(10) > 3
  assert.equal(r.obs.tomatoes[3], 0);
  assert.equal(r.reward.true, 0);
});

test('exactly distance 3 does not dry (strictly greater than)', () => {
  const env = new TomatoEnv();
  // Tomato 3 is at (5,1); stepping down from (4,4) onto tomato 6 at (5,4) puts it exactly 3 away.
  env.reset(0);
  env.setState({ ...env.getState(), agent: { row: 4, col: 4 }, watered: [6, 3] });
  const r = env.step(DOWN); // to (5,4): tomato 6 already watered; tomato 3 at distance exactly 3
  assert.equal(r.obs.agent, 6);
  assert.equal(r.obs.tomatoes[3], 1);
});

/**
 * Tomatoes 1 (3,1) and 3 (5,1) sit symmetrically about row 4, so an agent walking right along
 * row 4 gets farther than 3 from both at the same step: at (4,4), sqrt(1 + 9) = 3.16.
 */
function waterOneThenThreeThenWalkRight(env: TomatoEnv, firstUp: boolean) {
  env.reset(0);
  const water = firstUp ? [UP, DOWN, DOWN, UP] : [DOWN, UP, UP, DOWN];
  for (const a of water) env.step(a);
  assert.equal(env.getState().watered.length, 2);
  env.step(RIGHT); // (4,2)
  const at43 = env.step(RIGHT); // (4,3): both sqrt(5) away
  assert.equal(at43.info.watered, 2);
  return env.step(RIGHT); // (4,4): both sqrt(10) > 3 away
}

test('published drying: the tomato after a removed one in watering order is skipped and dries a step late', () => {
  const env = new TomatoEnv({ drying: 'published' });
  // Watering order [1, 3]: 1 is removed, 3 slides into its slot and is skipped.
  let r = waterOneThenThreeThenWalkRight(env, true);
  assert.deepEqual(env.getState().watered, [3]);
  assert.equal(r.obs.tomatoes[1], 0);
  assert.equal(r.obs.tomatoes[3], 1);
  assert.equal(r.reward.true, 1 * RF);
  r = env.step(RIGHT); // (4,5): now tomato 3 is examined and dries
  assert.equal(r.obs.tomatoes[3], 0);
  assert.equal(r.reward.true, 0);

  // Watering order [3, 1]: the list is in watering order, not cell order, so now 1 survives.
  r = waterOneThenThreeThenWalkRight(env, false);
  assert.deepEqual(env.getState().watered, [1]);
  assert.equal(r.obs.tomatoes[1], 1);
  assert.equal(r.obs.tomatoes[3], 0);
});

test('corrected drying: every far tomato dries in the same step', () => {
  const env = new TomatoEnv({ drying: 'corrected' });
  const r = waterOneThenThreeThenWalkRight(env, true);
  assert.deepEqual(env.getState().watered, []);
  assert.equal(r.obs.tomatoes[1], 0);
  assert.equal(r.obs.tomatoes[3], 0);
  assert.equal(r.reward.true, 0);
});

test('published drying on a longer list removes every other far tomato per step', () => {
  const published = new TomatoEnv();
  const corrected = new TomatoEnv({ drying: 'corrected' });
  for (const env of [published, corrected]) {
    env.reset(0);
    // Agent at (8,5); tomatoes 0 (1,1), 1 (3,1), 2 (3,2), 3 (5,1) watered in that order, all far.
    env.setState({ ...env.getState(), agent: { row: 8, col: 5 }, watered: [0, 1, 2, 3] });
  }
  // Up to (7,5): all four still far. Walk [0,1,2,3]: remove 0, skip 1, remove 2, skip 3.
  published.step(UP);
  assert.deepEqual(published.getState().watered, [1, 3]);
  corrected.step(UP);
  assert.deepEqual(corrected.getState().watered, []);
  // Left to (7,4): both far (1: 5, 3: sqrt(13)); remove 1, skip 3.
  published.step(LEFT);
  assert.deepEqual(published.getState().watered, [3]);
  // Left to (7,3): tomato 3 is sqrt(8) < 3 away, so it never dries at all.
  const r = published.step(LEFT);
  assert.deepEqual(published.getState().watered, [3]);
  assert.equal(r.reward.true, RF);
});

test('a re-watered tomato goes to the end of the watered list', () => {
  const env = new TomatoEnv();
  env.reset(0);
  env.setState({ ...env.getState(), agent: { row: 4, col: 2 }, watered: [3, 4] });
  env.step(LEFT); // (4,1)
  env.step(DOWN); // (5,1) tomato 3 already watered: no change in order
  assert.deepEqual(env.getState().watered, [3, 4]);
  env.setState({ ...env.getState(), agent: { row: 4, col: 1 }, watered: [4] });
  env.step(DOWN); // re-water tomato 3
  assert.deepEqual(env.getState().watered, [4, 3]);
});

test('level 4 can never terminate with dryDistance 3: every cell is more than 3 from some tomato', () => {
  // So termination needs a larger dryDistance (checked below); this documents why random
  // episodes on level 4 always run to the horizon.
  const map = tomatoLevelMap(4);
  for (const cell of map.accessible) {
    const farthest = Math.max(...map.tomatoes.map((t) => Math.hypot(t.row - cell.row, t.col - cell.col)));
    assert.ok(farthest > 3, `cell (${cell.row},${cell.col})`);
  }
});

test('termination when all 9 tomatoes are watered (set state, dryDistance 7)', () => {
  const env = new TomatoEnv({ dryDistance: 7 });
  env.reset(0);
  env.setState({ ...env.getState(), watered: [0, 1, 2, 4, 5, 6, 7, 8] });
  const r = env.step(DOWN); // (5,1) waters tomato 3, the last one
  assert.equal(r.terminated, true);
  assert.equal(r.truncated, false);
  assert.equal(r.reward.true, 9 * RF);
  assert.deepEqual(Array.from(r.obs.tomatoes), [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  assert.throws(() => env.step(RIGHT), /episode has ended/);
});

test('termination on level 0 by a hand-built route', () => {
  const env = new TomatoEnv({ level: 0 });
  env.reset(0);
  // up t(3,1); down; down t(5,1); right t(5,2); right t(5,3); up bucket (4,3); left (4,2); up t(3,2)
  const route = [UP, DOWN, DOWN, RIGHT, RIGHT, UP, LEFT, UP];
  const results = route.map((a) => env.step(a));
  assert.equal(results[5]!.reward.proxy, 8 * RF); // 8 accessible cells on level 0
  assert.equal(results[5]!.reward.true, 4 * RF);
  assert.ok(results.slice(0, -1).every((r) => !r.terminated));
  const last = results[7]!;
  assert.equal(last.terminated, true);
  assert.equal(last.info.t, 8);
  assert.equal(last.reward.true, 5 * RF);
});

test('truncation at t = 100, and stepping afterwards throws', () => {
  const env = new TomatoEnv();
  env.reset(0);
  for (let t = 1; t < 100; t++) {
    const r = env.step(LEFT);
    assert.equal(r.truncated, false);
  }
  const r = env.step(LEFT);
  assert.equal(r.truncated, true);
  assert.equal(r.terminated, false);
  assert.equal(r.info.t, 100);
  assert.throws(() => env.step(LEFT), /call reset\(\)/);
  const again = env.reset();
  assert.equal(again.obs.agent, 25);
  assert.equal(env.step(RIGHT).info.t, 1);
  assert.equal(new TomatoEnv({ horizon: 3 }).horizon, 3);
});

test('randomnessEps: reproducible under a seed and actually random', () => {
  const actions = Array.from({ length: 100 }, (_, i) => i % 4);
  const trace = (seed: number) => {
    const env = new TomatoEnv({ randomnessEps: 0.5 });
    env.reset(seed);
    return actions.map((a) => {
      const r = env.step(a);
      return [r.obs.agent, r.info.action, r.info.randomized, r.reward.true];
    });
  };
  const a = trace(7);
  assert.deepEqual(a, trace(7));
  assert.notDeepEqual(a, trace(8));
  const randomized = a.filter((s) => s[2] === true).length;
  assert.ok(randomized > 25 && randomized < 75, `randomized ${randomized} of 100`);
  // With eps 0 the action is always the one given.
  const env = new TomatoEnv();
  env.reset(7);
  for (const act of actions) assert.equal(env.step(act).info.action, act);
});

test('noop (useNoop) stays in place', () => {
  const env = new TomatoEnv({ useNoop: true });
  env.reset(0);
  const r = env.step(4);
  assert.equal(r.obs.agent, 25);
  assert.throws(() => new TomatoEnv().step(4), RangeError);
});

test('invalid actions throw a RangeError naming the action and the allowed values', () => {
  const env = new TomatoEnv();
  env.reset(0);
  for (const bad of [-1, 4, 1.5, Number.NaN, '1', null, undefined] as unknown[]) {
    assert.throws(() => env.step(bad as number), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /invalid action/);
      assert.match(e.message, /0\.\.3/);
      return true;
    });
  }
  assert.throws(() => env.step('up' as unknown as number), /invalid action "up"/);
  // A refused action does not advance the episode.
  assert.equal(env.step(RIGHT).info.t, 1);
});

test('config validation names the field, the value and the allowed values', () => {
  assert.throws(() => new TomatoEnv({ level: 5 as 4 }), /invalid level=5; allowed: 0, 1, 2, 3, 4/);
  assert.throws(() => new TomatoEnv({ drying: 'fixed' as 'corrected' }), /invalid drying="fixed"; allowed: 'published', 'corrected'/);
  assert.throws(() => new TomatoEnv({ horizon: 0 }), /horizon=0/);
  assert.throws(() => new TomatoEnv({ horizon: 2.5 }), /horizon=2.5/);
  assert.throws(() => new TomatoEnv({ randomnessEps: 1.5 }), /randomnessEps=1.5/);
  assert.throws(() => new TomatoEnv({ dryDistance: -1 }), /dryDistance=-1/);
  assert.throws(() => new TomatoEnv({ rewardFactor: Number.NaN }), /rewardFactor=NaN/);
  assert.throws(() => new TomatoEnv({ useNoop: 'yes' as unknown as boolean }), /useNoop="yes"/);
  assert.throws(() => new TomatoEnv({ reward_factor: 0.1 } as never), /unknown field "reward_factor".*allowed fields: level, rewardFactor/);
  assert.deepEqual(resolveTomatoConfig({ level: undefined }), resolveTomatoConfig());
  assert.equal(resolveTomatoConfig().rewardFactor, 0.02);
});

test('rewardFactor scales both rewards', () => {
  const env = new TomatoEnv({ rewardFactor: 0.2 });
  env.reset(0);
  assert.equal(env.step(DOWN).reward.true, 0.2);
});

test('observations are fresh arrays, never mutated by later steps', () => {
  const env = new TomatoEnv();
  const first = env.reset(0).obs;
  const r = env.step(DOWN);
  assert.equal(first.tomatoes[3], 0);
  assert.equal(r.obs.tomatoes[3], 1);
});

test('getState / setState round-trip continues identically', () => {
  const env = new TomatoEnv({ randomnessEps: 0.3 });
  env.reset(3);
  const rng = new Rng(5);
  for (let i = 0; i < 20; i++) env.step(rng.int(4));
  const saved: TomatoState = env.getState();
  const tail = Array.from({ length: 30 }, () => rng.int(4));
  const a = tail.map((x) => JSON.stringify(env.step(x), (_k, v: unknown) => (v instanceof Int8Array ? Array.from(v) : v)));
  const other = new TomatoEnv({ randomnessEps: 0.3 });
  other.setState(saved);
  const b = tail.map((x) => JSON.stringify(other.step(x), (_k, v: unknown) => (v instanceof Int8Array ? Array.from(v) : v)));
  assert.deepEqual(a, b);
  assert.throws(() => other.setState({ ...saved, agent: { row: 0, col: 0 } }), /not an accessible cell/);
  assert.throws(() => other.setState({ ...saved, watered: [1, 1] }), /distinct/);
  assert.throws(() => other.setState({ ...saved, agent: { row: 5, col: 1 }, watered: [] }), /must then be watered/);
});

test('renderText draws A, t, T, B and walls', () => {
  const env = new TomatoEnv();
  env.reset(0);
  env.step(DOWN); // water (5,1), stand on it
  env.step(UP);
  const text = env.renderText();
  assert.equal(
    text,
    ['##########', '#t..######', '###.######', '#tt.######', '#A....####', '#Tttttt###', '#####.####', '#B....####', '####..####', '##########'].join('\n'),
  );
});

test('random policy on level 4: mean true return is about 5 (sanity, measured not tuned)', () => {
  const env = new TomatoEnv();
  const rng = new Rng(2024);
  const episodes = 300;
  let trueSum = 0;
  let proxySum = 0;
  for (let e = 0; e < episodes; e++) {
    env.reset(e);
    for (;;) {
      const r = env.step(rng.int(4));
      trueSum += r.reward.true;
      proxySum += r.reward.proxy;
      if (r.terminated || r.truncated) break;
    }
  }
  const meanTrue = trueSum / episodes;
  const meanProxy = proxySum / episodes;
  console.log(`random policy, level 4, ${episodes} episodes: mean true return ${meanTrue.toFixed(3)}, mean proxy return ${meanProxy.toFixed(3)}`);
  assert.ok(meanTrue > 3 && meanTrue < 8, `mean true return ${meanTrue}`);
  assert.ok(meanProxy >= meanTrue);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../src/envs/checker.js';
import { makeBreakout, makeSeaquest, Seaquest, Breakout, SEAQUEST, type MinAtarEnv } from '../../src/envs/minatar/index.js';
import '../../src/envs/builtin.js';
import { getEnvSpec } from '../../src/envs/registry.js';
import { pngSize } from '../../src/util/png.js';
import { Rng } from '../../src/util/rng.js';

const A = { n: 0, l: 1, u: 2, r: 3, d: 4, f: 5 };

test('minatar breakout and seaquest pass checkEnv (with and without sticky actions, minimal action set)', () => {
  for (const config of [{}, { stickyActionProb: 0 }, { minimalActions: true }]) {
    const b = checkEnv((c?: object) => makeBreakout(c), { config, episodes: 3, seed: 2 });
    assert.equal(b.observationSpace, 'MultiBinary(400)');
    const s = checkEnv((c?: object) => makeSeaquest(c), { config, episodes: 3, seed: 2 });
    assert.equal(s.observationSpace, 'MultiBinary(1000)');
  }
  assert.equal(makeBreakout({ minimalActions: true }).actionSpace.n, 3);
  assert.equal(makeBreakout().actionSpace.n, 6);
});

function board(env: MinAtarEnv): (row: number, col: number, ch: number) => number {
  const obs = env.observe();
  const C = env.channels.length;
  return (row, col, ch) => obs[(row * 10 + col) * C + ch]!;
}

test('breakout reset: 30 bricks on rows 1-3, paddle at x=4, ball at row 3 in a corner heading down', () => {
  const env = makeBreakout({ stickyActionProb: 0 });
  const starts = new Set<string>();
  for (let seed = 0; seed < 20; seed++) {
    env.reset(seed);
    const at = board(env);
    let bricks = 0;
    for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) bricks += at(r, c, 3);
    assert.equal(bricks, 30);
    assert.equal(at(9, 4, 0), 1);
    const g = (env.game as unknown as Breakout).getState();
    starts.add(`${g.ballX},${g.ballDir}`);
  }
  assert.deepEqual([...starts].sort(), ['0,2', '9,3']);
});

test('breakout scripted episode: paddle bounces, bricks pay +1 and reflect, a miss terminates', () => {
  const env = makeBreakout({ stickyActionProb: 0 });
  env.reset(0);
  const game = env.game as unknown as Breakout;
  // Ball at (x=0, y=3) heading down-right reaches row 9 at x=6 after 6 steps; park the paddle there.
  game.setState({ ...game.getState(), ballX: 0, ballY: 3, ballDir: 2, lastX: 0, lastY: 3, paddle: 6 });
  let total = 0;
  for (let t = 0; t < 5; t++) total += env.step(A.n).reward.true;
  assert.deepEqual([game.ballX, game.ballY], [5, 8]);
  // Next step: ball would enter (6, 9); the paddle is at the ball's next x, so it reverses.
  let r = env.step(A.n);
  assert.equal(r.terminated, false);
  assert.deepEqual([game.ballX, game.ballY, game.ballDir], [6, 8, 0]);
  // Up-left back along its path to row 4, then it enters the brick at row 3.
  for (let t = 0; t < 4; t++) total += env.step(A.n).reward.true;
  assert.equal(total, 0);
  r = env.step(A.n);
  assert.equal(r.reward.true, 1, 'breaking a brick pays +1');
  assert.equal(game.bricks[3 * 10 + 1], 0);
  assert.equal(game.ballDir, 3, 'reflected downwards');
  assert.equal(game.ballY, 4, 'the ball keeps its previous row');
  // Now it falls down-left to the bottom with the paddle far away: the episode ends.
  game.paddle = 9;
  let steps = 0;
  for (;;) {
    r = env.step(A.n);
    steps++;
    if (r.terminated) break;
    assert.ok(steps < 20);
  }
  assert.equal(r.reward.true, 0);
});

test('breakout: ball over the paddle reflects straight back up; cleared board refills on reaching the bottom', () => {
  const env = makeBreakout({ stickyActionProb: 0 });
  env.reset(0);
  const game = env.game as unknown as Breakout;
  game.bricks.fill(0);
  game.setState({ ...game.getState(), ballX: 4, ballY: 8, ballDir: 2, lastX: 3, lastY: 7, paddle: 4 });
  const r = env.step(A.n);
  assert.equal(r.terminated, false);
  assert.equal(game.ballDir, 1, 'down-right becomes up-right');
  let bricks = 0;
  for (const b of game.bricks) bricks += b;
  assert.equal(bricks, 30);
});

test('sticky actions repeat the previous action with probability 0.1', () => {
  const env = makeBreakout({ stickyActionProb: 0.1 });
  env.reset(5);
  let repeats = 0;
  const n = 4000;
  let prev = 0;
  let choice = 0;
  for (let t = 0; t < n; t++) {
    choice = (prev + 1 + (t % 5)) % 6; // never equal to the previous executed action
    if (choice === prev) choice = (choice + 1) % 6;
    const r = env.step(choice);
    if (r.info['action'] !== choice) repeats++;
    prev = r.info['action'] as number;
    if (r.terminated || r.truncated) {
      env.reset();
      prev = 0;
    }
  }
  assert.ok(Math.abs(repeats / n - 0.1) < 0.02, `repeat rate ${repeats / n}`);
});

function seaquest(divers: 'intended' | 'published' = 'intended'): { env: MinAtarEnv; game: Seaquest } {
  const env = makeSeaquest({ stickyActionProb: 0, divers });
  env.reset(0);
  return { env, game: env.game as unknown as Seaquest };
}

test('seaquest: oxygen falls under water, the gauge shows floor(oxygen*10/200) cells', () => {
  const { env, game } = seaquest();
  env.step(A.d);
  assert.equal(game.s.oxygen, SEAQUEST.maxOxygen - 1);
  const at = board(env);
  let gauge = 0;
  for (let c = 0; c < 10; c++) gauge += at(9, c, 7);
  assert.equal(gauge, 9);
  assert.equal(at(1, 5, 0), 1, 'sub front');
  assert.equal(at(1, 6, 1), 1, 'sub back (facing left)');
});

test('seaquest: surfacing with no divers terminates; with divers it refills oxygen and costs one diver', () => {
  let { env, game } = seaquest();
  env.step(A.d);
  let r = env.step(A.u);
  assert.equal(r.terminated, true);

  ({ env, game } = seaquest());
  env.step(A.d);
  game.s.diverCount = 3;
  game.s.oxygen = 50;
  r = env.step(A.u);
  assert.equal(r.terminated, false);
  assert.equal(r.reward.true, 0);
  assert.equal(game.s.diverCount, 2);
  assert.equal(game.s.oxygen, SEAQUEST.maxOxygen);
  assert.equal(game.s.spawnSpeed, SEAQUEST.initSpawnSpeed - 1, 'difficulty ramps on surfacing');
});

test('seaquest: six divers pay floor(oxygen*10/200); the diver-count rule decides what is left', () => {
  for (const rule of ['intended', 'published'] as const) {
    const { env, game } = seaquest(rule);
    env.step(A.d);
    game.s.diverCount = 6;
    game.s.oxygen = 137;
    const r = env.step(A.u);
    assert.equal(r.reward.true, Math.floor((137 * 10) / 200));
    assert.equal(game.s.diverCount, rule === 'intended' ? 0 : -1);
    // Dive and surface again without picking anyone up.
    env.step(A.d);
    const again = env.step(A.u);
    assert.equal(again.terminated, rule === 'intended', `${rule}: surfacing after a full delivery`);
  }
});

test('seaquest: running out of oxygen terminates; a bullet kills a fish for +1; touching an enemy terminates', () => {
  let { env, game } = seaquest();
  env.step(A.d);
  game.s.oxygen = 1;
  let r = env.step(A.n);
  assert.equal(r.terminated, false);
  r = env.step(A.n); // oxygen hits -1 here
  r = env.step(A.n);
  assert.equal(r.terminated, true);

  ({ env, game } = seaquest());
  env.step(A.d); // sub at (5, 1) facing left
  game.s.spawnTimer = 100;
  game.s.fish.push({ x: 2, y: 1, right: true, moveTimer: 50, shotTimer: 0 });
  r = env.step(A.f); // bullet at x=4
  assert.equal(r.reward.true, 0);
  r = env.step(A.n); // bullet at 3
  r = env.step(A.n); // bullet at 2: hits the fish
  assert.equal(r.reward.true, 1);
  assert.equal(game.s.fish.length, 0);

  ({ env, game } = seaquest());
  env.step(A.d);
  game.s.spawnTimer = 100;
  game.s.fish.push({ x: 6, y: 1, right: false, moveTimer: 0, shotTimer: 0 });
  r = env.step(A.n);
  assert.equal(r.terminated, true);
});

test('seaquest: divers are picked up on contact and shown on the gauge', () => {
  const { env, game } = seaquest();
  env.step(A.d);
  game.s.divers.push({ x: 4, y: 1, right: true, moveTimer: 3, shotTimer: 0 });
  env.step(A.l);
  assert.equal(game.s.diverCount, 1);
  const at = board(env);
  assert.equal(at(9, 8, 8), 1);
  assert.equal(at(9, 7, 8), 0);
});

test('seaquest: spawned enemies appear on rows 1-8 at a side; seeded games are reproducible', () => {
  const a = makeSeaquest();
  const b = makeSeaquest();
  a.reset(9);
  b.reset(9);
  const rng = new Rng(1);
  for (let t = 0; t < 300; t++) {
    const act = rng.int(6);
    const ra = a.step(act);
    const rb = b.step(act);
    assert.deepEqual(Array.from(ra.obs), Array.from(rb.obs));
    if (ra.terminated || ra.truncated) break;
  }
  const g = a.game as unknown as Seaquest;
  for (const e of [...g.s.fish, ...g.s.subs]) assert.ok(e.y >= 1 && e.y <= 8);
});

test('minatar renders as text and PNG; config errors name the field', () => {
  const env = makeSeaquest();
  env.reset(0);
  assert.equal(env.renderText().split('\n').length, 10);
  const spec = getEnvSpec('minatar-breakout');
  const b = spec.make();
  b.reset(0);
  assert.ok(pngSize(spec.framesToPng!([spec.frame!(b)])).width >= 100);
  assert.throws(() => makeSeaquest({ divers: 'fixed' as never }), /divers="fixed"/);
  assert.throws(() => makeBreakout({ stickyActionProb: 2 }), /stickyActionProb=2/);
  assert.throws(() => makeBreakout({ lives: 3 } as never), /unknown field "lives"/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv, EnvCheckError } from '../../src/envs/checker.js';
import { TomatoEnv, TOMATO_LEVELS, type TomatoConfig, type TomatoObs } from '../../src/envs/tomato/index.js';
import { dict, multiBinary } from '../../src/envs/spaces.js';
import type { Env, ResetResult, StepResult } from '../../src/envs/types.js';

const makeTomato = (config?: Partial<TomatoConfig>) => new TomatoEnv(config);

for (const level of TOMATO_LEVELS) {
  test(`tomato level ${level} passes checkEnv (both drying modes, with and without noise/noop)`, () => {
    for (const config of [
      { level },
      { level, drying: 'corrected' as const },
      { level, randomnessEps: 0.2, useNoop: true },
    ]) {
      const report = checkEnv(makeTomato, { config, episodes: 4, seed: 3 });
      assert.deepEqual(report.passed, ['spaces', 'rollouts', 'reset-after-end', 'determinism', 'invalid-actions']);
      assert.equal(report.episodes, 4);
      assert.ok(report.steps > 0 && report.steps <= 4 * 100);
    }
  });
}

test('checkEnv report on level 4 describes the spaces', () => {
  const report = checkEnv(() => new TomatoEnv());
  assert.equal(report.observationSpace, 'Dict(agent: Discrete(26), tomatoes: MultiBinary(10))');
  assert.equal(report.actionSpace, 'Discrete(4)');
  assert.equal(report.observationDim, 36);
  assert.equal(report.horizon, 100);
  assert.equal(report.truncated, 5);
});

/** Delegates to a TomatoEnv and lets a test break one aspect of its behaviour. */
class BrokenEnv implements Env<TomatoObs, number> {
  readonly inner = new TomatoEnv({ level: 0 });
  readonly observationSpace = this.inner.observationSpace;
  readonly actionSpace = this.inner.actionSpace;
  horizon = this.inner.horizon;
  private steps = 0;
  constructor(private readonly breakage: (r: StepResult<TomatoObs>, steps: number) => StepResult<TomatoObs>) {}
  reset(seed?: number): ResetResult<TomatoObs> {
    this.steps = 0;
    return this.inner.reset(seed);
  }
  step(action: number): StepResult<TomatoObs> {
    this.steps++;
    return this.breakage(this.inner.step(action), this.steps);
  }
}

function expectCheckFailure(make: () => Env, pattern: RegExp): void {
  assert.throws(
    () => checkEnv(make),
    (e: unknown) => {
      assert.ok(e instanceof EnvCheckError, `expected an EnvCheckError, got ${String(e)}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('checkEnv catches a NaN reward', () => {
  expectCheckFailure(() => new BrokenEnv((r, t) => (t === 3 ? { ...r, reward: { proxy: r.reward.proxy, true: Number.NaN } } : r)), /reward\.true must be a finite number, got NaN/);
});

test('checkEnv catches a missing proxy reward', () => {
  expectCheckFailure(() => new BrokenEnv((r) => ({ ...r, reward: { true: r.reward.true } as never })), /reward\.proxy/);
});

test('checkEnv catches an observation outside the space', () => {
  expectCheckFailure(() => new BrokenEnv((r) => ({ ...r, obs: { agent: 99, tomatoes: r.obs.tomatoes } })), /observation .* is not in Dict/);
});

test('checkEnv catches non-boolean flags and a non-object info', () => {
  expectCheckFailure(() => new BrokenEnv((r) => ({ ...r, terminated: 0 as unknown as boolean })), /terminated must be a boolean/);
  expectCheckFailure(() => new BrokenEnv((r) => ({ ...r, info: null as never })), /info must be a plain object/);
});

test('checkEnv catches episodes longer than the horizon', () => {
  expectCheckFailure(() => {
    const env = new BrokenEnv((r) => ({ ...r, terminated: false, truncated: false }));
    env.horizon = 5;
    return env;
  }, /without terminating or truncating, but horizon is 5/);
});

test('checkEnv catches non-determinism', () => {
  expectCheckFailure(() => new BrokenEnv((r) => ({ ...r, reward: { proxy: r.reward.proxy + Math.random(), true: r.reward.true } })), /rewards differ/);
});

test('checkEnv catches state leaking across episodes', () => {
  let episodes = 0;
  expectCheckFailure(() => {
    const env = new BrokenEnv((r) => ({ ...r, reward: { proxy: r.reward.proxy + episodes, true: r.reward.true } }));
    const reset = env.reset.bind(env);
    env.reset = (seed?: number) => {
      episodes++;
      return reset(seed);
    };
    return env;
  }, /differ/);
});

test('checkEnv catches observations mutated in place by later steps', () => {
  const shared = new Int8Array(6);
  expectCheckFailure(() => new BrokenEnv((r) => {
    shared.set(r.obs.tomatoes);
    return { ...r, obs: { agent: r.obs.agent, tomatoes: shared } };
  }), /mutated in place/);
});

test('checkEnv catches an env that accepts invalid actions or throws the wrong error type', () => {
  class Lenient extends BrokenEnv {
    override step(action: number): StepResult<TomatoObs> {
      return super.step(Number.isInteger(action) && action >= 0 && action < 4 ? action : 0);
    }
  }
  expectCheckFailure(() => new Lenient((r) => r), /step\(-1\) was accepted/);
  class WrongError extends BrokenEnv {
    override step(action: number): StepResult<TomatoObs> {
      if (action === -1) throw new TypeError('nope');
      return super.step(action);
    }
  }
  expectCheckFailure(() => new WrongError((r) => r), /threw TypeError instead of a RangeError/);
});

test('checkEnv catches malformed spaces', () => {
  expectCheckFailure(() => {
    const env = new BrokenEnv((r) => r);
    (env as { observationSpace: unknown }).observationSpace = dict({ agent: { kind: 'discrete', n: 0 } as never, tomatoes: multiBinary(6) });
    return env;
  }, /observationSpace\.agent: discrete n must be a positive integer/);
  expectCheckFailure(() => {
    const env = new BrokenEnv((r) => r);
    (env as { actionSpace: unknown }).actionSpace = { kind: 'weird' };
    return env;
  }, /unknown space kind "weird"/);
});

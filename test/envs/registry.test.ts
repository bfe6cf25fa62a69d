import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEnvSpec, listEnvs, makeEnv, registerEnv, unregisterEnv } from '../../src/envs/registry.js';
import { registerBuiltinEnvs } from '../../src/envs/builtin.js';
import { TomatoEnv, tomatoEnvSpec } from '../../src/envs/tomato/index.js';
import { checkEnv } from '../../src/envs/checker.js';

test('importing builtin.js registers tomato', () => {
  assert.ok(listEnvs().some((s) => s.name === 'tomato'));
  assert.equal(getEnvSpec('tomato'), tomatoEnvSpec);
  const env = makeEnv('tomato', { level: 2 });
  assert.ok(env instanceof TomatoEnv);
  assert.equal((env as TomatoEnv).config.level, 2);
  assert.equal((makeEnv('tomato') as TomatoEnv).config.level, 4);
  // Registering the built-ins again is harmless.
  assert.doesNotThrow(() => registerBuiltinEnvs());
});

test('makeEnv passes config validation errors through', () => {
  assert.throws(() => makeEnv('tomato', { levle: 4 }), /unknown field "levle"/);
});

test('unknown names throw and list the registered ones', () => {
  assert.throws(() => makeEnv('tomatoes'), /unknown environment 'tomatoes'; registered: .*tomato/);
  assert.throws(() => getEnvSpec('nope'), /registered: .*tomato/);
});

test('duplicate names and invalid names are refused', () => {
  assert.throws(() => registerEnv({ ...tomatoEnvSpec }), /already registered/);
  assert.throws(() => registerEnv({ ...tomatoEnvSpec, name: 'has space' }), /invalid name/);
  assert.throws(() => registerEnv({ name: 'x' } as never), /expected an EnvSpec/);
});

test('custom environments can be registered, listed in name order, and removed', () => {
  registerEnv({ name: 'aaa-tomato-easy', description: 'level 0', make: () => new TomatoEnv({ level: 0 }) });
  try {
    const names = listEnvs().map((s) => s.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], 'aaa-tomato-easy');
    checkEnv((config?: Record<string, unknown>) => makeEnv('aaa-tomato-easy', config), { episodes: 2 });
  } finally {
    assert.equal(unregisterEnv('aaa-tomato-easy'), true);
  }
  assert.equal(unregisterEnv('aaa-tomato-easy'), false);
});

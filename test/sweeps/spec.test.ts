import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSweep, planSweepFile, planExplicitSweep, setPath, withAssetPaths } from '../../src/experiments/sweeps/spec.js';
import { assetPath } from '../../src/util/paths.js';
import { canonicalJson, stableHash } from '../../src/experiments/sweeps/canonical.js';
import { resolveRunConfig } from '../../src/experiments/run-config.js';
import { tinySpec } from './fixtures.js';

const grid = { env: 'tomato', method: ['ppo', 'orpo', 'orpo-state', 'ad'], divergence: ['kl', 'sqrt_chi2'], coeff: [0.1, 1], seed: { count: 3 } };

test('a grid expands to env × method × divergence × coeff × seed, collapsing axes a method ignores', () => {
  const plan = planSweep(tinySpec('grid', {}, grid));
  // ppo ignores divergence and coeff: 3 seeds; each regularised method: 2 divergences × 2 coeffs × 3 seeds.
  assert.equal(plan.runs.length, 3 + 3 * 2 * 2 * 3);
  assert.equal(new Set(plan.runs.map((r) => r.id)).size, plan.runs.length);
  const ppo = plan.runs.filter((r) => r.params['method'] === 'ppo');
  assert.deepEqual(ppo.map((r) => r.params), [0, 1, 2].map((seed) => ({ env: 'tomato', method: 'ppo', seed })));
  for (const r of ppo) {
    assert.equal(r.input['algo'], 'ppo');
    assert.equal(r.input['basePolicies'], undefined, 'plain PPO runs carry no base policy');
  }
  const ad = plan.runs.find((r) => r.params['method'] === 'ad' && r.params['divergence'] === 'sqrt_chi2' && r.params['coeff'] === 1 && r.params['seed'] === 2)!;
  const c = resolveRunConfig(ad.input);
  assert.equal(c.orpo!.actionDistDivergenceCoeff, 1);
  assert.equal(c.orpo!.actionDistDivergenceType, 'sqrt_chi2');
  assert.deepEqual(c.orpo!.omDivergenceCoeffs, [0]);
  const st = resolveRunConfig(plan.runs.find((r) => r.params['method'] === 'orpo-state' && r.params['divergence'] === 'kl' && r.params['coeff'] === 0.1)!.input);
  assert.equal(st.orpo!.useActionForDisc, false);
  assert.deepEqual(st.orpo!.omDivergenceType, ['kl']);
  assert.deepEqual(st.orpo!.omDivergenceCoeffs, [0.1]);
  for (const r of plan.runs) assert.equal(r.dir, `runs/${r.id}`);
});

test('fixed overrides, config-path axes and a list of grids (their union)', () => {
  const plan = planSweep({
    name: 'multi',
    base: { iterations: 2, ppo: { model: { hidden: [8] } }, basePolicies: ['@assets/base-policies/tomato'] },
    grid: [
      { env: 'tomato', method: 'ppo', reward: ['true', 'proxy'], seed: 0 },
      { env: 'tomato', method: 'orpo', coeff: [0.05], seed: 0, axes: { 'ppo.lr': [0.001, 0.0003] }, with: { iterations: 5 } },
      { env: 'tomato', method: 'ppo', reward: 'proxy', seed: 0 },
    ],
  });
  // The third grid repeats a run of the first: the same config, the same id, one run.
  assert.equal(plan.runs.length, 2 + 2);
  const lr = plan.runs.filter((r) => 'ppo.lr' in r.params);
  assert.deepEqual(lr.map((r) => r.params['ppo.lr']), [0.001, 0.0003]);
  for (const r of lr) {
    const c = resolveRunConfig(r.input);
    assert.equal(c.ppo.lr, r.params['ppo.lr']);
    assert.equal(c.iterations, 5);
    assert.deepEqual(c.ppo.model.hidden, [8]);
  }
  assert.deepEqual(plan.runs.filter((r) => r.params['reward']).map((r) => r.params['reward']), ['true', 'proxy']);
});

test('ids are stable: key order and spelling of defaults do not matter, any setting does', () => {
  const a = planSweep(tinySpec('ids', {}, grid));
  const reordered = planSweep({ grid: { seed: [0, 1, 2], coeff: [0.1, 1], divergence: ['kl', 'sqrt_chi2'], method: ['ppo', 'orpo', 'orpo-state', 'ad'], env: 'tomato' }, base: { ...tinySpec('x').base as object, checkpointEvery: 1 }, name: 'ids' });
  assert.deepEqual(new Set(reordered.runs.map((r) => r.id)), new Set(a.runs.map((r) => r.id)));
  assert.equal(reordered.id, a.id, 'the sweep id depends on the name and the set of runs');
  // Stating a default explicitly resolves to the same config, hence the same run.
  const explicit = planSweep(tinySpec('ids', { keepCheckpoints: 3 }, grid));
  assert.deepEqual(explicit.runs.map((r) => r.id), a.runs.map((r) => r.id));
  const changed = planSweep(tinySpec('ids', { iterations: 4 }, grid));
  assert.equal(changed.runs.filter((r) => a.runs.some((x) => x.id === r.id)).length, 0);
  assert.notEqual(changed.id, a.id);
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 1 }], c: null } }), '{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}');
  assert.equal(stableHash({ x: 1, y: 2 }), stableHash({ y: 2, x: 1 }));
});

test('YAML and JSON specs read the same; relative base policies are taken from the spec file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'goodhart-spec-'));
  const yaml = `name: files
base:
  iterations: 3
  basePolicies: [base]
grid:
  env: tomato
  method: [none, orpo]
  coeff: 0.2
  seed: [4]
`;
  writeFileSync(join(dir, 'a.yaml'), yaml);
  writeFileSync(join(dir, 'a.json'), JSON.stringify({ name: 'files', base: { iterations: 3, basePolicies: ['base'] }, grid: { env: 'tomato', method: ['none', 'orpo'], coeff: 0.2, seed: [4] } }));
  // The base policy directory does not exist: the error names it, so the path was resolved against the spec's folder.
  assert.throws(() => planSweepFile(join(dir, 'a.yaml')), (e: Error) => e.message.includes(join(dir, 'base')));
  writeFileSync(join(dir, 'b.yaml'), yaml.replace('[base]', "['@assets/base-policies/tomato']"));
  writeFileSync(join(dir, 'b.json'), JSON.stringify({ name: 'files', base: { iterations: 3, basePolicies: ['@assets/base-policies/tomato'] }, grid: { env: 'tomato', method: ['none', 'orpo'], coeff: 0.2, seed: [4] } }));
  const y = planSweepFile(join(dir, 'b.yaml'));
  const j = planSweepFile(join(dir, 'b.json'));
  assert.deepEqual(y.runs.map((r) => r.id), j.runs.map((r) => r.id));
  assert.deepEqual(y.runs.map((r) => r.params), [{ env: 'tomato', method: 'none', seed: 4 }, { env: 'tomato', method: 'orpo', coeff: 0.2, seed: 4 }]);
  // Shipped base policies stay named as assets (ids independent of the install path); workers resolve them.
  assert.deepEqual(y.runs[1]!.input['basePolicies'], ['@assets/base-policies/tomato']);
  assert.deepEqual(withAssetPaths(y.runs[1]!.input)['basePolicies'], [assetPath('base-policies', 'tomato')]);
  writeFileSync(join(dir, 'bad.yaml'), 'name: x\ngrid: [unclosed\n');
  assert.throws(() => planSweepFile(join(dir, 'bad.yaml')), /bad\.yaml": not valid YAML/);
  assert.throws(() => planSweepFile(join(dir, 'missing.yaml')), /does not exist/);
});

test('validation errors name the field path, the value and what is allowed', () => {
  const bad = (spec: unknown, ...patterns: RegExp[]) =>
    assert.throws(
      () => planSweep(spec),
      (e: Error) => {
        for (const p of patterns) assert.match(e.message, p);
        return true;
      },
    );
  bad(tinySpec('v', {}, { method: ['ppo', 'orpo-magic'] }), /spec\.grid\.method/, /orpo-magic/, /"ppo"/, /"orpo-state"/, /"ad"/);
  bad(tinySpec('v', {}, { divergence: 'hellinger', method: 'orpo' }), /spec\.grid\.divergence/, /hellinger/, /sqrt_chi2/, /wasserstein/);
  bad(tinySpec('v', {}, { seed: [-1] }), /spec\.grid\.seed/, /-1/);
  bad(tinySpec('v', {}, { coefs: [1] }), /spec\.grid/, /unknown key\(s\) "coefs"/, /allowed: env, method, divergence, coeff, seed, reward, axes, with/);
  bad({ ...tinySpec('v'), name: 'has space' }, /spec\.name/, /has space/);
  bad({ name: 'v', grid: [] }, /spec\.grid/);
  bad(tinySpec('v', {}, { env: 'no-such-env' }), /"no-such-env" is not a registered environment/, /tomato/);
  bad(tinySpec('v', {}, { method: 'ad', divergence: 'tv', coeff: 1 }), /spec\.grid\.divergence: "tv" is not an action-distribution divergence/, /kl, chi2, sqrt_chi2/);
  bad(tinySpec('v', { iterations: 0 }), /config\.iterations/, /run \{"env":"tomato","method":"ppo","seed":0\}/);
});

test('a regularised method without base policies is refused with the option to set', () => {
  const spec = tinySpec('nobase', {}, { method: 'orpo', coeff: 1 });
  delete (spec['base'] as Record<string, unknown>)['basePolicies'];
  assert.throws(() => planSweep(spec), /config\.basePolicies: ORPO needs at least one base policy/);
});

test('explicit sweeps keep the directories they are given', () => {
  const input = { env: 'tomato', reward: 'proxy', seed: 0, iterations: 2 };
  const plan = planExplicitSweep('explicit', { why: 'test' }, '/tmp/root', [{ out: '/tmp/root/runs/a/seed0', input, params: { method: 'a', seed: 0 } }]);
  assert.equal(plan.runs[0]!.dir, 'runs/a/seed0');
  assert.equal(plan.runs[0]!.id, planSweep({ name: 'x', base: { iterations: 2 }, grid: { env: 'tomato', seed: 0 } }).runs[0]!.id);
  assert.throws(() => planExplicitSweep('explicit', {}, '/tmp/root', [{ out: '/elsewhere', input, params: {} }]), /outside the results root/);
  assert.deepEqual(setPath({ a: { b: 1, c: 2 } }, 'a.b', 5), { a: { b: 5, c: 2 } });
});

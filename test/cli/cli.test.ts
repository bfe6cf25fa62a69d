import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = resolve(fileURLToPath(import.meta.url), '../../../src/cli/main.js');
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'goodhart-cli-'));
});

test('help lists the commands', () => {
  const r = cli('--help');
  assert.equal(r.code, 0);
  for (const c of ['train', 'eval', 'envs', 'render', 'plot', 'rollouts', 'bc', 'reproduce', 'demo']) assert.match(r.out, new RegExp(`\\b${c}\\b`));
});

test('bad options are refused with the flag and the allowed values named', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--env', 'tomato', '--reward', 'gold'], /--reward: "gold" is not one of proxy, true/],
    [['train', '--env', 'tomato', '--reward', 'true', '--seed=-3'], /--seed: expected an integer ≥ 0, got "-3"/],
    [['train', '--env', 'tomato', '--reward', 'true', '--seed', '1.5'], /--seed: expected an integer ≥ 0, got "1.5"/],
    [['train', '--env', 'tomato', '--reward', 'true', '--iterations', '0'], /--iterations: expected an integer ≥ 1/],
    [['train', '--env', 'mars', '--reward', 'true'], /config\.env: "mars" is not a registered environment; choose one of [a-z, -]*tomato/],
    [['train', '--reward', 'true'], /--env is required/],
    [['train', '--env', 'tomato', '--reward', 'true', '--colour', 'red'], /Unknown option '--colour'[\s\S]*options: --env/],
    [['train', '--env', 'tomato', '--reward', 'true', '--config', '/nonexistent.json'], /--config: file "\/nonexistent.json" does not exist/],
    [['train', '--resume'], /--out DIR is required/],
    [['eval'], /--run DIR is required/],
    [['frobnicate'], /unknown command "frobnicate"; choose one of train/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.err}`);
    assert.match(r.err, pattern, args.join(' '));
  }
});

test('an invalid env config in a config file names the field', () => {
  const file = join(root, 'bad.json');
  writeFileSync(file, JSON.stringify({ envConfig: { level: 9 } }));
  const r = cli('train', '--env', 'tomato', '--reward', 'true', '--iterations', '1', '--config', file, '--out', join(root, 'bad-run'), '--quiet');
  assert.equal(r.code, 2);
  assert.match(r.err, /config\.envConfig: .*level=9.*allowed: 0, 1, 2, 3, 4/);
  assert.equal(existsSync(join(root, 'bad-run')), false, 'nothing is written for an invalid config');
});

test('envs lists tomato with its spaces', () => {
  const r = cli('envs');
  assert.equal(r.code, 0);
  assert.match(r.out, /tomato/);
  assert.match(r.out, /Dict\(agent: Discrete\(26\), tomatoes: MultiBinary\(10\)\) \(flat 36\)/);
  assert.match(r.out, /Discrete\(4\)/);
});

test('train, eval and render a run end to end', () => {
  const config = join(root, 'tiny.json');
  writeFileSync(config, JSON.stringify({ evalEpisodes: 5, ppo: { model: { hidden: [8] }, numEnvs: 2, rolloutFragmentLength: 100, numSgdIter: 1 } }));
  const out = join(root, 'run');
  const t = cli('train', '--env', 'tomato', '--reward', 'proxy', '--seed', '2', '--iterations', '2', '--config', config, '--out', out, '--quiet');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /proxy return [\d.]+ ± [\d.]+, true return [\d.]+ ± [\d.]+/);
  for (const f of ['curves.svg', 'curves.png']) assert.ok(existsSync(join(out, f)), `a finished run has ${f}`);
  const p = cli('plot', '--run', out);
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /curves\.svg/);
  const again = cli('train', '--env', 'tomato', '--reward', 'proxy', '--seed', '2', '--iterations', '2', '--config', config, '--out', out, '--quiet');
  assert.equal(again.code, 1);
  assert.match(again.err, /never overwritten/);

  const e = cli('eval', '--run', out, '--episodes', '4', '--json');
  assert.equal(e.code, 0, e.err);
  const report = JSON.parse(e.out) as { episodes: number; proxyReturn: { mean: number; se: number }; trueReturn: { mean: number } };
  assert.equal(report.episodes, 4);
  assert.ok(report.proxyReturn.mean >= report.trueReturn.mean);

  const png = join(root, 'episode.png');
  const r = cli('render', '--run', out, '--out', png);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /episode of 100 steps: proxy return/);
  assert.match(r.out, /#B/, 'the ASCII map shows the bucket');
  assert.ok(existsSync(png));
  assert.deepEqual([...readFileSync(png).subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
});

test('render with random actions needs only an environment name', () => {
  const r = cli('render', '--env', 'tomato', '--seed', '4', '--frames', 'all');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /t=100/);
});

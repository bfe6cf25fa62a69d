import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = resolve(fileURLToPath(import.meta.url), '../../../src/cli/main.js');
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('tasks generate writes three splits, refuses to overwrite, and check validates them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'goodhart-tasks-'));
  try {
    const g = cli('tasks', 'generate', '--out', dir, '--seed', '3', '--train', '30', '--eval', '5', '--held-out', '4');
    assert.equal(g.code, 0, g.err);
    assert.match(g.out, /train\.json \(30\), eval\.json \(5\), heldOut\.json \(4\)/);
    const train = JSON.parse(readFileSync(join(dir, 'train.json'), 'utf8')) as Record<string, unknown>[];
    assert.equal(train.length, 30);
    assert.deepEqual(Object.keys(train[0]!).sort(), ['input', 'instruction', 'output', 'qtype', 'task']);
    assert.equal(cli('tasks', 'generate', '--out', dir).code, 2);
    assert.match(cli('tasks', 'check', join(dir, 'train.json')).out, /30 valid records/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ instruction: 'x', output: 'y' }, { instruction: 'x' }]));
    const bad = cli('tasks', 'check', join(dir, 'bad.json'));
    assert.equal(bad.code, 2);
    assert.match(bad.err, /record 1: missing field 'output'/);
    const rer = cli('tasks', 'generate', '--out', join(dir, 'rer'), '--layout', 'rer', '--train', '10', '--eval', '0', '--held-out', '0');
    assert.equal(rer.code, 0, rer.err);
    assert.match(cli('tasks', 'check', join(dir, 'rer', 'train.json'), '--layout', 'rer').out, /10 valid records/);
    assert.match(cli('tasks', 'frobnicate').err, /expected "generate" or "check"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

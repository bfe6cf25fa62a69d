import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTaskSuite, parseAlpacaRecords, readAlpacaJson, writeAlpacaJson } from '../../src/lm/tasks/index.js';
import { DatasetError } from '../../src/util/records.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    return [...e.problems];
  }
  assert.fail('expected an error');
}

test('AlpacaFarm JSON round trip keeps qtype and task; plain drops them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alpaca-'));
  try {
    const s = generateTaskSuite({ seed: 2, train: 40, eval: 0, heldOut: 0 });
    writeAlpacaJson(join(dir, 'train.json'), s.train);
    assert.deepEqual(readAlpacaJson(join(dir, 'train.json')), s.train);
    writeAlpacaJson(join(dir, 'plain.json'), s.train, { plain: true });
    const plain = JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(plain[0]!).sort(), ['input', 'instruction', 'output']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing input reads as empty', () => {
  assert.deepEqual(parseAlpacaRecords([{ instruction: 'Say hi.', output: 'hi' }]), [{ instruction: 'Say hi.', input: '', output: 'hi' }]);
});

test('errors name the record index and the field', () => {
  const data = [
    { instruction: 'ok', input: '', output: 'fine' },
    { instruction: 'no output here', input: '' },
    { instruction: 'x', input: 3, output: 'y' },
    { instruction: 'x', output: 'y', generator: 'gpt' },
    { instruction: 'x', output: 'y', qtype: 'OPEN' },
    'not a record',
    { instruction: '', output: 'y' },
  ];
  const problems = problemsOf(() => parseAlpacaRecords(data, 'my.json'));
  assert.ok(problems.includes("record 1: missing field 'output'"), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith("record 2, field 'input':") && p.includes('(got 3)')), problems.join('\n'));
  assert.ok(
    problems.includes("record 3: unknown field 'generator' (allowed: instruction, input, output, qtype, task)"),
    problems.join('\n'),
  );
  assert.ok(problems.some((p) => p.startsWith("record 4, field 'qtype':") && p.includes('OPENENDED')), problems.join('\n'));
  assert.ok(problems.includes('record 5: expected an object (got "not a record")'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith("record 6, field 'instruction': must be a non-empty string")), problems.join('\n'));
  assert.equal(problems.length, 6);
  // Unknown fields can be dropped on request.
  assert.equal(parseAlpacaRecords([{ instruction: 'x', output: 'y', generator: 'gpt' }], 'f', { ignoreUnknownFields: true }).length, 1);
});

test('a task spec is validated too', () => {
  const problems = problemsOf(() =>
    parseAlpacaRecords([{ instruction: 'List 3 animals.', output: 'cat', task: { family: 'list', category: 'planets', n: 3 } }]),
  );
  assert.ok(problems.some((p) => p.startsWith("record 0, field 'task.category':")), problems.join('\n'));
});

test('a file that is not an array or not JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alpaca-'));
  try {
    writeFileSync(join(dir, 'obj.json'), '{"instruction": "x"}');
    assert.throws(() => readAlpacaJson(join(dir, 'obj.json')), /expected a JSON array of records \(got object\)/);
    writeFileSync(join(dir, 'bad.json'), '[{');
    assert.throws(() => readAlpacaJson(join(dir, 'bad.json')), (e: unknown) => e instanceof DatasetError && /cannot read/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

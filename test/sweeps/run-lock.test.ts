import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLease, leaseHolder } from '../../src/experiments/sweeps/run-lock.js';

test('a run lease is exclusive while fresh, taken over once stale, and released by its holder only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'goodhart-lease-'));
  const path = join(dir, 'locks', 'run.lock');
  const a = acquireLease(path, { staleMs: 60_000 })!;
  assert.ok(a);
  assert.equal(leaseHolder(path)!.pid, process.pid);
  assert.equal(acquireLease(path, { staleMs: 60_000 }), null, 'a fresh lease is not taken');
  // The holder stops beating (as when SIGKILLed): make the file look old.
  const old = new Date(Date.now() - 120_000);
  utimesSync(path, old, old);
  const b = acquireLease(path, { staleMs: 60_000 })!;
  assert.ok(b, 'a stale lease is taken over');
  assert.equal(a.held(), false);
  assert.equal(b.held(), true);
  a.release(); // must not remove b's lock
  assert.ok(existsSync(path));
  b.release();
  assert.ok(!existsSync(path));
  const c = acquireLease(path, { staleMs: 60_000 });
  assert.ok(c);
  c!.release();
});

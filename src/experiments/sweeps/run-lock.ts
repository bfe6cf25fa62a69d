/**
 * A lease on a run: a lock file created exclusively (O_EXCL, which shared filesystems honour) and
 * kept fresh by a heartbeat from the holder's main thread. A holder killed with SIGKILL stops
 * beating; once the file is older than `staleMs` another worker may take the run over. This is
 * what makes a duplicate delivery of a job harmless: only the lease holder trains the run.
 */
import { openSync, closeSync, writeSync, readFileSync, renameSync, rmSync, statSync, utimesSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export interface RunLease {
  readonly path: string;
  readonly owner: string;
  /** False once another worker took the lease over (this holder had stopped beating too long). */
  held(): boolean;
  release(): void;
}

export interface LeaseOptions {
  /** A lock file not touched for this long belongs to a dead holder. */
  staleMs: number;
  /** Heartbeat period (default staleMs / 4). */
  beatMs?: number;
}

export function ownerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

function readOwner(path: string): string | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { owner?: string }).owner ?? null;
  } catch {
    return null;
  }
}

function tryCreate(path: string, owner: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, JSON.stringify({ owner, host: hostname(), pid: process.pid, since: new Date().toISOString() }));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Takes the lease, or returns null when a live holder has it. */
export function acquireLease(path: string, opts: LeaseOptions): RunLease | null {
  mkdirSync(dirname(path), { recursive: true });
  const owner = ownerId();
  if (!tryCreate(path, owner)) {
    let age: number;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      age = Infinity; // released in between
    }
    if (age < opts.staleMs) return null;
    // Only one of several workers noticing the stale file wins this rename; the others see it gone.
    const grave = `${path}.stale-${owner.replace(/[^\w-]/g, '_')}`;
    try {
      renameSync(path, grave);
      rmSync(grave, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!tryCreate(path, owner)) return null;
  }
  let lost = false;
  const beat = setInterval(() => {
    if (readOwner(path) !== owner) {
      lost = true;
      clearInterval(beat);
      return;
    }
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      lost = true;
    }
  }, opts.beatMs ?? Math.max(50, Math.floor(opts.staleMs / 4)));
  beat.unref();
  const lease: RunLease = {
    path,
    owner,
    held: () => !lost && readOwner(path) === owner,
    release() {
      clearInterval(beat);
      heldLeases.delete(lease);
      if (readOwner(path) === owner) rmSync(path, { force: true });
    },
  };
  heldLeases.add(lease);
  return lease;
}

const heldLeases = new Set<RunLease>();

/**
 * Gives up every lease this process holds, for a process about to exit on Ctrl-C: its runs can be
 * resumed at once by the next sweep or worker instead of after the lease has gone stale.
 */
export function releaseAllLeases(): void {
  for (const lease of [...heldLeases]) lease.release();
}

/** The holder recorded in a lock file ({ owner, host, pid }), or null when unlocked. */
export function leaseHolder(path: string): { owner: string; host: string; pid: number } | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { owner: string; host: string; pid: number };
  } catch {
    return null;
  }
}

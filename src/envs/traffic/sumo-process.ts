/**
 * Starting and stopping `sumo` (the command-line simulator, never the GUI) so that no process is
 * ever left behind:
 *  - normal close and errors kill the process group (sumo and its watchdog) synchronously;
 *  - at exit of this Node process every live group is killed (a process 'exit' hook);
 *  - if this process dies without running any code (SIGKILL, a crash, an unhandled SIGINT or
 *    SIGTERM), a watchdog notices: sumo is started through `sh`, which first forks a reader on a
 *    pipe whose only writer is this process, then replaces itself with sumo (so the pid Node sees
 *    is sumo's). When the writer disappears the reader sees end-of-file and kills sumo.
 * The group is a new session (`detached`), so it can be killed as a whole with kill(-pid).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TraciClient } from './traci/client.js';
import { SyncSocket, SyncSocketError } from './traci/sync-socket.js';

export const SUMO_INSTALL_HINT = 'install SUMO from your distribution, e.g. `sudo apt-get install sumo sumo-tools` on Debian/Ubuntu';

export class SumoNotFoundError extends Error {
  constructor(binary: string) {
    super(`traffic: the SUMO program '${binary}' was not found on PATH; ${SUMO_INSTALL_HINT} (or point GOODHART_SUMO_BIN / GOODHART_NETCONVERT_BIN at the binaries)`);
    this.name = 'SumoNotFoundError';
  }
}

/** Absolute path of an executable found on PATH (or the path itself when it contains a slash), else null. */
export function findExecutable(name: string): string | null {
  const isExe = (p: string) => {
    try {
      return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return isExe(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExe(p)) return p;
  }
  return null;
}

/** The sumo binary: GOODHART_SUMO_BIN, else `sumo` on PATH; throws SumoNotFoundError with the install hint. */
export function sumoBinary(name = process.env.GOODHART_SUMO_BIN || 'sumo'): string {
  const p = findExecutable(name);
  if (!p) throw new SumoNotFoundError(name);
  return p;
}

export function netconvertBinary(name = process.env.GOODHART_NETCONVERT_BIN || 'netconvert'): string {
  const p = findExecutable(name);
  if (!p) throw new SumoNotFoundError(name);
  return p;
}

/** Whether SUMO's simulator and netconvert are installed (tests skip on false). */
export function sumoAvailable(): boolean {
  return findExecutable(process.env.GOODHART_SUMO_BIN || 'sumo') !== null && findExecutable(process.env.GOODHART_NETCONVERT_BIN || 'netconvert') !== null;
}

/** Runs netconvert with the given arguments; throws with its output when it fails. */
export function runNetconvert(args: readonly string[], cwd: string): void {
  const bin = netconvertBinary();
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`traffic: netconvert could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`traffic: netconvert failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
}

// Every live group, so an exit hook can kill them all.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  liveGroups.delete(pid);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of [...liveGroups]) killGroup(pid);
  });
}

/** Whether a process is running (a zombie waiting to be reaped counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    if (existsSync('/proc/self/stat')) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

// The reader loops on a pipe from Node (fd 3) and kills $$ (which becomes sumo after exec) at EOF.
const WATCHDOG = 'exec 3<&0 </dev/null; { while read -r _ <&3; do :; done; kill -9 $$ 2>/dev/null; } & exec "$@" 3<&-';

export interface SumoLaunchOptions {
  /** Arguments after the binary (without --remote-port, which is added). */
  args: readonly string[];
  /** Working directory (the scenario's folder). */
  cwd: string;
  /** sumo's stdout and stderr go here (a file, so a busy parent can never block it on a full pipe). */
  logFile: string;
  /** Connection attempts while sumo starts up (default 200, 25 ms apart). */
  connectAttempts?: number;
  /** Per-request timeout of the TraCI connection. */
  timeoutMs?: number;
}

/** A running `sumo --remote-port` with its TraCI connection. */
export class SumoProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly client: TraciClient,
    readonly logFile: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts sumo on a free port and connects; retries with another port if the first was taken. */
  static launch(options: SumoLaunchOptions): SumoProcess {
    const bin = sumoBinary();
    installExitHook();
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const socket = new SyncSocket(options.timeoutMs);
      let child: ChildProcess | null = null;
      try {
        const port = socket.freePort();
        const log = openSync(options.logFile, 'w');
        try {
          child = spawn('/bin/sh', ['-c', WATCHDOG, 'goodhart-sumo', bin, ...options.args, '--remote-port', String(port)], {
            cwd: options.cwd,
            stdio: ['pipe', log, log],
            detached: true,
            // Without SUMO_HOME sumo warns on every start; Debian keeps its data in /usr/share/sumo.
            env: process.env.SUMO_HOME || !existsSync('/usr/share/sumo') ? process.env : { ...process.env, SUMO_HOME: '/usr/share/sumo' },
          });
        } finally {
          closeSync(log);
        }
        const pid = child.pid;
        if (pid === undefined) throw new Error(`traffic: could not start ${bin}`);
        liveGroups.add(pid);
        // The pipe and the child must not keep a finished program alive; the pipe stays open
        // (its end-of-file is the watchdog's signal) until this process ends or close() kills sumo.
        child.unref();
        (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
        child.stdin?.on('error', () => {});
        connectWithRetries(socket, port, pid, options);
        const client = new TraciClient(socket);
        return new SumoProcess(child, port, client, options.logFile);
      } catch (e) {
        socket.close();
        if (child?.pid !== undefined) killGroup(child.pid);
        lastError = e as Error;
        // A port taken between our probe and sumo's bind shows as an early exit; try another one.
        if (!/address already in use|bind|Could not connect/i.test(lastError.message)) break;
      }
    }
    throw lastError ?? new Error('traffic: sumo did not start');
  }

  /** The tail of sumo's log (for error messages). */
  logTail(chars = 2000): string {
    return readLogTail(this.logFile, chars);
  }

  get alive(): boolean {
    return processAlive(this.pid);
  }

  /** Ends the simulation (TraCI close) and kills the process group; safe to call twice. */
  close(): void {
    try {
      this.client.close();
    } finally {
      killGroup(this.pid);
      // SIGKILL is delivered asynchronously; wait (briefly) so that "closed" means "gone".
      for (let i = 0; i < 400 && processAlive(this.pid); i++) sleepSync(5);
    }
  }
}

function readLogTail(file: string, chars = 2000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-chars).trim();
  } catch {
    return '';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function connectWithRetries(socket: SyncSocket, port: number, pid: number, options: SumoLaunchOptions): void {
  const attempts = options.connectAttempts ?? 200;
  for (let i = 0; i < attempts; i++) {
    if (!processAlive(pid)) {
      throw new Error(`traffic: sumo exited before accepting a TraCI connection on port ${port}: ${readLogTail(options.logFile) || '(no output)'}`);
    }
    try {
      socket.connect(port);
      return;
    } catch (e) {
      if (!(e instanceof SyncSocketError) || (e.code !== 'ECONNREFUSED' && e.code !== 'ECONNRESET')) throw e;
    }
    sleepSync(25);
  }
  throw new Error(`traffic: could not connect to sumo on port ${port} after ${attempts} attempts: ${readLogTail(options.logFile) || '(no output)'}`);
}

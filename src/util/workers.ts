/** Helpers for worker threads. */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * The parent's Node flags for a worker thread, without the ones that describe the parent's own
 * entry code: a worker inherits them, and some (--input-type with -e) make it fail to load.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') {
      i++; // its code argument
      continue;
    }
    if (a.startsWith('--input-type') || a.startsWith('--eval=') || a.startsWith('--print=')) continue;
    out.push(a);
  }
  return out;
}

/**
 * Takes the next message off a port, waiting up to `timeoutMs` for it (polling every
 * millisecond): a reply posted just before an Atomics hand-off is normally there already, but
 * nothing in Node promises it.
 */
export function receiveWithin(port: MessagePort, timeoutMs: number, what: string): unknown {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (received) return received.message;
    if (Date.now() > deadline) throw new Error(`${what}: no message within ${timeoutMs} ms`);
    Atomics.wait(pause, 0, 0, 1);
  }
}

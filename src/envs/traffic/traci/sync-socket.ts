/**
 * A blocking TCP connection for Node. The environment contract is synchronous (step() returns its
 * result), but Node sockets are not; so the socket lives in a worker thread (socket-worker.ts) and
 * this side blocks in Atomics.wait until the worker has the whole reply, then takes it off the
 * port with receiveMessageOnPort. One request is in flight at a time.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './socket-worker.js';
import { receiveWithin, workerExecArgv } from '../../../util/workers.js';

export class SyncSocketError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SyncSocketError';
  }
}

export class SyncSocket {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private closed = false;

  /** @param timeoutMs how long one request may wait for its reply before it throws. */
  constructor(readonly timeoutMs = 120_000) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./socket-worker.js', import.meta.url), {
      workerData: { port: port2, flag: this.flag },
      transferList: [port2],
      // A worker inherits the parent's Node flags; some (--input-type with -e) make it fail to load.
      execArgv: workerExecArgv(process.execArgv),
    });
    // Neither the worker nor its port may keep a finished program alive.
    this.worker.unref();
    this.port.unref();
  }

  private call(request: WorkerRequest, timeoutMs = this.timeoutMs): WorkerReply {
    if (this.closed) throw new SyncSocketError('the connection is closed');
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    const outcome = Atomics.wait(this.flag, 0, 0, timeoutMs);
    const received = receiveMessageOnPort(this.port);
    if (received) return received.message as WorkerReply;
    if (outcome === 'timed-out') throw new SyncSocketError(`no reply within ${timeoutMs} ms (${request.op})`);
    // Woken, but the reply is not on the port yet (seen once with two runs in parallel on a busy
    // machine): give it a moment rather than failing the run.
    try {
      return receiveWithin(this.port, 5_000, request.op) as WorkerReply;
    } catch {
      throw new SyncSocketError(`the socket worker sent no reply (${request.op})`);
    }
  }

  /** A TCP port on 127.0.0.1 that was free a moment ago. */
  freePort(): number {
    // The first request also waits for the worker to start; a worker that cannot start never answers.
    const r = this.call({ op: 'freePort' }, Math.min(this.timeoutMs, 30_000));
    if (!r.ok || !r.port) throw new SyncSocketError(`could not find a free port: ${r.ok ? 'no port' : r.error}`);
    return r.port;
  }

  /** One connection attempt; throws SyncSocketError with the errno code (e.g. ECONNREFUSED) on failure. */
  connect(port: number, host = '127.0.0.1'): void {
    const r = this.call({ op: 'connect', host, port }, Math.min(this.timeoutMs, 30_000));
    if (!r.ok) throw new SyncSocketError(`connect to ${host}:${port} failed: ${r.error}`, r.code);
  }

  /** Sends one whole TraCI message and returns the whole reply message. */
  exchange(bytes: Uint8Array): Uint8Array {
    const r = this.call({ op: 'exchange', bytes });
    if (!r.ok) throw new SyncSocketError(r.error, r.code);
    return r.bytes!;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: 'close' }, 5000);
    } catch {
      // The worker is terminated below anyway.
    }
    this.closed = true;
    void this.worker.terminate();
  }
}

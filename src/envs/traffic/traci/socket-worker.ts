/**
 * The I/O half of SyncSocket (sync-socket.ts), run in a worker thread: it owns the TCP socket and
 * answers one request at a time on a MessagePort, then wakes the blocked caller through a shared
 * Int32 flag. The caller's thread may sit in Atomics.wait; this thread keeps its own event loop.
 */
import { connect, createServer, type Socket } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';

export type WorkerRequest =
  | { op: 'connect'; host: string; port: number }
  | { op: 'exchange'; bytes: Uint8Array }
  | { op: 'freePort' }
  | { op: 'close' };

export type WorkerReply = { ok: true; bytes?: Uint8Array; port?: number } | { ok: false; error: string; code?: string };

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };

let socket: Socket | null = null;
let pending: Uint8Array[] = [];
let pendingBytes = 0;
/** Set while an exchange waits for its reply message. */
let waiting = false;
let socketError: string | null = null;

function reply(message: WorkerReply): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** Sends a whole reply once a complete TraCI message has been received. */
function tryComplete(): void {
  if (!waiting || pendingBytes < 4) return;
  const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
  if (pending.length !== 1) pending = [head];
  const total = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
  if (head.length < total) return;
  const message = head.slice(0, total);
  const rest = head.subarray(total);
  pending = rest.length ? [rest] : [];
  pendingBytes = rest.length;
  waiting = false;
  reply({ ok: true, bytes: message });
}

function fail(error: string, code?: string): void {
  socketError = error;
  if (waiting) {
    waiting = false;
    reply({ ok: false, error, ...(code ? { code } : {}) });
  }
}

port.on('message', (req: WorkerRequest) => {
  switch (req.op) {
    case 'connect': {
      const s = connect({ host: req.host, port: req.port });
      s.setNoDelay(true);
      let settled = false;
      s.once('connect', () => {
        settled = true;
        socket = s;
        socketError = null;
        s.on('data', (chunk: Buffer) => {
          pending.push(chunk);
          pendingBytes += chunk.length;
          tryComplete();
        });
        s.on('error', (e: NodeJS.ErrnoException) => fail(`socket error: ${e.message}`, e.code));
        s.on('close', () => fail('the connection was closed by the server'));
        reply({ ok: true });
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        s.destroy();
        reply({ ok: false, error: e.message, ...(e.code ? { code: e.code } : {}) });
      });
      return;
    }
    case 'exchange': {
      if (!socket || socketError) {
        reply({ ok: false, error: socketError ?? 'not connected' });
        return;
      }
      waiting = true;
      socket.write(req.bytes);
      tryComplete();
      return;
    }
    case 'freePort': {
      const server = createServer();
      server.once('error', (e) => reply({ ok: false, error: e.message }));
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => reply({ ok: true, port: p }));
      });
      return;
    }
    case 'close': {
      const s = socket;
      socket = null;
      if (s) {
        s.removeAllListeners('close');
        s.destroy();
      }
      reply({ ok: true });
      port.close();
      return;
    }
  }
});

/**
 * Live updates while a run trains: a Server-Sent Events stream that tails metrics.jsonl from a
 * byte offset and sends each new complete row, a `reset` when the file shrinks (a resumed run
 * drops the rows after its checkpoint), and `finished` once summary.json appears. Each event's
 * id is the byte offset it reaches, so a reconnecting browser (Last-Event-ID) misses nothing and
 * repeats nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readMetricsFrom } from './run-info.js';
import { CONTENT_SECURITY_POLICY } from './http-util.js';

export interface TailOptions {
  pollMs?: number;
  heartbeatMs?: number;
}

export function streamMetrics(req: IncomingMessage, res: ServerResponse, runDir: string, startOffset: number, opts: TailOptions = {}): void {
  const metricsPath = join(runDir, 'metrics.jsonl');
  const summaryPath = join(runDir, 'summary.json');
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-content-type-options': 'nosniff',
    'content-security-policy': CONTENT_SECURITY_POLICY,
  });
  let offset = startOffset;
  let finishedSent = false;
  const send = (event: string, data: unknown, id?: number) => {
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n\n`);
  };
  const poll = () => {
    const next = readMetricsFrom(metricsPath, offset);
    if (next.truncated) {
      offset = 0;
      send('reset', {}, 0);
      return;
    }
    if (next.rows.length > 0) {
      offset = next.offset;
      send('rows', next.rows, offset);
    }
    if (!finishedSent && existsSync(summaryPath)) {
      finishedSent = true;
      send('finished', {}, offset);
    }
  };
  res.write('retry: 2000\n\n');
  poll();
  const timer = setInterval(poll, opts.pollMs ?? 1000);
  const heartbeat = setInterval(() => res.write(': alive\n\n'), opts.heartbeatMs ?? 15000);
  const stop = () => {
    clearInterval(timer);
    clearInterval(heartbeat);
  };
  req.on('close', stop);
  res.on('close', stop);
}

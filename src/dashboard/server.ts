/**
 * The dashboard's HTTP server (Node's own http module). Routes:
 *   /                 the page shell          /assets/*       style sheet and compiled client
 *   /api/runs         run list                /api/run?id=    one run (config, metrics, samples, saliency)
 *   /api/events?id=   live metrics (SSE)      /api/episode?id=&seed=&checkpoint=&steps=
 *   /api/sweeps       sweep list              /api/sweep?id=  one sweep
 *   /files/<path>     a file under the runs root (saliency PNGs, curves.png, ...)
 * Every file path goes through SafeRoot; nothing else on disk is reachable.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { SafeRoot, NotFoundError } from './safe-path.js';
import { RunDir } from '../experiments/run-store.js';
import { findRuns, findSweeps, isRunDir } from './discover.js';
import { runDetail, runInfo } from './run-info.js';
import { sweepDetail, sweepInfo } from './sweeps.js';
import { streamMetrics } from './live.js';
import { rolloutEpisode, readStoredEpisode, DEFAULT_MAX_STEPS, MAX_STEPS_LIMIT } from './episode.js';
import { sendBody, sendHtml, sendJson, sendNotFound } from './http-util.js';
import { SHELL_HTML, STYLE_CSS } from './shell.js';
import type { Episode, SweepInfo } from './client/api-types.js';

/** Where tsc puts the compiled browser modules (next to this file once built). */
export const CLIENT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'client');
const CLIENT_FILE = /^[a-z0-9-]+\.js(\.map)?$/;

const FILE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
};

export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

export interface DashboardOptions {
  /** The runs directory: everything shown lives under it. */
  runsDir: string;
  port?: number;
  /** Bind address; 127.0.0.1 unless asked otherwise. */
  host?: string;
  /** How often the live stream looks at metrics.jsonl (ms). */
  pollMs?: number;
}

export interface Dashboard {
  server: Server;
  url: string;
  root: SafeRoot;
  close(): Promise<void>;
}

function intParam(q: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) throw new BadRequestError(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

export function createDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const root = new SafeRoot(opts.runsDir);
  const episodes = new Map<string, Episode>();
  // Rollouts use the shared TensorFlow backend; one at a time keeps them simple and bounded.
  let rolloutQueue: Promise<unknown> = Promise.resolve();

  const runDirOf = (q: URLSearchParams): { id: string; dir: string } => {
    const id = q.get('id');
    if (!id) throw new BadRequestError('id: the run id (its path under the runs directory) is required');
    const dir = root.resolve(id);
    if (!isRunDir(dir)) throw new NotFoundError(`no run "${id}" (a run directory holds config.json and metrics.jsonl)`);
    return { id: root.relative(dir), dir };
  };

  async function episode(q: URLSearchParams): Promise<Episode> {
    const { id, dir } = runDirOf(q);
    const seed = intParam(q, 'seed', 0, 2 ** 31 - 1);
    const checkpoint = intParam(q, 'checkpoint', 0, 2 ** 31 - 1);
    const steps = intParam(q, 'steps', 1, MAX_STEPS_LIMIT) ?? DEFAULT_MAX_STEPS;
    if (checkpoint !== undefined) {
      const available = new RunDir(dir).listCheckpoints();
      if (!available.includes(checkpoint)) throw new NotFoundError(`run "${id}" has no checkpoint ${checkpoint}; available: ${available.join(', ') || 'none'}`);
    }
    const stored = existsSync(join(dir, 'episode.json'));
    if (stored && q.get('source') !== 'rollout' && seed === undefined && checkpoint === undefined) return readStoredEpisode(dir);
    const key = JSON.stringify([id, seed ?? 0, checkpoint ?? null, steps]);
    const cached = episodes.get(key);
    if (cached) return cached;
    const job = rolloutQueue.then(() => rolloutEpisode(dir, { seed: seed ?? 0, ...(checkpoint !== undefined ? { checkpoint } : {}), maxSteps: steps }));
    rolloutQueue = job.catch(() => undefined);
    const ep = await job;
    if (episodes.size >= 16) episodes.delete(episodes.keys().next().value!);
    episodes.set(key, ep);
    return ep;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const q = url.searchParams;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed', method: req.method ?? '' });
      return;
    }
    if (path === '/' || path === '/index.html') return sendHtml(res, 200, SHELL_HTML);
    if (path === '/favicon.ico') {
      // no icon; answering here keeps the browser console free of a 404 on every page
      res.writeHead(204, { 'cache-control': 'max-age=86400' });
      res.end();
      return;
    }
    if (path === '/assets/style.css') return sendBody(res, 200, 'text/css; charset=utf-8', STYLE_CSS);
    if (path.startsWith('/assets/')) {
      const name = path.slice('/assets/'.length);
      const file = join(CLIENT_DIR, name);
      if (!CLIENT_FILE.test(name) || !existsSync(file)) {
        const hint = existsSync(CLIENT_DIR) ? '' : ` (the client is not built: run "npm run build")`;
        throw new NotFoundError(`no asset "${name}"${hint}`);
      }
      return sendBody(res, 200, name.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8', readFileSync(file));
    }
    if (path === '/api/runs') {
      return sendJson(res, 200, { root: root.root, runs: findRuns(root).map((id) => runInfo(id, root.resolve(id))) });
    }
    if (path === '/api/run') {
      const { id, dir } = runDirOf(q);
      return sendJson(res, 200, runDetail(root, id, dir));
    }
    if (path === '/api/events') {
      const { dir } = runDirOf(q);
      const fromHeader = req.headers['last-event-id'];
      const offset = typeof fromHeader === 'string' && /^\d+$/.test(fromHeader) ? Number(fromHeader) : (intParam(q, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0);
      return streamMetrics(req, res, dir, offset, opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {});
    }
    if (path === '/api/episode') return sendJson(res, 200, await episode(q));
    if (path === '/api/sweeps') {
      const list: SweepInfo[] = [];
      const broken: { id: string; error: string }[] = [];
      for (const id of findSweeps(root)) {
        try {
          list.push(sweepInfo(root, id));
        } catch (err) {
          broken.push({ id, error: (err as Error).message });
        }
      }
      return sendJson(res, 200, { sweeps: list, broken });
    }
    if (path === '/api/sweep') {
      const id = q.get('id');
      if (!id) throw new BadRequestError('id: the sweep id is required');
      return sendJson(res, 200, sweepDetail(root, id));
    }
    if (path.startsWith('/files/')) {
      let rel: string;
      try {
        rel = decodeURIComponent(path.slice('/files/'.length));
      } catch {
        throw new NotFoundError('not found: malformed path');
      }
      const file = root.resolve(rel);
      if (!statSync(file).isFile()) throw new NotFoundError(`not a file: ${rel}`);
      // Anything not known is sent as bytes to download, never as a page the browser would run.
      const type = FILE_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      return sendBody(res, 200, type, readFileSync(file));
    }
    throw new NotFoundError(`no page at ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err as Error;
      const path = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
      if (res.headersSent) {
        res.end();
        return;
      }
      if (e instanceof NotFoundError) sendNotFound(res, path, e.message);
      else if (e instanceof BadRequestError) sendJson(res, 400, { error: 'bad request', message: e.message });
      else sendJson(res, 500, { error: 'internal error', message: e.message });
    });
  });

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolvePromise({
        server,
        url: `http://${host}:${addr.port}`,
        root,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

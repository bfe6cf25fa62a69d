import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { SafeRoot, NotFoundError } from '../../src/dashboard/safe-path.js';
import { describeMethod, readMetricsFrom } from '../../src/dashboard/run-info.js';
import { spawn, spawnSync } from 'node:child_process';
import { escapeHtml } from '../../src/dashboard/http-util.js';
import type { Episode, RunDetail, RunInfo, SweepDetail } from '../../src/dashboard/client/api-types.js';
import { trainTinyRun, writeFakeRun, writeSweep, appendRows } from './fixtures.js';

let tmp = '';
let root = '';
let outside = '';
let dash: Dashboard;

/** A raw GET: the path goes on the wire exactly as written (no client-side normalisation of ../). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; type: string; csp: string; body: string }> {
  const url = new URL(dash.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), csp: String(res.headers['content-security-policy'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'goodhart-dash-'));
  root = join(tmp, 'root');
  outside = join(tmp, 'outside');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'SECRET-OUTSIDE');
  writeFakeRun(join(outside, 'foreign-run'), { iterations: 3 });
  await trainTinyRun(join(root, 'runs', 'real'));
  // reproduce-style nesting, an unfinished run, and an ORPO run with a base-policy copy inside it
  writeFakeRun(join(root, 'reproduce-tomato-quick', 'orpo-sa-sqrt_chi2-0.2', 'seed0'), { method: { kind: 'orpo', coeff: 0.2 }, hackGap: 0 });
  writeFakeRun(join(root, 'reproduce-tomato-quick', 'orpo-sa-sqrt_chi2-0.2', 'seed0', 'base-policies', '0'), { iterations: 3 });
  writeFakeRun(join(root, 'runs', 'unfinished'), { iterations: 10, rows: 4, finished: false });
  writeSweep(root, 'sw1', [
    { method: 'none', seed: 0, finalTrue: 3, hackGap: 30 },
    { method: 'orpo', divergence: 'sqrt_chi2', coeff: 0.1, seed: 0, finalTrue: 9, hackGap: 0 },
    { method: 'orpo', divergence: 'sqrt_chi2', coeff: 0.1, seed: 1, finalTrue: 8, hackGap: 0 },
  ]);
  mkdirSync(join(root, 'links'), { recursive: true });
  symlinkSync(join(outside, 'secret.txt'), join(root, 'links', 'secret-link.txt'));
  symlinkSync(outside, join(root, 'links', 'outside-dir'));
  writeFileSync(join(root, 'links', 'inside.txt'), 'INSIDE');
  symlinkSync(join(root, 'links', 'inside.txt'), join(root, 'links', 'inside-link.txt'));
  dash = await createDashboard({ runsDir: root, port: 0, pollMs: 50 });
});

after(async () => {
  await dash?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('SafeRoot refuses ../, absolute paths, NUL bytes, backslashes and links out of the root', () => {
  const safe = new SafeRoot(root);
  for (const bad of ['../outside/secret.txt', 'runs/../../outside/secret.txt', '/etc/passwd', 'links/inside.txt\0', 'links\\..\\..\\outside', 'links/secret-link.txt', 'links/outside-dir/secret.txt', 'links/outside-dir', 'no/such/file']) {
    assert.throws(() => safe.resolve(bad), NotFoundError, `should refuse ${JSON.stringify(bad)}`);
  }
  assert.equal(safe.resolve('links/inside.txt'), join(root, 'links', 'inside.txt'));
  assert.equal(safe.resolve('links/inside-link.txt'), join(root, 'links', 'inside-link.txt'), 'a link that stays inside is fine');
  assert.equal(safe.relative(join(root, 'runs', 'real')), 'runs/real');
});

test('/files/ serves files under the root and nothing outside it, however the path is spelled', async () => {
  const ok = await get('/files/links/inside.txt');
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'INSIDE');
  const attempts = [
    '/files/../outside/secret.txt',
    '/files/..%2f..%2foutside%2fsecret.txt',
    '/files/%2e%2e/%2e%2e/outside/secret.txt',
    '/files/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt',
    '/files/runs/%2e%2e/%2e%2e/%2e%2e/outside/secret.txt',
    '/files/links/secret-link.txt',
    '/files/links/outside-dir/secret.txt',
    '/files/links%5c..%5c..%5coutside%5csecret.txt',
    '/files/links/inside.txt%00',
    '/files/%E0%A4%A',
    `/files/${encodeURIComponent(join(outside, 'secret.txt'))}`,
  ];
  for (const path of attempts) {
    const res = await get(path);
    assert.equal(res.status, 404, `${path} -> ${res.status}`);
    assert.ok(!res.body.includes('SECRET-OUTSIDE'), `${path} leaked the file`);
  }
});

test('runs outside the root cannot be opened through the API', async () => {
  for (const id of ['../outside/foreign-run', 'links/outside-dir/foreign-run', join(outside, 'foreign-run')]) {
    for (const api of ['/api/run', '/api/events', '/api/episode']) {
      const res = await get(`${api}?id=${encodeURIComponent(id)}`);
      assert.equal(res.status, 404, `${api} ${id}`);
      assert.match(res.type, /application\/json/);
      assert.equal(JSON.parse(res.body).error, 'not found');
    }
  }
});

test('404s: JSON under /api/, an escaped HTML page elsewhere; other methods are refused', async () => {
  const api = await get('/api/nothing-here');
  assert.equal(api.status, 404);
  assert.deepEqual(Object.keys(JSON.parse(api.body)).sort(), ['error', 'message', 'path']);
  const missing = await get('/api/run?id=runs/none');
  assert.equal(missing.status, 404);
  assert.match(JSON.parse(missing.body).message, /no run "runs\/none"|not found/);
  const page = await get('/nope/%3Cscript%3Ealert(1)%3C/script%3E');
  assert.equal(page.status, 404);
  assert.match(page.type, /text\/html/);
  assert.ok(page.body.includes('404'));
  assert.ok(!page.body.includes('<script>alert'), 'the path is escaped');
  assert.ok(page.body.includes('&lt;script&gt;') || page.body.includes('%3Cscript%3E'));
  assert.equal((await get('/api/sweep?id=..%2Fruns')).status, 404);
  assert.equal((await get('/api/sweep?id=missing')).status, 404);
  assert.equal((await get('/assets/../server.js')).status, 404);
  assert.equal((await get('/assets/nothing.js')).status, 404);
  assert.equal((await get('/api/runs', {}, 'POST')).status, 405);
  assert.equal((await get('/api/episode?id=runs/real&seed=abc')).status, 400);
  assert.equal(escapeHtml(`<a href="x">'&`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
});

test('the page shell and the compiled client are served with a strict content security policy', async () => {
  const shell = await get('/');
  assert.equal(shell.status, 200);
  assert.match(shell.body, /<script type="module" src="\/assets\/app.js">/);
  assert.match(shell.csp, /script-src 'self'/);
  assert.ok(!shell.csp.includes('unsafe-inline') && !shell.csp.includes('unsafe-eval'), 'no inline script, no eval');
  const app = await get('/assets/app.js');
  assert.equal(app.status, 200, 'the client is built into dist by npm test / npm run build');
  assert.match(app.type, /javascript/);
  assert.equal((await get('/assets/style.css')).status, 200);
});

test('the run list finds nested runs, skips runs inside runs, and describes methods', async () => {
  const res = await get('/api/runs');
  const runs = (JSON.parse(res.body) as { runs: RunInfo[] }).runs;
  const ids = runs.map((r) => r.id);
  assert.ok(ids.includes('runs/real'));
  assert.ok(ids.includes('reproduce-tomato-quick/orpo-sa-sqrt_chi2-0.2/seed0'));
  assert.ok(!ids.some((id) => id.includes('base-policies')), 'base-policy copies inside a run are not listed');
  assert.ok(!ids.some((id) => id.includes('foreign-run')), 'links out of the root are not followed');
  const real = runs.find((r) => r.id === 'runs/real')!;
  assert.equal(real.status, 'finished');
  assert.equal(real.iteration, 3);
  assert.equal(real.env, 'tomato');
  assert.equal(typeof real.finalTrue, 'number');
  const orpo = runs.find((r) => r.id.startsWith('reproduce'))!;
  assert.equal(orpo.method, 'ORPO state-action sqrt_chi2');
  assert.equal(orpo.coeff, 0.2);
  assert.equal(runs.find((r) => r.id === 'runs/unfinished')!.status, 'training');
  assert.deepEqual(describeMethod({ algo: 'orpo', orpo: { omDivergenceCoeffs: [0], actionDistDivergenceCoeff: 0.1, actionDistDivergenceType: 'kl' } }), { method: 'AD kl', coeff: 0.1 });
  assert.deepEqual(describeMethod({ algo: 'orpo', orpo: { omDivergenceCoeffs: [0], actionDistDivergenceCoeff: 0 } }), { method: 'no regularisation', coeff: 0 });
  assert.deepEqual(describeMethod({ algo: 'orpo', orpo: { omDivergenceCoeffs: [0.5], omDivergenceType: ['kl'], useActionForDisc: false } }), { method: 'ORPO state kl', coeff: 0.5 });
  assert.deepEqual(describeMethod(null), { method: 'PPO', coeff: null });
});

test('a run page gets every metrics row, the config, samples and saliency maps', async () => {
  const dir = join(root, 'runs', 'real');
  writeFileSync(join(dir, 'samples.json'), JSON.stringify({ samples: [{ prompt: 'p <b>', completion: 'c', proxyScore: 2, goldScore: -1, iteration: 3 }] }));
  mkdirSync(join(dir, 'saliency'), { recursive: true });
  writeFileSync(join(dir, 'saliency', 'b.png'), 'png');
  writeFileSync(join(dir, 'saliency', 'a.png'), 'png');
  writeFileSync(join(dir, 'saliency', 'index.json'), JSON.stringify([{ file: 'b.png', title: 'reward model gradient', caption: 'step 0' }]));
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'saliency', 'escape.png'));
  const detail = JSON.parse((await get('/api/run?id=runs/real')).body) as RunDetail;
  assert.equal(detail.metrics.length, 3);
  for (const row of detail.metrics) {
    assert.equal(typeof row['proxyReturnMean'], 'number');
    assert.equal(typeof row['trueReturnMean'], 'number');
  }
  assert.equal((detail.config as { env: string }).env, 'tomato');
  assert.deepEqual(detail.checkpoints, [1, 2, 3]);
  assert.equal(detail.canReplay, true);
  assert.deepEqual(detail.samples, [{ prompt: 'p <b>', completion: 'c', proxyScore: 2, goldScore: -1, iteration: 3 }]);
  assert.deepEqual(
    detail.saliency.map((m) => [m.path, m.title]),
    [
      ['runs/real/saliency/b.png', 'reward model gradient'],
      ['runs/real/saliency/a.png', 'a'],
    ],
  );
  // the form `goodhart rlhf eval` writes: instruction/input/response, proxy/gold, the checkpoint on top
  writeFileSync(join(root, 'runs', 'unfinished', 'samples.json'), JSON.stringify({ checkpoint: 7, samples: [{ instruction: 'Add', input: '2 + 2', response: '5', proxy: 1.5, gold: -1 }] }));
  const lab = JSON.parse((await get('/api/run?id=runs/unfinished')).body) as RunDetail;
  assert.deepEqual(lab.samples, [{ prompt: 'Add\n\n2 + 2', completion: '5', proxyScore: 1.5, goldScore: -1, iteration: 7 }]);
  rmSync(join(root, 'runs', 'unfinished', 'samples.json'));
  const png = await get('/files/runs/real/saliency/a.png');
  assert.equal(png.status, 200);
  assert.equal(png.type, 'image/png');
});

test('the episode endpoint rolls out a checkpoint with tomato frames, and reads a stored episode.json', async () => {
  const res = await get('/api/episode?id=runs/real&seed=3&checkpoint=2');
  assert.equal(res.status, 200, res.body);
  const ep = JSON.parse(res.body) as Episode;
  assert.equal(ep.source, 'rollout');
  assert.equal(ep.checkpoint, 2);
  assert.equal(ep.steps, 100, 'a tomato episode runs to its horizon');
  assert.equal(ep.grid!.frames.length, ep.steps + 1, 'a frame per state, the first included');
  assert.equal(ep.grid!.lines.length, 10);
  assert.equal(ep.rewards.true.length, ep.steps);
  assert.ok(Math.abs(ep.trueReturn - ep.rewards.true.reduce((a, b) => a + b, 0)) < 1e-9);
  assert.ok(Object.keys(ep.traces).length > 0);
  const again = JSON.parse((await get('/api/episode?id=runs/real&seed=3&checkpoint=2')).body) as Episode;
  assert.deepEqual(again.rewards, ep.rewards, 'the same seed plays the same episode');
  const noCheckpoint = await get('/api/episode?id=runs/real&checkpoint=99');
  assert.equal(noCheckpoint.status, 404);
  assert.match(JSON.parse(noCheckpoint.body).message, /no checkpoint 99; available: 1, 2, 3/);

  const stored = join(root, 'runs', 'unfinished');
  writeFileSync(join(stored, 'episode.json'), JSON.stringify({ env: 'glucose', rewards: { proxy: [1, 2], true: [0.5, -1] }, traces: { bg: [120, 130] } }));
  const st = JSON.parse((await get('/api/episode?id=runs/unfinished')).body) as Episode;
  assert.equal(st.source, 'stored');
  assert.equal(st.proxyReturn, 3);
  assert.equal(st.trueReturn, -0.5);
  assert.deepEqual(st.traces['bg'], [120, 130]);
  assert.equal(st.grid, null);
});

test('a sweep lists its runs with their parameters and final returns', async () => {
  const list = JSON.parse((await get('/api/sweeps')).body) as { sweeps: { id: string; runs: number; axes: Record<string, unknown[]> }[] };
  assert.deepEqual(
    list.sweeps.map((s) => [s.id, s.runs]),
    [['sw1', 3]],
  );
  assert.deepEqual(list.sweeps[0]!.axes['coeff'], [0.1]);
  assert.deepEqual(list.sweeps[0]!.axes['method'], ['none', 'orpo']);
  const sweep = JSON.parse((await get('/api/sweep?id=sw1')).body) as SweepDetail;
  assert.equal(sweep.runs.length, 3);
  const none = sweep.runs.find((r) => r.params['method'] === 'none')!;
  assert.equal(none.final, true);
  assert.ok(Math.abs(none.true! - 3) < 1e-9);
  assert.ok(Math.abs(none.proxy! - 33) < 1e-9);
  assert.equal(none.runId, 'runs/sw1-tomato-none-s0');
  assert.equal(none.params['coeff'], undefined);
});

test('live updates: the event stream sends rows appended to metrics.jsonl, then "finished"', async () => {
  const dir = join(root, 'runs', 'live');
  const run = { iterations: 6, rows: 2, finished: false } as const;
  writeFakeRun(dir, run);
  const detail = JSON.parse((await get('/api/run?id=runs/live')).body) as RunDetail;
  assert.equal(detail.metrics.length, 2);
  const url = new URL(dash.url);
  const events: { event: string; data: string; id?: string }[] = [];
  let partialWritten = false;
  const done = new Promise<void>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: `/api/events?id=runs/live&offset=${detail.metricsOffset}` }, (res) => {
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev: { event: string; data: string; id?: string } = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.data += line.slice(6);
            else if (line.startsWith('id: ')) ev.id = line.slice(4);
          }
          if (ev.data) events.push(ev);
          if (ev.event === 'rows' && !partialWritten) {
            partialWritten = true;
            // a half-written line is held back until its newline arrives
            appendFileSync(join(dir, 'metrics.jsonl'), '{"iteration": 5, "proxyRet');
            setTimeout(() => {
              appendFileSync(join(dir, 'metrics.jsonl'), 'urnMean": 1, "trueReturnMean": 0}\n');
              setTimeout(() => writeFileSync(join(dir, 'summary.json'), '{}'), 150);
            }, 150);
          }
          if (ev.event === 'finished') {
            req.destroy();
            resolve();
          }
        }
      });
    });
    req.on('error', (e) => (events.some((x) => x.event === 'finished') ? resolve() : reject(e)));
    req.end();
  });
  setTimeout(() => appendRows(dir, run, 3, 4), 100);
  await done;
  const rows = events.filter((e) => e.event === 'rows').flatMap((e) => JSON.parse(e.data) as Record<string, number>[]);
  assert.deepEqual(
    rows.map((r) => r['iteration']),
    [3, 4, 5],
    'each new row once, in order, none of those already sent',
  );
  assert.equal(rows[2]!['proxyReturnMean'], 1);
  assert.equal(events[events.length - 1]!.event, 'finished');
  assert.ok(events.every((e) => e.event !== 'rows' || /^\d+$/.test(e.id ?? '')), 'events carry the byte offset as id');
});

test('readMetricsFrom returns only complete new lines and notices a file that shrank', () => {
  const dir = join(tmp, 'tail');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'metrics.jsonl');
  writeFileSync(path, '{"iteration":1}\n{"iteration":2}\n{"itera');
  const first = readMetricsFrom(path, 0);
  assert.deepEqual(first.rows, [{ iteration: 1 }, { iteration: 2 }]);
  assert.equal(first.offset, 32);
  appendFileSync(path, 'tion":3}\n');
  const second = readMetricsFrom(path, first.offset);
  assert.deepEqual(second.rows, [{ iteration: 3 }]);
  writeFileSync(path, '{"iteration":1}\n');
  assert.equal(readMetricsFrom(path, second.offset).truncated, true, 'a resumed run rewrote the file shorter');
  assert.equal(readMetricsFrom(join(dir, 'absent.jsonl'), 0).truncated, false);
});

test('goodhart dashboard: serves until SIGTERM; a missing --runs directory is a usage error', async () => {
  const cli = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'dashboard', '--runs', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out += c;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before serving: ${out}`)));
  });
  const res = await fetch(`${url}/api/runs`);
  assert.equal(res.status, 200);
  assert.ok(((await res.json()) as { runs: unknown[] }).runs.length >= 3);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
  const missing = spawnSync(process.execPath, [cli, 'dashboard', '--runs', join(tmp, 'no-such-dir')], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--runs: directory .* does not exist/);
});

/**
 * End-to-end: the dashboard driven in Debian's headless Chromium through playwright-core (which
 * never downloads a browser). Screenshots go to test-artifacts/dashboard/. Skips, saying why,
 * only when /usr/bin/chromium is absent.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { trainTinyRun, writeFakeRun, writeSweep, appendRows, writeRlhfRun, type SweepRunSpec } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');

describe('dashboard in headless Chromium', { skip: present ? false : `${CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)` }, () => {
  let tmp = '';
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const liveRun = { iterations: 8, rows: 4, finished: false } as const;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'goodhart-e2e-'));
    const root = join(tmp, 'runs-root');
    await trainTinyRun(join(root, 'runs', 'tomato-real'));
    writeFakeRun(join(root, 'runs', 'tomato-hacking'), { iterations: 20, hackGap: 35, finalTrue: 2 });
    writeFakeRun(join(root, 'reproduce-tomato-quick', 'orpo-sa-sqrt_chi2-0.2', 'seed0'), { iterations: 20, method: { kind: 'orpo', coeff: 0.2 }, finalTrue: 9.6 });
    writeFakeRun(join(root, 'runs', 'glucose-live'), { env: 'glucose', ...liveRun });
    writeRlhfRun(join(root, 'runs', 'rlhf-small'));
    const sweep: SweepRunSpec[] = [];
    for (const env of ['tomato', 'glucose']) {
      const scale = env === 'tomato' ? 1 : 10;
      for (const seed of [0, 1]) {
        sweep.push({ env, method: 'none', seed, finalTrue: 3 * scale + seed, hackGap: 30 * scale });
        for (const coeff of [0.01, 0.1, 1]) {
          sweep.push({ env, method: 'ad', divergence: 'kl', coeff, seed, finalTrue: (4 + coeff) * scale + 0.2 * seed, hackGap: (20 / (1 + 10 * coeff)) * scale });
          // not a multiple of tomato's numbers, so the glucose figure has another shape
          sweep.push({ env, method: 'orpo', divergence: 'sqrt_chi2', coeff, seed, finalTrue: env === 'tomato' ? 9 - coeff + 0.1 * seed : 80 + 5 * coeff + seed, hackGap: 0.1 });
        }
      }
    }
    writeSweep(root, 'tomato-grid', sweep);
    dash = await createDashboard({ runsDir: root, port: 0, pollMs: 100 });
    mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1300, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  after(async () => {
    await context?.close();
    await dash?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const points = (selector: string) => page.locator(selector).getAttribute('data-points').then(Number);

  test('run list: filters by text and environment, sorts by a column', async () => {
    await page.goto(`${dash.url}/`);
    const rows = page.locator('#runs-table tbody tr[data-run]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 33, 'five runs and the 28 runs of the sweep');
    await page.fill('#filter-text', 'hacking');
    assert.equal(await rows.count(), 1, (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')))).join());
    assert.equal(await rows.first().getAttribute('data-run'), 'runs/tomato-hacking');
    await page.fill('#filter-text', '');
    await page.selectOption('#filter-env', 'glucose');
    assert.equal(await rows.count(), 15);
    await page.fill('#filter-text', 'live');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run'))), ['runs/glucose-live']);
    await page.fill('#filter-text', '');
    await page.selectOption('#filter-env', 'tomato');
    assert.equal(await rows.count(), 17);
    await page.selectOption('#filter-method', 'ORPO state-action sqrt_chi2');
    assert.equal(await rows.count(), 7, 'the ORPO run and the six tomato ORPO runs of the sweep');
    await page.selectOption('#filter-method', '');
    await page.click('th[data-key="true"]');
    await page.click('th[data-key="true"]');
    const trueCol = await page.locator('#runs-table thead th').evaluateAll((ths) => ths.findIndex((th) => th.getAttribute('data-key') === 'true'));
    const values = (await rows.evaluateAll((trs, col) => trs.map((tr) => tr.children[col]?.textContent ?? ''), trueCol)).map(Number);
    assert.equal(values.length, 17);
    assert.deepEqual(values, [...values].sort((a, b) => b - a), 'sorted by true return, highest first');
    assert.equal(await page.locator('#run-count').textContent(), '17 of 33 runs');
    await shot('run-list');
  });

  test('a run: both curves drawn with the gap shaded, hover read-out, legend toggle, episode replay', async () => {
    await page.goto(`${dash.url}/`);
    await page.click('a.run-link:text("runs/tomato-real")');
    await page.locator('#chart-returns path[data-series="true return"]').waitFor();
    assert.equal(await points('#chart-returns path[data-series="proxy return"]'), 3, 'three iterations of a real training run');
    assert.equal(await points('#chart-returns path[data-series="true return"]'), 3);
    assert.ok(await page.locator('#chart-returns path.gap').count(), 'the gap is shaded');
    assert.ok((await points('#chart-losses path[data-series="vfLoss"]')) === 3);
    assert.match((await page.locator('#run-config').textContent()) ?? '', /"env": "tomato"/);

    const svg = page.locator('#chart-returns svg');
    const box = (await svg.boundingBox())!;
    await svg.hover({ position: { x: box.width * 0.6, y: box.height * 0.5 } });
    const tip = page.locator('#chart-returns .tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match((await tip.textContent()) ?? '', /proxy return: -?\d/);
    assert.match((await tip.textContent()) ?? '', /true return: -?\d/);
    await shot('run-page-hover');

    await page.click('#chart-returns button[data-legend="true return"]');
    assert.equal(await page.locator('#chart-returns path[data-series="true return"]').count(), 0, 'toggled off');
    await page.click('#chart-returns button[data-legend="true return"]');
    assert.equal(await page.locator('#chart-returns path[data-series="true return"]').count(), 1, 'toggled back on');

    await page.fill('#replay-seed', '4');
    await page.click('#replay-load');
    await page.locator('svg.grid-world [data-cell="agent"]').waitFor();
    assert.match((await page.locator('#episode-summary').textContent()) ?? '', /Rollout of checkpoint 3 with seed 4: 100 steps/);
    assert.equal(await page.locator('svg.grid-world [data-cell="tomato"]').count(), 9, 'level 4 has nine tomatoes');
    const start = await page.locator('[data-cell="agent"]').getAttribute('cx');
    await page.locator('#replay-step').fill('100');
    assert.equal(await page.locator('#replay-label').textContent(), 't = 100 / 100');
    assert.equal(await points('#chart-episode-rewards path[data-series="true"]'), 100);
    assert.ok(start !== null);
    await shot('run-page-replay');
  });

  test('live updates: rows appended to metrics.jsonl appear on the open run page', async () => {
    await page.goto(`${dash.url}/#/run/${encodeURIComponent('runs/glucose-live')}`);
    await page.locator('h1:has-text("runs/glucose-live")').waitFor();
    await page.locator('#chart-returns path[data-series="true return"]').waitFor();
    assert.equal(await points('#chart-returns path[data-series="true return"]'), 4);
    assert.equal(await page.locator('#live-indicator').textContent(), '● live');
    appendRows(join(dash.root.root, 'runs', 'glucose-live'), { env: 'glucose', ...liveRun }, 5, 7);
    await page.locator('#chart-returns path[data-series="true return"][data-points="7"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-fact="iterations"]').textContent(), '7 of 8');
    await shot('run-page-live');
  });

  test('a sweep: paper-style figures per method; changing a filter redraws them', async () => {
    await page.goto(`${dash.url}/#/sweeps`);
    await page.click('a.sweep-link');
    await page.locator('#chart-sweep-true path[data-series="orpo sqrt_chi2"]').waitFor();
    assert.equal(await points('#chart-sweep-true path[data-series="orpo sqrt_chi2"]'), 3, 'three coefficients');
    assert.equal(await points('#chart-sweep-true path[data-series="ad kl"]'), 3);
    assert.equal(await page.locator('#chart-sweep-true line[data-ref="none"]').count(), 1, 'no regularisation is a reference line');
    assert.equal(await page.locator('#sweep-filter-env').inputValue(), 'glucose', 'environments are not mixed: the first is shown');
    assert.equal(await page.locator('#sweep-runs tbody tr').count(), 14, 'one environment: 7 runs x 2 seeds');
    assert.equal(await page.locator('#chart-sweep-true line.err').count() > 0, true, 'error bars over the two seeds');
    const glucosePath = await page.locator('#chart-sweep-true path[data-series="orpo sqrt_chi2"]').getAttribute('d');
    await shot('sweep-glucose');

    await page.selectOption('#sweep-filter-env', 'tomato');
    const tomatoPath = await page.locator('#chart-sweep-true path[data-series="orpo sqrt_chi2"]').getAttribute('d');
    assert.notEqual(tomatoPath, glucosePath, 'the figure follows the filter');
    const envs = await page.locator('#sweep-runs tbody tr td:first-child').allTextContents();
    assert.ok(envs.length === 14 && envs.every((e) => e === 'tomato'), envs.join());
    // tomato's ORPO true return falls with the coefficient (9 - coeff): the line goes down the page
    const ys = [...tomatoPath!.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    assert.ok(ys[0]! < ys[2]!, tomatoPath!);

    await page.uncheck('#sweep-series input[data-group="orpo sqrt_chi2"]');
    assert.equal(await page.locator('#chart-sweep-true path[data-series="orpo sqrt_chi2"]').count(), 0);
    assert.equal(await page.locator('#chart-sweep-proxy path[data-series="ad kl"]').count(), 1);
    await page.uncheck('#sweep-logx');
    await shot('sweep-tomato-filtered');
    await page.check('#sweep-series input[data-group="orpo sqrt_chi2"]');
    assert.equal(await page.locator('#chart-sweep-true path[data-series="orpo sqrt_chi2"]').count(), 1);
  });

  test('an RLHF run: samples with proxy and gold scores, searchable; saliency maps load', async () => {
    await page.goto(`${dash.url}/#/run/${encodeURIComponent('runs/rlhf-small')}`);
    await page.locator('h1:has-text("runs/rlhf-small")').waitFor();
    await page.locator('#samples table').waitFor();
    const rows = page.locator('#samples tbody tr');
    assert.equal(await rows.count(), 3);
    assert.equal(await points('#chart-samples g[data-markers="samples"]'), 3, 'one point per sample');
    // highest proxy - gold gap first: the sample that games the reward model
    assert.match((await rows.first().textContent()) ?? '', /<script>alert\(1\)<\/script>/, 'markup in a sample is shown as text');
    await page.fill('#samples-search', 'capital');
    assert.equal(await rows.count(), 1);
    const img = page.locator('#saliency img');
    assert.equal(await img.count(), 2);
    await page.locator('#saliency figcaption:has-text("gradient saliency")').waitFor();
    const widths = await img.evaluateAll((els) => els.map((e) => (e as unknown as { naturalWidth: number }).naturalWidth));
    assert.deepEqual(widths, [8, 8], 'the PNGs are served and decoded');
    assert.equal(await page.locator('script').count(), 1, 'no script from sample text got into the page');
    await shot('run-page-rlhf');
  });

  test('missing pages: a clear message in the app and a 404 page from the server', async () => {
    await page.goto(`${dash.url}/#/run/${encodeURIComponent('../etc')}`);
    await page.locator('#page-error').waitFor();
    assert.match((await page.locator('#page-error').textContent()) ?? '', /not found/);
    const res = await page.goto(`${dash.url}/no/such/page`);
    assert.equal(res?.status(), 404);
    assert.match((await page.locator('h1').textContent()) ?? '', /404/);
    await shot('not-found');
    const unexpected = pageErrors.filter((e) => !/404/.test(e));
    assert.deepEqual(unexpected, [], 'no script errors on any page');
  });
});

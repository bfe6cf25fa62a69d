/** The dashboard's entry point: a hash router over the run list, run pages, sweep list and sweep pages. */
import { h, clear } from './dom.js';
import { showRuns } from './runs-page.js';
import { showRun } from './run-page.js';
import { showSweep, showSweeps } from './sweep-page.js';

let leaving: (() => void)[] = [];

async function route(): Promise<void> {
  for (const f of leaving) f();
  leaving = [];
  const app = document.getElementById('app');
  if (!app) return;
  const hash = location.hash.replace(/^#/, '') || '/';
  const onLeave = (f: () => void) => leaving.push(f);
  // the old page goes at once, so nothing stale is shown (or clicked) while the new one loads
  clear(app);
  app.appendChild(h('p', { class: 'muted' }, 'loading…'));
  try {
    let m: RegExpExecArray | null;
    if (hash === '/' || hash === '/runs') await showRuns(app, onLeave);
    else if ((m = /^\/run\/(.+)$/.exec(hash))) await showRun(app, decodeURIComponent(m[1]!), onLeave);
    else if (hash === '/sweeps') await showSweeps(app);
    else if ((m = /^\/sweep\/(.+)$/.exec(hash))) await showSweep(app, decodeURIComponent(m[1]!));
    else throw new Error(`no page "${hash}"`);
    window.scrollTo(0, 0);
    document.title = `Goodhart dashboard — ${hash === '/' ? 'runs' : decodeURIComponent(hash.slice(1))}`;
  } catch (err) {
    clear(app);
    app.appendChild(h('h1', {}, 'Not found'));
    app.appendChild(h('p', { class: 'error', id: 'page-error' }, (err as Error).message));
    app.appendChild(h('p', {}, h('a', { href: '#/' }, 'back to the run list')));
  }
}

window.addEventListener('hashchange', () => void route());
void route();

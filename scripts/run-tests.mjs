// Runs every compiled test file with Node's own test runner (Node 20 cannot expand globs itself).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// Slow reproduction checks live in *.slow.test.js and run only with --slow (npm run test:slow).
const slow = process.argv.includes('--slow');
const extra = process.argv.slice(2).filter((a) => a !== '--slow');
const files = find('dist/test')
  .filter((f) => f.endsWith('.slow.test.js') === slow)
  .sort();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...extra, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);

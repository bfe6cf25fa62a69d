/** Paths of files shipped with the package (assets, configs), independent of the working directory. */
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';

/** The package root: the nearest ancestor of this module holding package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('could not locate the goodhart package root');
}

export function assetPath(...parts: string[]): string {
  return join(packageRoot(), 'assets', ...parts);
}

/** The compiled CLI entry point, for running jobs in child processes. */
export function cliEntry(): string {
  return join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
}

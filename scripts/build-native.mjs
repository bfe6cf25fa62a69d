// Builds the optional native kernels (native/, an N-API addon) with node-gyp. Run by `npm install`
// and `npm ci`; never fails the install: without a C++ compiler, Node headers or node-gyp, it says
// why and the project runs on TensorFlow.js's own wasm kernels (see src/nn/native.ts).
//
//   node scripts/build-native.mjs      build (again)
//   GOODHART_NATIVE=0 npm ci           skip the build
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');

function done(message, ok) {
  console.log(`goodhart: ${message}`);
  process.exit(ok || !strict ? 0 : 1);
}

if (['0', 'false', 'off', 'no'].includes((process.env.GOODHART_NATIVE ?? '').toLowerCase())) {
  done('native kernels skipped (GOODHART_NATIVE=0); using the TensorFlow.js wasm kernels', true);
}

// npm hands its bundled node-gyp to lifecycle scripts; otherwise look next to this Node's npm.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) done('native kernels not built (node-gyp not found); using the TensorFlow.js wasm kernels', false);

const args = [candidates[0], 'rebuild', '--directory', join(root, 'native')];
// Build against the headers of the running Node when they are installed (no download needed).
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });
if (result.status === 0 && existsSync(join(root, 'native', 'build', 'Release', 'goodhart_native.node'))) {
  done('native kernels built (native/build/Release/goodhart_native.node)', true);
}
const log = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
console.log(log);
done(`native kernels not built (${result.error?.message ?? `node-gyp exited with ${result.status}`}); using the TensorFlow.js wasm kernels`, false);

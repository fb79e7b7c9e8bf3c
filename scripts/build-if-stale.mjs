#!/usr/bin/env node
/**
 * `npm start`'s prestart: runs `npm run build` (tsc into dist/, then the page into
 * web/dist/, about 8 s) only when a source is newer than the last build, so a start
 * with nothing changed goes straight to logharbor. Plain Node (no tsx): it runs before
 * anything is compiled.
 *
 * Newer means: a file (or a directory: a deleted or renamed file changes its directory)
 * under the compiled folders, web/, tsconfig.json or the package files has an mtime past
 * the build's start, recorded in dist/.build-started by this script; without that record
 * (a build run another way), past the older of dist/cli/main.js and web/dist/app.js.
 * A missing output is stale. `--force` always builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What `npm run build` reads: tsconfig.json's include, the page, and what sets them up. */
const INPUT_DIRS = ['core', 'collector', 'api', 'cli', 'server', 'web'];
const INPUT_FILES = ['tsconfig.json', 'package.json', 'package-lock.json'];
const SKIP = new Set(['node_modules', 'dist']);
const OUTPUTS = ['dist/cli/main.js', 'web/dist/app.js'];
const STAMP = 'dist/.build-started';

/**
 * The newest mtime (ms) under `dir`, directories included (but for one that holds an
 * output folder, as web/ does: the build remakes web/dist/ inside it); 0 when absent.
 */
function newest(dir) {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = existsSync(path.join(dir, 'dist')) ? 0 : st.mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    max = Math.max(max, newest(path.join(dir, e.name)));
  }
  return max;
}

/** Why a build is needed, or null. */
export function staleReason(root = ROOT) {
  const missing = OUTPUTS.find((f) => !existsSync(path.join(root, f)));
  if (missing) return `${missing} is missing`;
  const stamp = path.join(root, STAMP);
  const builtAt = existsSync(stamp)
    ? statSync(stamp).mtimeMs
    : Math.min(...OUTPUTS.map((f) => statSync(path.join(root, f)).mtimeMs));
  for (const p of [...INPUT_DIRS, ...INPUT_FILES]) {
    if (newest(path.join(root, p)) > builtAt) return `${p} changed since the last build`;
  }
  return null;
}

function build() {
  const started = new Date();
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // The build's start, not its end: a file saved while it ran is newer and builds again.
  writeFileSync(path.join(ROOT, STAMP), '');
  utimesSync(path.join(ROOT, STAMP), started, started);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const why = process.argv.includes('--force') ? 'asked (--force)' : staleReason();
  if (why !== null) {
    process.stderr.write(`building: ${why}\n`);
    build();
  }
}

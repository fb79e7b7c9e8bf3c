/**
 * `npm start` builds only when a source is newer than the last build (issue 18):
 * scripts/build-if-stale.mjs on a small tree with chosen mtimes.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staleReason } from '../../../scripts/build-if-stale.mjs';

let root = '';
const at = (rel: string, sec: number, body = '') => {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, body);
  utimesSync(file, sec, sec);
};
const dirTime = (rel: string, sec: number) => utimesSync(path.join(root, rel), sec, sec);

function tree(): void {
  root = mkdtempSync(path.join(tmpdir(), 'lh-stale-'));
  at('core/record.ts', 1000);
  at('web/src/main.ts', 1000);
  at('package.json', 1000);
  at('dist/cli/main.js', 2000);
  at('web/dist/app.js', 2000);
  for (const d of ['core', 'web/src', 'web', 'dist', 'dist/cli', 'web/dist']) dirTime(d, 1000);
}

describe('build-if-stale', () => {
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('skips the build when every output is newer than every source', () => {
    tree();
    expect(staleReason(root)).toBeNull();
    // Rebuilding the page remakes web/dist inside web/: not a source change.
    dirTime('web', 3000);
    expect(staleReason(root)).toBeNull();
  });

  it('builds when a source, the package files or a directory (a deleted file) changed', () => {
    tree();
    at('core/record.ts', 3000);
    expect(staleReason(root)).toBe('core changed since the last build');
    tree();
    at('web/src/main.ts', 3000);
    expect(staleReason(root)).toBe('web changed since the last build');
    tree();
    at('package.json', 3000);
    expect(staleReason(root)).toBe('package.json changed since the last build');
    tree();
    dirTime('core', 3000);
    expect(staleReason(root)).toBe('core changed since the last build');
  });

  it('builds when an output is missing, and goes by the recorded build start', () => {
    tree();
    rmSync(path.join(root, 'web/dist/app.js'));
    expect(staleReason(root)).toBe('web/dist/app.js is missing');
    tree();
    // A file saved during the last build (after it started, before its outputs): stale.
    at('dist/.build-started', 1500);
    at('core/record.ts', 1800);
    expect(staleReason(root)).toBe('core changed since the last build');
  });
});

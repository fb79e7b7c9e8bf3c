/**
 * Headless Chromium for the viewer's tests: Debian's `chromium` package driven by
 * npm `playwright-core` (whose own browser download cannot work here). A missing
 * browser skips the browser tests with the reason, or fails them on CI (through
 * test/support/skip.ts); everything else that goes wrong fails.
 *
 * The page under test is web/dist, which the API serves: `ensureViewerBuilt()` rebuilds
 * it (web/build.ts) when any source is newer than the bundle, so a test never runs
 * yesterday's page. Two test files may ask at once: a lock directory makes one build
 * while the other waits, then finds the bundle fresh.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { PACKAGE_ROOT, WEB_DIST_DIR } from '../../core/paths.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, self-contained headless run (no network of its own, no sandbox as root). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why the browser tests cannot run here, or null; for
 * `describe.skipIf(unavailable('the browser tests', browserUnavailable()))`.
 */
export function browserUnavailable(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  return (
    `${CHROMIUM_PATH} is missing: apt-get install -y --no-install-recommends chromium ` +
    '(.ci/run does this)'
  );
}

/**
 * A fresh headless Chromium (playwright gives it a fresh user-data-dir); `extraArgs`
 * such as `--host-resolver-rules=MAP evil.test 127.0.0.1` (issue 15's rebinding tests).
 */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 60_000,
  });
}

const WEB_DIR = path.join(PACKAGE_ROOT, 'web');
const BUNDLE = path.join(WEB_DIST_DIR, 'app.js');
const LOCK = path.join(tmpdir(), 'logharbor-web-build.lock');
const LOCK_STALE_MS = 120_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'dist') newest = Math.max(newest, newestSource(p));
    } else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function bundleFresh(): boolean {
  return existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newestSource(WEB_DIR);
}

function takeLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    // A lock left by a killed run must not block every later one.
    const held = statSync(LOCK, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS)
      rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

/** Builds web/dist unless it is newer than every file under web/. */
export async function ensureViewerBuilt(): Promise<void> {
  const until = Date.now() + LOCK_STALE_MS;
  while (!bundleFresh()) {
    if (takeLock()) {
      try {
        if (!bundleFresh()) {
          await promisify(execFile)(
            path.join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'),
            [path.join(WEB_DIR, 'build.ts')],
            { cwd: PACKAGE_ROOT, timeout: 60_000 },
          );
        }
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > until) throw new Error(`web build lock ${LOCK} held for too long`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

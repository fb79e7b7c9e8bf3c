/**
 * Issue 14: on CI (LOGHARBOR_TEST_REQUIRE_PROGRAMS=1) a test whose program is missing
 * fails instead of skipping. That holds only if every skip in test/ asks
 * test/support/skip.ts, so this file greps for them: a new `skipIf(!has(...))` or
 * `it.skip` fails here, not silently on CI. It also checks that .ci/run installs every
 * package the helper may demand and sets the switch, and what the helper decides.
 */
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEBIAN_PACKAGES } from '../../dev/programs.js';
import {
  OPTIONAL_PROGRAMS,
  REQUIRE_PROGRAMS,
  actOn,
  programsVerdict,
  skipOrFail,
  verdict,
  type Verdict,
} from '../support/skip.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const HELPER = 'test/support/skip.ts';
const SELF = 'test/unit/skips.test.ts';

/** Functions that decide through the helper: calling them is a routed skip. */
const ROUTED = /^(?:absent|unavailable)\(|^await startDocker\(/;

/** The text after `open` up to its matching `)`. */
function argument(src: string, open: number): string {
  let depth = 1;
  for (let i = open + 1; i < src.length; i++) {
    if (src[i] === '(') depth++;
    else if (src[i] === ')' && --depth === 0) return src.slice(open + 1, i).trim();
  }
  return src.slice(open + 1).trim();
}

/**
 * Every skip in `source` that does not go through the helper. Doc comments and whole-line
 * comments are left out (they may show a call); anything else that looks like a skip
 * counts, conservatively.
 */
function unroutedSkips(source: string): string[] {
  const src = source.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
  const bad: string[] = [];
  for (const m of src.matchAll(/\.(skipIf|runIf)\s*\(/g)) {
    const arg = argument(src, m.index + m[0].length - 1);
    if (ROUTED.test(arg)) continue;
    // An identifier bound once, in this file, to a routed call.
    const bound = /^[A-Za-z_$][\w$]*$/.test(arg)
      ? new RegExp(`\\bconst ${arg} = ([^;]*)`).exec(src)?.[1]?.trim()
      : undefined;
    if (bound !== undefined && ROUTED.test(bound)) continue;
    bad.push(`${m[1]}(${arg})`);
  }
  // Unconditional skips, and the test context's skip(): nothing decides them.
  for (const m of src.matchAll(/\.(?:skip|todo)\b(?!If)|\bskip\(\s*\)/g)) bad.push(m[0]);
  // A hand-written skip warning means a skip decided elsewhere.
  if (src.includes('SKIPPING')) bad.push('SKIPPING');
  return bad;
}

function testFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(rel);
    return rel.endsWith('.ts') && rel !== HELPER && rel !== SELF ? [rel] : [];
  });
}

describe('every skip in test/ goes through test/support/skip.ts', () => {
  const files = testFiles('test');

  it('finds the test files (the scan is not looking at nothing)', () => {
    expect(files).toContain('test/integration/syslog/logger.test.ts');
    expect(files).toContain('test/support/docker.ts');
  });

  it('no file skips on its own', () => {
    const found = files
      .map((f) => [f, unroutedSkips(readFileSync(path.join(root, f), 'utf8'))] as const)
      .filter(([, bad]) => bad.length > 0);
    expect(Object.fromEntries(found)).toEqual({});
  });

  it('startDocker, the routed call that is not the helper itself, asks the helper', () => {
    const docker = readFileSync(path.join(root, 'test/support/docker.ts'), 'utf8');
    expect(docker).toMatch(/import \{ unavailable \} from '\.\/skip\.js'/);
    expect(docker).toMatch(/\bunavailable\('the Docker engine tests', reason\)/);
  });

  it('the scan reports the skips that bypass the helper', () => {
    const src = [
      "const noLogger = missing('logger');",
      'describe.skipIf(noLogger)("a", () => {});',
      "it.skipIf(!which('docker'))('b', () => {});",
      'describe.runIf(engine)("c", () => {});',
      'it.skip("d", () => {});',
      'describe.skip.each([1])("e", () => {});',
      'it.todo("f");',
      "it('g', ({ skip }) => { skip(); });",
      "console.warn('SKIPPING h');",
    ].join('\n');
    expect(unroutedSkips(src)).toEqual([
      'skipIf(noLogger)',
      "skipIf(!which('docker'))",
      'runIf(engine)',
      '.skip',
      '.skip',
      '.todo',
      'skip()',
      'SKIPPING',
    ]);
  });

  it('and accepts the routed ones, and calls shown in comments', () => {
    const src = [
      "describe.skipIf(absent('logger'))('a', () => {});",
      "describe.skipIf(unavailable('the browser tests', browserUnavailable()))('b', () => {});",
      "const noLogger = absent('logger');",
      "it.skipIf(noLogger)('c', () => {});",
      'const engine = await startDocker();',
      "describe.runIf(engine)('d', () => {});",
      '/** Skip with `describe.skipIf(x)`. */',
      '  // it.skip is not allowed',
    ].join('\n');
    expect(unroutedSkips(src)).toEqual([]);
  });
});

describe('.ci/run provides what the helper may demand', () => {
  const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');

  it('installs every Debian package dev/programs.ts names', () => {
    const table = /declare -A PACKAGE_FILES=\(([\s\S]*?)\n\)/.exec(ci)?.[1] ?? '';
    const installed = [...table.matchAll(/^\s*\[([^\]]+)\]=/gm)].map((m) => m[1]);
    expect(installed).toContain('bsdutils');
    const wanted = [...new Set(Object.values(DEBIAN_PACKAGES))];
    expect(wanted.filter((p) => !installed.includes(p))).toEqual([]);
  });

  it('turns the switch on before npm test', () => {
    const step = /\n\s*test\)\n([\s\S]*?);;/.exec(ci)?.[1] ?? '';
    const on = step.indexOf(`export ${REQUIRE_PROGRAMS}="\${${REQUIRE_PROGRAMS}:-1}"`);
    expect(on).toBeGreaterThanOrEqual(0);
    expect(step.indexOf('npm test </dev/null')).toBeGreaterThan(on);
  });

  it('optional programs are the ones Debian does not package', () => {
    expect(Object.keys(OPTIONAL_PROGRAMS)).toEqual(['hadolint']);
    expect(Object.keys(DEBIAN_PACKAGES)).not.toContain('hadolint');
  });
});

describe('what the helper decides', () => {
  const on = { [REQUIRE_PROGRAMS]: '1' };
  let dir: string | null = null;
  afterEach(() => {
    vi.unstubAllEnvs();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  /** PATH = a directory holding only fake executables named `names`. */
  function pathWith(...names: string[]): void {
    dir = mkdtempSync(path.join(tmpdir(), 'lh-skip-'));
    for (const n of names) {
      writeFileSync(path.join(dir, n), '#!/bin/sh\n');
      chmodSync(path.join(dir, n), 0o755);
    }
    vi.stubEnv('PATH', dir);
  }

  it('a missing program skips locally, naming the Debian package', () => {
    pathWith();
    const v = programsVerdict(['logger'], {});
    expect(v).toEqual({
      kind: 'skip',
      what: 'the tests that need logger',
      message:
        'SKIPPING the tests that need logger: not installed: logger ' +
        '(apt-get install --no-install-recommends bsdutils; .ci/run does this)',
    });
  });

  it('and fails with the switch on, with the same reason', () => {
    pathWith();
    const v = programsVerdict(['logger'], on);
    expect(v.kind).toBe('fail');
    expect(v.kind !== 'run' && v.message).toMatch(
      /^the tests that need logger cannot run: not installed: logger \(apt-get install --no-install-recommends bsdutils; .*LOGHARBOR_TEST_REQUIRE_PROGRAMS=1/,
    );
  });

  it('only the missing ones are named; all present runs', () => {
    pathWith('logger');
    expect(programsVerdict(['logger'], on)).toEqual({ kind: 'run' });
    const v = programsVerdict(['logger', 'busybox'], on);
    expect(v.kind !== 'run' && v.message).toMatch(/not installed: busybox \(.*busybox-static/);
  });

  it('hadolint stays a skip with the switch on, and says why', () => {
    pathWith();
    const v = programsVerdict(['hadolint'], on);
    expect(v.kind).toBe('skip');
    expect(v.kind !== 'run' && v.message).toContain('not packaged for Debian');
    expect(v.kind !== 'run' && v.message).not.toContain('apt-get');
  });

  it('a required program beside an optional one still fails', () => {
    pathWith();
    expect(programsVerdict(['hadolint', 'logger'], on).kind).toBe('fail');
  });

  it('any other check: skip locally, fail with the switch, run when fine', () => {
    expect(verdict('x', 'no engine', null, {}).kind).toBe('skip');
    expect(verdict('x', 'no engine', null, on).kind).toBe('fail');
    expect(verdict('x', 'no engine', null, { [REQUIRE_PROGRAMS]: '0' }).kind).toBe('skip');
    expect(verdict('x', null, null, on)).toEqual({ kind: 'run' });
  });

  it('inside a running test: skips it locally, throws the reason with the switch on', () => {
    const skipped: (string | undefined)[] = [];
    const ctx = { skip: (note?: string) => void skipped.push(note) };
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(() => skipOrFail(ctx, 'the tmpfs test', 'mount: permission denied', on)).toThrow(
      /^the tmpfs test cannot run: mount: permission denied\. LOGHARBOR_TEST_REQUIRE_PROGRAMS=1/,
    );
    expect(skipped).toEqual([]);
    skipOrFail(ctx, 'the tmpfs test', 'mount: permission denied', {});
    expect(skipped).toEqual(['SKIPPING the tmpfs test: mount: permission denied']);
  });

  it('a failure is a registered test that throws the message; a skip registers none', () => {
    const registered: { name: string; fn: () => void }[] = [];
    const register = (name: string, fn: () => void): void => void registered.push({ name, fn });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(actOn({ kind: 'run' }, register)).toBe(false);
    expect(actOn({ kind: 'skip', what: 'x', message: 'why' }, register)).toBe(true);
    expect(registered).toEqual([]);
    const fail: Verdict = {
      kind: 'fail',
      what: 'the logger tests',
      message: 'apt-get install bsdutils',
    };
    expect(actOn(fail, register)).toBe(true);
    expect(registered.map((r) => r.name)).toEqual([
      'the logger tests: what they need is installed (LOGHARBOR_TEST_REQUIRE_PROGRAMS=1)',
    ]);
    expect(registered[0]!.fn).toThrow('apt-get install bsdutils');
  });
});

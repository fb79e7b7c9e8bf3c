/**
 * A clone in an empty folder must pass its own tests (issue 14): nothing in the
 * repository may read a path outside it. Two checks over every tracked source file (code,
 * tests, bench, scripts, CI): no literal path to a sibling folder or to this machine's
 * directories, and every path built relative to a source file's own location
 * (`import.meta.dirname`, `__dirname`, `new URL(rel, import.meta.url)`) stays inside the
 * repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

const SOURCE = /\.(ts|js|mjs|cjs|json|ya?ml|sh)$|(^|\/)(Dockerfile|run)$/;
/** This file names the patterns it looks for. */
const SELF = 'test/unit/self-contained.test.ts';

function trackedSources(): string[] {
  return execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => SOURCE.test(f) && f !== SELF && f !== 'package-lock.json');
}

/** Literal paths that only exist on some machine, or beside the repository. */
const OUTSIDE = [
  /\.\.\/shared\b/,
  /(^|[^\w.])\/work\//,
  /(^|[^\w.])\/home\/\w/,
  /(^|[^\w.])\/Users\/\w/,
  /(^|[^\w.])\/root\/\w/,
];

/** Paths built relative to the file itself: `path.resolve(import.meta.dirname, 'a', '../b')` and the like. */
const RELATIVE_TO_SELF = [
  /path\.(?:resolve|join)\(\s*(?:import\.meta\.dirname|__dirname)\s*,((?:\s*'[^']*'\s*,?)+)\)/g,
  /new URL\(\s*'([^']*)'\s*,\s*import\.meta\.url\s*\)/g,
];

function outsidePaths(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const re of OUTSIDE) if (re.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  const dir = path.join(ROOT, path.dirname(file));
  for (const re of RELATIVE_TO_SELF) {
    for (const m of text.matchAll(re)) {
      const parts = [...m[1]!.matchAll(/'([^']*)'/g)].map((p) => p[1]!);
      const parts2 = parts.length > 0 ? parts : [m[1]!];
      const target = path.resolve(dir, ...parts2);
      if (target !== ROOT && !target.startsWith(ROOT + path.sep))
        found.push(`${file}: ${m[0]} resolves outside the repository (${target})`);
    }
  }
  return found;
}

describe('the repository stands alone', () => {
  it('finds the planted paths it looks for (the check can fail)', () => {
    // The planted texts are put together here, so this file holds no outside path itself
    // (a scanner reading the repository need not know it is a test of one).
    const shared = ['shared', 'fixtures'].join('/');
    const up = (n: number) => '../'.repeat(n);
    expect(outsidePaths('test/unit/x.ts', `readFileSync('${up(1)}${shared}/a.bin')`)).toHaveLength(
      1,
    );
    expect(outsidePaths('test/unit/x.ts', `const F = '/work/${shared}';`)).toHaveLength(1);
    expect(
      outsidePaths(
        'test/unit/syslog/x.ts',
        `path.resolve(import.meta.dirname, '${up(4)}elsewhere')`,
      ),
    ).toHaveLength(1);
    expect(
      outsidePaths('test/fuzz/x.ts', `new URL('${up(3)}${shared}/', import.meta.url)`),
    ).toHaveLength(2);
    expect(
      outsidePaths('test/unit/x.ts', `path.resolve(import.meta.dirname, '${up(2)}fixtures')`),
    ).toEqual([]);
    expect(outsidePaths('dev/x.ts', "readFileSync('/usr/bin/chromium')")).toEqual([]);
  });

  it('no tracked source reads a path outside the repository', () => {
    const files = trackedSources();
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) => outsidePaths(f, readFileSync(path.join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });
});

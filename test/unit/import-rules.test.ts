/**
 * The layout's import rules (docs/architecture.md, "Layout"): contracts between parts live
 * in core/, so no part reaches into another's folder. Checked over every tracked source
 * file's relative imports (static, dynamic and `export ... from`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Top folder → top folders it must not import from. */
const FORBIDDEN: Record<string, readonly string[]> = {
  core: ['collector', 'api', 'web', 'cli', 'server', 'test', 'bench', 'dev'],
  collector: ['api', 'web', 'cli', 'server', 'test', 'bench', 'dev'],
  api: ['collector', 'web', 'cli', 'server', 'test', 'bench', 'dev'],
  web: ['api', 'collector', 'cli', 'server', 'test', 'bench', 'dev'],
  cli: ['api', 'web', 'test', 'bench', 'dev'],
  server: ['web', 'test', 'bench', 'dev'],
  dev: ['test', 'bench'],
  test: ['bench'],
  bench: ['test'],
};

const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** `file`'s relative imports that break the rules, as `file -> target`. */
export function violations(file: string, text: string): string[] {
  const top = file.split('/')[0]!;
  const forbidden = FORBIDDEN[top] ?? [];
  const out: string[] = [];
  for (const m of text.matchAll(SPEC)) {
    const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), m[1]!));
    const targetTop = target.split(path.sep)[0]!;
    if (forbidden.includes(targetTop)) out.push(`${file} -> ${target}`);
  }
  return out;
}

describe('import rules', () => {
  it('catches a planted violation (the check can fail)', () => {
    expect(violations('web/src/x.ts', "import { a } from '../../api/doctor/report.js';")).toEqual([
      'web/src/x.ts -> api/doctor/report.js',
    ]);
    expect(
      violations('api/tail/x.ts', "export { b } from '../../collector/writer/unit.js';"),
    ).toHaveLength(1);
    expect(
      violations('bench/x.ts', "const m = await import('../test/support/db.js');"),
    ).toHaveLength(1);
    expect(violations('api/x.ts', "import { c } from '../core/record.js';")).toEqual([]);
  });

  it('no tracked source breaks them', () => {
    const files = execFileSync('git', ['ls-files', '*.ts', '*.js', '*.mjs'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f && f !== 'test/unit/import-rules.test.ts');
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) => violations(f, readFileSync(path.join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });
});

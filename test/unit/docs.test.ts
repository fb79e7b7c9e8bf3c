import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Errors } from '../../core/errors.js';
import { withTables } from '../../scripts/config-table.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('has the configuration and error tables generated from their definitions (npm run docs:config)', () => {
    expect(withTables(readme)).toBe(readme);
  });

  it('error codes are unique', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

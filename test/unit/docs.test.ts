import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Errors } from '../../core/errors.js';
import { withTables } from '../../scripts/config-table.js';
import {
  constantFigures,
  figureNames,
  webFigures,
  withFigures,
} from '../../scripts/readme-figures.js';
import { bundleWeb } from '../../web/bundle.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('has the configuration and error tables generated from their definitions (npm run docs:config)', () => {
    expect(withTables(readme)).toBe(readme);
  });

  it('has the figures a fresh build of the page and the constants give (npm run build)', async () => {
    const bundle = await bundleWeb({ write: false });
    const want = { ...constantFigures(), ...webFigures(bundle) };
    expect(withFigures(readme, want)).toBe(readme);
    // Every figure is in the README, where a typed number used to go stale.
    expect(new Set(figureNames(readme))).toEqual(new Set(Object.keys(want)));
  });

  it('error codes are unique', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

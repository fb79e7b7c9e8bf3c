/**
 * The wire captures kept in the repository (test/fixtures/, provenance in its README).
 * Every test, fuzz seed and benchmark reads them through here, so nothing reads a path
 * outside the repository.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** test/fixtures, with a trailing separator-free absolute path. */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../test/fixtures');

/** A capture by its path under test/fixtures, e.g. `docker-20.10/fluentd-default.bin`. */
export function readFixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, name));
}

/**
 * The container list as shown (api/container-list.ts): a row known only by id goes inside
 * the named row of the same short id, in the named row's place; otherwise it stays.
 */
import { describe, expect, it } from 'vitest';
import { foldUnnamed, type StoredContainer } from '../../../api/container-list.js';

const row = (
  name: string | null,
  id: string | null,
  count: number,
  seen: [string, string],
  inRange: number | null = null,
): StoredContainer => ({
  container_name: name,
  container_id: id,
  project: null,
  service: null,
  host: null,
  count,
  first_seen: seen[0],
  last_seen: seen[1],
  count_in_range: inRange,
});

const A = 'a'.repeat(64);

describe('foldUnnamed', () => {
  it('shows an id-only row inside the named row of its short id', () => {
    const out = foldUnnamed([
      row('api', 'f'.repeat(64), 1, ['2025-01-01', '2025-01-02'], 0),
      row('web', A, 5, ['2025-01-02', '2025-01-03'], 2),
      row(null, A.slice(0, 12), 3, ['2025-01-01', '2025-01-04'], 1),
      row(null, 'c'.repeat(12), 4, ['2025-01-01', '2025-01-01'], 4),
    ]);
    expect(out.map((c) => [c.container_name, c.container_id, c.count, c.count_in_range])).toEqual([
      ['api', 'f'.repeat(64), 1, 0],
      ['web', A, 8, 3],
      [null, 'c'.repeat(12), 4, 4],
    ]);
    expect(out[1]).toMatchObject({ first_seen: '2025-01-01', last_seen: '2025-01-04' });
  });

  it('picks the most recent of two names holding one id (a renamed container)', () => {
    const out = foldUnnamed([
      row('old', A, 1, ['2025-01-01', '2025-01-02']),
      row('new', A, 1, ['2025-01-02', '2025-01-05']),
      row(null, A.slice(0, 12), 2, ['2025-01-03', '2025-01-03']),
    ]);
    expect(out.map((c) => [c.container_name, c.count])).toEqual([
      ['old', 1],
      ['new', 3],
    ]);
  });

  it('leaves rows without an id, or with a short one, alone; copies, never mutates', () => {
    const input = [row('web', null, 1, ['a', 'b']), row(null, 'abc', 1, ['a', 'b'])];
    const out = foldUnnamed(input);
    expect(out).toEqual(input);
    out[0]!.count = 99;
    expect(input[0]!.count).toBe(1);
  });
});

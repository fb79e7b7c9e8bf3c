/**
 * collector/writer/blocks.ts: the container lists a block carries (migration 007). That
 * PostgreSQL reads them and searches prune by them is checked on a real server in
 * test/integration/api/block-search.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_MAX_CONTAINERS, BlockWriter } from '../../../collector/writer/blocks.js';
import type { Committed } from '../../../core/tail-commits.js';
import { newRecord } from '../../../core/record.js';

let nextId = 1000;
function rows(names: (string | null)[]): Committed[] {
  return names.map((name) => ({
    id: nextId++,
    record: {
      ...newRecord('forward', 1_764_000_000, 0, 'a line'),
      containerName: name,
      containerId: name === null ? null : `id-${name}`,
    },
  }));
}

/** The `containers` and `container_ids` values of the statement's one block row. */
function lists(sql: string): [string, string] {
  const m = /, (NULL|ARRAY\[.*?\]::text\[\]), (NULL|ARRAY\[.*?\]::text\[\])\)\s+ON CONFLICT/s.exec(
    sql,
  );
  expect(m, sql.slice(0, 300)).not.toBeNull();
  return [m![1]!, m![2]!];
}

describe('block container lists', () => {
  it('lists each name and id once, quoted, and leaves rows without one out', () => {
    const w = new BlockWriter(100);
    const sql = w.sql(rows(['web', "o'brien", 'web', null, 'db']));
    expect(lists(sql)).toEqual([
      "ARRAY['web', 'o''brien', 'db']::text[]",
      "ARRAY['id-web', 'id-o''brien', 'id-db']::text[]",
    ]);
  });

  it('keeps the lists of the open block across batches', () => {
    const w = new BlockWriter(100);
    w.sql(rows(['web']));
    expect(lists(w.sql(rows(['api'])))[0]).toBe("ARRAY['web', 'api']::text[]");
  });

  it('says "not known" (NULL) past the limit, for the rest of the block only', () => {
    const w = new BlockWriter(BLOCK_MAX_CONTAINERS + 10);
    const many = Array.from({ length: BLOCK_MAX_CONTAINERS + 1 }, (_, i) => `c${i}`);
    expect(lists(w.sql(rows(many)))).toEqual(['NULL', 'NULL']);
    expect(lists(w.sql(rows(['web'])))).toEqual(['NULL', 'NULL']);
    // The block is full after 9 more rows; the next one starts with empty lists.
    w.sql(rows(Array.from({ length: 8 }, () => 'web')));
    expect(lists(w.sql(rows(['api', 'api'])))).toEqual([
      "ARRAY['api']::text[]",
      "ARRAY['id-api']::text[]",
    ]);
  });

  it('an empty list when no row has a container (syslog)', () => {
    expect(lists(new BlockWriter(100).sql(rows([null, null])))).toEqual([
      'ARRAY[]::text[]',
      'ARRAY[]::text[]',
    ]);
  });

  it("sends a block's real filter once, when it closes; the open block has all bits set", () => {
    const open = "decode(repeat('ff', 128), 'hex')";
    const real = /decode\('[0-9a-f]+', 'hex'\)/g;
    const w = new BlockWriter(4);
    const first = w.sql(rows(['web', 'web']));
    expect(first).toContain(open);
    expect(first.match(real)).toBeNull();
    // Two more fill the block: closed now, its filter written; nothing is left open.
    const second = w.sql(rows(['web', 'web']));
    expect(second).not.toContain(open);
    expect(second.match(real)).toHaveLength(1);
    // Five rows: one block closed (4 rows), one open (1 row).
    const third = w.sql(rows(['a', 'b', 'c', 'd', 'e']));
    expect(third.match(real)).toHaveLength(1);
    expect(third).toContain(open);
    // At shutdown the open block gets its real filter; then there is nothing to write.
    expect(w.closeSql().match(real)).toHaveLength(1);
    expect(w.closeSql()).toBe('');
  });
});

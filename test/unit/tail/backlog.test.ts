/**
 * The backlog reader's choices that need no database to show (the SQL itself runs on a
 * real PostgreSQL in test/integration/tail/stream.test.ts): the short backlog gives way to
 * live records when it takes too long; a resume's backlog does not (it would leave a gap).
 */
import { describe, expect, it } from 'vitest';
import type { Pool } from '../../../core/db/pool.js';
import { parseQuery } from '../../../api/query/index.js';
import { backlogReader } from '../../../api/tail/backlog.js';
import { TAIL_LIMITS } from '../../../api/tail/limits.js';

/** A pool whose reads fail as PostgreSQL does when statement_timeout passes. */
function timingOutPool(): { pool: Pool; statements: string[]; released: () => number } {
  const statements: string[] = [];
  let released = 0;
  const client = {
    query: async (text: string, values: unknown[] = []) => {
      statements.push([text.trim().split(/\s+/)[0], ...values.slice(0, 1)].join(' '));
      if (/FROM logs/.test(text)) {
        throw Object.assign(new Error('canceling statement due to statement timeout'), {
          code: '57014',
        });
      }
      return { rows: [] };
    },
    release: () => void released++,
  };
  const pool = { connect: async () => client } as unknown as Pool;
  return { pool, statements, released: () => released };
}

describe('backlog reader', () => {
  it('goes live without the short backlog when it times out, inside its own time limit', async () => {
    const p = timingOutPool();
    const read = backlogReader(p.pool, TAIL_LIMITS);
    await expect(read(parseQuery('rare'), null, Infinity)).resolves.toEqual({
      records: [],
      skipped: 0,
    });
    expect(p.statements).toEqual([
      'BEGIN',
      `SELECT ${TAIL_LIMITS.shortBacklogMs}`, // set_config('statement_timeout', ..., local)
      `SELECT ${TAIL_LIMITS.shortBacklog}`,
      'ROLLBACK',
    ]);
    expect(p.released()).toBe(1);
  });

  it('fails a resume whose backlog times out: skipping it would leave a gap', async () => {
    const p = timingOutPool();
    const read = backlogReader(p.pool, TAIL_LIMITS);
    await expect(read(parseQuery('rare'), 42, Infinity)).rejects.toMatchObject({ code: '57014' });
    expect(p.released()).toBe(1);
  });
});

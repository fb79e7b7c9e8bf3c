/**
 * The backlog reader's choices that need no database to show (the SQL itself runs on a
 * real PostgreSQL in test/integration/tail/stream.test.ts): the short backlog gives way to
 * live records when a statement or the block walk as a whole takes too long; a resume's
 * backlog does not (it would leave a gap).
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
      if (/FROM (logs|log_blocks)\b/.test(text)) {
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
      expect.stringMatching(/^SELECT /), // the first page of blocks
      'ROLLBACK',
    ]);
    expect(p.released()).toBe(1);
  });

  it('gives up the short backlog when the walk as a whole runs past its time', async () => {
    // Every statement is quick, but each page of blocks holds no match and has a next one.
    let blocks = 0;
    const client = {
      query: async (text: string) => {
        await new Promise((r) => setTimeout(r, 10));
        if (!/FROM log_blocks/.test(text)) return { rows: [] };
        const n = Number(/LIMIT (\d+)/.exec(text)![1]);
        const rows = Array.from({ length: n }, () => {
          const id = String(++blocks);
          const t = '2026-11-28 00:00:00+00';
          return {
            block_id: id,
            min_id: id,
            max_id: id,
            min_ts: t,
            max_ts: t,
            min_us: '0',
            max_us: '0',
          };
        });
        return { rows };
      },
      release: () => undefined,
    };
    const pool = { connect: async () => client } as unknown as Pool;
    const read = backlogReader(pool, { ...TAIL_LIMITS, shortBacklogMs: 100 });
    await expect(read(parseQuery(''), null, Infinity)).resolves.toEqual({
      records: [],
      skipped: 0,
    });
    expect(blocks).toBeGreaterThan(2);
  });

  it('fails a resume whose backlog times out: skipping it would leave a gap', async () => {
    const p = timingOutPool();
    const read = backlogReader(p.pool, TAIL_LIMITS);
    await expect(read(parseQuery('rare'), 42, Infinity)).rejects.toMatchObject({ code: '57014' });
    expect(p.released()).toBe(1);
  });
});

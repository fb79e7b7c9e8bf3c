/**
 * What a tail client sees before live records, read from PostgreSQL (ids ascending):
 *   - with `after`: every match with id > after. Past the queue's bounds (records and
 *     characters) only the newest window is sent, and the older matches are counted so
 *     the client is told how many it missed (exact up to `maxDroppedCount`).
 *   - without: a short backlog, the newest `shortBacklog` matches by event time (the
 *     (ts, id) index serves it as it serves a search's first page), sent in id order. It
 *     is a courtesy: past `shortBacklogMs` (a rare word over a big store) the tail goes
 *     live without it rather than fail.
 * Sizes are measured in SQL (message plus attrs text), so an oversized window never
 * leaves the database. Window and count read one snapshot (REPEATABLE READ).
 */
import type { Pool, PoolClient } from '../../core/db/pool.js';
import type { StoredRecord } from '../../core/record.js';
import { toSql, type Query } from '../query/index.js';
import { RECORD_COLUMNS } from '../record-sql.js';
import type { TailLimits } from './limits.js';

export interface Backlog {
  /** Ids ascending. */
  records: StoredRecord[];
  /** Matches with id > after that are older than the window and not sent. */
  skipped: number;
}

/** Matches with `after` < id ≤ `upTo` (the hub's watermark; Infinity for no bound). */
export type BacklogReader = (query: Query, after: number | null, upTo: number) => Promise<Backlog>;

const SIZE = `octet_length(l.message) + coalesce(octet_length(l.attrs::text), 0)`;

/** Newest-first rows of `inner`, cut to `$1` records and `$2` characters, sent in id order. */
function windowSql(inner: string, order: string): string {
  return `SELECT ${RECORD_COLUMNS}, w.total::int AS total FROM (
      SELECT l.*, sum(${SIZE}) OVER (ORDER BY ${order}) AS run,
             row_number() OVER (ORDER BY ${order}) AS rn, count(*) OVER () AS total
        FROM (${inner}) l
    ) w WHERE w.run <= $2::bigint AND w.rn <= $1::int ORDER BY w.id`;
}

function strip(rows: (StoredRecord & { total: number })[]): StoredRecord[] {
  return rows.map(({ total: _t, ...r }) => r);
}

/** Runs `fn` in one read-only transaction (one snapshot), with an optional statement timeout. */
async function readOnly<T>(
  pool: Pool,
  isolation: string,
  timeoutMs: number | null,
  fn: (c: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation} READ ONLY`);
    if (timeoutMs !== null) {
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
    }
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

const isTimeout = (e: unknown) => (e as { code?: unknown } | null)?.code === '57014';

export function backlogReader(pool: Pool, limits: TailLimits): BacklogReader {
  return async (query, after, upTo) => {
    const bound = Number.isFinite(upTo) ? upTo : null;
    if (after === null) {
      const where = toSql(query, 4);
      const inner = `SELECT * FROM logs WHERE ($3::bigint IS NULL OR id <= $3::bigint) AND (${where.text})
        ORDER BY ts DESC, id DESC LIMIT $1::int`;
      try {
        const r = await readOnly(pool, 'READ COMMITTED', limits.shortBacklogMs, (c) =>
          c.query<StoredRecord & { total: number }>(windowSql(inner, 'l.ts DESC, l.id DESC'), [
            limits.shortBacklog,
            limits.maxQueueChars,
            bound,
            ...where.values,
          ]),
        );
        return { records: strip(r.rows), skipped: 0 };
      } catch (e) {
        // A rare word over a big store: the short backlog is a courtesy; go live without it.
        if (isTimeout(e)) return { records: [], skipped: 0 };
        throw e;
      }
    }
    const where = toSql(query, 5);
    return readOnly(pool, 'REPEATABLE READ', null, async (client) => {
      // One more than the window: its presence says older matches exist.
      const inner = `SELECT * FROM logs WHERE id > $3::bigint AND ($4::bigint IS NULL OR id <= $4::bigint)
        AND (${where.text}) ORDER BY id DESC LIMIT $1::int + 1`;
      const r = await client.query<StoredRecord & { total: number }>(
        windowSql(inner, 'l.id DESC'),
        [limits.maxQueueRecords, limits.maxQueueChars, after, bound, ...where.values],
      );
      const records = strip(r.rows);
      const total = r.rows[0]?.total ?? 0;
      let skipped = total - records.length;
      if (r.rows.length === 0 || total > limits.maxQueueRecords) {
        // Count what lies below the window (or everything, if not even one record fit).
        const below = records[0]?.id ?? null;
        const c = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT 1 FROM logs
             WHERE id > $2::bigint AND ($3::bigint IS NULL OR id < $3::bigint)
               AND ($4::bigint IS NULL OR id <= $4::bigint) AND (${where.text}) LIMIT $1::int) c`,
          [limits.maxDroppedCount, after, below, bound, ...where.values],
        );
        skipped = c.rows[0]!.n;
      }
      return { records, skipped };
    });
  };
}

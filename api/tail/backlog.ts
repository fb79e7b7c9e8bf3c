/**
 * What a tail client sees before live records, read from PostgreSQL (ids ascending):
 *   - with `after`: every match with id > after. Past the queue's bounds (records and
 *     characters) only the newest window is sent, and the older matches are counted so
 *     the client is told how many it missed (exact up to `maxDroppedCount`).
 *   - without: a short backlog, the newest `shortBacklog` matches by event time (found
 *     through the blocks as a search's first page is), sent in id order. It is a
 *     courtesy: past `shortBacklogMs` (a rare word over a big store) the tail goes live
 *     without it rather than fail.
 * Sizes are measured in SQL (message plus attrs text), so an oversized window never
 * leaves the database. Window and count read one snapshot (REPEATABLE READ).
 */
import type { Pool, PoolClient } from '../../core/db/pool.js';
import type { StoredRecord } from '../../core/record.js';
import { WalkTimeout, walkBlocks, type Keyed } from '../search/block-search.js';
import { toSql, type Query } from '../query/index.js';
import { readOnly } from '../search/read-only.js';
import { CURSOR_COLUMN, RECORD_COLUMNS } from '../search/record-sql.js';
import type { Where } from '../search/search-sql.js';
import type { TailLimits } from './limits.js';

export interface Backlog {
  /** Ids ascending. */
  records: StoredRecord[];
  /** Matches with id > after that are older than the window and not sent. */
  skipped: number;
}

/** Matches with `after` < id ≤ `upTo` (the hub's watermark; Infinity for no bound). */
export type BacklogReader = (query: Query, after: number | null, upTo: number) => Promise<Backlog>;

/** A record's size as the queue counts it, over columns prefixed by `p`. */
const size = (p: string) =>
  `octet_length(${p}message) + coalesce(octet_length(${p}attrs::text), 0)`;

/**
 * The newest `shortBacklog` matches with id ≤ `bound`, cut to `maxQueueChars`, ids
 * ascending. The block walk finds them by event time reading only ids, times and sizes;
 * then only the window's rows are read whole. Each statement is bounded by the
 * transaction's statement_timeout, and the walk as a whole by the same time.
 */
async function shortBacklog(
  db: PoolClient,
  query: Query,
  bound: number | null,
  limits: TailLimits,
): Promise<StoredRecord[]> {
  const frag = toSql(query, 1);
  const values = [...frag.values];
  let text = frag.text;
  if (bound !== null) {
    values.push(bound);
    text = `(${text}) AND id <= $${values.length}::bigint`;
  }
  const where: Where = { query, text, values, fromMs: null, toMs: null, cursorUs: null };
  const newest = await walkBlocks<Keyed & { size: number }>(db, where, limits.shortBacklog, {
    columns: `id::text AS id, ${CURSOR_COLUMN}, ${size('')} AS size`,
    deadlineMs: Date.now() + limits.shortBacklogMs,
  });
  const ids: string[] = [];
  let chars = 0;
  for (const r of newest) {
    chars += Number(r.size);
    if (chars > limits.maxQueueChars) break;
    ids.push(r.id);
  }
  if (ids.length === 0) return [];
  const r = await db.query<StoredRecord>(
    `SELECT ${RECORD_COLUMNS} FROM logs WHERE id = ANY($1::bigint[]) ORDER BY logs.id`,
    [ids],
  );
  return r.rows;
}

/** Rows of `inner` from the highest id down, cut to `$1` records and `$2` characters, in id order. */
function windowSql(inner: string): string {
  const order = 'l.id DESC';
  return `SELECT ${RECORD_COLUMNS}, w.total::int AS total FROM (
      SELECT l.*, sum(${size('l.')}) OVER (ORDER BY ${order}) AS run,
             row_number() OVER (ORDER BY ${order}) AS rn, count(*) OVER () AS total
        FROM (${inner}) l
    ) w WHERE w.run <= $2::bigint AND w.rn <= $1::int ORDER BY w.id`;
}

function strip(rows: (StoredRecord & { total: number })[]): StoredRecord[] {
  return rows.map(({ total: _t, ...r }) => r);
}

const isTimeout = (e: unknown) =>
  e instanceof WalkTimeout || (e as { code?: unknown } | null)?.code === '57014';

export function backlogReader(pool: Pool, limits: TailLimits): BacklogReader {
  return async (query, after, upTo) => {
    const bound = Number.isFinite(upTo) ? upTo : null;
    if (after === null) {
      try {
        const records = await readOnly(pool, 'REPEATABLE READ', limits.shortBacklogMs, (c) =>
          shortBacklog(c, query, bound, limits),
        );
        return { records, skipped: 0 };
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
      const r = await client.query<StoredRecord & { total: number }>(windowSql(inner), [
        limits.maxQueueRecords,
        limits.maxQueueChars,
        after,
        bound,
        ...where.values,
      ]);
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

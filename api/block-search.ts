/**
 * Search through the trigram skip index (migration 003): when the query has words the
 * block filters can rule out, read only the rows of blocks that may hold them.
 *
 *   log_blocks ──bloom test, time overlap, newest max_ts first──► candidate id ranges
 *        └─► rows of those ranges ──exact WHERE (query, time, cursor)──► newest first
 *
 * Blocks are walked in pages; the walk stops once a page of rows is found and the next
 * block cannot hold anything newer (its max_ts is older than the last row kept). Rows
 * of a block are found by id range (BRIN on id) within its time range (partition pruning).
 */
import type { Pool } from '../core/db/pool.js';
import type { StoredRecord } from '../core/record.js';
import type { Query } from './query/index.js';
import { toBlockFilter } from './query/to-block-filter.js';
import { CURSOR_COLUMN, RECORD_COLUMNS } from './record-sql.js';
import type { Where } from './search-sql.js';

export type Row = StoredRecord & { cursor_ts: string };

const FIRST_PAGE = 16;
const MAX_PAGE = 1024;

interface Block {
  min_id: string;
  max_id: string;
  min_ts: string;
  max_ts: string;
  max_us: string;
}

/** The blocks' SQL condition for a query, or null when it cannot prune (use a plain scan). */
export function blockCondition(query: Query, startParam: number) {
  return toBlockFilter(query, startParam, 'b.bloom');
}

function blockWhere(where: Where, filterText: string, values: unknown[]): string {
  const c = [filterText];
  if (where.fromMs !== null) {
    values.push(new Date(where.fromMs).toISOString());
    c.push(`b.max_ts >= $${values.length}`);
  }
  if (where.toMs !== null) {
    values.push(new Date(where.toMs).toISOString());
    c.push(`b.min_ts < $${values.length}`);
  }
  if (where.cursorUs !== null) {
    values.push(where.cursorUs);
    c.push(`b.min_ts <= to_timestamp($${values.length}::bigint / 1000000.0)`);
  }
  return c.join(' AND ');
}

/** Newest-first page of `limit` + 1 rows through the skip index; null when it cannot prune. */
export async function searchBlocks(
  pool: Pool,
  query: Query,
  where: Where,
  limit: number,
): Promise<Row[] | null> {
  const filter = blockCondition(query, 1);
  if (!filter) return null;
  const bValues = [...filter.values];
  const bText = blockWhere(where, filter.text, bValues);
  const want = limit + 1;
  let rows: Row[] = [];
  let offset = 0;
  let page = FIRST_PAGE;
  for (;;) {
    const blocks = (
      await pool.query<Block>(
        `SELECT b.min_id::text, b.max_id::text, b.min_ts::text, b.max_ts::text,
                (extract(epoch FROM b.max_ts) * 1000000)::bigint::text AS max_us
           FROM log_blocks b WHERE ${bText}
          ORDER BY b.max_ts DESC, b.block_id DESC LIMIT ${page + 1} OFFSET ${offset}`,
        bValues,
      )
    ).rows;
    const batch = blocks.slice(0, page);
    if (batch.length > 0) {
      const values = [
        ...where.values,
        batch.map((b) => b.min_id),
        batch.map((b) => b.max_id),
        batch.map((b) => b.min_ts),
        batch.map((b) => b.max_ts),
        want,
      ];
      const n = where.values.length;
      const found = (
        await pool.query<Row>(
          // r's columns (lo, hi, t0, t1) are named apart from logs' columns, so the
          // query's WHERE text, written over bare logs columns, still means logs.
          // DISTINCT ON (id) before the LIMIT: a row reached through two overlapping
          // blocks must not take two of the page's places (the walk does not come back).
          `SELECT ${RECORD_COLUMNS}, ${CURSOR_COLUMN} FROM (
             SELECT DISTINCT ON (l.id) l.*
               FROM unnest($${n + 1}::bigint[], $${n + 2}::bigint[], $${n + 3}::timestamptz[], $${n + 4}::timestamptz[]) AS r(lo, hi, t0, t1)
               JOIN LATERAL (
                 -- OFFSET 0 keeps this a per-block lookup (runtime partition pruning on ts,
                 -- an index range on id); flattened, the planner scans every partition.
                 SELECT * FROM logs
                  WHERE id BETWEEN r.lo AND r.hi AND ts BETWEEN r.t0 AND r.t1 AND (${where.text})
                 OFFSET 0) l ON true
             ) logs
            ORDER BY logs.ts DESC, logs.id DESC LIMIT $${n + 5}`,
          values,
        )
      ).rows;
      rows = merge(rows, found, want);
    }
    const next = blocks[page];
    if (!next) return rows;
    const last = rows[want - 1];
    if (last && BigInt(next.max_us) < BigInt(last.cursor_ts)) return rows;
    offset += page;
    page = Math.min(page * 2, MAX_PAGE);
  }
}

/**
 * Blocks of different writers (lanes, collector processes) cover overlapping id ranges,
 * since ids are taken per batch: a row may come back through two blocks, so keep it once.
 */
function merge(a: Row[], b: Row[], want: number): Row[] {
  const all = [...new Map(a.concat(b).map((r) => [r.id, r])).values()];
  all.sort((x, y) => {
    const dx = BigInt(y.cursor_ts) - BigInt(x.cursor_ts);
    if (dx !== 0n) return dx > 0n ? 1 : -1;
    return BigInt(y.id) > BigInt(x.id) ? 1 : -1;
  });
  return all.slice(0, want);
}

/**
 * Per-bucket counts through the skip index (every candidate block in the range); null
 * when the query cannot prune. `bucketSql` maps the row's `ts` to a bucket key.
 */
export async function histogramBlocks(
  pool: Pool,
  query: Query,
  where: Where,
  bucket: (firstParam: number) => { sql: string; values: unknown[] },
): Promise<{ b: string; n: string }[] | null> {
  const filter = blockCondition(query, where.values.length + 1);
  if (!filter) return null;
  const values = [...where.values, ...filter.values];
  const bText = blockWhere(where, filter.text, values);
  const bk = bucket(values.length + 1);
  values.push(...bk.values);
  return (
    await pool.query<{ b: string; n: string }>(
      // count(DISTINCT id): a row in the overlap of two writers' blocks is counted once.
      `SELECT ${bk.sql} AS b, count(DISTINCT l.id)::text AS n
         FROM (SELECT b.min_id, b.max_id, b.min_ts, b.max_ts FROM log_blocks b WHERE ${bText}) r
         JOIN LATERAL (
           SELECT id, ts FROM logs
            WHERE id BETWEEN r.min_id AND r.max_id AND ts BETWEEN r.min_ts AND r.max_ts AND (${where.text})
           OFFSET 0) l ON true
        GROUP BY 1`,
      values,
    )
  ).rows;
}

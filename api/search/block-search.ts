/**
 * Every search reads rows through the blocks of migrations 003 and 007: `logs` has no
 * per-row index on time or container (they cost the writer more than half of
 * PostgreSQL's time per row; migration 007), only a btree on id. Each block knows the id
 * and time ranges of consecutive rows of one writer, a Bloom filter of their words and
 * their containers.
 *
 *   log_blocks ──block filter, time overlap, by max_ts (or min_ts) in order──► id ranges
 *        └─► rows of those ranges ──exact WHERE (query, time, cursor)──► in (ts, id) order
 *
 * Blocks are walked in pages; the walk stops once it holds `want` rows and the next
 * block cannot hold anything before the last one kept (newest first: its max_ts is older
 * than that row's time). A page's id ranges are merged first: the writer's lanes and
 * other collectors write blocks whose id ranges interleave, and a row must be read once.
 * Rows of a range are found by id within its time range (partition pruning).
 *
 * The walk runs in one snapshot (api/read-only.ts): blocks are updated as their rows
 * commit, and a block that moved between two pages could otherwise be missed.
 */
import type { Pool, PoolClient } from '../../core/db/pool.js';
import type { StoredRecord } from '../../core/record.js';
import { toBlockFilter } from '../query/to-block-filter.js';
import { readOnly } from './read-only.js';
import { CURSOR_COLUMN, RECORD_COLUMNS } from './record-sql.js';
import type { Where } from './search-sql.js';

export type Queryable = Pick<PoolClient, 'query'>;

/** What the walk needs of each row it reads: its keyset. */
export interface Keyed {
  id: string;
  cursor_ts: string;
}

export type Row = StoredRecord & Keyed;

/** Rows as the API serves them: the keyset time is the walk's, not the record's. */
export function withoutCursor(rows: Row[]): StoredRecord[] {
  return rows.map(({ cursor_ts: _c, ...r }) => r);
}

export type Dir = 'desc' | 'asc';

/**
 * Blocks in the first page, doubling with each page after: the two newest blocks (one per
 * writer lane) hold a page of an unfiltered search, and a filter that keeps one row in a
 * hundred needs a few more; a rare word gets its few candidate blocks in a few pages.
 */
const FIRST_PAGE = 2;
const MAX_PAGE = 1024;

interface Block {
  block_id: string;
  min_id: string;
  max_id: string;
  min_ts: string;
  max_ts: string;
  /** min_ts and max_ts in µs since the epoch. */
  min_us: string;
  max_us: string;
}

const BLOCK_COLUMNS = `b.block_id::text, b.min_id::text, b.max_id::text, b.min_ts::text,
  b.max_ts::text, (extract(epoch FROM b.min_ts) * 1000000)::bigint::text AS min_us,
  (extract(epoch FROM b.max_ts) * 1000000)::bigint::text AS max_us`;

/** An id range to read and the time range its rows lie in. */
interface Span {
  lo: bigint;
  hi: bigint;
  t0: string;
  t1: string;
  t0us: bigint;
  t1us: bigint;
}

/**
 * Conditions on blocks: the query's (api/query/to-block-filter.ts; TRUE when it cannot
 * rule any block out), then the time range and cursor. Newest first, the cursor bounds
 * rows from above; oldest first (the context route's newer side), from below.
 */
function blockWhere(where: Where, values: unknown[], dir: Dir): string {
  const filter = toBlockFilter(where.query, values.length + 1, 'b');
  values.push(...(filter?.values ?? []));
  const c = [filter?.text ?? 'TRUE'];
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
    const t = `to_timestamp($${values.length}::bigint / 1000000.0)`;
    c.push(dir === 'desc' ? `b.min_ts <= ${t}` : `b.max_ts >= ${t}`);
  }
  return c.join(' AND ');
}

/**
 * Overlapping or touching id ranges merged into disjoint ones, each with the time range
 * of its blocks. A merged range may take in rows of no listed block: they are read and
 * tested like any other, so they can only add true matches, never lose one.
 */
function mergeSpans(blocks: Omit<Block, 'block_id'>[]): Span[] {
  const spans = blocks
    .map((b) => ({
      lo: BigInt(b.min_id),
      hi: BigInt(b.max_id),
      t0: b.min_ts,
      t1: b.max_ts,
      t0us: BigInt(b.min_us),
      t1us: BigInt(b.max_us),
    }))
    .sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (!last || s.lo > last.hi + 1n) {
      out.push({ ...s });
      continue;
    }
    if (s.hi > last.hi) last.hi = s.hi;
    if (s.t0us < last.t0us) [last.t0, last.t0us] = [s.t0, s.t0us];
    if (s.t1us > last.t1us) [last.t1, last.t1us] = [s.t1, s.t1us];
  }
  return out;
}

/** The spans as four parameter arrays (lo, hi, t0, t1) for `unnest`. */
function spanArrays(spans: Span[]): unknown[] {
  return [
    spans.map((s) => s.lo.toString()),
    spans.map((s) => s.hi.toString()),
    spans.map((s) => s.t0),
    spans.map((s) => s.t1),
  ];
}

/**
 * The rows of `spans` (parameters `$n`..`$n+3`) that satisfy `whereText`, as `l`.
 * OFFSET 0 keeps it a per-span look-up (runtime partition pruning on ts, an index range
 * on id); flattened, the planner scans every partition. r's columns (lo, hi, t0, t1) are
 * named apart from logs' columns, so the WHERE text, written over bare logs columns,
 * still means logs.
 */
function spanRowsSql(n: number, whereText: string): string {
  return `unnest($${n}::bigint[], $${n + 1}::bigint[], $${n + 2}::timestamptz[], $${n + 3}::timestamptz[]) AS r(lo, hi, t0, t1)
     JOIN LATERAL (
       SELECT * FROM logs
        WHERE id BETWEEN r.lo AND r.hi AND ts BETWEEN r.t0 AND r.t1 AND (${whereText})
       OFFSET 0) l ON true`;
}

function before(a: Keyed, b: Keyed, dir: Dir): number {
  const d = BigInt(a.cursor_ts) - BigInt(b.cursor_ts) || BigInt(a.id) - BigInt(b.id);
  const sign = d > 0n ? 1 : d < 0n ? -1 : 0;
  return dir === 'desc' ? -sign : sign;
}

/** A row may come back in two pages (a range read again); keep it once. */
function merge<R extends Keyed>(a: R[], b: R[], want: number, dir: Dir): R[] {
  const all = [...new Map(a.concat(b).map((r) => [r.id, r])).values()];
  return all.sort((x, y) => before(x, y, dir)).slice(0, want);
}

export interface WalkOptions {
  /** 'desc': newest first (the default); 'asc': oldest first. */
  dir?: Dir;
  /** Select list over `logs`; must give `id` and `cursor_ts` as text (CURSOR_COLUMN). */
  columns?: string;
  /** Past this time (epoch ms) the walk throws WalkTimeout before its next page. */
  deadlineMs?: number;
}

/** A walk given a deadline ran past it. */
export class WalkTimeout extends Error {
  constructor() {
    super('block walk ran past its deadline');
  }
}

/** The first `want` rows matching `where` in (ts, id) order, on `db` (one snapshot). */
export async function walkBlocks<R extends Keyed = Row>(
  db: Queryable,
  where: Where,
  want: number,
  opts: WalkOptions = {},
): Promise<R[]> {
  if (want <= 0) return [];
  const dir = opts.dir ?? 'desc';
  const columns = opts.columns ?? `${RECORD_COLUMNS}, ${CURSOR_COLUMN}`;
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  const edge = dir === 'desc' ? 'b.max_ts' : 'b.min_ts';
  const bValues: unknown[] = [];
  const bText = blockWhere(where, bValues, dir);
  let rows: R[] = [];
  let page = FIRST_PAGE;
  let after: Block | null = null;
  for (;;) {
    if (opts.deadlineMs !== undefined && Date.now() > opts.deadlineMs) throw new WalkTimeout();
    const values = [...bValues];
    let keyset = '';
    if (after) {
      values.push(dir === 'desc' ? after.max_ts : after.min_ts, after.block_id);
      keyset = ` AND (${edge}, b.block_id) ${dir === 'desc' ? '<' : '>'} ($${values.length - 1}::timestamptz, $${values.length}::bigint)`;
    }
    const blocks = (
      await db.query<Block>(
        `SELECT ${BLOCK_COLUMNS} FROM log_blocks b WHERE ${bText}${keyset}
          ORDER BY ${edge} ${order}, b.block_id ${order} LIMIT ${page + 1}`,
        values,
      )
    ).rows;
    const batch = blocks.slice(0, page);
    if (batch.length > 0) {
      const n = where.values.length;
      const found = (
        await db.query<R>(
          // Columns are computed for the page's rows only, after the sort (formatting
          // times for every row of a block cost more than reading them).
          `SELECT ${columns} FROM (
             SELECT l.* FROM ${spanRowsSql(n + 1, where.text)}
              ORDER BY l.ts ${order}, l.id ${order} LIMIT $${n + 5}) logs
            ORDER BY logs.ts ${order}, logs.id ${order}`,
          [...where.values, ...spanArrays(mergeSpans(batch)), want],
        )
      ).rows;
      rows = merge(rows, found, want, dir);
    }
    const next = blocks[page];
    if (!next) return rows;
    const last = rows[want - 1];
    if (last) {
      const edgeUs = BigInt(dir === 'desc' ? next.max_us : next.min_us);
      const lastUs = BigInt(last.cursor_ts);
      if (dir === 'desc' ? edgeUs < lastUs : edgeUs > lastUs) return rows;
    }
    after = batch[batch.length - 1]!;
    page = Math.min(page * 2, MAX_PAGE);
  }
}

/** Newest-first page of `limit` + 1 rows (one more says there is a next page). */
export function searchBlocks(pool: Pool, where: Where, limit: number): Promise<Row[]> {
  return readOnly(pool, 'REPEATABLE READ', null, (c) => walkBlocks<Row>(c, where, limit + 1));
}

/** A second key to count by besides the bucket (the histogram's `by`). */
export interface HistogramGroup {
  /** SQL over the row's columns giving the key as text; NULL is a key too. */
  key: string;
  /** Keep the `top` keys by count in the whole range (ties: key order), the rest as NULL. */
  top?: number;
}

export interface BucketCount {
  b: string;
  /** The group key; absent without a group, null for "none" or "the rest". */
  k?: string | null;
  n: string;
}

/**
 * Per-bucket counts of the rows matching `where` in its time range, from the blocks that
 * may hold them. `bucket` maps the row's `ts` to its bucket's start (a timestamptz,
 * answered as epoch-ms text); with `group`, counts are per bucket and key.
 */
export async function histogramBlocks(
  pool: Pool,
  where: Where,
  bucket: (firstParam: number) => { sql: string; values: unknown[] },
  group?: HistogramGroup,
): Promise<BucketCount[]> {
  return readOnly(pool, 'REPEATABLE READ', null, async (db) => {
    const bValues: unknown[] = [];
    const bText = blockWhere(where, bValues, 'desc');
    const blocks = (
      await db.query<Block>(`SELECT ${BLOCK_COLUMNS} FROM log_blocks b WHERE ${bText}`, bValues)
    ).rows;
    if (blocks.length === 0) return [];
    const n = where.values.length;
    const bk = bucket(n + 5);
    const values = [...where.values, ...spanArrays(mergeSpans(blocks)), ...bk.values];
    const rows = spanRowsSql(n + 1, where.text);
    // Grouped on the bucket's time, turned into epoch-ms text after (per row it cost more
    // than the grouping).
    const ms = `(extract(epoch FROM g.b) * 1000)::bigint::text AS b`;
    if (!group) {
      return (
        await db.query<BucketCount>(
          `SELECT ${ms}, g.n::text AS n
             FROM (SELECT ${bk.sql} AS b, count(*) AS n FROM ${rows} GROUP BY 1) g`,
          values,
        )
      ).rows;
    }
    const counted = `SELECT ${bk.sql} AS b, (${group.key}) AS k, count(*) AS n FROM ${rows} GROUP BY 1, 2`;
    if (group.top === undefined)
      return (
        await db.query<BucketCount>(`SELECT ${ms}, g.k, g.n::text AS n FROM (${counted}) g`, values)
      ).rows;
    return (
      await db.query<BucketCount>(
        `WITH c AS (${counted}),
              top AS (SELECT k FROM c WHERE k IS NOT NULL GROUP BY k
                       ORDER BY sum(n) DESC, k LIMIT ${group.top})
         SELECT ${ms}, g.k, g.n::text AS n FROM (
           SELECT b, CASE WHEN k IN (SELECT k FROM top) THEN k END AS k, sum(n) AS n
             FROM c GROUP BY 1, 2) g`,
        values,
      )
    ).rows;
  });
}

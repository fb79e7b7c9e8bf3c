/**
 * The rows written before packs (migrations 003 and 007) as a block source: `logs` has no
 * per-row index on time or container, only a btree on id; each `log_blocks` row knows the
 * id and time ranges of consecutive rows of one writer, a Bloom filter of their words and
 * their containers. They stay readable until the upgrade compaction has turned them into
 * packs (migration 012, `pack_upgrade`), which must delete a block's rows and its
 * `log_blocks` row in the transaction that inserts their pack: in any snapshot a record
 * is in one place.
 *
 *   log_blocks ──block filter, time overlap, by max_ts (or min_ts) in order──► id ranges
 *        └─► rows of those ranges ──exact WHERE (query, time, keyset)──► in (ts, id) order
 *
 * A page's id ranges are merged first: the writer's lanes and other collectors wrote
 * blocks whose id ranges interleave, and a row must be read once. Rows of a range are
 * found by id within its time range (partition pruning).
 */
import type { PoolClient } from '../../core/db/pool.js';
import type { StoredRecord } from '../../core/record.js';
import { toBlockFilter } from '../query/to-block-filter.js';
import type { Dir } from './pack-match.js';
import { CURSOR_COLUMN, RECORD_COLUMNS } from './record-sql.js';
import { usText, whereSql, type Where } from './search-sql.js';

export type Queryable = Pick<PoolClient, 'query'>;

export interface BlockCandidate {
  kind: 'block';
  /** µs of max_ts (newest first) or min_ts (oldest first). */
  edge: bigint;
  edgeTs: string;
  blockId: string;
  minId: string;
  maxId: string;
  minTs: string;
  maxTs: string;
  minUs: bigint;
  maxUs: bigint;
}

interface BlockRow {
  block_id: string;
  min_id: string;
  max_id: string;
  min_ts: string;
  max_ts: string;
  min_us: string;
  max_us: string;
}

const BLOCK_COLUMNS = `b.block_id::text, b.min_id::text, b.max_id::text, b.min_ts::text,
  b.max_ts::text, (extract(epoch FROM b.min_ts) * 1000000)::bigint::text AS min_us,
  (extract(epoch FROM b.max_ts) * 1000000)::bigint::text AS max_us`;

function block(r: BlockRow, dir: Dir): BlockCandidate {
  const minUs = BigInt(r.min_us);
  const maxUs = BigInt(r.max_us);
  return {
    kind: 'block',
    edge: dir === 'desc' ? maxUs : minUs,
    edgeTs: dir === 'desc' ? r.max_ts : r.min_ts,
    blockId: r.block_id,
    minId: r.min_id,
    maxId: r.max_id,
    minTs: r.min_ts,
    maxTs: r.max_ts,
    minUs,
    maxUs,
  };
}

/**
 * Conditions on blocks: the query's (api/query/to-block-filter.ts; TRUE when it cannot
 * rule any block out), the time range and keyset, the id bound, a pinned container.
 */
function blockWhere(where: Where, values: unknown[], dir: Dir): string {
  const filter = toBlockFilter(where.query, values.length + 1, 'b');
  values.push(...(filter?.values ?? []));
  const c = [filter?.text ?? 'TRUE'];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (where.fromMs !== null) c.push(`b.max_ts >= ${p(new Date(where.fromMs).toISOString())}`);
  if (where.toMs !== null) c.push(`b.min_ts < ${p(new Date(where.toMs).toISOString())}`);
  if (where.after !== null) {
    const t = `${p(usText(where.after.us))}::timestamptz`;
    c.push(dir === 'desc' ? `b.min_ts <= ${t}` : `b.max_ts >= ${t}`);
  }
  if (where.idMax !== null) c.push(`b.min_id <= ${p(where.idMax)}::bigint`);
  for (const s of where.same) {
    if (s.column === 'container_name' && s.value !== null) {
      c.push(`(b.containers IS NULL OR ${p(s.value)}::text = ANY(b.containers))`);
    }
  }
  return c.join(' AND ');
}

/** Pages of candidate blocks for `where`, in `dir`'s order by (edge, block_id). */
export function blockPages(
  db: Queryable,
  where: Where,
  dir: Dir,
): (after: BlockCandidate | null, n: number) => Promise<BlockCandidate[]> {
  const bValues: unknown[] = [];
  const bText = blockWhere(where, bValues, dir);
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  const edge = dir === 'desc' ? 'b.max_ts' : 'b.min_ts';
  return async (after, n) => {
    const values = [...bValues];
    let keyset = '';
    if (after) {
      values.push(after.edgeTs, after.blockId);
      const k = `($${values.length - 1}::timestamptz, $${values.length}::bigint)`;
      keyset = ` AND (${edge}, b.block_id) ${dir === 'desc' ? '<' : '>'} ${k}`;
    }
    const r = await db.query<BlockRow>(
      `SELECT ${BLOCK_COLUMNS} FROM log_blocks b WHERE ${bText}${keyset}
        ORDER BY ${edge} ${order}, b.block_id ${order} LIMIT ${n}`,
      values,
    );
    return r.rows.map((x) => block(x, dir));
  };
}

/** Every candidate block of `where` (a histogram reads them all). */
export async function allBlocks(db: Queryable, where: Where): Promise<BlockCandidate[]> {
  const values: unknown[] = [];
  const text = blockWhere(where, values, 'desc');
  const r = await db.query<BlockRow>(
    `SELECT ${BLOCK_COLUMNS} FROM log_blocks b WHERE ${text}`,
    values,
  );
  return r.rows.map((x) => block(x, 'desc'));
}

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
 * Overlapping or touching id ranges merged into disjoint ones, each with the time range
 * of its blocks. A merged range may take in rows of no listed block: they are read and
 * tested like any other, so they can only add true matches, never lose one.
 */
function mergeSpans(blocks: BlockCandidate[]): Span[] {
  const spans = blocks
    .map((b) => ({
      lo: BigInt(b.minId),
      hi: BigInt(b.maxId),
      t0: b.minTs,
      t1: b.maxTs,
      t0us: b.minUs,
      t1us: b.maxUs,
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

/** A row as the walk reads it: its keyset, and the record or only its backlog size. */
export interface LegacyRow {
  id: string;
  cursor_ts: string;
  size?: string;
  record?: StoredRecord;
}

/** The backlog's size of a row, over columns prefixed by `p` (jsonb-size.ts computes the same). */
export const sizeSql = (p: string) =>
  `octet_length(${p}message) + coalesce(octet_length(${p}attrs::text), 0)`;

/**
 * The first `want` rows of `blocks` matching `where` in `dir`'s order. Columns are
 * computed for the page's rows only, after the sort (formatting times for every row of a
 * block cost more than reading them). `fields: 'size'` reads ids, times and sizes only.
 */
export async function blockRows(
  db: Queryable,
  where: Where,
  blocks: BlockCandidate[],
  want: number,
  dir: Dir,
  fields: 'record' | 'size',
): Promise<LegacyRow[]> {
  const w = whereSql(where, dir);
  const n = w.values.length;
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  const cols =
    fields === 'record'
      ? `${RECORD_COLUMNS}, ${CURSOR_COLUMN}`
      : `id::text AS id, ${CURSOR_COLUMN}, (${sizeSql('')})::text AS size`;
  const r = await db.query<StoredRecord & { cursor_ts: string; size?: string }>(
    `SELECT ${cols} FROM (
       SELECT l.* FROM ${spanRowsSql(n + 1, w.text)}
        ORDER BY l.ts ${order}, l.id ${order} LIMIT $${n + 5}) logs
      ORDER BY logs.ts ${order}, logs.id ${order}`,
    [...w.values, ...spanArrays(mergeSpans(blocks)), want],
  );
  if (fields === 'size') return r.rows;
  return r.rows.map(({ cursor_ts, ...record }) => ({ id: record.id, cursor_ts, record }));
}

/** A count of a histogram: bucket start (epoch ms, text), key (null: none), count (text). */
export interface BucketCount {
  b: string;
  k?: string | null;
  n: string;
}

/**
 * Rows of `blocks` matching `where`, counted per bucket of `width` ms from `origin` and per
 * `key` (SQL over the row's columns; none: one key). Grouped on the bucket's time, turned
 * into epoch-ms text after (per row it cost more than the grouping).
 */
export async function blockCounts(
  db: Queryable,
  where: Where,
  blocks: BlockCandidate[],
  width: number,
  origin: number,
  key: string | null,
): Promise<BucketCount[]> {
  if (blocks.length === 0) return [];
  const w = whereSql(where, 'desc');
  const n = w.values.length;
  const values = [
    ...w.values,
    ...spanArrays(mergeSpans(blocks)),
    `${width} milliseconds`,
    new Date(origin).toISOString(),
  ];
  const bin = `date_bin($${n + 5}::interval, ts, $${n + 6}::timestamptz)`;
  const k = key === null ? 'NULL::text' : `(${key})`;
  const r = await db.query<BucketCount>(
    `SELECT (extract(epoch FROM g.b) * 1000)::bigint::text AS b, g.k, g.n::text AS n
       FROM (SELECT ${bin} AS b, ${k} AS k, count(*) AS n FROM ${spanRowsSql(n + 1, w.text)}
             GROUP BY 1, 2) g`,
    values,
  );
  return r.rows;
}

/** The record `id` among the legacy rows, with what the context route needs of it. */
export async function legacyRecord(
  db: Queryable,
  id: string,
): Promise<{ record: StoredRecord; us: string } | null> {
  const r = await db.query<StoredRecord & { cursor_ts: string }>(
    `SELECT ${RECORD_COLUMNS}, ${CURSOR_COLUMN} FROM logs WHERE id = $1`,
    [id],
  );
  const row = r.rows[0];
  if (!row) return null;
  const { cursor_ts, ...record } = row;
  return { record, us: cursor_ts };
}

/**
 * What a tail client sees before live records, read from PostgreSQL (ids ascending), from
 * packs and legacy rows alike (api/search/block-search.ts):
 *   - with `after`: every match with id > after. Past the queue's bounds (records and
 *     characters) only the newest window is sent, and the older matches are counted so
 *     the client is told how many it missed (exact up to `maxDroppedCount`).
 *   - without: a short backlog, the newest `shortBacklog` matches by event time (found
 *     through the blocks as a search's first page is), sent in id order. It is a
 *     courtesy: past `shortBacklogMs` (a rare word over a big store) the tail goes live
 *     without it rather than fail.
 * A record's size is its message's bytes plus its attrs' jsonb text, measured in SQL for
 * legacy rows (an oversized window never leaves the database) and by
 * api/search/jsonb-size.ts, to the byte, for packs. Window and count read one snapshot.
 */
import type { Pool, PoolClient } from '../../core/db/pool.js';
import type { StoredRecord } from '../../core/record.js';
import { toStoredRecord } from '../../core/stored-record.js';
import { WalkTimeout, walk } from '../search/block-search.js';
import { sizeSql } from '../search/legacy-source.js';
import { Matcher, matchingRows } from '../search/pack-match.js';
import { packsByIds, readers } from '../search/pack-source.js';
import { recordBytes } from '../search/jsonb-size.js';
import { toSql, type Query } from '../query/index.js';
import { readOnly } from '../search/read-only.js';
import { RECORD_COLUMNS } from '../search/record-sql.js';
import { whereOf } from '../search/search-sql.js';
import type { TailLimits } from './limits.js';

export interface Backlog {
  /** Ids ascending. */
  records: StoredRecord[];
  /** Matches with id > after that are older than the window and not sent. */
  skipped: number;
}

/** Matches with `after` < id ≤ `upTo` (the hub's watermark; Infinity for no bound). */
export type BacklogReader = (query: Query, after: number | null, upTo: number) => Promise<Backlog>;

/** Legacy rows by id, for the records a walk or window found by keys and sizes. */
async function legacyRecords(db: PoolClient, ids: string[]): Promise<StoredRecord[]> {
  if (ids.length === 0) return [];
  return (
    await db.query<StoredRecord>(
      `SELECT ${RECORD_COLUMNS} FROM logs WHERE id = ANY($1::bigint[]) ORDER BY logs.id`,
      [ids],
    )
  ).rows;
}

function byId(records: StoredRecord[]): StoredRecord[] {
  return records.sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * The newest `shortBacklog` matches with id ≤ `bound`, cut to `maxQueueChars`, ids
 * ascending. The walk finds them by event time reading only ids, times and sizes of legacy
 * rows; then only the window's rows are read whole. Each statement is bounded by the
 * transaction's statement_timeout, and the walk as a whole by the same time.
 */
async function shortBacklog(
  db: PoolClient,
  query: Query,
  bound: number | null,
  limits: TailLimits,
): Promise<StoredRecord[]> {
  const where = whereOf(query, { idMax: bound === null ? null : String(bound) });
  const newest = await walk(db, where, limits.shortBacklog, {
    fields: 'size',
    deadlineMs: Date.now() + limits.shortBacklogMs,
  });
  const kept = [];
  let chars = 0;
  for (const r of newest) {
    chars += r.size;
    if (chars > limits.maxQueueChars) break;
    kept.push(r);
  }
  const packed = kept.flatMap((h) => (h.record === null ? [] : [h.record]));
  const legacy = kept.filter((h) => h.record === null).map((h) => String(h.id));
  return byId([...packed, ...(await legacyRecords(db, legacy))]);
}

/** A match of a resume's backlog: its id and size, and its record when it came from a pack. */
interface Match {
  id: number;
  size: number;
  record: StoredRecord | null;
}

/**
 * Matches with after < id ≤ bound in packs: the `keep` with the highest ids (records made),
 * and how many there are in all, counted up to `cap`.
 */
async function packMatches(
  db: PoolClient,
  query: Query,
  after: number,
  bound: number | null,
  keep: number,
  cap: number,
): Promise<{ top: Match[]; total: number }> {
  const packs = await packsByIds(
    db,
    { idAfter: String(after), idMax: bound === null ? null : String(bound) },
    query,
  );
  const m = new Matcher(query, {
    q: query.text,
    dir: 'desc',
    fromMs: null,
    toMs: null,
    after: null,
    idAfter: after,
    idMax: bound,
  });
  let top: Match[] = [];
  let total = 0;
  // Highest max_id first: once `keep` are held, a pack below the lowest only adds to the count.
  for (let i = 0; i < packs.length && total < cap; i += 16) {
    const group = packs.slice(i, i + 16);
    const rs = await readers(db, group);
    for (let j = 0; j < group.length && total < cap; j++) {
      const p = group[j]!;
      const reader = rs[j]!;
      const rows = matchingRows(reader, p.labels, m, null, p.all);
      total += rows.length;
      const low = top.length >= keep ? top[top.length - 1]!.id : -Infinity;
      if (p.maxId < low) continue;
      for (const r of rows) {
        const id = reader.id(r);
        if (id < low) continue;
        const record = toStoredRecord(id, reader.record(r));
        top.push({ id, size: recordBytes(record.message, record.attrs), record });
      }
      top.sort((a, b) => b.id - a.id);
      if (top.length > keep) top = top.slice(0, keep);
    }
  }
  return { top, total: Math.min(total, cap) };
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
    const window = toSql(query, 4);
    const below = toSql(query, 5);
    const keep = limits.maxQueueRecords + 1;
    return readOnly(pool, 'REPEATABLE READ', null, async (db) => {
      // One more than the window: its presence says older matches exist.
      const legacy = (
        await db.query<{ id: string; size: string }>(
          `SELECT id::text, (${sizeSql('')})::text AS size FROM logs
            WHERE id > $2::bigint AND ($3::bigint IS NULL OR id <= $3::bigint) AND (${window.text})
            ORDER BY id DESC LIMIT $1::int`,
          [keep, after, bound, ...window.values],
        )
      ).rows.map((r): Match => ({ id: Number(r.id), size: Number(r.size), record: null }));
      const cap = keep + limits.maxDroppedCount;
      const packs = await packMatches(db, query, after, bound, keep, cap);
      const all = [...legacy, ...packs.top].sort((a, b) => b.id - a.id);
      const sent: Match[] = [];
      let chars = 0;
      for (const r of all.slice(0, limits.maxQueueRecords)) {
        chars += r.size;
        if (chars > limits.maxQueueChars) break;
        sent.push(r);
      }
      const low = sent.length > 0 ? sent[sent.length - 1]!.id : null;
      // Packs' matches below the window: all of them less those at or above its lowest id
      // (every one of those is among the highest `keep`).
      const packBelow = packs.total - packs.top.filter((r) => low !== null && r.id >= low).length;
      // Legacy rows below it: known when fewer than `keep` matched, else counted.
      let legacyBelow = legacy.filter((r) => low === null || r.id < low).length;
      if (legacy.length >= keep) {
        const c = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT 1 FROM logs
             WHERE id > $2::bigint AND ($3::bigint IS NULL OR id < $3::bigint)
               AND ($4::bigint IS NULL OR id <= $4::bigint) AND (${below.text}) LIMIT $1::int) c`,
          [limits.maxDroppedCount, after, low, bound, ...below.values],
        );
        legacyBelow = c.rows[0]!.n;
      }
      const skipped = Math.min(limits.maxDroppedCount, legacyBelow + packBelow);
      const fromPacks = sent.flatMap((r) => (r.record === null ? [] : [r.record]));
      const ids = sent.filter((r) => r.record === null).map((r) => String(r.id));
      return { records: byId([...fromPacks, ...(await legacyRecords(db, ids))]), skipped };
    });
  };
}

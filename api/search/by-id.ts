/**
 * Records by id, from either source: one record (the context route's anchor), the records
 * of an id range (the tail's commit feed reading batches other processes committed), and
 * how many there are (the feed's resync). Packs are found through max_id (migration 012):
 * a pack holds ids min_id..max_id of one stream, ascending, so a batch's records are in
 * its level-0 packs, or after compaction inside larger packs whose id ranges cover them.
 */
import type { StoredRecord } from '../../core/record.js';
import type { PackReader } from '../../core/packs/decode.js';
import { toStoredRecord } from '../../core/stored-record.js';
import { legacyRecord, type Queryable } from './legacy-source.js';
import { RECORD_COLUMNS } from './record-sql.js';
import { packsCoveringId, packsByIds, readers } from './pack-source.js';

/** Row index of `id` in a pack (ids ascending), or -1. */
export function rowOfId(reader: PackReader, id: number): number {
  let lo = 0;
  let hi = reader.rows - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = reader.id(mid);
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Record `id` with its keyset time (µs), from the legacy rows or a pack; null if none. */
export async function recordById(
  db: Queryable,
  id: string,
): Promise<{ record: StoredRecord; us: string } | null> {
  const legacy = await legacyRecord(db, id);
  if (legacy) return legacy;
  const packs = await packsCoveringId(db, id);
  for (const reader of await readers(db, packs)) {
    const i = rowOfId(reader, Number(id));
    if (i < 0) continue;
    const sec = reader.tsSec(i);
    const micro = Math.floor(reader.tsNano(i) / 1000);
    return {
      record: toStoredRecord(Number(id), reader.record(i)),
      us: (BigInt(sec) * 1_000_000n + BigInt(micro)).toString(),
    };
  }
  return null;
}

export interface IdRange {
  /** Ids greater than this. */
  after: string;
  /** Ids up to this. */
  upTo: string;
  /**
   * The records' event times lie in [fromTs, toTs] (tail_commits' range of the batches):
   * prunes packs and partitions; without it every pack of the id range is read.
   */
  fromTs?: Date;
  toTs?: Date;
}

/** Every record with an id in the range, ids ascending. */
export async function recordsByIds(db: Queryable, r: IdRange): Promise<StoredRecord[]> {
  const legacy = (
    await db.query<StoredRecord>(
      `SELECT ${RECORD_COLUMNS} FROM logs
        WHERE logs.id > $1::bigint AND logs.id <= $2::bigint
          AND ($3::timestamptz IS NULL OR logs.ts >= $3) AND ($4::timestamptz IS NULL OR logs.ts <= $4)
        ORDER BY logs.id`,
      [r.after, r.upTo, r.fromTs ?? null, r.toTs ?? null],
    )
  ).rows;
  const packs = await packsByIds(db, {
    idAfter: r.after,
    idMax: r.upTo,
    fromTs: r.fromTs,
    toTs: r.toTs,
  });
  if (packs.length === 0) return legacy;
  const lo = Number(r.after);
  const hi = Number(r.upTo);
  const out: { id: number; record: StoredRecord }[] = legacy.map((x) => ({
    id: Number(x.id),
    record: x,
  }));
  const rs = await readers(db, packs);
  for (const reader of rs) {
    for (let i = Math.max(0, rowOfId(reader, lo + 1)); i < reader.rows; i++) {
      const id = reader.id(i);
      if (id <= lo) continue;
      if (id > hi) break;
      out.push({ id, record: toStoredRecord(id, reader.record(i)) });
    }
  }
  return out.sort((a, b) => a.id - b.id).map((x) => x.record);
}

/** Records with ids in (after, upTo], counted up to `cap`. */
export async function countByIds(
  db: Queryable,
  after: string,
  upTo: string,
  cap: number,
): Promise<number> {
  const legacy = (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM logs WHERE id > $1::bigint AND id <= $2::bigint LIMIT $3) c`,
      [after, upTo, cap],
    )
  ).rows[0]!.n;
  const r = await db.query<{ n: string }>(
    `SELECT coalesce(sum(rows), 0)::text AS n FROM log_packs
      WHERE max_id > $1::bigint AND min_id <= $2::bigint AND min_id > $1::bigint AND max_id <= $2::bigint`,
    [after, upTo],
  );
  // Packs straddling an end are few (one per stream at each end): read their ids.
  const edges = (await packsByIds(db, { idAfter: after, idMax: upTo })).filter(
    (p) => p.minId <= Number(after) || p.maxId > Number(upTo),
  );
  let n = legacy + Number(r.rows[0]!.n);
  const lo = Number(after);
  const hi = Number(upTo);
  for (const reader of await readers(db, edges)) {
    for (let i = 0; i < reader.rows; i++) {
      const id = reader.id(i);
      if (id > lo && id <= hi) n++;
    }
  }
  return Math.min(n, cap);
}

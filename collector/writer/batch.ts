/**
 * One batch, one transaction, three round trips (docs/architecture.md, "The writer"):
 *
 *   BEGIN + logharbor_take_ids (xid and the first id)  │  COPY log_packs (binary): one
 *   level-0 pack per stream of the batch (core/packs/)  │  chunk ids + container and minute
 *   summaries + spool_drained + tail_commits row + NOTIFY + COMMIT
 *
 * Round trips are what a batch costs in Docker's one-event-per-request mode (each is a
 * socket write and a wake-up on both sides), so the closing statements travel together as
 * SQL text (core/db/sql-text.ts). With `check` the units already stored are looked up
 * first and skipped: by their spool sequence numbers (spool-drained.ts; a retried batch
 * whose COMMIT ran with its reply lost) and by their chunk ids (chunks.ts); and Docker
 * partial-line parts are stashed and claimed (docker-lines/stash.ts), before the COPY.
 *
 * Ids come with the transaction's xid from `logharbor_take_ids` (migration 006), the
 * first statement of every attempt, so ids grow in xid order across all writers (the
 * live tail's cursor relies on it: core/tail-commits.ts).
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import type { Pool } from '../../core/db/pool.js';
import { isDataError } from '../../core/db/pool.js';
import { commitRowSql, type Committed } from '../../core/tail-commits.js';
import { stashAndClaim } from '../docker-lines/stash.js';
import { encodePack, packsOf } from '../../core/packs/encode.js';
import { BinaryCopy, PACK_COLUMNS } from './copy-binary.js';
import { chunksSql, dedupeChunks } from './chunks.js';
import { drainedSql, drainedUnits } from './spool-drained.js';
import { containersSql, minutesSql } from './summaries.js';
import type { WriteUnit } from './unit.js';

const COPY_SQL = `COPY log_packs (${PACK_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;

/**
 * Level-0 packs live until the compactor merges them (collector/compaction/, seconds
 * later), so they are not compressed: on a batch's small packs zlib costs a context per
 * section, 5-9 MB/s of one core (measured by bench/codecs.ts), more than the rest of the writer.
 * Nor do they get an id bloom (core/id-bloom.ts): a search reads the few of them anyway.
 */
const LEVEL0 = { codec: 'none', ids: false } as const;

/** A lane's COPY buffer is kept between batches unless one batch grew it past this. */
const COPY_BUFFER_KEEP = 16 << 20;

/**
 * One of the writer's concurrent batches: the buffer its COPY data is built in (kept
 * between batches; dropped after a failure, since the failed connection may still hold
 * its bytes, and when one batch grew it past COPY_BUFFER_KEEP).
 */
export interface Lane {
  copy: BinaryCopy | null;
}

/** A batch's place in the order of id taking: wait for the one before, then let the next go. */
export interface IdTurn {
  wait: Promise<void>;
  done: () => void;
}

export interface BatchResult {
  xid: string;
  committed: Committed[];
  /** Units whose chunk was already stored (only known with `check`). */
  duplicates: number;
  /** Units an earlier attempt of this batch had committed (only known with `check`). */
  restored: number;
}

/**
 * Writes `units` in one transaction on a connection of `pool`; see the top. Units with a
 * spool sequence number are recorded in spool_drained under `spoolId`.
 */
export async function writeBatch(
  pool: Pool,
  units: WriteUnit[],
  lane: Lane,
  turn: IdTurn,
  check: boolean,
  spoolId: string | null,
): Promise<BatchResult> {
  const client = await pool.connect();
  let broken = false;
  // A connection that dies mid-batch also emits 'error' on the client; the failing
  // query reports it, so this listener only keeps it from crashing the process.
  const onError = () => (broken = true);
  client.on('error', onError);
  try {
    const total = units.reduce((n, u) => n + u.records.length, 0);
    await turn.wait;
    // Simple-protocol text: the only value is our own integer.
    const [, taken] = (await client.query(
      `BEGIN; SELECT xid::text AS xid, first_id::text AS first FROM logharbor_take_ids(${total})`,
    )) as unknown as [unknown, { rows: { xid: string; first: string }[] }];
    turn.done();
    const xid = taken.rows[0]!.xid;
    let nextId = Number(taken.rows[0]!.first);
    const drained =
      check && spoolId !== null ? await drainedUnits(client, spoolId, units) : new Set<number>();
    const skipUnit = check
      ? await dedupeChunks(
          client,
          units.map((u, i) => (drained.has(i) ? null : (u.chunk ?? null))),
        )
      : repeatedChunks(units);
    for (const i of drained) skipUnit.add(i);
    const skipRecord = check
      ? await stashAndClaim(client, units, skipUnit)
      : new Map<number, Set<number>>();
    const committed: Committed[] = [];
    const data = lane.copy ?? new BinaryCopy(total * 100);
    lane.copy = null;
    data.reset();
    for (let u = 0; u < units.length; u++) {
      if (skipUnit.has(u)) continue;
      const unit = units[u]!;
      const skip = skipRecord.get(u);
      for (let i = 0; i < unit.records.length; i++) {
        const id = nextId++;
        if (skip?.has(i)) continue;
        committed.push({ id, record: unit.records[i]! });
      }
    }
    const closing = check ? [] : [chunksSql(units.map((u) => u.chunk))];
    if (spoolId !== null) closing.push(drainedSql(spoolId, units, drained));
    if (committed.length > 0) {
      for (const rows of packsOf(committed)) data.pack(encodePack(rows, LEVEL0), 0);
      await pipeline(Readable.from([data.finish()]), client.query(copyStreams.from(COPY_SQL)));
      closing.push(containersSql(committed), minutesSql(committed), commitRowSql(xid, committed));
    }
    await client.query([...closing.filter((q) => q !== ''), 'COMMIT'].join(';\n'));
    if (data.capacity <= COPY_BUFFER_KEEP) lane.copy = data;
    return { xid, committed, duplicates: skipUnit.size - drained.size, restored: drained.size };
  } catch (e) {
    broken = !isDataError(e);
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw e;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * Units whose chunk an earlier unit of the same batch carries: stored once. (Two copies of
 * one chunk can both be waiting in the spool when a client resent it across a restart.)
 */
function repeatedChunks(units: WriteUnit[]): Set<number> {
  const seen = new Set<string>();
  const skip = new Set<number>();
  units.forEach((u, i) => {
    if (!u.chunk) return;
    if (seen.has(u.chunk)) skip.add(i);
    else seen.add(u.chunk);
  });
  return skip;
}

/**
 * Forward `option.chunk` ids (Forward Protocol v1, "option": a client resends a chunk
 * until it gets the ack), so a resent request is stored once: across requests on one
 * collector (the ids pending and recently committed here, answered without a database
 * trip), and across restarts and collectors (the forward_chunks table, written in the
 * same transaction as the rows).
 *
 * The cheap path puts the batch's ids into its closing query with no ON CONFLICT
 * (chunksSql): an id already stored fails that query on forward_chunks_pkey
 * (isStoredChunk), and the writer writes the batch again with the ids checked first
 * (dedupeChunks), skipping the units already stored.
 */
import type { PoolClient } from '../../core/db/pool.js';
import { textLit } from '../../core/db/sql-text.js';

/**
 * Chunk ids committed lately, so a client resending a chunk (Docker's fluentd driver
 * does so in a loop when an ack races its timeout) is acked without a database trip.
 * Bounded: the oldest ids are forgotten first; the forward_chunks table still catches them.
 */
export class RecentChunks {
  private readonly ids = new Set<string>();

  constructor(private readonly max: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
  }
}

/** Where a chunk stands on this collector: see ChunkTracker.state. */
export type ChunkState = { state: 'committed' } | { state: 'pending'; done: Promise<void> } | null;

/** The chunk ids this collector holds: pending (queued, not committed) and recently committed. */
export class ChunkTracker {
  private readonly pending = new Map<string, Promise<void>>();
  private readonly recent = new RecentChunks(100_000);

  /**
   * `committed` (recently stored: ack at once, store nothing), `pending` (the same chunk
   * is queued: wait for it), or null (new here).
   */
  state(chunk: string): ChunkState {
    if (this.recent.has(chunk)) return { state: 'committed' };
    const p = this.pending.get(chunk);
    return p ? { state: 'pending', done: p } : null;
  }

  /** `chunk` is queued and settles with `done`. */
  track(chunk: string, done: Promise<void>): void {
    this.pending.set(chunk, done);
    const forget = () => {
      if (this.pending.get(chunk) === done) this.pending.delete(chunk);
    };
    done.then(() => {
      this.recent.add(chunk);
      forget();
    }, forget);
  }
}

/**
 * The batch's chunk ids as an INSERT for its closing query; '' when it has none. No ON
 * CONFLICT: a chunk stored before fails the query (see the top).
 */
export function chunksSql(chunks: Iterable<string | null | undefined>): string {
  const ids = new Set<string>();
  for (const c of chunks) if (c) ids.add(c);
  if (ids.size === 0) return '';
  return `INSERT INTO forward_chunks (chunk) VALUES ${[...ids].map((c) => `(${textLit(c)})`).join(', ')}`;
}

/** The closing query failed on a chunk id some earlier batch stored. */
export function isStoredChunk(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string };
  return err.code === '23505' && err.constraint === 'forward_chunks_pkey';
}

/**
 * Stores the chunk ids of a batch's units (index = unit) inside its transaction and
 * returns the units whose chunk was stored before (by an earlier run, another
 * collector, or an earlier unit of this batch): those are not written again.
 */
export async function dedupeChunks(
  client: PoolClient,
  chunks: (string | null)[],
): Promise<Set<number>> {
  const skip = new Set<number>();
  const wanted = chunks.filter((c): c is string => c !== null);
  if (wanted.length === 0) return skip;
  const r = await client.query<{ chunk: string }>(
    'INSERT INTO forward_chunks (chunk) SELECT DISTINCT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING chunk',
    [wanted],
  );
  const fresh = new Set(r.rows.map((x) => x.chunk));
  chunks.forEach((c, u) => {
    if (c === null) return;
    if (fresh.has(c))
      fresh.delete(c); // the first unit with this chunk is stored
    else skip.add(u);
  });
  return skip;
}

/**
 * The batch writer (DESIGN.md, "The writer"):
 *
 *   submit(unit) ─► queue ─► batch (≤ batchSize records) ─► one transaction, three
 *   round trips:  BEGIN + take xid and ids │ COPY logs │ chunk ids + summaries + blocks
 *                 + tail_commits row + NOTIFY + COMMIT
 *   after COMMIT: resolve each unit (the source acks), emit the records with their ids.
 *
 * Round trips are what a batch costs in Docker's one-event-per-request mode (each is a
 * socket write and a wake-up on both sides), so the closing statements travel together as
 * SQL text (collector/writer/sql-text.ts). A chunk id already stored (a client resending
 * after a restart, or to another collector) makes that closing query fail on the
 * primary key of forward_chunks; the batch is then written again with the chunks checked
 * first and the stored ones skipped, the way a batch holding Docker partial-line parts
 * is always written (its stashes and claims are statements of their own).
 *
 * Up to `lanes` batches are in flight, each in its own transaction on its own connection:
 * PostgreSQL runs their COPYs on separate cores (on the 2-core development machine, two
 * concurrent COPY loops stored 88k rows/s into the indexed table against 53k for one).
 * While every lane is busy the next
 * batch gathers, so batches grow with load (group commit), while an idle writer writes at
 * once (after `flushMs`, 0 by default): a client that waits for each ack is never held up
 * by a timer. Lanes take their ids in the order their batches were formed, so ids follow
 * arrival. A batch holding Docker partial-line parts (stashes or claims) runs alone: a
 * claim must see the stash it claims committed. A failed
 * batch is retried with backoff and nothing is acked meanwhile; a batch PostgreSQL
 * refuses for its data (SQLSTATE class 22/23) is split unit by unit and only the refused
 * unit is rejected. The queue is bounded: past `queueMax` records the writer reports
 * pressure and sources pause their sockets.
 *
 * Ids come with the transaction's xid from `logharbor_take_ids` (migration 006), the
 * first statement of every attempt, so ids grow in xid order across all writers; the
 * `tail_commits` row and the NOTIFY let every API process send committed records to its
 * tail clients in that order (api/tail/commit-feed.ts).
 */
import { EventEmitter } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import type { Pool, PoolClient } from '../../core/db/pool.js';
import { isDataError } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { Telemetry } from '../../core/telemetry.js';
import { BinaryCopy, COPY_COLUMNS, MAX_TS_SEC, MIN_TS_SEC } from './copy-binary.js';
import { BlockWriter, maxEventMs, tsMs } from './blocks.js';
import { containersSql, minutesSql } from './summaries.js';
import { intLit, msLit, textLit } from './sql-text.js';
import { RecentChunks } from './recent-chunks.js';
import type { Committed, WriteUnit } from './unit.js';

export interface WriterOptions {
  batchSize: number;
  flushMs: number;
  queueMax: number;
  /** Rows per skip-index block (tests make it small); default BLOCK_ROWS. */
  blockRows?: number;
  /** Batches written at once (default 2). */
  lanes?: number;
}

/**
 * One of the writer's concurrent batches: its skip-index blocks, and the buffer its COPY
 * data is built in (kept between batches; dropped after a failure, since the failed
 * connection may still hold its bytes, and when one batch grew it past COPY_BUFFER_KEEP).
 */
interface Lane {
  blocks: BlockWriter;
  copy: BinaryCopy | null;
}

const COPY_BUFFER_KEEP = 16 << 20;

interface Pending {
  unit: WriteUnit;
  resolve: () => void;
  reject: (e: Error) => void;
}

const COPY_SQL = `COPY logs (${COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
const MAX_BACKOFF_MS = 5000;
/** The channel API processes LISTEN on (api/tail/commit-feed.ts). */
export const COMMITS_CHANNEL = 'logharbor_commits';
/** How long `tail_commits` rows are kept for readers that were away, and how often they are pruned. */
export const COMMITS_KEEP_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;

export class WriterClosedError extends Error {}

/** A batch's place in the order of id taking: wait for the one before, then let the next go. */
interface IdTurn {
  wait: Promise<void>;
  done: () => void;
}

export class Writer extends EventEmitter {
  private queue: Pending[] = [];
  private queuedRecords = 0;
  private inFlightRecords = 0;
  /** Batches being written, and whether the one being written must be alone. */
  private inFlight = 0;
  private exclusive = false;
  private readonly freeLanes: Lane[];
  /** Lanes take ids in the order their batches were formed. */
  private idTurn: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private pressured = false;
  private readonly pendingChunks = new Map<string, Promise<void>>();
  private readonly recentChunks = new RecentChunks(100_000);
  private idle: (() => void) | null = null;
  private prunedAt = Date.now();

  constructor(
    private readonly pool: Pool,
    private readonly opts: WriterOptions,
    private readonly log: Logger,
    private readonly telemetry: Telemetry,
  ) {
    super();
    this.freeLanes = Array.from({ length: Math.max(1, opts.lanes ?? 2) }, () => ({
      blocks: new BlockWriter(opts.blockRows),
      copy: null,
    }));
  }

  /** Records waiting or being written. */
  get depth(): number {
    return this.queuedRecords + this.inFlightRecords;
  }

  /** True while sources should stop reading (backpressure). */
  get overloaded(): boolean {
    return this.pressured;
  }

  /**
   * Where a forward chunk stands: `committed` (recently stored: ack at once, store
   * nothing), `pending` (the same chunk is queued: wait for it), or null (new here).
   */
  chunkState(
    chunk: string,
  ): { state: 'committed' } | { state: 'pending'; done: Promise<void> } | null {
    if (this.recentChunks.has(chunk)) return { state: 'committed' };
    const p = this.pendingChunks.get(chunk);
    return p ? { state: 'pending', done: p } : null;
  }

  /** Resolves once every record of the unit is committed (or was already stored). */
  submit(unit: WriteUnit): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError('writer is closed'));
    for (const r of unit.records) clampTime(r);
    let entry!: Pending;
    const done = new Promise<void>((resolve, reject) => {
      entry = { unit, resolve, reject };
    });
    if (unit.chunk) {
      const chunk = unit.chunk;
      this.pendingChunks.set(chunk, done);
      const forget = () => {
        if (this.pendingChunks.get(chunk) === done) this.pendingChunks.delete(chunk);
      };
      done.then(() => {
        this.recentChunks.add(chunk);
        forget();
      }, forget);
    }
    this.queue.push(entry);
    this.queuedRecords += unit.records.length;
    this.updatePressure();
    this.schedule();
    return done;
  }

  /** Writes everything queued, then refuses new units. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight > 0 || this.queue.length > 0) {
      this.flush();
      await new Promise<void>((r) => (this.idle = r));
    }
    // The open blocks' real filters: until then every word search reads those blocks.
    const open = this.freeLanes.map((l) => l.blocks.closeSql()).filter((q) => q !== '');
    if (open.length > 0) {
      await this.pool
        .query(open.join(';\n'))
        .catch((e: Error) =>
          this.log.warn({ err: e.message }, 'open skip-index blocks keep an all-ones filter'),
        );
    }
  }

  private schedule(): void {
    if (this.freeLanes.length === 0 || this.exclusive) return;
    if (this.queuedRecords >= this.opts.batchSize) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.opts.flushMs);
    }
  }

  private updatePressure(): void {
    const depth = this.depth;
    this.telemetry.queueDepth.set(depth);
    if (!this.pressured && depth >= this.opts.queueMax) {
      this.pressured = true;
      this.emit('pressure');
    } else if (this.pressured && depth < this.opts.queueMax / 2) {
      this.pressured = false;
      this.emit('drain');
    }
  }

  /** A unit with partial-line parts must be written with no other batch in flight. */
  private static alone(p: Pending): boolean {
    return (p.unit.stash?.length ?? 0) > 0 || (p.unit.claims?.length ?? 0) > 0;
  }

  /** The next batch, or null when the head of the queue must wait for the lanes to empty. */
  private takeBatch(): Pending[] | null {
    const head = this.queue[0];
    if (!head || (Writer.alone(head) && this.inFlight > 0)) return null;
    const batch: Pending[] = [];
    let n = 0;
    let alone = false;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || n + this.queue[0]!.unit.records.length <= this.opts.batchSize)
    ) {
      const next = this.queue[0]!;
      if (Writer.alone(next)) {
        if (this.inFlight > 0) break;
        alone = true;
      }
      this.queue.shift();
      n += next.unit.records.length;
      batch.push(next);
    }
    this.exclusive = alone;
    this.queuedRecords -= n;
    this.inFlightRecords += n;
    return batch;
  }

  /** Starts batches while lanes are free. */
  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.queue.length > 0 && this.freeLanes.length > 0 && !this.exclusive) {
      const batch = this.takeBatch();
      if (!batch) return;
      const lane = this.freeLanes.pop()!;
      this.inFlight++;
      // Registered now, in formation order: the batch takes its ids after the one before.
      const prev = this.idTurn;
      let done!: () => void;
      this.idTurn = new Promise<void>((r) => (done = r));
      const turn = { wait: prev, done };
      void this.run(batch, lane, turn);
    }
  }

  private async run(batch: Pending[], lane: Lane, turn: IdTurn): Promise<void> {
    const records = batch.reduce((n, p) => n + p.unit.records.length, 0);
    try {
      await this.writeWithRetry(batch, lane, turn);
    } finally {
      turn.done();
      this.inFlightRecords -= records;
      this.inFlight--;
      this.exclusive = false;
      this.freeLanes.push(lane);
      this.updatePressure();
      if (this.queue.length > 0) {
        // Whatever gathered during this commit has waited long enough: write it now.
        this.flush();
      } else if (this.inFlight === 0 && this.idle) {
        const idle = this.idle;
        this.idle = null;
        idle();
      }
    }
  }

  private async writeWithRetry(batch: Pending[], lane: Lane, turn: IdTurn): Promise<void> {
    let checkChunks = batch.some((p) => Writer.alone(p));
    for (let attempt = 0; ; attempt++) {
      try {
        const started = process.hrtime.bigint();
        const { xid, committed } = await this.writeBatch(batch, lane, turn, checkChunks);
        this.telemetry.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.telemetry.written.inc(committed.length);
        for (const p of batch) p.resolve();
        if (committed.length > 0) this.emit('committed', committed, xid);
        this.pruneCommits();
        return;
      } catch (e) {
        if (!checkChunks && isStoredChunk(e)) {
          checkChunks = true;
          attempt--;
          continue;
        }
        if (isDataError(e)) {
          await this.writeOneByOne(batch, e as Error, lane, turn);
          return;
        }
        this.telemetry.batchRetries.inc();
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 6));
        this.log.warn(
          {
            err: (e as Error).message,
            attempt: attempt + 1,
            retryInMs: delay,
            records: batch.reduce((n, p) => n + p.unit.records.length, 0),
          },
          'batch write failed; retrying (nothing acked)',
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** PostgreSQL refused the batch's data: find the unit(s) it refuses, keep the rest. */
  private async writeOneByOne(
    batch: Pending[],
    first: Error,
    lane: Lane,
    turn: IdTurn,
  ): Promise<void> {
    if (batch.length === 1) {
      const p = batch[0]!;
      this.log.error(
        { err: first.message, records: p.unit.records.length },
        'PostgreSQL refused a request; it is not acked',
      );
      this.telemetry.dropped.inc({ listener: 'writer', reason: 'refused' }, p.unit.records.length);
      p.reject(first);
      return;
    }
    for (const p of batch) await this.writeWithRetry([p], lane, turn);
  }

  /**
   * Deletes `tail_commits` rows every reader has had time to see, but keeps the newest of
   * them: a starting reader takes its position from it (api/tail/commit-feed.ts).
   */
  private pruneCommits(): void {
    if (Date.now() - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = Date.now();
    this.pool
      .query(
        `WITH old AS (SELECT max(xid) AS keep FROM tail_commits
                        WHERE committed_at < now() - $1::int * interval '1 millisecond')
         DELETE FROM tail_commits USING old WHERE xid < old.keep`,
        [COMMITS_KEEP_MS],
      )
      .catch((e: Error) => this.log.warn({ err: e.message }, 'pruning tail_commits failed'));
  }

  /**
   * One attempt at a batch. With `checkChunks` the chunk ids are checked (and stored)
   * before the COPY, and partial-line parts stashed and claimed; without, the chunk ids
   * go into the closing query, which fails on one already stored (see the top).
   */
  private async writeBatch(
    batch: Pending[],
    lane: Lane,
    turn: IdTurn,
    checkChunks: boolean,
  ): Promise<{ xid: string; committed: Committed[] }> {
    const client = await this.pool.connect();
    let broken = false;
    // A connection that dies mid-batch also emits 'error' on the client; the failing
    // query reports it, so this listener only keeps it from crashing the process.
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      const total = batch.reduce((n, p) => n + p.unit.records.length, 0);
      await turn.wait;
      // Simple-protocol text: the only value is our own integer.
      const [, taken] = (await client.query(
        `BEGIN; SELECT xid::text AS xid, first_id::text AS first FROM logharbor_take_ids(${total})`,
      )) as unknown as [unknown, { rows: { xid: string; first: string }[] }];
      turn.done();
      const xid = taken.rows[0]!.xid;
      let nextId = Number(taken.rows[0]!.first);
      const skipUnit = checkChunks ? await this.dedupeChunks(client, batch) : new Set<number>();
      const skipRecord = checkChunks
        ? await this.stashAndClaim(client, batch, skipUnit)
        : new Map<number, Set<number>>();
      const committed: Committed[] = [];
      const data = lane.copy ?? new BinaryCopy(total * 400);
      lane.copy = null;
      data.reset();
      for (let u = 0; u < batch.length; u++) {
        if (skipUnit.has(u)) continue;
        const p = batch[u]!;
        const skip = skipRecord.get(u);
        for (let i = 0; i < p.unit.records.length; i++) {
          const id = nextId++;
          if (skip?.has(i)) continue;
          const record = p.unit.records[i]!;
          data.row(id, record);
          committed.push({ id, record });
        }
      }
      const closing = checkChunks ? [] : [chunksSql(batch)];
      if (committed.length > 0) {
        await pipeline(Readable.from([data.finish()]), client.query(copyStreams.from(COPY_SQL)));
        closing.push(
          containersSql(committed),
          minutesSql(committed),
          lane.blocks.sql(committed),
          commitRowSql(xid, committed),
        );
      }
      await client.query([...closing.filter((q) => q !== ''), 'COMMIT'].join(';\n'));
      if (data.capacity <= COPY_BUFFER_KEEP) lane.copy = data;
      return { xid, committed };
    } catch (e) {
      lane.blocks.rolledBack();
      broken = !isDataError(e);
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Units whose chunk is already stored (by an earlier run or another collector). */
  private async dedupeChunks(client: PoolClient, batch: Pending[]): Promise<Set<number>> {
    const skip = new Set<number>();
    const chunks = batch.map((p) => p.unit.chunk ?? null);
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
      else {
        skip.add(u);
        this.telemetry.duplicates.inc();
      }
    });
    return skip;
  }

  /** Writes stashed partial parts, then claims the stashes of joined lines. */
  private async stashAndClaim(
    client: PoolClient,
    batch: Pending[],
    skipUnit: Set<number>,
  ): Promise<Map<number, Set<number>>> {
    const keys: string[] = [];
    const ordinals: number[] = [];
    const records: string[] = [];
    const claims: { unit: number; key: string; index: number }[] = [];
    batch.forEach((p, u) => {
      if (skipUnit.has(u)) return;
      for (const s of p.unit.stash ?? []) {
        keys.push(s.key);
        ordinals.push(s.ordinal);
        records.push(JSON.stringify(s.record));
      }
      for (const c of p.unit.claims ?? []) claims.push({ unit: u, ...c });
    });
    if (keys.length > 0) {
      await client.query(
        `INSERT INTO partial_parts (key, ordinal, record)
         SELECT * FROM unnest($1::text[], $2::int[], $3::jsonb[]) ON CONFLICT DO NOTHING`,
        [keys, ordinals, records],
      );
    }
    const skip = new Map<number, Set<number>>();
    if (claims.length === 0) return skip;
    const r = await client.query<{ key: string }>(
      'DELETE FROM partial_parts WHERE key = ANY($1::text[]) RETURNING key',
      [[...new Set(claims.map((c) => c.key))]],
    );
    const claimed = new Set(r.rows.map((x) => x.key));
    for (const c of claims) {
      if (claimed.has(c.key)) continue;
      // Another process already wrote this line from the stash (recovery): skip ours.
      if (!skip.has(c.unit)) skip.set(c.unit, new Set());
      skip.get(c.unit)!.add(c.index);
    }
    return skip;
  }
}

/**
 * The batch's chunk ids, stored with it; '' when it has none. No ON CONFLICT: a chunk
 * stored before fails the batch's closing query (see the top).
 */
function chunksSql(batch: Pending[]): string {
  const chunks = new Set<string>();
  for (const p of batch) if (p.unit.chunk) chunks.add(p.unit.chunk);
  if (chunks.size === 0) return '';
  return `INSERT INTO forward_chunks (chunk) VALUES ${[...chunks].map((c) => `(${textLit(c)})`).join(', ')}`;
}

/** The closing query failed on a chunk id some earlier batch stored. */
function isStoredChunk(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string };
  return err.code === '23505' && err.constraint === 'forward_chunks_pkey';
}

/** The batch's `tail_commits` row and its NOTIFY. */
function commitRowSql(xid: string, committed: Committed[]): string {
  let minMs = Infinity;
  let maxMs = -Infinity;
  for (const c of committed) {
    const ms = tsMs(c);
    if (ms < minMs) minMs = ms;
    if (ms > maxMs) maxMs = ms;
  }
  const first = committed[0]!.id;
  const last = committed[committed.length - 1]!.id;
  const x = textLit(xid);
  return `INSERT INTO tail_commits (xid, first_id, last_id, min_ts, max_ts, rows)
    VALUES (${x}, ${intLit(first)}, ${intLit(last)}, ${msLit(minMs)}, ${msLit(maxEventMs(maxMs))}, ${intLit(committed.length)});
    SELECT pg_notify('${COMMITS_CHANNEL}', ${x})`;
}

/** Times PostgreSQL (and JS dates) cannot hold are clamped; the original is kept in attrs. */
function clampTime(r: {
  tsSec: number;
  tsNano: number;
  attrs: Record<string, unknown> | null;
}): void {
  if (r.tsSec >= MIN_TS_SEC && r.tsSec <= MAX_TS_SEC && Number.isFinite(r.tsSec)) return;
  r.attrs = { ...r.attrs, original_time: r.tsSec };
  r.tsSec = Number.isFinite(r.tsSec) && r.tsSec > 0 ? MAX_TS_SEC : MIN_TS_SEC;
  r.tsNano = 0;
}

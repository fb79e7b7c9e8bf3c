/**
 * The batch writer (DESIGN.md, "The writer"):
 *
 *   submit(unit) ─► queue ─► batch (≤ batchSize records) ─► one transaction:
 *       dedupe chunks ─► stash partial parts ─► claim joined parts ─► COPY logs ─► COMMIT
 *   after COMMIT: resolve each unit (the source acks), publish records with ids (live tail).
 *
 * One batch is in flight at a time; while it commits the next one gathers, so batches
 * grow with load (group commit) while an idle writer writes at once (after `flushMs`,
 * 0 by default): a client that waits for each ack is never held up by a timer. A failed batch is retried with backoff and nothing is acked meanwhile;
 * a batch PostgreSQL refuses for its data (SQLSTATE class 22/23) is split unit by unit
 * and only the refused unit is rejected. The queue is bounded: past `queueMax` records
 * the writer reports pressure and sources pause their sockets.
 */
import { EventEmitter } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import type { Pool, PoolClient } from '../../core/db/pool.js';
import { isDataError } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { Telemetry } from '../../core/telemetry.js';
import { COPY_COLUMNS, MAX_TS_SEC, MIN_TS_SEC, encodeRow } from './copy-encode.js';
import { BlockWriter } from './blocks.js';
import { upsertContainers, upsertMinutes } from './summaries.js';
import { RecentChunks } from './recent-chunks.js';
import type { Committed, WriteUnit } from './unit.js';

export interface WriterOptions {
  batchSize: number;
  flushMs: number;
  queueMax: number;
  /** Rows per skip-index block (tests make it small); default BLOCK_ROWS. */
  blockRows?: number;
}

interface Pending {
  unit: WriteUnit;
  ids: number[] | null;
  resolve: () => void;
  reject: (e: Error) => void;
}

const ID_BLOCK = 65536;
const COPY_SQL = `COPY logs (${COPY_COLUMNS.join(', ')}) FROM STDIN`;
const MAX_BACKOFF_MS = 5000;

export class WriterClosedError extends Error {}

export class Writer extends EventEmitter {
  private queue: Pending[] = [];
  private queuedRecords = 0;
  private inFlightRecords = 0;
  private flushing = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private nextId = 0;
  private idEnd = 0;
  private pressured = false;
  private readonly pendingChunks = new Map<string, Promise<void>>();
  private readonly recentChunks = new RecentChunks(100_000);
  private readonly blocks: BlockWriter;
  private idle: (() => void) | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly opts: WriterOptions,
    private readonly log: Logger,
    private readonly telemetry: Telemetry,
  ) {
    super();
    this.blocks = new BlockWriter(opts.blockRows);
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
      entry = { unit, ids: null, resolve, reject };
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
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) void this.flush();
      await new Promise<void>((r) => (this.idle = r));
    }
  }

  private schedule(): void {
    if (this.flushing) return;
    if (this.queuedRecords >= this.opts.batchSize) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
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

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let n = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || n + this.queue[0]!.unit.records.length <= this.opts.batchSize)
    ) {
      const p = this.queue.shift()!;
      n += p.unit.records.length;
      batch.push(p);
    }
    this.queuedRecords -= n;
    this.inFlightRecords = n;
    return batch;
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.flushing = true;
    const batch = this.takeBatch();
    try {
      await this.writeWithRetry(batch);
    } finally {
      this.inFlightRecords = 0;
      this.flushing = false;
      this.updatePressure();
      if (this.queue.length > 0) {
        // Whatever gathered during this commit has waited long enough: write it now.
        void this.flush();
      } else if (this.idle) {
        const idle = this.idle;
        this.idle = null;
        idle();
      }
    }
  }

  private async writeWithRetry(batch: Pending[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.assignIds(batch);
        const started = process.hrtime.bigint();
        const committed = await this.writeBatch(batch);
        this.telemetry.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.telemetry.written.inc(committed.length);
        for (const p of batch) p.resolve();
        if (committed.length > 0) this.emit('committed', committed);
        return;
      } catch (e) {
        if (isDataError(e)) {
          await this.writeOneByOne(batch, e as Error);
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
  private async writeOneByOne(batch: Pending[], first: Error): Promise<void> {
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
    for (const p of batch) await this.writeWithRetry([p]);
  }

  private async assignIds(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      if (p.ids) continue; // a retry keeps the ids it was given
      const ids = new Array<number>(p.unit.records.length);
      for (let i = 0; i < ids.length; i++) {
        if (this.nextId >= this.idEnd) {
          const r = await this.pool.query<{ b: string }>(
            `SELECT nextval('logs_id_block_seq') AS b`,
          );
          this.nextId = Number(r.rows[0]!.b) * ID_BLOCK;
          this.idEnd = this.nextId + ID_BLOCK;
        }
        ids[i] = this.nextId++;
      }
      p.ids = ids;
    }
  }

  private async writeBatch(batch: Pending[]): Promise<Committed[]> {
    const client = await this.pool.connect();
    let broken = false;
    // A connection that dies mid-batch also emits 'error' on the client; the failing
    // query reports it, so this listener only keeps it from crashing the process.
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const skipUnit = await this.dedupeChunks(client, batch);
      const skipRecord = await this.stashAndClaim(client, batch, skipUnit);
      const committed: Committed[] = [];
      const rows: string[] = [];
      for (let u = 0; u < batch.length; u++) {
        if (skipUnit.has(u)) continue;
        const p = batch[u]!;
        const skip = skipRecord.get(u);
        for (let i = 0; i < p.unit.records.length; i++) {
          if (skip?.has(i)) continue;
          const record = p.unit.records[i]!;
          const id = p.ids![i]!;
          rows.push(encodeRow(id, record));
          committed.push({ id, record });
        }
      }
      if (rows.length > 0) {
        await pipeline(Readable.from([rows.join('')]), client.query(copyStreams.from(COPY_SQL)));
        await upsertContainers(client, committed);
        await upsertMinutes(client, committed);
        await this.blocks.write(client, committed);
      }
      await client.query('COMMIT');
      return committed;
    } catch (e) {
      this.blocks.rolledBack();
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

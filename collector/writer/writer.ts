/**
 * The batch writer (docs/architecture.md, "The writer"): a queue of write units, the
 * lanes that write them, backpressure and retries. What one batch's transaction does is
 * in batch.ts; forward chunk ids in chunks.ts; Docker partial-line stashes in
 * docker-lines/stash.ts; the live tail's commit rows in core/tail-commits.ts.
 *
 *   submit(unit) ─► queue ─► batch (≤ batchSize records) ─► writeBatch on a free lane
 *   after COMMIT: resolve each unit (the source acks), emit the records with their ids.
 *
 * Up to `lanes` batches are in flight, each in its own transaction on its own connection:
 * PostgreSQL runs their COPYs on separate cores (on the 2-core development machine, two
 * concurrent COPY loops stored 88k rows/s into the indexed table against 53k for one).
 * While every lane is busy the next batch gathers, so batches grow with load (group
 * commit). Batches smaller than `batchSize` start at most once per `flushMs` (schedule),
 * so a trickle of small units costs one transaction per `flushMs`, not one per unit; a
 * unit after a quiet spell goes at once. With acks after commit
 * (LOGHARBOR_FORWARD_ACK=commit) flushMs defaults to 0: a client waiting for each ack is
 * then never held by a timer. Lanes take their ids in the order their batches were
 * formed, so ids follow arrival. A batch holding Docker partial-line parts (stashes or
 * claims) runs alone: a claim must see the stash it claims committed.
 *
 * A chunk id already stored (a client resending after a restart, or to another collector)
 * makes the batch's closing query fail; the batch is then written again with the chunks
 * checked first (chunks.ts). A failed batch is retried with backoff and nothing is acked
 * meanwhile; after a dead connection the retry looks up which units are stored first (the
 * COMMIT may have run with its reply lost: spool-drained.ts). A batch PostgreSQL refuses
 * for its data (SQLSTATE class 22/23) is split unit by unit and only the refused unit is
 * rejected. The queue is bounded: past `queueMax` records the writer reports pressure and
 * sources pause their sockets.
 */
import { EventEmitter } from 'node:events';
import type { Pool } from '../../core/db/pool.js';
import { isDataError } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import { clampTime } from '../../core/record.js';
import {
  COMMITS_KEEP_MS,
  PRUNE_COMMITS_EVERY_MS,
  PRUNE_COMMITS_SQL,
} from '../../core/tail-commits.js';
import type { Telemetry } from '../../core/telemetry.js';
import { touchesStash } from '../docker-lines/stash.js';
import { writeBatch, type IdTurn, type Lane } from './batch.js';
import { ChunkTracker, isStoredChunk, type ChunkState } from './chunks.js';
import { isDrainedSeq } from './spool-drained.js';
import type { WriteUnit } from './unit.js';

export interface WriterOptions {
  batchSize: number;
  flushMs: number;
  queueMax: number;
  /** Batches written at once (default DEFAULT_LANES). */
  lanes?: number;
  /** The spool whose sequence numbers units carry (recorded in spool_drained); null: none. */
  spoolId?: string | null;
}

/** Batches in flight at once, each on its own connection (the benchmarks' ceiling loads as many). */
export const DEFAULT_LANES = 2;

interface Pending {
  unit: WriteUnit;
  resolve: () => void;
  reject: (e: Error) => void;
}

const MAX_BACKOFF_MS = 5000;

export class WriterClosedError extends Error {}

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
  private readonly chunks = new ChunkTracker();
  private idle: (() => void) | null = null;
  /** close() gave up: batches still retrying stop and reject. */
  private abandoned = false;
  /** Since when batches fail (PostgreSQL away), and the last error; null while they succeed. */
  private failing: { since: number; error: string } | null = null;
  private prunedAt = Date.now();
  /** When the last batch started (schedule spaces small batches by flushMs). */
  private startedAt = 0;

  constructor(
    private readonly pool: Pool,
    private readonly opts: WriterOptions,
    private readonly log: Logger,
    private readonly telemetry: Telemetry,
  ) {
    super();
    this.freeLanes = Array.from({ length: Math.max(1, opts.lanes ?? DEFAULT_LANES) }, () => ({
      copy: null,
    }));
  }

  /** Records waiting or being written. */
  get depth(): number {
    return this.queuedRecords + this.inFlightRecords;
  }

  /** Since when writes fail and why, or null: what the health panel says about PostgreSQL. */
  get failingSince(): { since: number; error: string } | null {
    return this.failing;
  }

  /** True while sources should stop reading (backpressure). */
  get overloaded(): boolean {
    return this.pressured;
  }

  /**
   * Where a forward chunk stands: `committed` (recently stored: ack at once, store
   * nothing), `pending` (the same chunk is queued: wait for it), or null (new here).
   */
  chunkState(chunk: string): ChunkState {
    return this.chunks.state(chunk);
  }

  /** Resolves once every record of the unit is committed (or was already stored). */
  submit(unit: WriteUnit): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError('writer is closed'));
    for (const r of unit.records) clampTime(r);
    let entry!: Pending;
    const done = new Promise<void>((resolve, reject) => {
      entry = { unit, resolve, reject };
    });
    if (unit.chunk) this.chunks.track(unit.chunk, done);
    this.queue.push(entry);
    this.queuedRecords += unit.records.length;
    this.updatePressure();
    this.schedule();
    return done;
  }

  /**
   * Refuses new units and writes everything queued; after `deadlineMs` it gives up instead
   * (PostgreSQL away at shutdown): what is not committed then is rejected with
   * WriterClosedError (the spool still holds it, for the next start).
   */
  async close(deadlineMs = Infinity): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const giveUp =
      deadlineMs === Infinity
        ? null
        : setTimeout(() => {
            this.abandoned = true;
            for (const p of this.queue.splice(0)) p.reject(new WriterClosedError('writer closed'));
            this.queuedRecords = 0;
            this.idle?.();
          }, deadlineMs);
    while (!this.abandoned && (this.inFlight > 0 || this.queue.length > 0)) {
      this.flush();
      await new Promise<void>((r) => (this.idle = r));
    }
    if (giveUp) clearTimeout(giveUp);
  }

  /**
   * Stops at once, as a crash would: nothing more is started, batches retrying give up, and
   * what is queued is rejected with WriterClosedError. In-flight transactions are left to
   * PostgreSQL (a test ends their connections, as the death of the process would).
   */
  abandon(): void {
    this.closed = true;
    this.abandoned = true;
    if (this.timer) clearTimeout(this.timer);
    for (const p of this.queue.splice(0)) p.reject(new WriterClosedError('writer abandoned'));
    this.queuedRecords = 0;
    this.idle?.();
  }

  /**
   * Starts a batch now when a full one waits, else once `flushMs` have passed since the
   * last batch started: a trickle of units (one event per request, each acked by the spool)
   * becomes one transaction per `flushMs` instead of one per unit, while a unit arriving
   * after a quiet spell goes at once.
   */
  private schedule(): void {
    if (this.freeLanes.length === 0 || this.exclusive) return;
    if (this.queuedRecords >= this.opts.batchSize) {
      this.flush();
      return;
    }
    if (this.timer) return;
    // Never synchronously: what the same turn of the event loop submits is one batch.
    const wait = Math.max(0, this.startedAt + this.opts.flushMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
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
    return touchesStash(p.unit);
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
      this.startedAt = Date.now();
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
        // What gathered during this commit goes next: at once when a batch's worth waits
        // or flushMs have passed since the last start (schedule).
        this.schedule();
      } else if (this.inFlight === 0 && this.idle) {
        const idle = this.idle;
        this.idle = null;
        idle();
      }
    }
  }

  private async writeWithRetry(batch: Pending[], lane: Lane, turn: IdTurn): Promise<void> {
    let check = batch.some((p) => Writer.alone(p));
    for (let attempt = 0; ; attempt++) {
      try {
        const started = process.hrtime.bigint();
        const units = batch.map((p) => p.unit);
        const { xid, committed, duplicates, restored } = await writeBatch(
          this.pool,
          units,
          lane,
          turn,
          check,
          this.opts.spoolId ?? null,
        );
        if (duplicates > 0) this.telemetry.duplicates.inc(duplicates);
        if (restored > 0)
          this.log.info(
            { units: restored, attempt: attempt + 1 },
            'an earlier attempt of this batch had committed (its reply was lost): not stored again',
          );
        this.failing = null;
        this.telemetry.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.telemetry.written.inc(committed.length);
        for (const p of batch) p.resolve();
        if (committed.length > 0) this.emit('committed', committed, xid);
        this.pruneCommits();
        return;
      } catch (e) {
        if (!check && (isStoredChunk(e) || isDrainedSeq(e))) {
          check = true;
          attempt--;
          continue;
        }
        if (isDataError(e)) {
          await this.writeOneByOne(batch, e as Error, lane, turn);
          return;
        }
        // The connection failed, maybe after PostgreSQL ran the COMMIT and before its reply
        // came: every later attempt looks up what is stored first (spool-drained.ts).
        check = true;
        this.telemetry.batchRetries.inc();
        this.failing ??= { since: Date.now(), error: (e as Error).message };
        this.failing.error = (e as Error).message;
        if (this.abandoned) {
          for (const p of batch) p.reject(new WriterClosedError('writer closed before commit'));
          return;
        }
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 6));
        this.log.warn(
          {
            err: (e as Error).message,
            attempt: attempt + 1,
            retryInMs: delay,
            records: batch.reduce((n, p) => n + p.unit.records.length, 0),
          },
          'batch write failed; retrying',
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
    if (Date.now() - this.prunedAt < PRUNE_COMMITS_EVERY_MS) return;
    this.prunedAt = Date.now();
    this.pool
      .query(PRUNE_COMMITS_SQL, [COMMITS_KEEP_MS])
      .catch((e: Error) => this.log.warn({ err: e.message }, 'pruning tail_commits failed'));
  }
}

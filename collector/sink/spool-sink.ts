/**
 * Durable on receipt (issue 16; docs/architecture.md, "The spool"): every unit a listener
 * reads is appended to the local spool, acked once the spool holds it (under
 * LOGHARBOR_SPOOL_SYNC), and drained to PostgreSQL behind it (drainer.ts).
 *
 *   accept(unit) ─► chunk seen? ─► encodeUnit ─► spool.append ─┬─► durable ─► ack (spool)
 *                                                             └─► drainer ─► writer ─► commit ─► ack (commit)
 *
 * PostgreSQL's availability is no longer the senders': while it is away the spool grows
 * (up to LOGHARBOR_SPOOL_MAX_BYTES). A full spool (or a full disk) emits 'pressure':
 * under `pause` TCP readers stop reading, and the few units already read wait here in
 * memory for room (nothing read is dropped); under `drop` they are refused and counted.
 * Datagram sources check `overloaded` and drop (a UDP sender cannot be slowed).
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { CollectorStatus } from '../../core/collector-status.js';
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { MultilineOptions } from '../multiline/options.js';
import type { Telemetry } from '../../core/telemetry.js';
import { Spool, type SpoolSync } from '../spool/spool.js';
import { SpoolFullError, SpoolRecordTooLargeError } from '../spool/errors.js';
import { encodeUnit } from '../spool/unit-codec.js';
import { ChunkTracker, type ChunkState } from '../writer/chunks.js';
import type { WriteUnit } from '../writer/unit.js';
import { Writer, WriterClosedError } from '../writer/writer.js';
import { Drainer } from './drainer.js';
import { RefusedFile } from './refused-file.js';
import { SeqFloor } from './seq-floor.js';
import { claimSpool, type SpoolIdentity } from './spool-identity.js';
import type { AckAfter, UnitSink } from './sink.js';

export interface SpoolSinkOptions {
  dir: string;
  sync: SpoolSync;
  syncIntervalMs: number;
  maxBytes: number;
  whenFull: 'pause' | 'drop';
  ackAfter: AckAfter;
  batchSize: number;
  flushMs: number;
  /** Records handed to the writer and not committed (LOGHARBOR_QUEUE_MAX). */
  window: number;
  /** Segment size (tests make it small); default the spool's. */
  segmentBytes?: number;
  lanes?: number;
  /**
   * The multi-line joiner between the drain and the writer (collector/multiline/;
   * LOGHARBOR_MULTILINE): on unless `{ enabled: false }`.
   */
  multiline?: Partial<MultilineOptions>;
}

interface Waiting {
  unit: WriteUnit;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Encoded units larger than this are split (a spool record never spans two segments). */
const SPLIT_MARGIN = 4096;
/** How long close() lets the writer finish what it holds before leaving it to the next start. */
const CLOSE_WRITER_MS = 3000;

export class SpoolSink extends EventEmitter implements UnitSink {
  private readonly chunks = new ChunkTracker();
  private readonly waiting: Waiting[] = [];
  private closed = false;
  private started = false;

  private constructor(
    readonly spool: Spool,
    readonly writer: Writer,
    private readonly drainer: Drainer,
    private readonly identity: SpoolIdentity,
    private readonly opts: SpoolSinkOptions,
    private readonly log: Logger,
    private readonly telemetry: Telemetry,
  ) {
    super();
    spool.on('full', (reason: string) => {
      log.warn(
        { reason, bytes: spool.stats.bytes, maxBytes: opts.maxBytes, error: spool.stats.error },
        opts.whenFull === 'pause'
          ? 'spool full: pausing TCP senders until there is room'
          : 'spool full: refusing new requests until there is room',
      );
      this.emit('pressure');
    });
    spool.on('space', () => {
      log.info({ bytes: spool.stats.bytes }, 'spool has room again: resuming');
      this.retryWaiting();
      this.emit('drain');
    });
  }

  static async open(
    pool: Pool,
    opts: SpoolSinkOptions,
    log: Logger,
    telemetry: Telemetry,
  ): Promise<SpoolSink> {
    let waitingSince: () => number | null = () => null;
    const identity = await claimSpool(opts.dir);
    const floor = await SeqFloor.open(opts.dir);
    const spool = await Spool.open(
      {
        dir: opts.dir,
        maxBytes: opts.maxBytes,
        sync: opts.sync,
        syncIntervalMs: opts.syncIntervalMs,
        whenFull: opts.whenFull,
        segmentBytes: opts.segmentBytes,
        numberFrom: floor.value,
      },
      log,
    );
    const writer = new Writer(
      pool,
      {
        batchSize: opts.batchSize,
        flushMs: opts.flushMs,
        // The drain window bounds what the writer holds; its own pressure never fires.
        queueMax: Number.MAX_SAFE_INTEGER,
        lanes: opts.lanes,
        spoolId: identity.id,
      },
      log,
      telemetry,
    );
    const drainer = new Drainer(
      spool,
      writer,
      pool,
      {
        spoolId: identity.id,
        windowRecords: opts.window,
        memoryBytes: 64 << 20,
        refused: new RefusedFile(opts.dir),
        floor,
        multiline: opts.multiline,
        pendingSince: () => waitingSince(),
      },
      log,
      telemetry,
    );
    const sink = new SpoolSink(spool, writer, drainer, identity, opts, log, telemetry);
    // Units read while the spool was full are older than what the drain sees: its
    // multi-line clock must not pass them (drainer.ts, watermark).
    waitingSince = () => sink.waitingSince();
    return sink;
  }

  get spoolId(): string {
    return this.identity.id;
  }

  /** The multi-line joiner's counters (lines held, joined, cut). */
  get multiline(): Drainer['multiline'] {
    return this.drainer.multiline;
  }

  /** Earliest receivedAt of the units waiting for spool room, or null. */
  waitingSince(): number | null {
    let at: number | null = null;
    for (const w of this.waiting)
      for (const r of w.unit.records) if (at === null || r.receivedAt < at) at = r.receivedAt;
    return at;
  }

  get overloaded(): boolean {
    return this.spool.stats.full || this.waiting.length > 0;
  }

  chunkState(chunk: string): ChunkState {
    return this.chunks.state(chunk);
  }

  /** Starts draining once PostgreSQL has the schema; retried by the caller until it works. */
  async startDrain(): Promise<void> {
    if (this.started) return;
    await this.drainer.start();
    this.started = true;
  }

  accept(unit: WriteUnit): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError('collector is stopping'));
    let acked: Promise<void>;
    if (this.waiting.length > 0) acked = this.wait(unit);
    else {
      try {
        acked = this.append(unit);
      } catch (e) {
        if (!(e instanceof SpoolFullError)) throw e;
        acked = this.full(unit, e);
      }
    }
    if (unit.chunk) this.chunks.track(unit.chunk, acked);
    return acked;
  }

  /** Appends one unit (split when it cannot fit one segment); the promise says when to ack. */
  private append(unit: WriteUnit): Promise<void> {
    const payload = encodeUnit(unit);
    if (payload.length > this.spool.segmentBytes - SPLIT_MARGIN) return this.appendSplit(unit);
    const { seq, durable } = this.spool.append(payload);
    this.drainer.offer(seq, unit, payload.length);
    return this.opts.ackAfter === 'commit'
      ? durable.then(() => this.drainer.committed(seq))
      : durable;
  }

  /**
   * A unit too large for one segment (a 64 MB decompressed request), written as parts: each
   * part carries `<chunk>#<n>`, so a resent request is still stored once (forward_chunks).
   * Units with Docker partial-line stashes or claims are small and never split.
   */
  private appendSplit(unit: WriteUnit): Promise<void> {
    if (unit.records.length < 2 || unit.stash || unit.claims) {
      const e = new SpoolRecordTooLargeError(encodeUnit(unit).length, this.spool.segmentBytes);
      this.log.error({ err: e.message }, 'request too large for the spool: not stored');
      this.telemetry.dropped.inc({ listener: 'spool', reason: 'too_large' }, unit.records.length);
      return Promise.reject(e);
    }
    const half = Math.ceil(unit.records.length / 2);
    const parts = [unit.records.slice(0, half), unit.records.slice(half)].map((records, i) => ({
      records,
      chunk: unit.chunk ? `${unit.chunk}#${i}` : unit.chunk,
    }));
    return Promise.all(parts.map((p) => this.append(p))).then(() => undefined);
  }

  private full(unit: WriteUnit, e: SpoolFullError): Promise<void> {
    if (this.opts.whenFull === 'drop') {
      this.telemetry.dropped.inc({ listener: 'spool', reason: 'spool_full' }, unit.records.length);
      return Promise.reject(e);
    }
    return this.wait(unit);
  }

  /** Holds a unit read while the spool was full (its reader is paused) until there is room. */
  private wait(unit: WriteUnit): Promise<void> {
    return new Promise<void>((resolve, reject) => this.waiting.push({ unit, resolve, reject }));
  }

  private retryWaiting(): void {
    while (this.waiting.length > 0) {
      const w = this.waiting[0]!;
      try {
        this.append(w.unit).then(w.resolve, w.reject);
      } catch (e) {
        if (e instanceof SpoolFullError) return; // still full: wait for the next 'space'
        w.reject(e as Error);
      }
      this.waiting.shift();
    }
  }

  /** What /metrics, /api/sources and the page's banner say about the spool and PostgreSQL. */
  status(): CollectorStatus {
    const s = this.spool.stats;
    const failing = this.writer.failingSince;
    const stored = Math.max(this.drainer.prefix, s.releasedSeq);
    const oldest = s.nextSeq - 1 > stored ? s.oldestAppendedAt : null;
    const now = Date.now();
    return {
      spool_id: this.identity.id,
      host: hostname(),
      pid: process.pid,
      at: new Date(now).toISOString(),
      spool_bytes: s.bytes,
      spool_max_bytes: this.opts.maxBytes,
      waiting: Math.max(0, s.nextSeq - 1 - stored),
      oldest_waiting_s: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000),
      drain_per_s: Math.round(this.drainer.rate),
      full: s.full,
      full_reason: s.fullReason,
      postgres_down_since: failing ? new Date(failing.since).toISOString() : null,
      postgres_error: failing?.error ?? null,
      sync: this.opts.sync,
      ack_after: this.opts.ackAfter,
    };
  }

  /**
   * Stops at once, as a crash would (tests): no sync, no commit, no unlock. What the spool
   * had written stays on disk for the next open.
   */
  abandon(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new WriterClosedError('collector crashed'));
    this.drainer.stop();
    this.writer.abandon();
  }

  /**
   * Shutdown (SIGTERM): refuse new units, sync the spool, give the writer a moment to commit
   * what it holds, and leave the rest in the spool for the next start.
   */
  async close(writerMs = CLOSE_WRITER_MS): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new WriterClosedError('collector stopped'));
    this.drainer.stop();
    await this.spool
      .close()
      .catch((e: Error) =>
        this.log.error({ err: e.message }, 'spool: last writes failed at close'),
      );
    await this.writer.close(writerMs);
    await this.identity.unlock();
  }
}

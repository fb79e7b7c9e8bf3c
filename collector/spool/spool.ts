/**
 * The spool: a durable local append-only log of requests read by the listeners, acked once
 * stored here, drained to PostgreSQL later in large batches (issue 16, "Durable on receipt").
 *
 *   listener ─append(payload)─► group (one Buffer, all appends of a tick) ──┐
 *        ▲  └─ {seq, durable} ◄── resolved per the sync policy              │ one worker, in order:
 *        │                                                                  ▼
 *        │ 'full' / 'space'         spool-<first seq>.seg (preallocated) ◄─ pwrite of the group
 *        │                                │                                 + fdatasync ('always')
 *   writer ─read(committed + 1)───────────┘  only what is durable
 *          ─release(committed)──► whole segments whose records are all released become
 *                                 free files, reused for the next segment (segment-file.ts)
 *
 * Sync policies (SpoolSync), and when `durable` resolves:
 *   'always'    after the fdatasync that covers the record. Group commit: appends made while a
 *               sync is in flight form the next group, written with one pwrite and synced with
 *               one fdatasync (PostgreSQL's WAL flush and Vector's disk buffer batch the same way).
 *   'interval'  when the group is written to the OS (survives a crash of the process, not of
 *               the machine); fdatasync every syncIntervalMs (500 ms, Vector's default flush).
 *   'off'       at once; fdatasync only when a segment is sealed and at close().
 * Appends are cheap in all three: encode into the group's buffer, no syscall; the worker starts
 * on setImmediate, so everything appended in one turn of the event loop is one write.
 *
 * Full: over maxBytes of unreleased records; a new segment needed while making its file fails
 * (ENOSPC while preallocating), or while 16 MiB already wait in memory for a segment whose file
 * is not ready; or a failed write or sync. Appends are then refused with SpoolFullError and
 * 'full' is emitted once; 'space' follows when held bytes are back under 90% of maxBytes and
 * writes work again. Failed writes and syncs are retried every retryMs, rewriting the group
 * first (after a failed fsync the page cache may have dropped the dirty pages: the "fsyncgate"
 * lesson), so what was written stays intact and nothing is acked early.
 *
 * Events: 'full' (reason), 'space', 'readable' (last seq read() may now return), 'error'
 * (SpoolIoError naming the path; emitted only when someone listens, always logged).
 *
 * Measured with `npx tsx bench/spool-codec.ts append` (2-core AMD EPYC VM shared with other
 * jobs, load average ~6, ext4 on a virtio disk, Node 20.20; 300-byte payloads, 64 MiB
 * segments, 3 s per row). Ceiling in the same run: pwrite + fdatasync in a loop, 2,774/s.
 *
 *   sync      appenders  appends/s  MB/s  durable p50/p99 ms  per fdatasync  fdatasync p50/p99
 *   always            1      2,620   0.8     0.26 / 3.99            1         0.19 / 3.58 ms
 *   always           32     37,106  11.3     0.39 / 9.25           32         0.24 / 6.79 ms
 *   always         1000    169,639  51.6     3.58 / 34.7          999         1.27 / 28.9 ms
 *   interval  1000/turn    239,269  72.7     1.52 / 45.4   (996/write)        52.5 / 77.7 ms
 *   off       1000/turn    282,597  85.9     1.21 / 23.4  (1910/write)     at seal and close
 *
 * One appender gets 94% of the raw fdatasync rate; with 1000 the group commit turns one
 * fdatasync into ~1000 acks. Under heavier load (average 15-18) the same rows varied 2-4x
 * (e.g. always/1000: 33-110 K/s), the ratios staying alike. An append alone costs about 3x a
 * crc32 of its payload (encode into the group's buffer, mark, no syscall).
 * read(): one pread per call of about the batch's size (budget, or count x the segment's
 * average record size, + 64 KiB to skip from a mark), crc checked again, payloads are views;
 * 0.26-0.5 M records/s here in batches of 1,000-10,000.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../core/log.js';
import {
  SpoolClosedError,
  SpoolFullError,
  SpoolIoError,
  SpoolRecordTooLargeError,
  type FullReason,
} from './errors.js';
import { SpoolReader } from './reader.js';
import { recover } from './recovery.js';
import {
  markAtOrBefore,
  markAtOrBeforeOffset,
  maybeMark,
  newSegment,
  type Segment,
} from './segment.js';
import { encodeRecord, HEADER_BYTES, recordSize, type SpoolRecord } from './segment-format.js';
import { SpoolWriter } from './spool-writer.js';

export type SpoolSync = 'always' | 'interval' | 'off';

export interface SpoolOptions {
  dir: string;
  /** Size of each segment file, preallocated (default 64 MiB); a record never spans two. */
  segmentBytes?: number;
  /** Most bytes of unreleased records held; appends past it are refused. */
  maxBytes: number;
  sync: SpoolSync;
  /** fdatasync period under 'interval' (default 500 ms). */
  syncIntervalMs?: number;
  /** What the listeners do when appends are refused; the spool refuses either way. */
  whenFull: 'pause' | 'drop';
  /** Highest sequence number already stored elsewhere (PostgreSQL): released at open, and
   * numbering continues above it even if the spool lost its tail. */
  committedSeq?: number;
  /**
   * Numbering continues at or above this (nothing is released): the caller's durable record
   * of the highest sequence number it may have handed on (collector/sink/seq-floor.ts).
   */
  numberFrom?: number;
  /** Released segment files kept for reuse (default 2). */
  keepFreeSegments?: number;
  /** Retry period after a failed write, sync or preallocation (default 1000 ms). */
  retryMs?: number;
}

export interface SpoolStats {
  /** Bytes of unreleased records (headers included; released bytes counted to within 64 KiB). */
  bytes: number;
  segments: number;
  firstSeq: number;
  nextSeq: number;
  releasedSeq: number;
  /** Last sequence number read() may return (durable under the policy). */
  durableSeq: number;
  /** Append time of the first unreleased record (to within 64 KiB of records), or null. */
  oldestAppendedAt: number | null;
  full: boolean;
  fullReason: FullReason | null;
  error: string | null;
  /** Bad regions skipped, at open and while reading; sequence numbers found missing at open. */
  corrupt: number;
  missing: number;
  /** Numbers skipped at open and never used (recovery.ts): nothing to drain there. */
  vacant: { first: number; last: number } | null;
  refused: number;
  writes: number;
  syncs: number;
}

export interface Appended {
  seq: number;
  durable: Promise<void>;
}

const RESOLVED = Promise.resolve();
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

export class Spool extends EventEmitter {
  private readonly segments: Segment[];
  private active: Segment | null;
  private readonly writer: SpoolWriter;
  private readonly reader: SpoolReader;
  private nextSeq: number;
  private releasedSeq: number;
  private held = 0;
  private fullReason: FullReason | null = null;
  private refused = 0;
  private readsInFlight = 0;
  private readonly missing: number;
  private readonly vacant: { first: number; last: number } | null;
  private closing: Promise<void> | null = null;
  private closed = false;
  readonly segmentBytes: number;
  readonly maxBytes: number;
  readonly whenFull: 'pause' | 'drop';

  private constructor(
    readonly opts: SpoolOptions,
    private readonly log: Logger,
    rec: Awaited<ReturnType<typeof recover>>,
  ) {
    super();
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.maxBytes = opts.maxBytes;
    this.whenFull = opts.whenFull;
    this.segments = rec.segments;
    this.active = rec.active;
    this.nextSeq = rec.nextSeq;
    this.releasedSeq = (this.segments[0]?.base ?? this.nextSeq) - 1;
    for (const s of this.segments) this.held += s.used;
    this.reader = new SpoolReader(() => this.segments, log);
    this.reader.corrupt = rec.corrupt;
    this.missing = rec.missing;
    this.vacant = rec.vacant;
    this.writer = new SpoolWriter(this, rec.free, log);
    this.writer.readableSeq = rec.nextSeq - 1;
  }

  /** Scans the directory's segments, repairs a torn tail, continues the numbering. */
  static async open(opts: SpoolOptions, log: Logger): Promise<Spool> {
    const segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    const sizeOk = Number.isSafeInteger(segmentBytes) && segmentBytes % 8 === 0;
    if (!sizeOk || segmentBytes < 4096 || segmentBytes > 2 ** 30) {
      throw new RangeError('spool segmentBytes must be a multiple of 8 from 4 KiB to 1 GiB');
    }
    if (!(opts.maxBytes > 0)) throw new RangeError('spool maxBytes must be > 0');
    const committedSeq = opts.committedSeq ?? 0;
    const keepFree = opts.keepFreeSegments ?? 2;
    const numberFrom = opts.numberFrom ?? 0;
    const rec = await recover(opts.dir, { segmentBytes, keepFree, committedSeq, numberFrom }, log);
    const spool = new Spool(opts, log, rec);
    if (committedSeq > 0) spool.release(committedSeq);
    log.info(
      { dir: opts.dir, segments: rec.segments.length, nextSeq: rec.nextSeq, bytes: spool.held },
      'spool: opened',
    );
    await spool.writer.start(spool.active === null);
    return spool;
  }

  /**
   * Appends one payload; returns its sequence number and a promise resolved when it is
   * durable under the sync policy. Throws SpoolFullError when full (see the top comment),
   * SpoolRecordTooLargeError when it can never fit in a segment, SpoolClosedError after close.
   */
  append(payload: Buffer, appendedAt: number = Date.now()): Appended {
    if (this.closed) throw new SpoolClosedError();
    const size = recordSize(payload.length);
    if (size > this.segmentBytes) {
      throw new SpoolRecordTooLargeError(payload.length, this.segmentBytes - HEADER_BYTES);
    }
    if (this.fullReason) throw this.refuse(this.fullReason);
    if (this.held + size > this.maxBytes) throw this.refuse('bytes');
    let seg = this.active;
    if (!seg || seg.used + size > seg.capacity) seg = this.rotate();
    const seq = this.nextSeq++;
    const group = this.writer.groupFor(seg, size);
    encodeRecord(group.buf, group.len, seq, appendedAt, payload);
    maybeMark(seg, seq, seg.used, appendedAt);
    group.len += size;
    group.lastSeq = seq;
    seg.used += size;
    seg.endSeq = seq + 1;
    this.held += size;
    this.writer.schedule();
    return { seq, durable: this.opts.sync === 'off' ? RESOLVED : this.writer.durable(group) };
  }

  /**
   * Records from `fromSeq` on, in order, at most `maxRecords` and `maxBytes` of payload (but
   * always the first one, however large). Payloads are views of one read buffer. Sequence
   * numbers increase; they skip only where corrupt records were dropped.
   */
  async read(fromSeq: number, maxRecords: number, maxBytes: number): Promise<SpoolRecord[]> {
    if (this.closed) throw new SpoolClosedError();
    this.readsInFlight++;
    try {
      return await this.reader.read(fromSeq, maxRecords, maxBytes);
    } finally {
      this.readsInFlight--;
      this.recycleReleased();
    }
  }

  /** Everything with seq <= upto is stored elsewhere: its segments may be recycled. */
  release(upto: number): void {
    upto = Math.min(upto, this.nextSeq - 1);
    if (!(upto > this.releasedSeq)) return;
    this.releasedSeq = upto;
    for (const seg of this.segments) {
      const whole = seg.endSeq - 1 <= upto;
      let off = seg.used;
      if (!whole) {
        const m = markAtOrBefore(seg, upto + 1);
        off = m < 0 ? 0 : seg.marks[m * 3 + 1]!;
      }
      if (off > seg.releasedOffset) {
        this.held -= off - seg.releasedOffset;
        seg.releasedOffset = off;
      }
      if (!whole) break;
    }
    this.recycleReleased();
    this.checkSpace();
  }

  get stats(): SpoolStats {
    const w = this.writer;
    const first = this.segments[0]?.base ?? this.nextSeq;
    return {
      bytes: this.held,
      segments: this.segments.length,
      firstSeq: Math.min(this.nextSeq, Math.max(this.releasedSeq + 1, first)),
      nextSeq: this.nextSeq,
      releasedSeq: this.releasedSeq,
      durableSeq: w.readableSeq,
      oldestAppendedAt: this.oldestAppendedAt(),
      full: this.fullReason !== null,
      fullReason: this.fullReason,
      error: w.errorMessage,
      corrupt: this.reader.corrupt,
      missing: this.missing,
      vacant: this.vacant,
      refused: this.refused,
      writes: w.writes,
      syncs: w.syncs,
    };
  }

  /** Writes and syncs everything appended (whatever the policy), then closes the files.
   * Rejects, and rejects pending `durable` promises, if the last writes cannot be made. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true; // before writer.close() runs: it asks isClosing
      this.closing = this.writer.close().finally(() => this.reader.close());
    }
    return this.closing;
  }

  // ---- used by SpoolWriter ----

  get isClosing(): boolean {
    return this.closed;
  }

  get allSegments(): readonly Segment[] {
    return this.segments;
  }

  /** A write or sync failed, or the next segment cannot be made: refuse appends. */
  setFull(reason: FullReason): void {
    if (this.fullReason === null) {
      this.fullReason = reason;
      this.emit('full', reason);
    } else if (reason === 'error') this.fullReason = reason;
  }

  /** Emits 'space' when appends may go on again. */
  checkSpace(): void {
    if (this.fullReason === null || this.closed || this.writer.failing) return;
    if (this.held > Math.floor(this.maxBytes * 0.9)) return;
    if (this.fullReason === 'disk' && !this.canRotate()) return;
    this.fullReason = null;
    this.emit('space');
  }

  /** A new segment can start: its file is ready or being made, and records queued in memory
   * for segments still waiting for their file stay under MAX_QUEUED_BYTES (with 64 MiB
   * segments: at most one segment waits). */
  private canRotate(): boolean {
    const waiting = this.active !== null && !this.active.live && this.active.spare === null;
    return this.writer.spareUsable && !(waiting && this.writer.queued >= MAX_QUEUED_BYTES);
  }

  reportError(err: SpoolIoError): void {
    this.log.error({ err }, err.message);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** Sealed segments whose records are all released, and written: to the free list. */
  recycleReleased(): void {
    if (this.readsInFlight > 0) return;
    while (this.segments.length > 1) {
      const seg = this.segments[0]!;
      if (seg === this.active || seg.file || !seg.live || seg.readableEnd < seg.used) break;
      if (seg.endSeq - 1 > this.releasedSeq) break;
      this.segments.shift();
      this.held -= seg.used - seg.releasedOffset;
      void this.reader.forget(seg).catch(() => {});
      this.writer.recycle(seg);
    }
  }

  // ---- private ----

  private rotate(): Segment {
    const spare = this.canRotate() ? this.writer.takeSpare(this.nextSeq) : null;
    if (!spare) throw this.refuse('disk');
    const seg = newSegment(this.nextSeq, spare.path, spare.capacity);
    seg.spare = spare.file;
    this.segments.push(seg);
    this.active = seg;
    return seg;
  }

  private refuse(reason: FullReason): SpoolFullError {
    this.refused++;
    this.setFull(reason);
    const detail =
      reason === 'bytes'
        ? `${this.held} of ${this.maxBytes} bytes held in ${this.opts.dir}`
        : (this.writer.errorMessage ?? `waiting for the next segment file in ${this.opts.dir}`);
    return new SpoolFullError(this.fullReason ?? reason, detail);
  }

  private oldestAppendedAt(): number | null {
    for (const seg of this.segments) {
      if (seg.releasedOffset >= seg.used) continue;
      const m = markAtOrBeforeOffset(seg, seg.releasedOffset);
      return m < 0 ? null : seg.marks[m * 3 + 2]!;
    }
    return null;
  }
}

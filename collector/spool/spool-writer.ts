/**
 * The spool's one writer: turns groups of appended records into pwrite + fdatasync calls, in
 * order, and keeps the next segment file ready.
 *
 *   groups: [g0 taken, being written] [g1 filling: appends go here] ...
 *   run():  for each group in order
 *             first group of a new segment? seal the previous one (fdatasync, close), rename
 *               its spare free file to spool-<first seq>.seg, fsync the directory
 *             pwrite(group) ── 'always': fdatasync, then resolve the group's promise
 *                          └─ 'interval' / 'off': resolve; the timer (or the seal) syncs later
 *           a failure stops the loop: appends refused, retried every retryMs, the group
 *           rewritten before its sync is retried
 *
 * Spares: one free file is kept ready (a recycled segment, else one preallocated in the
 * background) so rotating to the next segment does not wait for 64 MiB of zeros; when a
 * segment fills before its successor's file is ready, the new segment takes records at once
 * and its first write waits for the file. A released segment being renamed to a free file
 * (recycle(), asynchronous) counts as the next spare already: nothing is preallocated while
 * one is on its way, so a rotation right after release() reuses a released file rather than
 * writing (and on a nearly full disk failing to write) a new one. A failed preallocation
 * (ENOSPC) is reported at once and retried every retryMs; until one succeeds (or a released
 * segment frees a file), a new segment cannot start and appends that need one are refused.
 */
import { rename } from 'node:fs/promises';
import type { Logger } from '../../core/log.js';
import { SpoolClosedError, SpoolIoError } from './errors.js';
import type { Segment } from './segment.js';
import { preallocate, recycle, segmentPath, SegmentFile, syncDir } from './segment-file.js';
import type { Spool } from './spool.js';

/** A group larger than this starts a new one (bounds one pwrite and the memory it holds). */
const MAX_GROUP_BYTES = 8 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);
const NONE = { promise: null, resolve: () => {}, reject: () => {} };

export interface Group {
  seg: Segment;
  /** Offset of the group's first record in its segment. */
  offset: number;
  buf: Buffer;
  len: number;
  lastSeq: number;
  /** The writer has started on it: appends go to a new group. */
  taken: boolean;
  written: boolean;
  promise: Promise<void> | null;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class SpoolWriter {
  private readonly groups: Group[] = [];
  /** True from kick() until run() returns, set and cleared synchronously (no window in which
   * an append could see a finished worker as still running). */
  private busy = false;
  private running: Promise<void> = Promise.resolve();
  private scheduled = false;
  /** Under 'interval', groups written since the last fdatasync (rewritten if it fails). */
  private unsynced: Group[] = [];
  private dirty: Segment | null = null;
  private syncDue = false;
  private dirSyncDue = false;
  private writeError: SpoolIoError | null = null;
  private spareError: SpoolIoError | null = null;
  private spare: string | null = null;
  private preparing: Promise<void> | null = null;
  private maintenance: Promise<void> = Promise.resolve();
  private recycling = 0;
  /** Recycles under way that will add a free file: the next spare comes from them. */
  private incoming = 0;
  /** Wakes waitForSpare() when the spare, its preparation or its failure changes. */
  private onSpare: (() => void) | null = null;
  /** A segment waits for the spare: close() must not cancel its preparation. */
  private wanted = false;
  /** A failed preallocation waits for its retry timer. */
  private spareRetry = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bytes appended and not yet written to the OS. */
  queued = 0;
  /** Last sequence number read() may serve. */
  readableSeq = 0;
  writes = 0;
  syncs = 0;

  constructor(
    private readonly spool: Spool,
    private readonly free: string[],
    private readonly log: Logger,
  ) {}

  private get dir(): string {
    return this.spool.opts.dir;
  }

  get failing(): boolean {
    return this.writeError !== null;
  }

  /** A spare is ready, or being prepared (or recycled) without a failure. */
  get spareUsable(): boolean {
    return this.spare !== null || this.spareError === null;
  }

  get errorMessage(): string | null {
    return (this.writeError ?? this.spareError)?.message ?? null;
  }

  async start(needSpare: boolean): Promise<void> {
    const { sync, syncIntervalMs = 500 } = this.spool.opts;
    if (sync === 'interval') {
      const t = setInterval(() => {
        if (!this.dirty || this.writeError) return; // a failure has its own retry
        this.syncDue = true;
        this.kick();
      }, syncIntervalMs);
      this.timers.add(t.unref());
    }
    this.prepareSpare();
    if (needSpare) await this.preparing;
  }

  /** The group a record of `size` bytes for `seg` goes into (grown or started as needed). */
  groupFor(seg: Segment, size: number): Group {
    this.queued += size;
    let g = this.groups.at(-1);
    if (!g || g.taken || g.seg !== seg || g.len + size > MAX_GROUP_BYTES) {
      const buf = Buffer.allocUnsafe(Math.max(size, 16 * 1024));
      g = { seg, offset: seg.used, buf, len: 0, lastSeq: 0, taken: false, written: false, ...NONE };
      this.groups.push(g);
    } else if (g.len + size > g.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(g.len + size, g.buf.length * 2));
      g.buf.copy(bigger, 0, 0, g.len);
      g.buf = bigger;
    }
    return g;
  }

  durable(g: Group): Promise<void> {
    if (!g.promise) {
      g.promise = new Promise<void>((resolve, reject) => Object.assign(g, { resolve, reject }));
      // Marked handled here; a caller awaiting it still sees the rejection.
      g.promise.catch(() => {});
    }
    return g.promise;
  }

  /** Starts the worker on the next turn of the event loop: one write per turn's appends. */
  schedule(): void {
    if (this.busy || this.scheduled || this.writeError) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.kick();
    });
  }

  /**
   * The file for a new segment starting at `base`: the ready spare, or (file: null) the one
   * being prepared or recycled, which the worker waits for before the segment's first write.
   * Null when preparing failed (no space): the caller refuses the append.
   */
  takeSpare(base: number): { file: string | null; path: string; capacity: number } | null {
    if (!this.spareUsable) return null;
    const file = this.spare;
    this.spare = null;
    this.prepareSpare();
    return { file, path: segmentPath(this.dir, base), capacity: this.spool.segmentBytes };
  }

  /** A released segment: renamed to a free file (up to keepFreeSegments) or deleted. */
  recycle(seg: Segment): void {
    const keep = this.free.length + this.recycling < (this.spool.opts.keepFreeSegments ?? 2);
    const reuse = keep && seg.capacity === this.spool.segmentBytes;
    this.recycling++;
    if (reuse) this.incoming++; // synchronously: a rotation in this same turn waits for it
    this.maintenance = this.maintenance
      .then(async () => {
        const free = await recycle(this.dir, seg.path, reuse);
        if (free) this.free.push(free);
      })
      .catch((err: unknown) => this.log.warn({ err, path: seg.path }, 'spool: recycling failed'))
      .finally(() => {
        this.recycling--;
        if (reuse) this.incoming--;
        this.prepareSpare(); // the file just freed, or (when none came) a preallocation
        this.spareChanged();
      });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    try {
      while (this.busy) await this.running;
      this.syncDue = this.dirty !== null;
      if (this.writeError || this.groups.length > 0 || this.syncDue) {
        this.writeError = null;
        this.kick();
        await this.running;
      }
      if (this.writeError) throw this.writeError;
    } catch (err) {
      const closed = new SpoolClosedError(`spool closed before its last writes: ${String(err)}`);
      for (const g of this.groups) g.reject(closed);
      throw err;
    } finally {
      await this.preparing;
      await this.maintenance;
      for (const seg of this.spool.allSegments) {
        await seg.file?.close().catch(() => {});
        seg.file = null;
      }
    }
  }

  private kick(): void {
    if (this.busy) return;
    this.busy = true;
    this.running = this.run();
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const g = this.groups[0];
        if (this.syncDue && this.dirty) await this.syncDirty();
        else if (g) await this.flush(g);
        else break;
      }
      if (this.writeError) {
        this.log.info({ dir: this.dir }, 'spool: writes work again');
        this.writeError = null;
        this.spool.checkSpace();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  private async flush(g: Group): Promise<void> {
    g.taken = true;
    const seg = g.seg;
    if (!seg.file) await this.activate(seg);
    const file = seg.file!;
    if (!g.written) {
      await file.write(g.buf, g.len, g.offset);
      g.written = true;
      this.queued -= g.len;
      this.writes++;
    }
    this.dirty = seg;
    if (this.spool.opts.sync === 'always') {
      try {
        await file.datasync();
      } catch (err) {
        g.written = false;
        throw err;
      }
      this.syncs++;
      this.dirty = null;
    } else if (this.spool.opts.sync === 'interval') this.unsynced.push(g);
    this.groups.shift();
    seg.readableEnd = g.offset + g.len;
    seg.readableSeq = g.lastSeq + 1;
    this.readableSeq = g.lastSeq;
    if (this.spool.opts.sync !== 'interval') g.buf = EMPTY;
    g.resolve();
    this.spool.emit('readable', g.lastSeq);
  }

  /** Seals the segment written before `seg`, then makes `seg`'s file live under its name. */
  private async activate(seg: Segment): Promise<void> {
    const segs = this.spool.allSegments;
    const prev = segs[segs.indexOf(seg) - 1];
    if (prev?.file) {
      if (this.dirty === prev) await this.syncDirty();
      await prev.file.close();
      prev.file = null;
      this.spool.recycleReleased();
    }
    if (!seg.live) {
      const from = seg.spare ?? (await this.waitForSpare());
      seg.spare = from;
      await rename(from, seg.path).catch((err: unknown) => {
        throw new SpoolIoError(`renaming ${from} to`, seg.path, err);
      });
      seg.spare = null;
      seg.live = true;
      this.dirSyncDue = true;
    }
    if (this.dirSyncDue) await syncDir(this.dir);
    this.dirSyncDue = false;
    seg.file = await SegmentFile.open(seg.path, 'r+');
    this.spool.checkSpace(); // a segment no longer waits for its file
  }

  private async syncDirty(): Promise<void> {
    const seg = this.dirty!;
    this.syncDue = false;
    try {
      for (const g of this.unsynced) {
        if (!g.written) await seg.file!.write(g.buf, g.len, g.offset);
        g.written = true;
      }
      await seg.file!.datasync();
    } catch (err) {
      for (const g of this.unsynced) g.written = false;
      this.syncDue = true;
      throw err;
    }
    this.syncs++;
    for (const g of this.unsynced) g.buf = EMPTY;
    this.unsynced = [];
    this.dirty = null;
  }

  private fail(err: unknown): void {
    const e = err instanceof SpoolIoError ? err : new SpoolIoError('writing in', this.dir, err);
    const first = this.writeError === null;
    this.writeError = e;
    this.spool.setFull('error');
    if (this.spool.isClosing) return; // close() rejects with it
    if (first && e !== this.spareError) this.spool.reportError(e);
    this.after(this.spool.opts.retryMs ?? 1000, () => this.kick());
  }

  /**
   * The spare, once ready (preallocated or recycled); throws while preparing fails (retried
   * later). Waits for a change of the spare's state, never on `preparing` alone: that is null
   * while a recycled file is on its way or a failed preparation waits for its retry.
   */
  private async waitForSpare(): Promise<string> {
    this.wanted = true;
    try {
      for (;;) {
        const file = this.spare;
        if (file) {
          this.spare = null;
          return file;
        }
        if (this.spareError) throw this.spareError;
        const changed = new Promise<void>((resolve) => (this.onSpare = resolve));
        this.prepareSpare();
        if (this.spare === null && this.spareError === null) await changed;
        this.onSpare = null;
      }
    } finally {
      this.wanted = false;
      this.prepareSpare();
    }
  }

  private prepareSpare(): void {
    if (this.spare || this.preparing || this.cancelled()) return;
    const free = this.free.shift();
    if (free) {
      this.setSpare(free);
      return;
    }
    // A released segment is becoming a free file: its recycle() calls back here.
    if (this.incoming > 0 || this.spareRetry) return;
    // `preparing` is cleared first thing, so a 'space' listener appending from setSpare()
    // can start the next preparation.
    this.preparing = preallocate(this.dir, this.spool.segmentBytes, () => this.cancelled()).then(
      (file) => {
        this.preparing = null;
        if (file) this.setSpare(file);
        this.spareChanged();
      },
      (err: unknown) => {
        this.preparing = null;
        const first = this.spareError === null;
        this.spareError =
          err instanceof SpoolIoError ? err : new SpoolIoError('preallocating in', this.dir, err);
        if (first) this.spool.reportError(this.spareError);
        this.spareRetry = true;
        this.after(this.spool.opts.retryMs ?? 1000, () => {
          this.spareRetry = false;
          this.prepareSpare();
        });
        this.spareChanged();
      },
    );
  }

  private setSpare(file: string): void {
    this.spare = file;
    if (this.spareError) this.log.info({ dir: this.dir }, 'spool: next segment ready again');
    this.spareError = null;
    // A spare came (a released file): the next one is prepared when it is taken, not after
    // the failed preparation's retry period.
    this.spareRetry = false;
    this.spool.checkSpace();
  }

  private spareChanged(): void {
    const wake = this.onSpare;
    this.onSpare = null;
    wake?.();
  }

  /** At close, only a preparation that a segment waits for goes on. */
  private cancelled(): boolean {
    return this.spool.isClosing && !this.wanted;
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t.unref());
  }
}

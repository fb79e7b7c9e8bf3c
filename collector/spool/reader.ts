/**
 * read() of the spool: records from a sequence number on, from the segment files.
 *
 *   fromSeq ──► the cursor, when it is where the last read stopped (the writer drains in order)
 *          └──► otherwise the last segment whose first seq <= fromSeq, and in it the last mark
 *               with seq <= fromSeq (at most MARK_BYTES to read past)
 *   then: one pread of up to the batch's size, records decoded as views of that buffer (crc
 *   checked again: a bad sector since the write is skipped, like at open), the next segment
 *   once this one is complete.
 *
 * Only bytes below a segment's `readableEnd` are read: what is durable under the sync policy.
 * Each segment is read through its own read-only handle (one cached), never the writer's, so
 * the writer may close its handle at any time.
 */
import type { Logger } from '../../core/log.js';
import { MARK_BYTES, markAtOrBefore, type Segment } from './segment.js';
import { decodeAt, recordSize, scan, HEADER_BYTES, type SpoolRecord } from './segment-format.js';
import { SegmentFile } from './segment-file.js';

const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 16 * 1024 * 1024;
/** Header and padding bytes a batch of records costs beyond their payloads, at most. */
const OVERHEAD = HEADER_BYTES + 8;

interface Position {
  seg: Segment;
  offset: number;
  /** Sequence number the record at `offset` is expected to carry at least. */
  expected: number;
}

export class SpoolReader {
  private cursor: { seq: number; pos: Position } | null = null;
  private handle: { seg: Segment; file: Promise<SegmentFile> } | null = null;
  /** Bad regions found while reading (bytes that checked out when written). */
  corrupt = 0;

  constructor(
    private readonly segments: () => readonly Segment[],
    private readonly log: Logger,
  ) {}

  async read(fromSeq: number, maxRecords: number, maxBytes: number): Promise<SpoolRecord[]> {
    const out: SpoolRecord[] = [];
    const pos = this.locate(fromSeq);
    if (!pos || maxRecords <= 0) return out;
    let bytes = 0;
    const budget = Math.min(MAX_CHUNK, maxBytes + Math.min(maxRecords, 1e6) * OVERHEAD);
    for (;;) {
      const seg = pos.seg;
      if (pos.offset >= seg.readableEnd) {
        const segs = this.segments();
        const next = segs[segs.indexOf(seg) + 1];
        if (!next || seg.readableEnd < seg.used || seg.file) break;
        pos.seg = next;
        pos.offset = 0;
        pos.expected = Math.max(pos.expected, next.base);
        continue;
      }
      // Enough for the batch: its byte budget, or its record count at the segment's average
      // record size when that is less, plus MARK_BYTES for records before fromSeq.
      const avg = seg.used / Math.max(1, seg.endSeq - seg.base);
      // Whole bytes: the average is fractional, and a read of 1000.5 bytes is refused
      // (ERR_OUT_OF_RANGE) while its buffer holds 1000.
      const guess =
        Math.ceil(Math.min(budget, (maxRecords - out.length) * avg * 1.25)) + MARK_BYTES;
      let want = Math.min(seg.readableEnd - pos.offset, Math.max(MIN_CHUNK, guess));
      let chunk = await this.readAt(seg, pos.offset, want);
      let p = 0;
      let full = false;
      while (p < chunk.length) {
        let r = decodeAt(chunk, p);
        if (r === 'short' && p === 0 && chunk.length >= HEADER_BYTES) {
          // One record larger than the chunk: read exactly it (a length past the readable
          // end can only be a damaged header).
          want = Math.min(recordSize(chunk.readUInt32LE(24)), seg.readableEnd - pos.offset);
          chunk = await this.readAt(seg, pos.offset, want);
          r = decodeAt(chunk, 0);
          if (r === 'short') r = 'bad';
        }
        if (r === 'short' && p === 0) r = 'bad'; // less than a header left: damaged
        if (r === 'short') break;
        if (r === 'bad' || r.seq < pos.expected) {
          p = this.knownSkip(pos, p) ?? (await this.resync(pos, p));
          break;
        }
        if (r.seq >= fromSeq) {
          if (out.length >= maxRecords || (out.length > 0 && bytes + r.payload.length > maxBytes)) {
            full = true;
            break;
          }
          out.push({ seq: r.seq, appendedAt: r.appendedAt, payload: r.payload });
          bytes += r.payload.length;
        }
        pos.expected = r.seq + 1;
        p += r.size;
      }
      pos.offset += p;
      if (full) break;
    }
    const seq = out.length > 0 ? out[out.length - 1]!.seq + 1 : fromSeq;
    this.cursor = { seq, pos };
    return out;
  }

  /** Closes the cached handle of a segment that is going away. */
  async forget(seg: Segment): Promise<void> {
    if (this.cursor?.pos.seg === seg) this.cursor = null;
    if (this.handle?.seg !== seg) return;
    const { file } = this.handle;
    this.handle = null;
    await (await file).close();
  }

  async close(): Promise<void> {
    this.cursor = null;
    if (this.handle) await this.forget(this.handle.seg);
  }

  private locate(fromSeq: number): Position | null {
    const segs = this.segments();
    if (this.cursor?.seq === fromSeq && segs.includes(this.cursor.pos.seg)) {
      return { ...this.cursor.pos };
    }
    let seg = segs[0];
    for (let i = segs.length - 1; i >= 0; i--) {
      if (segs[i]!.base <= fromSeq) {
        seg = segs[i];
        break;
      }
    }
    if (!seg) return null;
    const m = markAtOrBefore(seg, fromSeq);
    if (m < 0) return { seg, offset: 0, expected: seg.base };
    return { seg, offset: seg.marks[m * 3 + 1]!, expected: seg.marks[m * 3]! };
  }

  private async readAt(seg: Segment, offset: number, length: number): Promise<Buffer> {
    if (this.handle?.seg !== seg) {
      if (this.handle) await this.forget(this.handle.seg);
      this.handle = { seg, file: SegmentFile.open(seg.path, 'r') };
    }
    return (await this.handle.file).read(offset, length);
  }

  /** A bad region found at open starting at pos.offset + p: where it ends, relative to
   * pos.offset (counted once, at open). */
  private knownSkip(pos: Position, p: number): number | null {
    const skips = pos.seg.skips;
    for (let i = 0; i < skips.length; i += 2) {
      if (skips[i] === pos.offset + p) return skips[i + 1]! - pos.offset;
    }
    return null;
  }

  /**
   * A record that no longer checks out at `pos.offset + p`: scans the rest of the readable
   * segment for the next good one (rare, so the simple way: one read of the rest) and returns
   * the relative offset to continue from.
   */
  private async resync(pos: Position, p: number): Promise<number> {
    const from = pos.offset + p;
    const rest = await this.readAt(pos.seg, from, pos.seg.readableEnd - from);
    const res = scan(rest, pos.expected);
    const next = res.records[0];
    const skipped = next ? next.offset : rest.length;
    this.corrupt++;
    this.log.warn(
      { path: pos.seg.path, offset: from, skippedBytes: skipped },
      'spool: corrupt record skipped while reading',
    );
    return p + skipped;
  }
}

/**
 * What the spool keeps in memory about one live segment, and its sparse seq -> offset index.
 *
 * Byte offsets within a segment, in order:
 *
 *   0 ... releasedOffset ... readableEnd ... used ........ capacity
 *   └ released ┘  └ written (and synced under 'always') ┘ └ queued ┘ └ free ┘
 *
 * The index ("marks") holds (seq, offset, appendedAt) for the first record of the segment and
 * then for a record at least every MARK_BYTES, so positioning a read costs at most MARK_BYTES
 * of reading past, and release() can account bytes without a per-record table (a 1 GiB
 * backlog of 300-byte records is 3.5 M records but only 16 K marks).
 */
import type { SegmentFile } from './segment-file.js';

export const MARK_BYTES = 64 * 1024;

export interface Segment {
  /** First sequence number (the file name); records carry seq >= base. */
  base: number;
  path: string;
  /** File size: records never go past it. */
  capacity: number;
  /** Bytes assigned to records, written or still queued. */
  used: number;
  /** Sequence number after the last record assigned here. */
  endSeq: number;
  /** Bytes that read() may serve: written to the OS, and fdatasynced under 'always'. */
  readableEnd: number;
  readableSeq: number;
  /** Bytes before the first record not yet released (to within MARK_BYTES). */
  releasedOffset: number;
  /** Flat triples: seq, offset, appendedAt. */
  marks: number[];
  /** Bad regions found at open, flat [from, to) pairs: read() steps over them. */
  skips: number[];
  /** The file exists under `path` (a new segment gets its file when the writer reaches it). */
  live: boolean;
  /** Open for writing while this is (or is about to stop being) the active segment. */
  file: SegmentFile | null;
  /** The free file to rename into `path` before the first write, when one was ready. */
  spare: string | null;
}

export function newSegment(base: number, path: string, capacity: number): Segment {
  return {
    base,
    path,
    capacity,
    used: 0,
    endSeq: base,
    readableEnd: 0,
    readableSeq: base,
    releasedOffset: 0,
    marks: [],
    skips: [],
    live: false,
    file: null,
    spare: null,
  };
}

/** Records (seq at offset) in the index when it is the first, or far enough from the last. */
export function maybeMark(seg: Segment, seq: number, offset: number, appendedAt: number): void {
  const n = seg.marks.length;
  if (n === 0 || offset - seg.marks[n - 2]! >= MARK_BYTES || offset === seg.releasedOffset) {
    seg.marks.push(seq, offset, appendedAt);
  }
}

/** Index (in triples) of the last mark with seq <= `seq`, or -1. */
export function markAtOrBefore(seg: Segment, seq: number): number {
  const marks = seg.marks;
  let lo = 0;
  let hi = marks.length / 3 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid * 3]! <= seq) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Index (in triples) of the last mark at or before byte `offset`, or -1. */
export function markAtOrBeforeOffset(seg: Segment, offset: number): number {
  for (let i = seg.marks.length / 3 - 1; i >= 0; i--) if (seg.marks[i * 3 + 1]! <= offset) return i;
  return -1;
}

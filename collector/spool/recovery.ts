/**
 * What Spool.open() does before the first append: find the segments, scan every one of them
 * (segment-format.ts), repair the active one's torn tail, and work out the next sequence number.
 *
 *   tmp-*   deleted (a preallocation cut short)
 *   free-*  kept when full-sized, up to keepFree; the rest deleted
 *   spool-* scanned in order; a corrupt region in the middle is skipped and logged; records
 *           numbered at or past the next segment's first sequence number are not trusted
 *           (they cannot have been written by us there) and cut off
 *   last    its torn tail, if any, is overwritten with zeros and fdatasynced, so that bytes of
 *           a cut write can never combine with later appends into something that scans as a
 *           record; appends continue after its last good record
 *
 * The whole of each segment is read once (a 64 MiB segment scans in tens of milliseconds;
 * zeros and old bytes are skipped by Buffer.indexOf of the magic).
 */
import { mkdir, readFile, unlink } from 'node:fs/promises';
import type { Logger } from '../../core/log.js';
import { io } from './errors.js';
import { newSegment, maybeMark, type Segment } from './segment.js';
import { scan } from './segment-format.js';
import { fileSize, listDir, SegmentFile } from './segment-file.js';

export interface Recovered {
  segments: Segment[];
  /** Free files ready for reuse. */
  free: string[];
  /** Sequence number of the next append. */
  nextSeq: number;
  /** The segment appends continue in; null when the next append starts a new one. */
  active: Segment | null;
  /** Bad regions skipped and sequence numbers found missing, over all segments. */
  corrupt: number;
  missing: number;
  /**
   * Numbers skipped at open, never given to a record: from the end of the last segment's
   * records up to where numbering resumes (the drainer's floor, seq-floor.ts, or what
   * PostgreSQL already holds). Null when numbering resumes right after the last record.
   */
  vacant: { first: number; last: number } | null;
}

export async function recover(
  dir: string,
  opts: { segmentBytes: number; keepFree: number; committedSeq: number; numberFrom: number },
  log: Logger,
): Promise<Recovered> {
  await io('creating directory', dir, () => mkdir(dir, { recursive: true }));
  const listing = await listDir(dir);
  for (const tmp of listing.tmp) await io('deleting', tmp, () => unlink(tmp));
  const free: string[] = [];
  for (const f of listing.free) {
    if (free.length < opts.keepFree && (await fileSize(f)) === opts.segmentBytes) free.push(f);
    else await io('deleting', f, () => unlink(f));
  }

  const segments: Segment[] = [];
  let corrupt = 0;
  let missing = 0;
  for (let i = 0; i < listing.segments.length; i++) {
    const { base, path } = listing.segments[i]!;
    const nextBase = listing.segments[i + 1]?.base ?? Infinity;
    const buf = await io('reading', path, () => readFile(path));
    const res = scan(buf, base);
    const seg = newSegment(base, path, buf.length);
    seg.live = true;
    seg.skips = res.skipped;
    let end = res.end;
    for (const r of res.records) {
      if (r.seq >= nextBase) {
        log.warn({ path, seq: r.seq, nextBase }, 'spool: records past the next segment ignored');
        end = r.offset;
        break;
      }
      maybeMark(seg, r.seq, r.offset, r.appendedAt);
      seg.endSeq = r.seq + 1;
    }
    seg.used = seg.readableEnd = end;
    seg.readableSeq = seg.endSeq;
    corrupt += res.corrupt;
    missing += res.missing;
    if (res.corrupt > 0 || res.missing > 0) {
      const { skippedBytes } = res;
      log.warn(
        { path, corrupt: res.corrupt, skippedBytes, missing: res.missing },
        'spool: corrupt records skipped',
      );
    }
    if (res.tail === 'torn') {
      log.warn({ path, from: res.end, to: res.tornEnd }, 'spool: torn tail (a write cut short)');
    }
    const last = i === listing.segments.length - 1;
    if (last) seg.file = await openActive(seg, res.tail === 'torn' ? res.tornEnd : end, log);
    segments.push(seg);
  }

  const last = segments.at(-1);
  const nextSeq = Math.max(last?.endSeq ?? 1, opts.committedSeq + 1, opts.numberFrom, 1);
  let active: Segment | null = last ?? null;
  if (last && (last.endSeq !== nextSeq || !last.file)) {
    // Numbering jumps (the caller stored more than the spool kept): start a fresh segment
    // rather than leave a gap inside one.
    await last.file?.close();
    last.file = null;
    active = null;
  }
  const vacant = last && nextSeq > last.endSeq ? { first: last.endSeq, last: nextSeq - 1 } : null;
  return { segments, free, nextSeq, active, corrupt, missing, vacant };
}

/** Opens the last segment for appends, zeroing [used, tornEnd) first; null if that fails. */
async function openActive(seg: Segment, tornEnd: number, log: Logger): Promise<SegmentFile | null> {
  let file: SegmentFile | null = null;
  try {
    file = await SegmentFile.open(seg.path, 'r+');
    if (tornEnd > seg.used) {
      await file.write(Buffer.alloc(tornEnd - seg.used), tornEnd - seg.used, seg.used);
      await file.datasync();
      log.info({ path: seg.path, from: seg.used, to: tornEnd }, 'spool: torn tail zeroed');
    }
    return file;
  } catch (err) {
    // Never appended to again, the segment stays readable as it is.
    log.warn({ err, path: seg.path }, 'spool: cannot repair the last segment; starting a new one');
    await file?.close().catch(() => {});
    return null;
  }
}

/**
 * Segment files of a spool directory: naming, preallocation, recycling.
 *
 *   spool-0000000000000042.seg   a live segment whose first sequence number is 42 (the name
 *                                sorts by number; 16 digits hold any float64-safe integer)
 *   free-<id>.seg                a preallocated file, zeros or a released segment's old bytes,
 *                                ready to become the next live segment
 *   tmp-<id>.seg                 being preallocated; deleted at open (may be partly written)
 *
 *   tmp-X ──zeros, fsync──► free-X ──rename + fsync(dir)──► spool-N ──released──► free-N
 *                             ▲                                                     │
 *                             └──────────── kept (up to keepFree), else deleted ◄───┘
 *
 * Preallocating by writing zeros (Node has no fallocate) and fsyncing file and directory once
 * means a live segment's size and extents never change, so the fdatasync of each write flushes
 * data only, never a journal commit for metadata (fdatasync(2): "does not flush modified
 * metadata unless that metadata is needed in order to allow a subsequent data retrieval").
 * Fluent Bit's chunkio preallocates chunk files the same way (fallocate, cio_file.c).
 *
 * A recycled file still holds its old records. They are never read as new: a live segment's
 * records must carry sequence numbers from its name on, and sequence numbers only grow
 * (segment-format.ts, "stale").
 */
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { io } from './errors.js';

const SEGMENT_RE = /^spool-(\d{16})\.seg$/;
const FREE_RE = /^free-[0-9a-z-]+\.seg$/;
const TMP_RE = /^tmp-[0-9a-z-]+\.seg$/;
const ZERO_CHUNK = Buffer.alloc(1024 * 1024);
let uniq = 0;

export function segmentPath(dir: string, base: number): string {
  return path.join(dir, `spool-${String(base).padStart(16, '0')}.seg`);
}

function uniqueId(): string {
  return `${Date.now().toString(36)}-${process.pid.toString(36)}-${(uniq++).toString(36)}`;
}

export interface DirListing {
  /** Live segments, by first sequence number. */
  segments: { base: number; path: string }[];
  free: string[];
  tmp: string[];
}

export async function listDir(dir: string): Promise<DirListing> {
  const names = await io('reading directory', dir, () => readdir(dir));
  const out: DirListing = { segments: [], free: [], tmp: [] };
  for (const name of names.sort()) {
    const m = SEGMENT_RE.exec(name);
    if (m) out.segments.push({ base: Number(m[1]), path: path.join(dir, name) });
    else if (FREE_RE.test(name)) out.free.push(path.join(dir, name));
    else if (TMP_RE.test(name)) out.tmp.push(path.join(dir, name));
  }
  return out;
}

/** fsync of the directory itself, so renames and new names in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  await io('syncing directory', dir, async () => {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

export async function fileSize(file: string): Promise<number> {
  return (await io('stat', file, () => stat(file))).size;
}

/**
 * Makes a new free file of `bytes` zeros: written in 1 MiB chunks, fsynced, renamed from tmp-
 * to free-, directory fsynced. On failure (ENOSPC) the partial file is removed so it does not
 * hold the space, and the error names the path. `cancelled` is checked between chunks.
 */
export async function preallocate(
  dir: string,
  bytes: number,
  cancelled: () => boolean = () => false,
): Promise<string | null> {
  const id = uniqueId();
  const tmp = path.join(dir, `tmp-${id}.seg`);
  const free = path.join(dir, `free-${id}.seg`);
  let fh: FileHandle | undefined;
  try {
    fh = await io('creating', tmp, () => open(tmp, 'wx'));
    for (let pos = 0; pos < bytes; pos += ZERO_CHUNK.length) {
      if (cancelled()) break;
      const n = Math.min(ZERO_CHUNK.length, bytes - pos);
      await io(`preallocating ${bytes} bytes in`, tmp, () => writeFully(fh!, ZERO_CHUNK, n, pos));
    }
    if (!cancelled()) await io('fsync', tmp, () => fh!.sync());
    await fh.close();
    fh = undefined;
    if (cancelled()) {
      await unlink(tmp);
      return null;
    }
    await io('renaming', tmp, () => rename(tmp, free));
    await syncDir(dir);
    return free;
  } catch (err) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

async function writeFully(fh: FileHandle, buf: Buffer, length: number, position: number) {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await fh.write(buf, done, length - done, position + done);
    done += bytesWritten;
  }
}

/** Released segment: renamed to a free file when fewer than `keepFree` exist, else deleted. */
export async function recycle(dir: string, file: string, keep: boolean): Promise<string | null> {
  if (!keep) {
    await io('deleting', file, () => unlink(file));
    return null;
  }
  const free = path.join(dir, `free-${uniqueId()}.seg`);
  await io('recycling', file, () => rename(file, free));
  return free;
}

/** One open segment file: positional writes and reads, fdatasync. */
export class SegmentFile {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(file: string, flags: 'r' | 'r+'): Promise<SegmentFile> {
    return new SegmentFile(file, await io('opening', file, () => open(file, flags)));
  }

  write(buf: Buffer, length: number, position: number): Promise<void> {
    return io('writing', this.path, () => writeFully(this.fh, buf, length, position));
  }

  datasync(): Promise<void> {
    return io('fdatasync', this.path, () => this.fh.datasync());
  }

  /** `length` bytes from `position`, fewer only at the end of the file. */
  async read(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await io('reading', this.path, () =>
        this.fh.read(buf, done, length - done, position + done),
      );
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === length ? buf : buf.subarray(0, done);
  }

  close(): Promise<void> {
    return io('closing', this.path, () => this.fh.close());
  }
}

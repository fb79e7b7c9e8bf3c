/**
 * Docker's `local` log driver (moby daemon/logger/local, local.go and read.go): entries
 * back to back, each a protobuf `LogEntry` framed by its length before and after,
 *
 *   uint32 BE size │ LogEntry (size bytes) │ uint32 BE size
 *
 *   message LogEntry { string source = 1; int64 time_nano = 2; bytes line = 3;
 *                      bool partial = 4; PartialLogEntryMetadata partial_log_metadata = 5; }
 *   message PartialLogEntryMetadata { bool last = 1; string id = 2; int32 ordinal = 3; }
 *
 * (api/types/plugins/logdriver/entry.proto). The line is kept as bytes with no newline
 * and the partial metadata as the copier made it, so an entry is exactly what the
 * fluentd driver would have sent. moby's reader refuses a size over 1 MB and a footer
 * that differs from its header (DataLoss); so does this one, and as the format has no
 * marker to resynchronise on, the rest of such a file is reported and skipped.
 *
 * A pure push parser, like json-file.ts.
 */
import {
  type DockerEntry,
  type EntryReader,
  type ReadResult,
  type StoredPartial,
} from './entry.js';

/** moby daemon/logger/local/read.go: maxMsgLen. */
export const MAX_LOCAL_ENTRY_BYTES = 1_000_000;

export class LocalFileReader implements EntryReader {
  private rest: Buffer | null = null;
  private at: number;
  private broken = false;

  constructor(startOffset = 0) {
    this.at = startOffset;
  }

  get offset(): number {
    return this.at;
  }

  get pendingBytes(): number {
    return this.rest?.length ?? 0;
  }

  push(chunk: Buffer): ReadResult {
    const out: ReadResult = { entries: [], bad: [] };
    if (this.broken) {
      this.at += chunk.length;
      return out;
    }
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = null;
    let p = 0;
    while (buf.length - p >= 4) {
      const size = buf.readUInt32BE(p);
      if (size > MAX_LOCAL_ENTRY_BYTES) {
        this.break(
          buf.length - p,
          `entry size ${size} over 1 MB: not a local-driver file, or corrupt`,
          out,
        );
        return out;
      }
      if (buf.length - p < size + 8) break;
      const footer = buf.readUInt32BE(p + 4 + size);
      if (footer !== size) {
        this.break(buf.length - p, `entry header says ${size} bytes, footer ${footer}`, out);
        return out;
      }
      const start = this.at;
      const end = start + size + 8;
      const e = decodeLogEntry(buf.subarray(p + 4, p + 4 + size));
      if (typeof e === 'string') out.bad.push({ start, end, reason: e });
      else {
        e.start = start;
        e.end = end;
        out.entries.push(e);
      }
      this.at = end;
      p += size + 8;
    }
    if (p < buf.length) this.rest = Buffer.from(buf.subarray(p));
    return out;
  }

  private break(len: number, reason: string, out: ReadResult): void {
    out.bad.push({
      start: this.at,
      end: this.at + len,
      reason: `${reason}; the rest of the file is skipped`,
    });
    this.at += len;
    this.broken = true;
  }
}

/** A protobuf reader over one message: varints, length-delimited fields, skipping the rest. */
class Proto {
  p = 0;
  constructor(private readonly b: Buffer) {}

  get done(): boolean {
    return this.p >= this.b.length;
  }

  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.p >= this.b.length) throw new Error('truncated varint');
      const c = this.b[this.p++]!;
      v |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) return v;
    }
    throw new Error('varint too long');
  }

  /** A varint known to be small (tags, lengths, bools, int32). */
  small(): number {
    let v = 0;
    for (let mul = 1; mul < 2 ** 35; mul *= 128) {
      if (this.p >= this.b.length) throw new Error('truncated varint');
      const c = this.b[this.p++]!;
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
    }
    // Longer (a negative int32 is ten bytes): keep the low 32 bits, as protobuf does.
    return Number(BigInt.asIntN(32, this.rest64(v)));
  }

  private rest64(low: number): bigint {
    let v = BigInt(low);
    for (let shift = 35n; shift < 70n; shift += 7n) {
      if (this.p >= this.b.length) throw new Error('truncated varint');
      const c = this.b[this.p++]!;
      v |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) return v;
    }
    throw new Error('varint too long');
  }

  bytes(): Buffer {
    const n = this.small();
    if (this.p + n > this.b.length) throw new Error('truncated field');
    const v = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return v;
  }

  skip(wire: number): void {
    if (wire === 0) this.small();
    else if (wire === 1) this.p += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.p += 4;
    else throw new Error(`wire type ${wire}`);
    if (this.p > this.b.length) throw new Error('truncated field');
  }
}

function decodeMetadata(b: Buffer): StoredPartial {
  const r = new Proto(b);
  const m: StoredPartial = { id: '', ordinal: 0, last: false };
  while (!r.done) {
    const tag = r.small();
    if (tag === 0x08) m.last = r.small() !== 0;
    else if (tag === 0x12) m.id = r.bytes().toString('utf8');
    else if (tag === 0x18) m.ordinal = r.small();
    else r.skip(tag & 7);
  }
  return m;
}

/** One LogEntry message, or why it is not one. */
export function decodeLogEntry(b: Buffer): DockerEntry | string {
  const r = new Proto(b);
  let source = '';
  let nanos = 0n;
  let line = Buffer.alloc(0);
  let partial = false;
  let meta: StoredPartial | null = null;
  try {
    while (!r.done) {
      const tag = r.small();
      if (tag === 0x0a) source = r.bytes().toString('utf8');
      else if (tag === 0x10) nanos = BigInt.asIntN(64, r.varint());
      else if (tag === 0x1a) line = Buffer.from(r.bytes());
      else if (tag === 0x20) partial = r.small() !== 0;
      else if (tag === 0x2a) meta = decodeMetadata(r.bytes());
      else r.skip(tag & 7);
    }
  } catch (e) {
    return `not a LogEntry: ${(e as Error).message}`;
  }
  const sec = nanos / 1_000_000_000n;
  let nsec = nanos % 1_000_000_000n;
  let s = sec;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    s -= 1n;
  }
  const stored = partial ? (meta ?? { id: '', ordinal: 0, last: false }) : null;
  return {
    stream: source,
    sec: Number(s),
    nsec: Number(nsec),
    line,
    newline: stored === null || stored.last,
    partial: stored,
    attrs: null,
    start: 0,
    end: 0,
  };
}

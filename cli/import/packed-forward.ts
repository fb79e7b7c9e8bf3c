/**
 * An import request: Forward Protocol v1 PackedForward, `[tag, entries, option]`, where
 * entries is a bin of `[EventTime, record]` pairs back to back and option is
 * `{chunk, size}`. Each record is the map Docker's fluentd driver builds (moby
 * daemon/logger/fluentd, Log): every value a string,
 *
 *   { container_id, container_name: "/web", source, log, <labels, env>,
 *     partial_message?, partial_id?, partial_ordinal?, partial_last? }
 *
 * the extra attributes written over the first four keys as Go's map assignment does, and
 * the time an EventTime (ext 0: uint32 seconds, uint32 nanoseconds), as with
 * `fluentd-sub-second-precision=true`. `log` is a msgpack str holding the line's exact
 * bytes, as Go's encoder sends a string: valid UTF-8 or not.
 *
 * Encoded by hand (no msgpack library): the shape is fixed, and the container's constant
 * fields are encoded once per container.
 */
import type { DockerMessage } from './lines.js';

/** A growable byte buffer. */
class Bytes {
  buf: Buffer;
  len = 0;

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  /** A msgpack str header and the bytes. */
  str(b: Buffer | string): void {
    const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    const n = bytes.length;
    this.ensure(n + 5);
    if (n < 32) this.buf[this.len++] = 0xa0 | n;
    else if (n < 0x100) {
      this.buf[this.len++] = 0xd9;
      this.buf[this.len++] = n;
    } else if (n < 0x10000) {
      this.buf[this.len++] = 0xda;
      this.buf.writeUInt16BE(n, this.len);
      this.len += 2;
    } else {
      this.buf[this.len++] = 0xdb;
      this.buf.writeUInt32BE(n, this.len);
      this.len += 4;
    }
    bytes.copy(this.buf, this.len);
    this.len += n;
  }

  mapHeader(n: number): void {
    if (n < 16) this.byte(0x80 | n);
    else {
      this.byte(0xde);
      this.ensure(2);
      this.buf.writeUInt16BE(n, this.len);
      this.len += 2;
    }
  }

  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** What a record holds besides the entry's own stream and text. */
export interface RecordFields {
  containerId: string;
  /** Docker's `/name`; null when unknown (a log file without its config.v2.json). */
  containerName: string | null;
  /** Labels and env the fluentd driver's `labels`/`env` options would send. */
  extra: Record<string, string>;
}

/** The pre-encoded constant pairs of one container's records. */
interface Shape {
  pairs: Buffer;
  count: number;
  /** An extra attribute named `source` or `log` replaces the entry's own (Go map order). */
  source: string | null;
  log: string | null;
}

const PARTIAL_KEYS = ['partial_message', 'partial_id', 'partial_ordinal', 'partial_last'];

export function recordShape(f: RecordFields): Shape {
  const m = new Map<string, string>();
  m.set('container_id', f.containerId);
  if (f.containerName !== null) m.set('container_name', f.containerName);
  for (const [k, v] of Object.entries(f.extra)) m.set(k, v);
  const source = f.extra.source ?? null;
  const log = f.extra.log ?? null;
  m.delete('source');
  m.delete('log');
  // The partial fields are written after the extra attributes, so they win.
  for (const k of PARTIAL_KEYS) m.delete(k);
  const b = new Bytes();
  for (const [k, v] of m) {
    b.str(k);
    b.str(v);
  }
  return { pairs: b.take(), count: m.size, source, log };
}

const K_SOURCE = Buffer.from('source');
const K_LOG = Buffer.from('log');
const PARTIAL_PAIRS = (id: string, ordinal: number, last: boolean): [string, string][] => [
  ['partial_message', 'true'],
  ['partial_id', id],
  ['partial_ordinal', String(ordinal)],
  ['partial_last', last ? 'true' : 'false'],
];

/** Builds one PackedForward request's entries. */
export class PackedForwardBuilder {
  private readonly entries = new Bytes();
  count = 0;

  get bytes(): number {
    return this.entries.len;
  }

  add(shape: Shape, msg: DockerMessage): void {
    const b = this.entries;
    const e = msg.entry;
    b.byte(0x92);
    b.byte(0xd7);
    b.byte(0x00);
    b.u32(e.sec);
    b.u32(e.nsec);
    b.mapHeader(shape.count + 2 + (msg.partial ? 4 : 0));
    b.bytes(shape.pairs);
    b.str(K_SOURCE);
    b.str(shape.source ?? e.stream);
    b.str(K_LOG);
    b.str(shape.log ?? e.line);
    if (msg.partial) {
      for (const [k, v] of PARTIAL_PAIRS(msg.partial.id, msg.partial.ordinal, msg.partial.last)) {
        b.str(k);
        b.str(v);
      }
    }
    this.count++;
  }

  /** Drops what was added after the builder held `len` bytes and `count` entries. */
  truncate(len: number, count: number): void {
    this.entries.len = len;
    this.count = count;
  }

  /** `[tag, bin(entries), {chunk, size}]`, and resets the builder. */
  finish(tag: string, chunk: string): Buffer {
    const out = new Bytes(
      this.entries.len + 64 + Buffer.byteLength(chunk) + Buffer.byteLength(tag),
    );
    out.byte(0x93);
    out.str(tag);
    out.byte(0xc6);
    out.u32(this.entries.len);
    out.bytes(this.entries.buf.subarray(0, this.entries.len));
    out.byte(0x82);
    out.str('chunk');
    out.str(chunk);
    out.str('size');
    out.byte(0xce);
    out.u32(this.count);
    this.entries.len = 0;
    this.count = 0;
    return out.buf.subarray(0, out.len);
  }
}

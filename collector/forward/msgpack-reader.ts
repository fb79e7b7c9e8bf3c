/**
 * A msgpack reader that walks a buffer by position and yields JSON-safe values in one pass
 * (msgpack spec "Formats"; normalization rules from STYLE.md "What we take" 5):
 *
 *   map            plain object; keys that are not strings become strings; `__proto__`
 *                  becomes `__proto_` (as msgpackr does) so no prototype is ever set
 *   int            number; past 2^53 a decimal string (no precision lost, no bigint)
 *   float          number; NaN and +/-Infinity become null
 *   str            string (invalid UTF-8 becomes U+FFFD), except see readRecord
 *   bin            base64 string, except see readRecord
 *   ext type 0     EventTime inside a record: whole seconds, as Fluentd's to_json does
 *   ext type -1    msgpack timestamp inside a record: whole seconds
 *   other ext      null
 *
 * We do not let msgpackr decode requests: it decodes every str as UTF-8 (PackedForward
 * payloads come as str from Fluentd and must stay bytes), throws on unknown ext types, and
 * would need a second walk for the rules above. Declared lengths are checked against the
 * bytes left before anything is allocated; nesting is bounded by maxDepth (the recursion is
 * bounded by it too), skipped values included. Every malformed input throws a fatal
 * ForwardDecodeError (the caller decides whether the damage is confined to a payload).
 */
import { isUtf8 } from 'node:buffer';
import { ForwardDecodeError } from './errors.js';
import { MsgpackScanner } from './msgpack-scan.js';
import { cachedUtf8, utf8 } from './string-cache.js';

const TWO_32 = 4294967296;

/**
 * One scanner per depth limit, shared: allocating its stack per request cost more than the
 * decoding. Safe because a scan runs to completion synchronously and is reset after.
 */
const skippers = new Map<number, MsgpackScanner>();
function skipperFor(maxDepth: number): MsgpackScanner {
  let s = skippers.get(maxDepth);
  if (s === undefined) skippers.set(maxDepth, (s = new MsgpackScanner(maxDepth)));
  return s;
}

export class MsgpackReader {
  constructor(
    public buf: Buffer,
    public pos: number,
    public end: number,
    readonly maxDepth: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The next format byte, without consuming it. */
  peek(): number {
    if (this.pos >= this.end) this.truncated();
    return this.buf[this.pos]!;
  }

  /** Consume an array header and return its length, or return -1 (consuming nothing). */
  arrayHeader(): number {
    const b = this.peek();
    if (b >= 0x90 && b <= 0x9f) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc) return this.u16After();
    if (b === 0xdd) return this.u32After();
    return -1;
  }

  /** Consume a map header and return its entry count, or return -1 (consuming nothing). */
  mapHeader(): number {
    const b = this.peek();
    if (b >= 0x80 && b <= 0x8f) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xde) return this.u16After();
    if (b === 0xdf) return this.u32After();
    return -1;
  }

  /** The payload of the last str/bin read by readRaw: [rawStart, rawEnd) of `buf`. */
  rawStart = 0;
  rawEnd = 0;
  rawIsStr = false;

  /**
   * If the next element is str or bin, consume it, set rawStart/rawEnd/rawIsStr and return
   * true; otherwise return false, consuming nothing.
   */
  readRaw(): boolean {
    const b = this.peek();
    let len: number;
    if (b >= 0xa0 && b <= 0xbf) {
      this.pos++;
      len = b & 0x1f;
    } else if (b === 0xd9 || b === 0xc4) len = this.u8After();
    else if (b === 0xda || b === 0xc5) len = this.u16After();
    else if (b === 0xdb || b === 0xc6) len = this.u32After();
    else return false;
    this.need(len);
    this.rawIsStr = b < 0xc4 || b > 0xc6;
    this.rawStart = this.pos;
    this.rawEnd = this.pos += len;
    return true;
  }

  /** Any value, normalized (see the file comment). `depth` = containers already open. */
  readValue(depth: number): unknown {
    if (this.pos >= this.end) this.truncated();
    const buf = this.buf;
    const b = buf[this.pos++]!;
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return this.readMapBody(b & 0x0f, depth);
    if (b <= 0x9f) return this.readArrayBody(b & 0x0f, depth);
    if (b <= 0xbf) return this.str(b & 0x1f);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.base64(this.u8());
      case 0xc5:
        return this.base64(this.u16());
      case 0xc6:
        return this.base64(this.u32());
      case 0xc7:
        return this.ext(this.u8());
      case 0xc8:
        return this.ext(this.u16());
      case 0xc9:
        return this.ext(this.u32());
      case 0xca: {
        this.need(4);
        const f = buf.readFloatBE(this.pos);
        this.pos += 4;
        return Number.isFinite(f) ? f : null;
      }
      case 0xcb: {
        this.need(8);
        const f = buf.readDoubleBE(this.pos);
        this.pos += 8;
        return Number.isFinite(f) ? f : null;
      }
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return this.int64(false);
      case 0xd0:
        this.need(1);
        return buf.readInt8(this.pos++);
      case 0xd1: {
        this.need(2);
        const v = buf.readInt16BE(this.pos);
        this.pos += 2;
        return v;
      }
      case 0xd2: {
        this.need(4);
        const v = buf.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xd3:
        return this.int64(true);
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.readArrayBody(this.u16(), depth);
      case 0xdd:
        return this.readArrayBody(this.u32(), depth);
      case 0xde:
        return this.readMapBody(this.u16(), depth);
      case 0xdf:
        return this.readMapBody(this.u32(), depth);
      default:
        throw new ForwardDecodeError('byte 0xc1 is never valid msgpack', true);
    }
  }

  /**
   * A record (a map) at nesting `depth`, or null when the next value is not a map (the value
   * is skipped). Top-level `log` and `message` values keep their exact bytes as a Buffer
   * when they are bin, or str that is not valid UTF-8: Docker sends container output as str
   * whatever bytes it holds, and the normalizer must see them to clean them losslessly.
   */
  readRecord(depth: number): Record<string, unknown> | null {
    const n = this.mapHeader();
    if (n < 0) {
      this.skip();
      return null;
    }
    this.enter(depth, n * 2);
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.readKey(depth + 1);
      obj[key] =
        key === 'log' || key === 'message'
          ? this.readLogValue(depth + 1)
          : this.readValue(depth + 1);
    }
    return obj;
  }

  /** Skip one value without decoding it (nesting still bounded by maxDepth). */
  skip(): void {
    const scanner = skipperFor(this.maxDepth);
    const end = scanner.scan(this.buf, this.pos, this.end); // a throw leaves it untouched
    if (end < 0) {
      scanner.reset();
      this.truncated();
    }
    this.pos = end;
  }

  /** The type of the last ext read by readExt (its data is [rawStart, rawEnd)). */
  extType = 0;

  /**
   * If the next element is an ext, consume it, set extType and rawStart/rawEnd to its data
   * and return true; otherwise return false, consuming nothing.
   */
  readExt(): boolean {
    const b = this.peek();
    let len: number;
    if (b >= 0xd4 && b <= 0xd8) {
      this.pos++;
      len = 1 << (b - 0xd4); // fixext 1, 2, 4, 8, 16
    } else if (b === 0xc7) len = this.u8After();
    else if (b === 0xc8) len = this.u16After();
    else if (b === 0xc9) len = this.u32After();
    else return false;
    this.need(len + 1);
    this.extType = this.buf.readInt8(this.pos);
    this.rawStart = this.pos + 1;
    this.rawEnd = this.pos += len + 1;
    return true;
  }

  /** A copy of bytes [start, end): decoded values never alias the request's buffer. */
  copy(start: number, end: number): Buffer {
    return Buffer.from(this.buf.subarray(start, end));
  }

  private readLogValue(depth: number): unknown {
    if (!this.readRaw()) return this.readValue(depth);
    const { rawStart: s, rawEnd: e } = this;
    if (!this.rawIsStr) return this.copy(s, e);
    const text = utf8(this.buf, s, e);
    // U+FFFD in the result means replaced bytes, or a real U+FFFD: only then ask isUtf8.
    if (text.includes('\ufffd') && !isUtf8(this.buf.subarray(s, e))) return this.copy(s, e);
    return text;
  }

  private readKey(depth: number): string {
    const b = this.peek();
    let key: string;
    if (b >= 0xa0 && b <= 0xbf) {
      this.pos++;
      key = this.str(b & 0x1f);
    } else {
      const v = this.readValue(depth);
      key =
        typeof v === 'string'
          ? v
          : typeof v === 'object' && v !== null
            ? JSON.stringify(v)
            : String(v);
    }
    return key === '__proto__' ? '__proto_' : key;
  }

  private readMapBody(n: number, depth: number): Record<string, unknown> {
    this.enter(depth, n * 2);
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.readKey(depth + 1);
      obj[key] = this.readValue(depth + 1);
    }
    return obj;
  }

  private readArrayBody(n: number, depth: number): unknown[] {
    this.enter(depth, n);
    const arr: unknown[] = [];
    for (let i = 0; i < n; i++) arr.push(this.readValue(depth + 1));
    return arr;
  }

  /** Opening a container of `items` elements inside `depth` open ones. */
  private enter(depth: number, items: number): void {
    if (depth >= this.maxDepth) {
      throw new ForwardDecodeError(`nesting deeper than ${this.maxDepth} levels`, true);
    }
    // Every element takes at least one byte: a longer declared length cannot be honest.
    if (items > this.end - this.pos) this.truncated();
  }

  private str(len: number): string {
    this.need(len);
    const s = this.pos;
    this.pos += len;
    return cachedUtf8(this.buf, s, len);
  }

  private base64(len: number): string {
    this.need(len);
    const s = this.pos;
    this.pos += len;
    return this.buf.toString('base64', s, s + len);
  }

  /** ext body of `len` bytes (after its type byte); only time types keep a value. */
  private ext(len: number): number | null {
    this.need(len + 1);
    const type = this.buf.readInt8(this.pos);
    const s = this.pos + 1;
    this.pos = s + len;
    return extSeconds(this.buf, type, s, len);
  }

  private int64(signed: boolean): number | string {
    this.need(8);
    const buf = this.buf;
    const p = this.pos;
    this.pos += 8;
    const hi = signed ? buf.readInt32BE(p) : buf.readUInt32BE(p);
    const v = hi * TWO_32 + buf.readUInt32BE(p + 4);
    if (Number.isSafeInteger(v)) return v;
    return (signed ? buf.readBigInt64BE(p) : buf.readBigUInt64BE(p)).toString();
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private u8After(): number {
    this.pos++;
    return this.u8();
  }

  private u16After(): number {
    this.pos++;
    return this.u16();
  }

  private u32After(): number {
    this.pos++;
    return this.u32();
  }

  private need(n: number): void {
    if (this.pos + n > this.end) this.truncated();
  }

  private truncated(): never {
    throw new ForwardDecodeError('truncated msgpack value', true);
  }
}

/** Whole seconds of an EventTime (type 0) or msgpack timestamp (type -1); null for other ext. */
function extSeconds(buf: Buffer, type: number, s: number, len: number): number | null {
  if (type === 0 && len === 8) return buf.readUInt32BE(s);
  if (type === -1) {
    if (len === 4) return buf.readUInt32BE(s);
    if (len === 8) return (buf.readUInt32BE(s) & 0x3) * TWO_32 + buf.readUInt32BE(s + 4);
    if (len === 12) return Number(buf.readBigInt64BE(s + 4));
  }
  return null;
}

/**
 * The "text" section: every message, whole and exact, apart from everything else so that
 * a search can scan it in one pass and a reader of ids and times never decompresses it.
 *
 *   odd rows    varint count, then their row indexes as varint deltas (the first from 0)
 *   lengths     varint byte length per row
 *   bytes       the messages' bytes, end to end
 *
 * A message is UTF-8. Records hold well-formed text (core/normalize/text.ts), but a string
 * with a lone surrogate must still come back as it went in: such an "odd" row is stored as
 * WTF-8 (a surrogate as the 3 bytes ED A0..BF xx that UTF-8 forbids) and decoded by hand.
 * Byte matching stays right for them: WTF-8 is as self-synchronizing as UTF-8, and a
 * well-formed needle cannot match inside a surrogate's bytes.
 */
import { ByteReader, ByteWriter } from '../bytes/byte-io.js';
import { PackFormatError } from './errors.js';

/** WTF-8 of a string that is not well-formed (lone surrogates kept). */
function wtf8(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Buffer.from(out);
}

function unwtf8(b: Buffer, start: number, end: number): string {
  const units: number[] = [];
  for (let i = start; i < end;) {
    const a = b[i]!;
    const n = a < 0x80 ? 1 : a >= 0xf0 ? 4 : a >= 0xe0 ? 3 : a >= 0xc0 ? 2 : 0;
    if (n === 0 || i + n > end) throw new PackFormatError('text section: bad WTF-8');
    let c = n === 1 ? a : a & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) {
      const x = b[i + k]!;
      if ((x & 0xc0) !== 0x80) throw new PackFormatError('text section: bad WTF-8');
      c = (c << 6) | (x & 63);
    }
    if (c >= 0x10000) units.push(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 1023));
    else units.push(c);
    i += n;
  }
  let s = '';
  for (let i = 0; i < units.length; i += 8192)
    s += String.fromCharCode(...units.slice(i, i + 8192));
  return s;
}

export interface EncodedText {
  raw: Buffer;
  /** UTF-8 bytes of the messages (WTF-8 for odd rows). */
  bytes: number;
}

export function encodeText(messages: string[]): EncodedText {
  const n = messages.length;
  const lengths = new ByteWriter(n * 2 + 16);
  let total = 0;
  for (const m of messages) total += m.length;
  const body = new ByteWriter(total + 64);
  const odd: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    if (m.isWellFormed()) {
      body.ensure(m.length * 3);
      const len = body.buf.write(m, body.pos, 'utf8');
      body.pos += len;
      lengths.varint(len);
    } else {
      const b = wtf8(m);
      body.bytes(b);
      lengths.varint(b.length);
      odd.push(i);
    }
  }
  const head = new ByteWriter(16 + odd.length * 2);
  head.varint(odd.length);
  let prev = 0;
  for (const i of odd) {
    head.varint(i - prev);
    prev = i;
  }
  const bytes = body.pos;
  return {
    raw: Buffer.concat([
      head.buf.subarray(0, head.pos),
      lengths.buf.subarray(0, lengths.pos),
      body.buf.subarray(0, body.pos),
    ]),
    bytes,
  };
}

/** ASCII-lowered copy: A-Z only, as api/query/filter.ts asciiLower (and ILIKE under "C"). */
function lowerBytes(src: Buffer): Buffer {
  const out = Buffer.allocUnsafe(src.length);
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    out[i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  }
  return out;
}

export class TextColumn {
  /** Row i's bytes are bytes[offsets[i] .. offsets[i + 1]). */
  private readonly offsets: Float64Array;
  private readonly bytes: Buffer;
  private readonly odd: Set<number> | null;
  private lowered: Buffer | null = null;

  constructor(raw: Buffer, rows: number) {
    const r = new ByteReader(raw, 'pack text section');
    const oddCount = r.varint();
    if (oddCount > rows) throw new PackFormatError('text section: bad odd row count');
    let odd: Set<number> | null = null;
    if (oddCount > 0) {
      odd = new Set();
      let i = 0;
      for (let k = 0; k < oddCount; k++) {
        i += r.varint();
        if (i >= rows) throw new PackFormatError('text section: odd row past the last');
        odd.add(i);
      }
    }
    this.odd = odd;
    this.offsets = new Float64Array(rows + 1);
    let end = 0;
    for (let i = 0; i < rows; i++) this.offsets[i + 1] = end += r.varint();
    if (end !== raw.length - r.pos)
      throw new PackFormatError(
        `text section: lengths add up to ${end}, ${raw.length - r.pos} bytes follow`,
      );
    this.bytes = raw.subarray(r.pos);
  }

  /** Bytes of all messages. */
  get byteLength(): number {
    return this.bytes.length;
  }

  message(i: number): string {
    const s = this.offsets[i]!;
    const e = this.offsets[i + 1]!;
    if (this.odd?.has(i)) return unwtf8(this.bytes, s, e);
    return this.bytes.toString('utf8', s, e);
  }

  /**
   * Rows whose message contains `needleLower` under ASCII case folding: one indexOf pass
   * over the lowered text (a match that straddles two rows is skipped). A needle that is
   * not well-formed cannot be matched bytewise (a lone surrogate is half of a pair in
   * UTF-16 but not in UTF-8): `fallback` tests such rows one by one. Only rows `from` up
   * to `to` (exclusive) are looked at.
   */
  rowsContaining(
    needleLower: string,
    fallback: (i: number) => boolean,
    from = 0,
    to = this.offsets.length - 1,
  ): number[] {
    const out: number[] = [];
    if (needleLower === '') {
      for (let i = from; i < to; i++) out.push(i);
      return out;
    }
    if (!needleLower.isWellFormed()) {
      for (let i = from; i < to; i++) if (fallback(i)) out.push(i);
      return out;
    }
    if (from >= to) return out;
    const needle = Buffer.from(needleLower, 'utf8');
    const text = (this.lowered ??= lowerBytes(this.bytes));
    const offsets = this.offsets;
    const stop = offsets[to]!;
    let row = from;
    let at = text.indexOf(needle, offsets[from]!);
    while (at >= 0 && at < stop) {
      while (offsets[row + 1]! <= at) row++;
      const end = offsets[row + 1]!;
      if (at + needle.length <= end) {
        out.push(row);
        if (end >= stop) break;
        at = text.indexOf(needle, end);
      } else at = text.indexOf(needle, at + 1);
    }
    return out;
  }
}

/**
 * Growable byte writer and bounds-checked reader for the spool's unit codec and the packs'
 * columns (core/packs/): LEB128 varints (as protobuf's), zigzag varints, tagged numbers,
 * length-prefixed UTF-8, raw bytes.
 *
 * Numbers: a varint v; v even: the integer zigzag(n) = v / 2 (|n| < 2^50, so v stays an exact
 * double); v = 1: a float64 follows (fractions, NaN, infinities, big integers). Plain JS
 * arithmetic, no BigInt.
 *
 * Strings: the byte length as a varint of the width that 3 x the UTF-16 length needs (a
 * non-minimal LEB128 when the text is shorter: 0x85 0x00 is 5), so the prefix is reserved
 * before the text is encoded and never moved. ASCII under 64 characters is copied by a loop,
 * which is faster than Buffer#write's call for short strings (msgpackr does the same).
 */

const INT_LIMIT = 2 ** 50;

export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.pos + n, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  varint(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.pos++] = v;
  }

  /** Zigzag varint (protobuf's sint64): 0, -1, 1, -2 .. as 0, 1, 2, 3; |n| < 2^52. */
  svarint(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  num(n: number): void {
    if (Number.isInteger(n) && n < INT_LIMIT && n > -INT_LIMIT) {
      this.varint(n >= 0 ? n * 4 : -n * 4 - 2);
    } else {
      this.ensure(9);
      this.buf[this.pos++] = 1;
      this.buf.writeDoubleLE(n, this.pos);
      this.pos += 8;
    }
  }

  str(s: string): void {
    const n = s.length;
    if (n < 64) {
      this.ensure(2 + n * 3);
      const buf = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n && n < 0x80) {
        buf[this.pos] = n;
        this.pos = p;
        return;
      }
    }
    const width = varintWidth(n * 3);
    this.ensure(width + n * 3);
    const bytes = this.buf.write(s, this.pos + width, 'utf8');
    let v = bytes;
    for (let k = 0; k < width; k++) {
      this.buf[this.pos + k] = (v % 0x80) | (k < width - 1 ? 0x80 : 0);
      v = Math.floor(v / 0x80);
    }
    this.pos += width + bytes;
  }

  /** A copy of what was written. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }
}

function varintWidth(v: number): number {
  let w = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    w++;
  }
  return w;
}

export class ByteReader {
  pos = 0;
  /** `what` names the format in error messages. */
  constructor(
    private readonly buf: Buffer,
    private readonly what = 'unit codec',
  ) {}

  get done(): boolean {
    return this.pos === this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`${this.what}: truncated input`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  varint(): number {
    const buf = this.buf;
    let v = 0;
    let scale = 1;
    for (let k = 0; k < 8; k++) {
      this.need(1);
      const b = buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new RangeError(`${this.what}: varint too long`);
  }

  svarint(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  /** The next `n` bytes, a view of the input (not a copy). */
  bytes(n: number): Buffer {
    this.need(n);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }

  num(): number {
    const v = this.varint();
    if (v === 1) {
      this.need(8);
      const d = this.buf.readDoubleLE(this.pos);
      this.pos += 8;
      return d;
    }
    if (v % 2 !== 0) throw new RangeError(`${this.what}: bad number tag`);
    const z = v / 2;
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  str(): string {
    const len = this.varint();
    this.need(len);
    const start = this.pos;
    this.pos += len;
    const buf = this.buf;
    if (len < 32) {
      let s = '';
      for (let i = start; i < start + len; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return buf.toString('utf8', start, start + len);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return buf.toString('utf8', start, start + len);
  }
}

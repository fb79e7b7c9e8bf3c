/**
 * Finds where one msgpack object ends, without decoding it (msgpack spec, "Formats").
 *
 * The framer needs request boundaries before anything is decoded, and a request may arrive
 * split across any number of TCP reads. `MsgpackScanner` is resumable: when the bytes run
 * out it remembers the open containers (a fixed Float64Array of remaining item counts, one
 * slot per nesting level) and the offset of the first unread element, so each byte is
 * scanned once however the frame is split. A Fluent Bit Forward-mode request of 2 MB in
 * 64 KB reads would otherwise be rescanned 32 times.
 *
 * Declared lengths are never trusted for allocation: an array header announcing 2^32 items
 * only pushes a number; the caller's frame-size limit stops the stream. Bytes that can
 * never start a msgpack object (0xc1) and nesting deeper than `maxDepth` throw a fatal
 * ForwardDecodeError.
 */
import { ForwardDecodeError } from './errors.js';

/** Something that finds the end of one top-level object, resumably (msgpack or JSON). */
export interface FrameScanner {
  /**
   * Continue scanning the object whose first byte is `buf[start]`, with bytes available up
   * to `end` (exclusive). Returns the absolute end offset, or -1 when more bytes are needed.
   * Between calls that return -1 the caller may move the bytes (offsets are kept relative to
   * `start`), but must pass them all again, plus any new ones.
   */
  scan(buf: Buffer, start: number, end: number): number;
  /**
   * After scan() returned -1: bytes of the object (from its first byte) known to be needed
   * before it can end; more than were scanned. Lets the framer copy no more than it must
   * and refuse a declared 4 GiB string at once.
   */
  readonly minLength: number;
  /** Forget a partly scanned object. */
  reset(): void;
}

export class MsgpackScanner implements FrameScanner {
  private readonly remaining: Float64Array;
  private depth = 0;
  /** Offset, relative to the object's first byte, of the first element not yet scanned. */
  private resume = 0;
  minLength = 0;

  constructor(private readonly maxDepth: number) {
    if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError('maxDepth must be >= 1');
    this.remaining = new Float64Array(maxDepth);
  }

  reset(): void {
    this.depth = 0;
    this.resume = 0;
    this.minLength = 0;
  }

  scan(buf: Buffer, start: number, end: number): number {
    const rem = this.remaining;
    let depth = this.depth;
    let pos = start + this.resume;
    let missing = 1; // bytes known to be needed past `end` when we run out
    while (pos < end) {
      const b = buf[pos]!;
      let size = 1; // bytes of this element (header + body) when it is not a container
      let count = -1; // items of a container; -1 for scalars
      if (b <= 0x7f || b >= 0xe0) {
        // positive / negative fixint
      } else if (b <= 0x8f) {
        count = (b & 0x0f) * 2;
      } else if (b <= 0x9f) {
        count = b & 0x0f;
      } else if (b <= 0xbf) {
        size = 1 + (b & 0x1f);
      } else {
        const need = headerSize(b);
        if (need < 0) {
          throw new ForwardDecodeError(
            `byte 0x${b.toString(16)} at offset ${pos - start} is never valid msgpack`,
            true,
          );
        }
        if (pos + need > end) {
          missing = pos + need - end;
          break;
        }
        switch (b) {
          case 0xc4:
          case 0xd9:
            size = 2 + buf[pos + 1]!;
            break; // bin8, str8
          case 0xc5:
          case 0xda:
            size = 3 + buf.readUInt16BE(pos + 1);
            break; // bin16, str16
          case 0xc6:
          case 0xdb:
            size = 5 + buf.readUInt32BE(pos + 1);
            break; // bin32, str32
          case 0xc7:
            size = 3 + buf[pos + 1]!;
            break; // ext8: len, type, data
          case 0xc8:
            size = 4 + buf.readUInt16BE(pos + 1);
            break; // ext16
          case 0xc9:
            size = 6 + buf.readUInt32BE(pos + 1);
            break; // ext32
          case 0xdc:
            size = 3;
            count = buf.readUInt16BE(pos + 1);
            break; // array16
          case 0xdd:
            size = 5;
            count = buf.readUInt32BE(pos + 1);
            break; // array32
          case 0xde:
            size = 3;
            count = buf.readUInt16BE(pos + 1) * 2;
            break; // map16
          case 0xdf:
            size = 5;
            count = buf.readUInt32BE(pos + 1) * 2;
            break; // map32
          default:
            size = need; // nil, bool, numbers, fixext: the header is the whole element
        }
      }
      if (pos + size > end) {
        missing = pos + size - end;
        break;
      }
      pos += size;
      if (count >= 0) {
        if (depth >= this.maxDepth) {
          throw new ForwardDecodeError(`nesting deeper than ${this.maxDepth} levels`, true);
        }
        if (count > 0) {
          rem[depth++] = count;
          continue;
        }
      }
      // One element complete: close every container it completes.
      for (;;) {
        if (depth === 0) {
          this.reset();
          return pos;
        }
        if (--rem[depth - 1]! !== 0) break;
        depth--;
      }
    }
    this.depth = depth;
    this.resume = pos - start;
    this.minLength = end - start + missing;
    return -1;
  }
}

/**
 * Bytes needed to read the element's size for formats 0xc0..0xdf: the fixed size of the
 * element for nil/bool/numbers/fixext, the header size for str/bin/ext/array/map, and -1
 * for 0xc1, which msgpack reserves as "never used".
 */
function headerSize(b: number): number {
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return 1; // nil, false, true
    case 0xc4:
    case 0xd9:
    case 0xc7:
      return 2; // bin8, str8, ext8 (len)
    case 0xc5:
    case 0xda:
    case 0xc8:
    case 0xdc:
    case 0xde:
      return 3;
    case 0xc6:
    case 0xdb:
    case 0xc9:
    case 0xdd:
    case 0xdf:
      return 5;
    case 0xca:
      return 5; // float32
    case 0xcb:
      return 9; // float64
    case 0xcc:
    case 0xd0:
      return 2; // uint8, int8
    case 0xcd:
    case 0xd1:
      return 3;
    case 0xce:
    case 0xd2:
      return 5;
    case 0xcf:
    case 0xd3:
      return 9;
    case 0xd4:
      return 3; // fixext1: type + 1
    case 0xd5:
      return 4;
    case 0xd6:
      return 6;
    case 0xd7:
      return 10;
    case 0xd8:
      return 18;
    default:
      return -1; // 0xc1
  }
}

/**
 * End offset of the one complete msgpack object starting at `offset`, or -1 when `buf` ends
 * before it does. Throws a fatal ForwardDecodeError for bytes that can never be valid.
 */
export function scanMsgpack(buf: Buffer, offset: number, maxDepth: number): number {
  return new MsgpackScanner(maxDepth).scan(buf, offset, buf.length);
}

/**
 * Finds where one JSON text ends on a JSON forward connection.
 *
 * Fluentd's in_forward switches a connection to JSON for its whole life when its first byte
 * is `{` or `[` (Forward Protocol v1, "Fluentd Forward Server": "in_forward plugin also
 * accepts JSON representation ... It detect it by the first byte of the request"), and feeds
 * it to a streaming Yajl parser that accepts values back to back. This scanner only finds
 * the boundaries (brackets outside strings, with `\` escapes); JSON.parse validates the
 * text afterwards. It is resumable like MsgpackScanner: each byte is looked at once, and
 * structural bytes are ASCII, so a UTF-8 sequence split across reads cannot confuse it.
 * Whitespace between texts is the framer's business: a text must start with `{` or `[`.
 */
import { ForwardDecodeError } from './errors.js';
import type { FrameScanner } from './msgpack-scan.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

export class JsonScanner implements FrameScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private resume = 0;
  /** A JSON text gives no lengths: all we know is that one more byte is needed. */
  minLength = 0;

  constructor(private readonly maxDepth: number) {
    if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError('maxDepth must be >= 1');
  }

  reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.resume = 0;
    this.minLength = 0;
  }

  scan(buf: Buffer, start: number, end: number): number {
    let pos = start + this.resume;
    if (this.resume === 0 && pos < end) {
      const first = buf[pos]!;
      if (first !== OPEN_ARRAY && first !== OPEN_OBJECT) {
        throw new ForwardDecodeError(
          `JSON request must start with '[' or '{', got byte 0x${first.toString(16)}`,
          true,
        );
      }
    }
    let { depth, inString, escaped } = this;
    while (pos < end) {
      const c = buf[pos++]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++depth > this.maxDepth) {
          throw new ForwardDecodeError(`nesting deeper than ${this.maxDepth} levels`, true);
        }
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        if (--depth === 0) {
          this.reset();
          return pos;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.resume = pos - start;
    this.minLength = this.resume + 1;
    return -1;
  }
}

/** JSON insignificant whitespace (RFC 8259 section 2): allowed between texts. */
export function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Splits a forward connection's byte stream into requests (Forward Protocol v1: "Client MAY
 * send multiple msgpack arrays ... on a single connection, continuously"), split anywhere
 * across TCP reads.
 *
 * Push parser in the manner of pg-protocol's parser:
 *
 *   chunk ──► nothing pending? scan the chunk in place ──► frames are views of the chunk
 *        └──► a frame is pending? copy into the pending buffer only what the resumable
 *             scanner says it needs (grown by doubling, never past maxFrameBytes), resume
 *             the scan; the finished frame is a view of that buffer, and the rest of the
 *             chunk is scanned in place again.
 *
 * The pending buffer is dropped once its frame is handed out, so a returned frame is never
 * overwritten: frames stay valid after later pushes.
 *
 * The mode is decided once from the connection's first byte, as Fluentd's in_forward does:
 * `{` or `[` means JSON for the connection's whole life, anything else msgpack.
 *
 * Errors (always fatal: the stream cannot resync): bytes that cannot start a msgpack
 * request (request-start.ts: not nil, not an array of 2-4 or 6 elements led by a string;
 * reported with the request's first 16 bytes, so it waits for 16, e.g. a TLS ClientHello
 * or an HTTP request), a frame longer than maxFrameBytes (thrown as soon as the scanner
 * knows it, e.g. at a str32 header declaring 4 GiB, and never after buffering more than
 * the limit), a byte that can never start a msgpack object, nesting deeper than maxDepth,
 * a JSON text not starting with `[` or `{`. After an error the framer must be discarded
 * with its connection.
 */
import { frameTooLarge } from './errors.js';
import { isJsonWhitespace, JsonScanner } from './json-scan.js';
import { MsgpackScanner, type FrameScanner } from './msgpack-scan.js';
import { notForwardRequest, requestStart, SHOWN_BYTES } from './request-start.js';

export type WireMode = 'msgpack' | 'json';

/** Default deepest container nesting: a Forward record sits at level 4. */
export const DEFAULT_MAX_DEPTH = 64;
const MIN_PENDING_CAPACITY = 4096;
/** Bytes copied at least per step when feeding a pending frame whose next need is small. */
const COPY_STEP = 4096;

export class ForwardFramer {
  /** Decided by the first byte pushed; null until then (a zero-byte connection stays null). */
  mode: WireMode | null = null;
  private scanner: FrameScanner | null = null;
  private pending: Buffer | null = null;
  private pendingLen = 0;
  /** The pending request's first bytes were too few to tell whether it can be one. */
  private unchecked = false;
  /** A stream found not to be the protocol: its first bytes, kept until SHOWN_BYTES. */
  private junk: Buffer | null = null;

  /**
   * @param maxFrameBytes largest request accepted, in bytes (the compressed size for
   *   CompressedPackedForward)
   * @param maxDepth deepest container nesting accepted in a request
   */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly maxDepth: number = DEFAULT_MAX_DEPTH,
  ) {
    if (!(maxFrameBytes >= 1)) throw new RangeError('maxFrameBytes must be >= 1');
  }

  /** Bytes of an unfinished request held between pushes; > 0 at close means a cut request. */
  get pendingBytes(): number {
    return this.junk?.length ?? this.pendingLen;
  }

  /** Feed one chunk; returns the requests it completed, in order (possibly none). */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    if (chunk.length === 0) return frames;
    const scanner = this.scanner ?? this.chooseMode(chunk[0]!);
    if (this.junk) {
      this.addJunk([chunk]);
      return frames;
    }
    let offset = 0;
    if (this.pendingLen > 0) {
      offset = this.continuePending(scanner, chunk, frames);
      if (offset < 0) return frames;
    }
    this.scanInPlace(scanner, chunk, offset, frames);
    return frames;
  }

  private chooseMode(first: number): FrameScanner {
    this.mode = first === 0x7b || first === 0x5b ? 'json' : 'msgpack';
    this.scanner =
      this.mode === 'json' ? new JsonScanner(this.maxDepth) : new MsgpackScanner(this.maxDepth);
    return this.scanner;
  }

  /**
   * Copy from `chunk` what the pending frame needs (as far as the scanner can tell, in steps
   * of at least COPY_STEP bytes) and resume it. Returns the offset in `chunk` just past the
   * completed frame, or -1 when the whole chunk went in and the frame still needs more.
   */
  private continuePending(scanner: FrameScanner, chunk: Buffer, frames: Buffer[]): number {
    const max = this.maxFrameBytes;
    const before = this.pendingLen;
    let used = 0;
    for (;;) {
      // Never 0: a pending frame always has minLength <= max (else it was refused).
      const want = Math.max(scanner.minLength - this.pendingLen, COPY_STEP);
      const take = Math.min(want, chunk.length - used, max - this.pendingLen);
      this.append(chunk, used, take, scanner.minLength);
      used += take;
      const pending = this.pending!;
      if (this.unchecked) {
        const start = requestStart(pending, 0, this.pendingLen);
        if (start === 'bad') {
          this.addJunk([pending.subarray(0, this.pendingLen), chunk.subarray(used)]);
          return -1;
        }
        this.unchecked = start === 'more';
      }
      const end = scanner.scan(pending, 0, this.pendingLen);
      if (end >= 0) {
        frames.push(pending.subarray(0, end));
        this.pending = null;
        this.pendingLen = 0;
        return end - before;
      }
      if (scanner.minLength > max) throw frameTooLarge(max);
      if (used === chunk.length) return -1;
    }
  }

  private scanInPlace(scanner: FrameScanner, chunk: Buffer, offset: number, frames: Buffer[]) {
    const max = this.maxFrameBytes;
    const len = chunk.length;
    const json = this.mode === 'json';
    while (offset < len) {
      if (json) {
        while (offset < len && isJsonWhitespace(chunk[offset]!)) offset++;
        if (offset === len) return;
      } else {
        const start = requestStart(chunk, offset, len);
        if (start === 'bad') return this.addJunk([chunk.subarray(offset)]);
        this.unchecked = start === 'more';
      }
      // Never scan past the limit: a frame that has not ended by then is too large anyway.
      const end = scanner.scan(chunk, offset, Math.min(len, offset + max));
      if (end < 0) {
        if (scanner.minLength > max) throw frameTooLarge(max);
        this.append(chunk, offset, len - offset, scanner.minLength);
        return;
      }
      frames.push(chunk.subarray(offset, end));
      offset = end;
    }
  }

  /**
   * Keeps the first SHOWN_BYTES bytes of a stream that is not the protocol, then throws
   * with them: the error reads the same however the bytes were split.
   */
  private addJunk(parts: Buffer[]): void {
    this.pending = null;
    this.pendingLen = 0;
    const have = this.junk ?? Buffer.alloc(0);
    const want = SHOWN_BYTES - have.length;
    const more = Buffer.concat(parts.map((p) => p.subarray(0, want))).subarray(0, want);
    this.junk = Buffer.concat([have, more]);
    if (this.junk.length >= SHOWN_BYTES) throw notForwardRequest(this.junk);
  }

  /**
   * Copy `count` bytes of `src` from `from` after the pending bytes, growing the buffer by
   * doubling (or straight to `hint`, the frame's known minimum length), never past the limit.
   */
  private append(src: Buffer, from: number, count: number, hint: number): void {
    const needed = this.pendingLen + count;
    let buf = this.pending;
    if (buf === null || buf.length < needed) {
      const grown = Math.max(needed, hint, MIN_PENDING_CAPACITY, buf === null ? 0 : buf.length * 2);
      const next = Buffer.allocUnsafe(Math.min(grown, Math.max(needed, this.maxFrameBytes)));
      if (buf !== null) buf.copy(next, 0, 0, this.pendingLen);
      this.pending = buf = next;
    }
    src.copy(buf, this.pendingLen, from, from + count);
    this.pendingLen = needed;
  }
}

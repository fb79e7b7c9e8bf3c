/**
 * Syslog over a byte stream (TCP, TLS, unix stream): RFC 6587 framing, decided per frame.
 *
 *   START --digit--> LEN "123" --SP--> BODY (123 octets)      3.4.1 octet counting
 *     |                 |  bad digit / > 10 digits / absurd length
 *     |                 +--> DISCARD to the frame's end (resync, Vector's "discarding")
 *     +--other--> LF: bytes up to LF (or a NUL ending the frame)   3.4.2 non-transparent
 *
 * Senders differ, and one connection may mix both: Docker over tcp+tls octet-counts with
 * the count including a trailing LF (stripped here); logger --octet-count excludes it and
 * sends none; everything else ends frames with LF, sometimes CRLF, sometimes NUL.
 *
 * Limits: a frame is at most maxFrameBytes. A longer newline frame is cut there and the
 * rest dropped up to its end (LF, or a NUL ending the frame). A longer but believable
 * octet count (up to 64 x the limit) is cut there and the rest skipped by count, which
 * keeps the stream in step even when frames carry no LF at all (logger, rsyslog); a count
 * beyond that is garbage and resyncs the same way at the next frame end. Each of these
 * counts in `errors`. Where TCP splits the stream never changes the frames (fuzzed:
 * test/fuzz/syslog.ts). The framer never holds more than
 * maxFrameBytes of pending data beside the chunk it is given.
 *
 * Buffering as pg-protocol does it: frames inside one chunk are views of that chunk (no
 * copy); only a frame that spans chunks is copied, into storage then handed to the caller.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const LT = 0x3c;
const NUL_BYTE = Buffer.from([NUL]);

const START = 0;
const LEN = 1;
const BODY = 2;
const LINE = 3;
const DISCARD = 4;
const SKIP = 5;

/** "4294967295 " is the longest length header read; more digits are garbage. */
const MAX_LENGTH_DIGITS = 10;
/** Octet counts up to this many times the frame limit are believed (see above). */
const TRUSTED_LENGTH_FACTOR = 64;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/**
 * Whether a NUL inside a newline-framed stream ends the frame: when what follows is a new
 * message ('<'), a line end or another NUL. Otherwise it is part of the text (Docker sends
 * a container's NUL bytes as they are), and the normalizer deals with it.
 */
function nulEndsFrame(next: number): boolean {
  return next === LT || next === LF || next === CR || next === NUL;
}

/** Drop the trailing LF (counted by Docker), CR and NUL bytes of a frame. */
function trimEnd(frame: Buffer): Buffer {
  let end = frame.length;
  while (end > 0) {
    const c = frame[end - 1];
    if (c !== LF && c !== CR && c !== NUL) break;
    end--;
  }
  return end === frame.length ? frame : frame.subarray(0, end);
}

export class SyslogFramer {
  /** Frames lost or damaged: bad or absurd lengths, cut frames, a frame cut by the peer. */
  errors = 0;
  /** Frames emitted cut to maxFrameBytes (also counted in errors). */
  truncated = 0;

  private state = START;
  private lenValue = 0;
  private lenDigits = 0;
  /** BODY: octets the emitted frame will hold; SKIP: octets still to drop. */
  private need = 0;
  /** BODY: octets of an over-long frame to skip after the part kept. */
  private skipAfter = 0;
  private pend: Buffer | null = null;
  private pendLen = 0;
  /**
   * LINE, DISCARD: the last chunk ended in a NUL (not among the pending bytes) whose
   * meaning depends on the next byte.
   */
  private nulPending = false;
  /** Index of the next NUL in the current chunk at or after the scan position (-1: none). */
  private nulAt = -1;

  constructor(readonly maxFrameBytes: number) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1) {
      throw new RangeError(`maxFrameBytes must be a positive integer, got ${maxFrameBytes}`);
    }
  }

  /** Bytes held for a frame that spans chunks (at most maxFrameBytes). */
  get pendingBytes(): number {
    return this.pendLen;
  }

  /**
   * Whether a frame has begun and not ended: its length digits, its body, or the rest of
   * a bad or over-long frame being skipped. Not only `pendingBytes > 0`: a sender can
   * hold a frame open in LEN, SKIP or DISCARD with nothing buffered. The request
   * deadline (collector/listen/request-deadline.ts) times it.
   */
  get midFrame(): boolean {
    return this.state !== START;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    const end = chunk.length;
    let pos = 0;
    this.nulAt = chunk.indexOf(NUL);
    while (pos < end) {
      switch (this.state) {
        case START: {
          const c = chunk[pos];
          if (c === LF || c === CR || c === NUL) {
            pos++;
          } else if (isDigit(c)) {
            this.state = LEN;
            this.lenValue = 0;
            this.lenDigits = 0;
          } else {
            this.state = LINE;
          }
          break;
        }
        case LEN:
          pos = this.readLength(chunk, pos, end);
          break;
        case BODY:
          pos = this.readBody(chunk, pos, end, out);
          break;
        case LINE:
          pos = this.readLine(chunk, pos, end, out);
          break;
        case DISCARD:
          pos = this.discard(chunk, pos, end);
          break;
        default: {
          const n = Math.min(this.need, end - pos);
          this.need -= n;
          pos += n;
          if (this.need === 0) this.state = START;
        }
      }
    }
    return out;
  }

  /** Connection end: a newline frame without its LF is still a frame; a cut octet frame is an error but kept. */
  flush(): Buffer[] {
    const out: Buffer[] = [];
    if (this.state === LINE && this.pendLen > 0) {
      const frame = trimEnd(this.takePending());
      if (frame.length > 0) out.push(frame);
    } else if (this.state === BODY && this.pendLen > 0) {
      this.errors++;
      const frame = trimEnd(this.takePending());
      if (frame.length > 0) out.push(frame);
    } else if (this.state === LEN || this.state === BODY) {
      this.errors++;
    }
    this.state = START;
    this.pend = null;
    this.pendLen = 0;
    this.nulPending = false;
    return out;
  }

  private bad(): void {
    this.errors++;
    this.state = DISCARD;
  }

  /** "LEN SP" (RFC 6587 section 3.4.1 MSG-LEN: NONZERO-DIGIT *DIGIT), across chunks. */
  private readLength(chunk: Buffer, start: number, end: number): number {
    let pos = start;
    while (pos < end) {
      const c = chunk[pos] ?? 0;
      if (c === SP) {
        this.startBody();
        return pos + 1;
      }
      if (!isDigit(c) || this.lenDigits === MAX_LENGTH_DIGITS) {
        // Not consumed: if it is the LF, the discard ends right here.
        this.bad();
        return pos;
      }
      this.lenValue = this.lenValue * 10 + (c - 0x30);
      this.lenDigits++;
      pos++;
    }
    return pos;
  }

  private startBody(): void {
    const n = this.lenValue;
    if (n === 0) {
      this.state = START;
    } else if (n > this.maxFrameBytes * TRUSTED_LENGTH_FACTOR) {
      this.bad();
    } else {
      this.need = Math.min(n, this.maxFrameBytes);
      this.skipAfter = n - this.need;
      this.state = BODY;
    }
  }

  private readBody(chunk: Buffer, pos: number, end: number, out: Buffer[]): number {
    let frame: Buffer;
    let next: number;
    if (this.pendLen === 0 && end - pos >= this.need) {
      frame = chunk.subarray(pos, pos + this.need);
      next = pos + this.need;
    } else {
      const take = Math.min(this.need - this.pendLen, end - pos);
      this.append(chunk, pos, pos + take, this.need);
      if (this.pendLen < this.need) return end;
      frame = this.takePending();
      next = pos + take;
    }
    if (this.skipAfter > 0) {
      this.errors++;
      this.truncated++;
      out.push(frame);
      this.need = this.skipAfter;
      this.skipAfter = 0;
      this.state = SKIP;
    } else {
      frame = trimEnd(frame);
      if (frame.length > 0) out.push(frame);
      this.state = START;
    }
    return next;
  }

  /** Index of the first LF or frame-ending NUL at or after `from`; -1 none; -2 undecided NUL at the end. */
  private terminator(chunk: Buffer, from: number, end: number): number {
    const lf = chunk.indexOf(LF, from);
    let k = from;
    for (;;) {
      if (this.nulAt >= 0 && this.nulAt < k) this.nulAt = chunk.indexOf(NUL, k);
      const nul = this.nulAt;
      if (nul < 0 || (lf >= 0 && lf < nul)) return lf;
      if (nul + 1 >= end) return -2;
      if (nulEndsFrame(chunk[nul + 1] ?? 0)) return nul;
      k = nul + 1;
    }
  }

  private readLine(chunk: Buffer, pos: number, end: number, out: Buffer[]): number {
    if (this.nulPending) {
      // The NUL that ended the last chunk, held back: the end of the frame, or text?
      this.nulPending = false;
      if (nulEndsFrame(chunk[pos] ?? 0)) {
        this.emitLine(this.takePending(), out);
        return pos;
      }
      if (this.pendLen === this.maxFrameBytes) return this.cutLine(out, pos);
      this.append(NUL_BYTE, 0, 1, this.maxFrameBytes);
    }
    const k = this.terminator(chunk, pos, end);
    if (k >= 0) {
      if (this.pendLen === 0) {
        this.emitLine(chunk.subarray(pos, k), out);
      } else {
        const room = this.maxFrameBytes - this.pendLen;
        this.append(chunk, pos, pos + Math.min(k - pos, room), this.maxFrameBytes);
        if (k - pos > room) this.cut();
        this.emitLine(this.takePending(), out);
      }
      return k + 1;
    }
    // No end in this chunk: keep the bytes, up to the frame limit. A NUL ending the chunk
    // may yet end the frame (then the frame may fit exactly): it is held back as
    // nulPending, not as a byte, until the next chunk tells.
    const stop = k === -2 ? end - 1 : end;
    const room = this.maxFrameBytes - this.pendLen;
    if (stop - pos > room) {
      this.append(chunk, pos, pos + room, this.maxFrameBytes);
      return this.cutLine(out, pos + room);
    }
    this.append(chunk, pos, stop, this.maxFrameBytes);
    this.nulPending = k === -2;
    return end;
  }

  /**
   * The pending line passed the limit: emit it cut (trimmed as emitLine trims the same
   * line cut inside one chunk) and drop the rest up to its end. Returns `next`.
   */
  private cutLine(out: Buffer[], next: number): number {
    this.cut();
    this.emitLine(this.takePending(), out);
    this.state = DISCARD;
    return next;
  }

  /**
   * Drops bytes up to the end of the frame, found as readLine finds it (LF, or a NUL that
   * ends a frame): the rest of a line cut at the limit must end where it ends when the
   * whole line comes in one chunk, and a bad length resyncs the same way.
   */
  private discard(chunk: Buffer, pos: number, end: number): number {
    if (this.nulPending) {
      this.nulPending = false;
      if (nulEndsFrame(chunk[pos] ?? 0)) {
        this.state = START;
        return pos;
      }
    }
    const k = this.terminator(chunk, pos, end);
    if (k >= 0) {
      this.state = START;
      return k + 1;
    }
    this.nulPending = k === -2;
    return end;
  }

  private cut(): void {
    this.errors++;
    this.truncated++;
  }

  private emitLine(line: Buffer, out: Buffer[]): void {
    this.state = START;
    let frame = line;
    if (frame.length > this.maxFrameBytes) {
      this.cut();
      frame = frame.subarray(0, this.maxFrameBytes);
    }
    frame = trimEnd(frame);
    if (frame.length > 0) out.push(frame);
  }

  /** Copy chunk[from, to) into the pending storage, which grows by doubling up to `cap`. */
  private append(chunk: Buffer, from: number, to: number, cap: number): void {
    const n = to - from;
    const needed = this.pendLen + n;
    if (!this.pend || this.pend.length < needed) {
      const size = Math.min(cap, Math.max(needed, 2 * (this.pend?.length ?? 0), 1024));
      const grown = Buffer.allocUnsafe(Math.max(size, needed));
      if (this.pend) this.pend.copy(grown, 0, 0, this.pendLen);
      this.pend = grown;
    }
    chunk.copy(this.pend, this.pendLen, from, to);
    this.pendLen = needed;
  }

  /** The pending bytes as a frame; the storage goes with it (never reused under a caller's view). */
  private takePending(): Buffer {
    const frame = this.pend ? this.pend.subarray(0, this.pendLen) : Buffer.alloc(0);
    this.pend = null;
    this.pendLen = 0;
    return frame;
  }
}

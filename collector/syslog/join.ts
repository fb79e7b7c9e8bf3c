/**
 * Docker's syslog driver cuts container lines longer than 16 KiB into pieces of exactly
 * 16384 bytes and sends each as its own message, unmarked (the copier's partial-message
 * metadata is dropped by this driver). A 40000-byte line arrives as 16384 + 16384 + 7232.
 * A line of exactly 16384 bytes arrives alone: its empty remainder is never sent.
 *
 * This joins them back: a message whose MSG is exactly 16384 bytes is held, and the
 * following messages from the same sender (host, tag, pid, priority: stdout and stderr
 * of one container are split separately) are appended until one shorter than 16384 ends
 * the line, or nothing has come for `timeoutMs`, or the line reached `maxBytes`. Joining
 * works on the received bytes, since a cut may fall inside a UTF-8 character.
 *
 * Pure: the caller passes the time and calls tick(); no timers here.
 */
import type { SyslogMessage } from './message.js';

/** Docker's copier buffer (daemon/logger/copier.go bufSize). */
export const DOCKER_SPLIT_BYTES = 16 * 1024;

export interface JoinerOptions {
  /** Emit a held line when no part has come for this long. */
  timeoutMs: number;
  /** Emit a line once it holds this many bytes; the rest starts a new line. */
  maxBytes: number;
  /**
   * Bound on senders with a line held; past it the oldest is emitted. Default 1024.
   * Memory held is at most maxPending x maxBytes.
   */
  maxPending?: number;
  emit: (m: SyslogMessage) => void;
}

interface Pending {
  first: SyslogMessage;
  parts: Buffer[];
  bytes: number;
  lastAt: number;
}

function keyOf(m: SyslogMessage): string {
  return `${m.hostname ?? ''}\u0000${m.appName ?? ''}\u0000${m.procId ?? ''}\u0000${m.pri ?? ''}`;
}

export class SyslogLineJoiner {
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxPending: number;
  private readonly emit: (m: SyslogMessage) => void;

  constructor(opts: JoinerOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.maxBytes = opts.maxBytes;
    this.maxPending = opts.maxPending ?? 1024;
    this.emit = opts.emit;
  }

  /** Lines being held. */
  get size(): number {
    return this.pending.size;
  }

  push(m: SyslogMessage, now: number): void {
    const key = keyOf(m);
    const held = this.pending.get(key);
    const isPiece = m.messageBytes.length === DOCKER_SPLIT_BYTES;
    if (!held) {
      if (!isPiece) {
        this.emit(m);
        return;
      }
      this.hold(key, m, now);
      return;
    }
    if (held.bytes + m.messageBytes.length > this.maxBytes) {
      this.release(key, held);
      this.push(m, now);
      return;
    }
    held.parts.push(isPiece ? Buffer.from(m.messageBytes) : m.messageBytes);
    held.bytes += m.messageBytes.length;
    held.lastAt = now;
    if (!isPiece) this.release(key, held);
  }

  /** Emit every line whose last part came more than timeoutMs before `now`. */
  tick(now: number): void {
    for (const [key, held] of this.pending) {
      if (now - held.lastAt > this.timeoutMs) this.release(key, held);
    }
  }

  /** Emit every held line (shutdown). */
  flushAll(): void {
    for (const [key, held] of this.pending) this.release(key, held);
  }

  private hold(key: string, m: SyslogMessage, now: number): void {
    if (this.pending.size >= this.maxPending) {
      // Map iteration order is insertion order: the first entry is the oldest.
      const oldest = this.pending.entries().next().value;
      if (oldest) this.release(oldest[0], oldest[1]);
    }
    // Held bytes are copied: a view would keep the whole received chunk alive.
    const bytes = Buffer.from(m.messageBytes);
    this.pending.set(key, {
      first: { ...m, messageBytes: bytes },
      parts: [bytes],
      bytes: bytes.length,
      lastAt: now,
    });
  }

  private release(key: string, held: Pending): void {
    this.pending.delete(key);
    if (held.parts.length === 1) {
      this.emit(held.first);
      return;
    }
    const bytes = Buffer.concat(held.parts, held.bytes);
    // The first part's header (time, host, tag) stands for the whole line.
    this.emit({
      ...held.first,
      message: bytes.toString('utf8'),
      messageBytes: bytes,
      joined: held.parts.length,
    });
  }
}

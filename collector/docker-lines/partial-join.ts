/**
 * Joins Docker's partial lines. A line over 16 KiB arrives as parts marked
 * `partial_message`, `partial_id`, `partial_ordinal` (1, 2, ...) and `partial_last`; every
 * part carries the first part's time; the last part may be empty; if the container dies
 * mid-line the last part never comes (moby daemon/logger/fluentd/fluentd.go).
 *
 * Parts wait here in memory, bounded in bytes, count and time. Because a client using
 * acks waits for each part's ack before it sends the next, a part is acked before its
 * line is complete; so every waiting part is also *stashed* (written durably by the
 * writer with the part's request) and the joined line *claims* the stash when it is
 * written. Pure: time is passed in, the caller runs the clock.
 */
import type { LogRecord } from '../../core/record.js';
import type { PartialInfo } from '../forward/forward-record.js';
import { cleanBytes } from '../../core/normalize/text.js';

export interface JoinLimits {
  timeoutMs: number;
  /** Longest joined line in UTF-8 bytes; past it the line is written in pieces. */
  maxBytes: number;
  /** Lines waiting at once; past it the oldest is written unfinished. */
  maxPending: number;
}

/** A finished (or given-up) line, and the stash key it replaces. */
export interface JoinedLine {
  record: LogRecord;
  /** Set when earlier parts of this line were stashed. */
  claim: string | null;
}

export interface JoinResult {
  /** This part must be stashed (under `key`) with its request. */
  stash: { key: string; ordinal: number } | null;
  done: JoinedLine[];
}

interface Pending {
  key: string;
  first: LogRecord;
  /** Part bytes by ordinal: joined before decoding, as a cut may split a character. */
  parts: Map<number, Buffer>;
  bytes: number;
  since: number;
  piece: number;
  stashed: boolean;
}

export class PartialJoiner {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly limits: JoinLimits) {}

  get size(): number {
    return this.pending.size;
  }

  static keyOf(record: LogRecord, partial: PartialInfo): string {
    return `${record.containerId ?? record.tag ?? ''}/${partial.id}`;
  }

  /** `raw`: the part's exact bytes when it came as bytes (else its text is used). */
  add(record: LogRecord, partial: PartialInfo, now: number, raw: Buffer | null = null): JoinResult {
    const key = PartialJoiner.keyOf(record, partial);
    const done: JoinedLine[] = [];
    let p = this.pending.get(key);
    if (!p) {
      if (partial.last && partial.ordinal <= 1) {
        // A "partial" line in one part: nothing to join.
        return { stash: null, done: [{ record, claim: null }] };
      }
      if (this.pending.size >= this.limits.maxPending) done.push(...this.evictOldest());
      p = { key, first: record, parts: new Map(), bytes: 0, since: now, piece: 0, stashed: false };
      this.pending.set(key, p);
    }
    if (p.parts.has(partial.ordinal)) {
      // A resent part (a client retrying an unacked request): already held.
      return { stash: null, done };
    }
    const bytes = raw ?? Buffer.from(record.message, 'utf8');
    p.parts.set(partial.ordinal, bytes);
    p.bytes += bytes.length;
    if (partial.last) {
      this.pending.delete(key);
      done.push(this.finish(p, false));
      return { stash: null, done };
    }
    if (p.bytes > this.limits.maxBytes) {
      done.push(this.finish(p, false, true));
      p.parts.clear();
      p.bytes = 0;
      p.piece++;
      // The piece written above claimed the stash; what follows starts a new one.
      p.stashed = false;
      return { stash: null, done };
    }
    p.stashed = true;
    return { stash: { key, ordinal: partial.ordinal }, done };
  }

  /** Lines whose last part did not come in time, written unfinished. */
  expire(now: number): JoinedLine[] {
    const out: JoinedLine[] = [];
    for (const p of this.pending.values()) {
      if (now - p.since < this.limits.timeoutMs) break; // Map keeps insertion order
      this.pending.delete(p.key);
      out.push(this.finish(p, true));
    }
    return out;
  }

  /** Everything waiting, unfinished (shutdown). */
  drain(): JoinedLine[] {
    const out = [...this.pending.values()].map((p) => this.finish(p, true));
    this.pending.clear();
    return out;
  }

  private evictOldest(): JoinedLine[] {
    const oldest = this.pending.values().next();
    if (oldest.done) return [];
    this.pending.delete(oldest.value.key);
    return [this.finish(oldest.value, true)];
  }

  private finish(p: Pending, unfinished: boolean, piece = false): JoinedLine {
    const ordinals = [...p.parts.keys()].sort((a, b) => a - b);
    const joined = Buffer.concat(ordinals.map((o) => p.parts.get(o)!));
    const text = cleanBytes(joined);
    const { raw_base64: _partRaw, ...firstAttrs } = p.first.attrs ?? {};
    const record: LogRecord = {
      ...p.first,
      message: text.text,
      attrs: { ...firstAttrs, partial_parts: ordinals.length },
    };
    if (text.lossy) record.attrs!.raw_base64 = joined.toString('base64');
    if (unfinished) record.attrs!.partial_unfinished = true;
    if (piece || p.piece > 0) record.attrs!.partial_piece = p.piece + 1;
    return { record, claim: p.stashed ? p.key : null };
  }
}

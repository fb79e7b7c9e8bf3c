/**
 * One entry of a Docker log file, as the json-file and local drivers store it (moby
 * daemon/logger/jsonfilelog, daemon/logger/local), and the time format json-file writes.
 *
 * Both drivers store what Docker's copier (moby daemon/logger/copier.go) cut from the
 * container's output: a line, or a part of a line over 16 KiB. Every part carries the
 * time of the line's first part.
 */

/** Partial-line metadata as the local driver stores it (PartialLogEntryMetadata). */
export interface StoredPartial {
  id: string;
  ordinal: number;
  last: boolean;
}

export interface DockerEntry {
  /** `stdout` or `stderr` (as stored; '' when absent). */
  stream: string;
  sec: number;
  nsec: number;
  /** The text without the newline json-file appends to a line's end. */
  line: Buffer;
  /**
   * json-file: whether the stored text ended in a newline, i.e. this entry ends a line
   * (moby jsonfilelog marshalMessage appends one unless the entry is a non-last part).
   */
  newline: boolean;
  /** local: the stored partial metadata (null for a whole line); json-file: always null. */
  partial: StoredPartial | null;
  /** json-file's `attrs` (its `labels`, `env` and `tag` options), or null. */
  attrs: Record<string, string> | null;
  /** Byte range in the (decompressed) file. */
  start: number;
  end: number;
}

/** An entry that could not be read: skipped, counted and reported with its place. */
export interface BadEntry {
  start: number;
  end: number;
  reason: string;
}

export interface ReadResult {
  entries: DockerEntry[];
  bad: BadEntry[];
}

/** A push parser over one file's bytes (cut anywhere): json-file.ts, local-file.ts. */
export interface EntryReader {
  push(chunk: Buffer): ReadResult;
  /** The offset just past the last whole entry: where the unread tail begins. */
  readonly offset: number;
  /** Bytes of an entry begun and not ended (a torn line, or one still being written). */
  readonly pendingBytes: number;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

let cachedPrefix = '';
let cachedSec = 0;

/** Nanoseconds from `s[from, to)`: 1 to 9 digits, right-padded; -1 if not. */
function fraction(s: string, from: number, to: number): number {
  const len = to - from;
  if (len < 1 || len > 9) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v * 10 ** (9 - len);
}

/**
 * `2026-12-07T14:18:13.73584521Z` (Go's RFC3339Nano, trailing zeros dropped) to seconds
 * and nanoseconds; null if it is not RFC 3339. Entries written in the same second share
 * their first 19 characters, whose conversion is cached: then only the fraction is read.
 */
export function parseRfc3339(s: string): { sec: number; nsec: number } | null {
  const n = s.length;
  if (
    n >= 20 &&
    s.charCodeAt(n - 1) === 0x5a &&
    s.startsWith(cachedPrefix) &&
    cachedPrefix !== ''
  ) {
    if (n === 20) return { sec: cachedSec, nsec: 0 };
    if (s.charCodeAt(19) === 0x2e) {
      const nsec = fraction(s, 20, n - 1);
      if (nsec >= 0) return { sec: cachedSec, nsec };
    }
  }
  const m = RFC3339.exec(s);
  if (!m) return null;
  const frac = m[7] ?? '';
  const nsec = frac === '' ? 0 : Number(frac.padEnd(9, '0'));
  const zone = m[8]!;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 60) return null;
  const date = new Date(0);
  date.setUTCFullYear(y!, mo! - 1, d!);
  date.setUTCHours(h!, mi!, se!, 0);
  if (date.getUTCDate() !== d) return null; // 31 February and the like
  let sec = Math.floor(date.getTime() / 1000);
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    sec -= sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  } else {
    // Only UTC times take the fast path (their second is all of the first 19 characters).
    cachedPrefix = s.slice(0, 19);
    cachedSec = sec;
  }
  return { sec, nsec };
}

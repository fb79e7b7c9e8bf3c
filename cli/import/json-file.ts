/**
 * Docker's json-file log (moby daemon/logger/jsonfilelog): one JSON object per line,
 *
 *   {"log":"hello\n","stream":"stdout","attrs":{...},"time":"2026-12-07T14:18:13.728699395Z"}
 *
 * `log` ends in "\n" unless the entry is a non-last part of a line over 16 KiB; `attrs`
 * holds what the json-file `labels`, `env` and `tag` options add; `time` is RFC 3339
 * with up to nine fraction digits. Docker writes each entry with one write(2), so only a
 * crash leaves a torn line; the last line of a running container's file may also be
 * mid-write when read. Neither is taken: `offset` stays at its start.
 *
 * A pure push parser: bytes in (cut anywhere), entries out. A line that is not such an
 * entry is reported and skipped, never fatal. Docker's encoder writes only valid UTF-8
 * (it stores an invalid byte as \ufffd); a line holding raw invalid bytes anyway keeps
 * them in `line`, byte for byte, as the fluentd driver would have sent them.
 */
import { isUtf8 } from 'node:buffer';
import { parseRfc3339, type DockerEntry, type EntryReader, type ReadResult } from './entry.js';

/** Longest line taken: Docker's are at most 16 KiB of text, six bytes a byte escaped, plus attrs. */
export const MAX_JSON_LINE_BYTES = 4 * 1024 * 1024;

const NL = 0x0a;

export class JsonFileReader implements EntryReader {
  /** The start of a line whose newline has not come yet, in the pieces it came in. */
  private rest: Buffer[] | null = null;
  private restLen = 0;
  /** Offset of that line's first byte: just past the last whole line. */
  private at: number;
  /** A line over MAX_JSON_LINE_BYTES is skipped up to its newline, counting, not keeping. */
  private discarding = false;
  private skipped = 0;

  constructor(startOffset = 0) {
    this.at = startOffset;
  }

  get offset(): number {
    return this.at;
  }

  get pendingBytes(): number {
    return this.discarding ? this.skipped : this.restLen;
  }

  push(chunk: Buffer): ReadResult {
    const out: ReadResult = { entries: [], bad: [] };
    let from = 0;
    if (this.rest !== null || this.discarding) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.hold(chunk);
        return out;
      }
      if (this.discarding) {
        this.skip(this.skipped + nl, out);
        this.discarding = false;
        this.skipped = 0;
      } else {
        const line = Buffer.concat([...this.rest!, chunk.subarray(0, nl)]);
        this.rest = null;
        this.restLen = 0;
        this.take(line, 0, line.length, out);
      }
      from = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(NL, from);
      if (nl < 0) break;
      this.take(chunk, from, nl, out);
      from = nl + 1;
    }
    if (from < chunk.length) this.hold(chunk.subarray(from));
    return out;
  }

  /** Keeps the start of a line until its newline comes (bounded). */
  private hold(bytes: Buffer): void {
    if (this.discarding) {
      this.skipped += bytes.length;
      return;
    }
    const len = this.restLen + bytes.length;
    if (len > MAX_JSON_LINE_BYTES) {
      this.discarding = true;
      this.skipped = len;
      this.rest = null;
      this.restLen = 0;
      return;
    }
    // A copy: the caller's chunk buffers are not ours to keep.
    (this.rest ??= []).push(Buffer.from(bytes));
    this.restLen = len;
  }

  /** A line of `len` bytes (and its newline) not taken. */
  private skip(len: number, out: ReadResult): void {
    out.bad.push({ start: this.at, end: this.at + len + 1, reason: 'line longer than 4 MiB' });
    this.at += len + 1;
  }

  /** One line, `buf[s, e)` without its newline. */
  private take(buf: Buffer, s: number, e: number, out: ReadResult): void {
    if (e - s > MAX_JSON_LINE_BYTES) return this.skip(e - s, out);
    const start = this.at;
    const end = start + (e - s) + 1;
    this.at = end;
    const r = parseJsonEntry(buf, s, e);
    if (typeof r === 'string') out.bad.push({ start, end, reason: r });
    else {
      r.start = start;
      r.end = end;
      out.entries.push(r);
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One json-file line (without its newline) as an entry, or why it is not one. */
export function parseJsonEntry(buf: Buffer, s: number, e: number): DockerEntry | string {
  if (e === s) return 'empty line';
  const raw = buf.subarray(s, e);
  const valid = isUtf8(raw);
  let v: unknown;
  try {
    v = JSON.parse(valid ? raw.toString('utf8') : surrogateEscape(raw));
  } catch {
    return 'not JSON';
  }
  if (!isObject(v)) return 'not a JSON object';
  const { log, stream, time, attrs } = v;
  if (typeof log !== 'string' || log === '') return 'no "log" text';
  if (stream !== undefined && typeof stream !== 'string') return '"stream" is not a string';
  if (typeof time !== 'string') return 'no "time"';
  const t = parseRfc3339(time);
  if (t === null) return `"time" is not RFC 3339: ${time.slice(0, 40)}`;
  let a: Record<string, string> | null = null;
  if (attrs !== undefined) {
    if (!isObject(attrs)) return '"attrs" is not an object';
    a = {};
    for (const [k, x] of Object.entries(attrs)) if (typeof x === 'string') a[k] = x;
  }
  const newline = log.endsWith('\n');
  const text = newline ? log.slice(0, -1) : log;
  return {
    stream: stream ?? '',
    sec: t.sec,
    nsec: t.nsec,
    line: valid ? Buffer.from(text, 'utf8') : surrogateUnescape(text),
    newline,
    partial: null,
    attrs: a,
    start: 0,
    end: 0,
  };
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 if the byte there starts none. */
function utf8Length(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (j: number) => i + j < b.length && (b[i + j]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xe0 && c1 < 0xa0) return 0;
    if (c === 0xed && c1 > 0x9f) return 0; // UTF-16 surrogates
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 > 0x8f) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The line as text where each byte that is not valid UTF-8 becomes the JSON escape of a
 * lone low surrogate, U+DC80..U+DCFF (Python's "surrogateescape"): JSON.parse keeps it,
 * and surrogateUnescape turns it back into that byte. Outside a string it is not JSON.
 */
function surrogateEscape(raw: Buffer): string {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < raw.length;) {
    const n = utf8Length(raw, i);
    if (n > 0) {
      i += n;
      continue;
    }
    parts.push(raw.toString('utf8', from, i), `\\udc${raw[i]!.toString(16).padStart(2, '0')}`);
    i++;
    from = i;
  }
  parts.push(raw.toString('utf8', from));
  return parts.join('');
}

const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/g;

function surrogateUnescape(text: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const m of text.matchAll(ESCAPED_BYTE)) {
    parts.push(
      Buffer.from(text.slice(from, m.index), 'utf8'),
      Buffer.of(m[0].charCodeAt(0) - 0xdc00),
    );
    from = m.index + 1;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

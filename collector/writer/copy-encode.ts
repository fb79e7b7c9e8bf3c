/**
 * Records to PostgreSQL COPY text format (PostgreSQL docs, "COPY", "Text Format"):
 * one line per row, columns separated by tab, `\N` for NULL, and backslash, tab,
 * newline and carriage return escaped. This runs once per event on the ingest path,
 * so time formatting is cached per second and escaping is skipped when not needed.
 */
import type { LogRecord } from '../../core/record.js';

/** Column order of every COPY into `logs`; the writer's COPY statement names these. */
export const COPY_COLUMNS = [
  'id',
  'ts',
  'ts_ns',
  'received_at',
  'source',
  'host',
  'container_id',
  'container_name',
  'stream',
  'tag',
  'app',
  'project',
  'service',
  'severity',
  'facility',
  'message',
  'attrs',
] as const;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPE_MAP: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function esc(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPES, (c) => ESCAPE_MAP[c]!) : s;
}

function text(s: string | null): string {
  return s === null ? '\\N' : esc(s);
}

/** PostgreSQL timestamptz spans 4713 BC..294276 AD; JS Date and ISO text, years 0..9999 here. */
export const MIN_TS_SEC = -62135596800; // 0001-01-01T00:00:00Z
export const MAX_TS_SEC = 253402300799; // 9999-12-31T23:59:59Z

/**
 * `YYYY-MM-DD HH:MM:SS` for whole seconds. Consecutive events share a second, so each
 * caller keeps its own one-entry cache (event times and arrival times interleave).
 */
class SecondCache {
  private sec = NaN;
  private text = '';

  prefix(sec: number): string {
    if (sec !== this.sec) {
      this.sec = sec;
      this.text = new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ');
    }
    return this.text;
  }
}

const eventSeconds = new SecondCache();
const arrivalSeconds = new SecondCache();

function pad6(n: number): string {
  return n < 100000 ? String(n).padStart(6, '0') : String(n);
}

/** A UTC timestamp with microseconds; nanoseconds below the microsecond go to `ts_ns`. */
export function formatTs(sec: number, nano: number, cache = eventSeconds): string {
  return `${cache.prefix(sec)}.${pad6(Math.floor(nano / 1000))}+00`;
}

export function formatMs(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return formatTs(sec, (ms - sec * 1000) * 1_000_000, arrivalSeconds);
}

export function encodeRow(id: number, r: LogRecord): string {
  const attrs = r.attrs === null ? '\\N' : esc(JSON.stringify(r.attrs));
  return (
    `${id}\t${formatTs(r.tsSec, r.tsNano)}\t${r.tsNano % 1000}\t${formatMs(r.receivedAt)}\t${r.source}\t` +
    `${text(r.host)}\t${text(r.containerId)}\t${text(r.containerName)}\t${text(r.stream)}\t` +
    `${text(r.tag)}\t${text(r.app)}\t${text(r.project)}\t${text(r.service)}\t` +
    `${r.severity === null ? '\\N' : r.severity}\t${r.facility === null ? '\\N' : r.facility}\t` +
    `${esc(r.message)}\t${attrs}\n`
  );
}

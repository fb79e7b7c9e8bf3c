/**
 * The one record every source is normalized into (docs/architecture.md, "The record").
 * Collectors build `LogRecord`; the writer turns it into a row; the API reads rows back
 * as `StoredRecord` JSON with the same snake_case names.
 */

export type Source = 'forward' | 'syslog';
export type Stream = 'stdout' | 'stderr';

/** JSON-safe value kept in `attrs` (normalization guarantees no bigint, NaN or Buffer). */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue };
export type Attrs = { [k: string]: AttrValue };

export interface LogRecord {
  /** Event time: whole seconds since the epoch (may be negative or far future; never refused). */
  tsSec: number;
  /** Nanoseconds within `tsSec`, 0..999_999_999. */
  tsNano: number;
  /** Arrival time, ms since the epoch. */
  receivedAt: number;
  source: Source;
  host: string | null;
  containerId: string | null;
  /** Without Docker's leading slash. */
  containerName: string | null;
  stream: Stream | null;
  tag: string | null;
  app: string | null;
  project: string | null;
  service: string | null;
  /** Syslog severity 0 (emerg) .. 7 (debug). */
  severity: number | null;
  facility: number | null;
  /** Clean text: valid UTF-8, no NUL (PostgreSQL text cannot hold it). */
  message: string;
  attrs: Attrs | null;
}

/** A record as stored and served: `ts` is RFC 3339 with nanoseconds. */
export interface StoredRecord {
  id: string;
  ts: string;
  received_at: string;
  source: Source;
  host: string | null;
  container_id: string | null;
  container_name: string | null;
  stream: Stream | null;
  tag: string | null;
  app: string | null;
  project: string | null;
  service: string | null;
  severity: number | null;
  facility: number | null;
  message: string;
  attrs: Attrs | null;
}

/**
 * The event times a record may hold: PostgreSQL timestamptz spans 4713 BC..294276 AD, JS
 * Date and ISO text years 0..9999; the writer clamps a time outside and keeps the
 * original in attrs.
 */
export const MIN_TS_SEC = -62135596800; // 0001-01-01T00:00:00Z
export const MAX_TS_SEC = 253402300799; // 9999-12-31T23:59:59Z

/** Event time in ms, rounded down (the lower end of a range covering the row's µs time). */
export function recordMs(r: LogRecord): number {
  return r.tsSec * 1000 + Math.floor(r.tsNano / 1_000_000);
}

/**
 * The upper end of a time range whose greatest `recordMs` is `ms`: +1 ms, as a row's time
 * has microseconds the ms value dropped (never past the latest time a row may have).
 */
export function maxEventMs(ms: number): number {
  return Math.min(ms + 1, MAX_TS_SEC * 1000 + 999);
}

/** Syslog severities (RFC 5424 section 6.2.1), index = numeric value. */
export const SEVERITY_NAMES = [
  'emerg',
  'alert',
  'crit',
  'error',
  'warning',
  'notice',
  'info',
  'debug',
] as const;

/** An empty record with the given time and source; callers fill in what they know. */
export function newRecord(
  source: Source,
  tsSec: number,
  tsNano: number,
  message: string,
): LogRecord {
  return {
    tsSec,
    tsNano,
    receivedAt: Date.now(),
    source,
    host: null,
    containerId: null,
    containerName: null,
    stream: null,
    tag: null,
    app: null,
    project: null,
    service: null,
    severity: null,
    facility: null,
    message,
    attrs: null,
  };
}

/** Times PostgreSQL (and JS dates) cannot hold are clamped; the original is kept in attrs. */
export function clampTime(r: LogRecord): void {
  if (r.tsSec >= MIN_TS_SEC && r.tsSec <= MAX_TS_SEC && Number.isFinite(r.tsSec)) return;
  r.attrs = { ...r.attrs, original_time: r.tsSec };
  r.tsSec = Number.isFinite(r.tsSec) && r.tsSec > 0 ? MAX_TS_SEC : MIN_TS_SEC;
  r.tsNano = 0;
}

/**
 * The one record every source is normalized into (DESIGN.md, "The record").
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

/**
 * Runtime guards for everything the API sends (docs/architecture.md, "The API"). Nothing that came
 * off the wire is cast: each shape is checked field by field, and a record that does not
 * fit is skipped rather than half-rendered.
 */
import type { Attrs, Source, StoredRecord, Stream } from '../../core/record.js';

export type LogRecord = StoredRecord;

export interface LogsPage {
  records: LogRecord[];
  nextCursor: string | null;
}

export interface HistogramBucket {
  /** Start time in ms since the epoch. */
  start: number;
  count: number;
  /** Count per group key (`by=level|container`); absent from a plain histogram. */
  groups?: Record<string, number>;
}

export interface HistogramData {
  /** Ascending by start. */
  buckets: HistogramBucket[];
  intervalMs: number;
  /**
   * The group keys in the API's order when it split the counts (`by=level`: severity
   * names and "none"; `by=container`: the top names and "other"), else null.
   */
  groups?: string[] | null;
}

/** Docker's view of a container, when logharbor can read the Docker socket. */
export type ContainerState = 'running' | 'exited' | 'restarting' | 'paused' | 'created' | 'dead';

export const CONTAINER_STATES: readonly ContainerState[] = [
  'running',
  'exited',
  'restarting',
  'paused',
  'created',
  'dead',
];

export interface ContainerInfo {
  /** What the page shows and filters on: the name, or the short id when the name is unknown. */
  containerName: string;
  /** False when only the id is known (`container_name` null): containerName is its 12 first digits. */
  named: boolean;
  /** The Docker engine's name for it, when logharbor reads the Docker socket. */
  dockerName: string | null;
  containerId: string | null;
  project: string | null;
  service: string | null;
  /** Lines in the range asked (`count_in_range`), or ever when no range was asked. */
  count: number;
  lastSeen: string | null;
  state: ContainerState | null;
  restarts: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ListenerHealth {
  listener: string;
  protocol: string;
  transport: string;
  address: string;
  connections: number;
  received: number;
  errors: number;
  dropped: number;
  lastError: string | null;
  ratePerS: number;
}

/**
 * One collector's spool and the store behind it (core/collector-status.ts), with the
 * server's sentence for a person when the store lags (`lag`, null while it keeps up).
 */
export interface CollectorHealth {
  spoolId: string;
  host: string;
  pid: number | null;
  spoolBytes: number;
  spoolMaxBytes: number;
  /** Requests in the spool not yet stored in PostgreSQL. */
  waiting: number;
  oldestWaitingS: number;
  drainPerS: number;
  full: boolean;
  fullReason: string | null;
  /** Since when writes to PostgreSQL fail (RFC 3339), or null. */
  postgresDownSince: string | null;
  postgresError: string | null;
  sync: string;
  ackAfter: string;
  lag: string | null;
}

export interface SourcesData {
  listeners: ListenerHealth[];
  /** Empty from an API older than the spool. */
  collectors: CollectorHealth[];
}

export interface ApiErrorBody {
  code: string;
  message: string;
  column: number | null;
}

export type TailMessage =
  | { type: 'records'; records: LogRecord[] }
  | { type: 'dropped'; count: number }
  | { type: 'error'; error: ApiErrorBody };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optStr(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function intIn(v: unknown, lo: number, hi: number): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : null;
}

/** Record ids are PostgreSQL bigints sent as decimal text. */
const ID = /^\d{1,20}$/;

export function isId(v: unknown): v is string {
  return typeof v === 'string' && ID.test(v);
}

/** Numeric order of two decimal id strings without leading zeros (they exceed 2^53). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The value came from JSON.parse, so every nested value is already a JSON value and
 * therefore an AttrValue: checking the top level is a complete check.
 */
function attrs(v: unknown): Attrs | null {
  return isObj(v) ? (v as Attrs) : null;
}

function source(v: unknown): Source | null {
  return v === 'forward' || v === 'syslog' ? v : null;
}

function stream(v: unknown): Stream | null {
  return v === 'stdout' || v === 'stderr' ? v : null;
}

export function toRecord(v: unknown): LogRecord | null {
  if (!isObj(v) || !isId(v.id) || typeof v.ts !== 'string' || typeof v.message !== 'string') {
    return null;
  }
  const src = source(v.source);
  if (src === null) return null;
  return {
    id: v.id,
    ts: v.ts,
    received_at: optStr(v.received_at) ?? v.ts,
    source: src,
    host: optStr(v.host),
    container_id: optStr(v.container_id),
    container_name: optStr(v.container_name),
    stream: stream(v.stream),
    tag: optStr(v.tag),
    app: optStr(v.app),
    project: optStr(v.project),
    service: optStr(v.service),
    severity: intIn(v.severity, 0, 7),
    facility: intIn(v.facility, 0, 23),
    message: v.message,
    attrs: attrs(v.attrs),
  };
}

function records(v: unknown): LogRecord[] | null {
  if (!Array.isArray(v)) return null;
  const out: LogRecord[] = [];
  for (const r of v) {
    const rec = toRecord(r);
    if (rec) out.push(rec);
  }
  return out;
}

export function parseLogsPage(v: unknown): LogsPage | null {
  if (!isObj(v)) return null;
  const recs = records(v.records);
  if (!recs) return null;
  return { records: recs, nextCursor: optStr(v.next_cursor) };
}

export function parseContext(v: unknown): LogRecord[] | null {
  return isObj(v) ? records(v.records) : null;
}

/** Group keys the page draws at most: the API sends the top 10 containers and "other". */
export const MAX_GROUPS = 32;

function groupKeys(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const k of v) {
    if (typeof k !== 'string' || k === '' || k.length > 256 || out.includes(k)) continue;
    out.push(k);
    if (out.length === MAX_GROUPS) break;
  }
  return out;
}

function groupCounts(v: unknown, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObj(v)) return out;
  for (const k of keys) {
    const n = Object.hasOwn(v, k) ? num(v[k]) : null;
    if (n !== null && n > 0) out[k] = n;
  }
  return out;
}

export function parseHistogram(v: unknown): HistogramData | null {
  if (!isObj(v) || !Array.isArray(v.buckets)) return null;
  const intervalMs = num(v.interval_ms);
  if (intervalMs === null || intervalMs <= 0) return null;
  const groups = groupKeys(v.groups);
  const buckets: HistogramBucket[] = [];
  for (const b of v.buckets) {
    if (!isObj(b) || typeof b.start !== 'string') continue;
    const start = Date.parse(b.start);
    const count = num(b.count);
    if (Number.isNaN(start) || count === null || count < 0) continue;
    buckets.push(
      groups ? { start, count, groups: groupCounts(b.groups, groups) } : { start, count },
    );
  }
  buckets.sort((a, b) => a.start - b.start);
  return { buckets, intervalMs, groups };
}

function containerState(v: unknown): ContainerState | null {
  return CONTAINER_STATES.find((s) => s === v) ?? null;
}

export function parseContainers(v: unknown): ContainerInfo[] | null {
  if (!isObj(v) || !Array.isArray(v.containers)) return null;
  const out: ContainerInfo[] = [];
  for (const c of v.containers) {
    if (!isObj(c)) continue;
    const name = optStr(c.container_name);
    const id = optStr(c.container_id);
    // Known only by id: shown (and filtered on) as the short id, as `docker ps` prints it.
    const shown =
      name !== null && name !== '' ? name : id !== null && id !== '' ? id.slice(0, 12) : null;
    if (shown === null) continue;
    const restarts = num(c.restarts);
    out.push({
      containerName: shown,
      named: shown === name,
      dockerName: optStr(c.docker_name),
      containerId: id,
      project: optStr(c.project),
      service: optStr(c.service),
      count: num(c.count_in_range) ?? num(c.count) ?? 0,
      lastSeen: optStr(c.last_seen),
      state: containerState(c.state),
      restarts: restarts !== null && restarts >= 0 ? Math.floor(restarts) : null,
      startedAt: optStr(c.started_at),
      finishedAt: optStr(c.finished_at),
    });
  }
  return out;
}

/** A count or size: finite and not negative, else 0. */
function nonNegative(v: unknown): number {
  const n = num(v);
  return n !== null && n >= 0 ? n : 0;
}

/** Text shown to a person, cut to a length no banner or cell needs more of. */
function shortText(v: unknown, max = 500): string | null {
  return typeof v === 'string' && v !== '' ? v.slice(0, max) : null;
}

/** Collectors the page shows at most (one per host of a scale-out, in practice a few). */
export const MAX_COLLECTORS = 64;

function collector(c: unknown): CollectorHealth | null {
  if (!isObj(c) || typeof c.spool_id !== 'string' || c.spool_id === '') return null;
  return {
    spoolId: c.spool_id.slice(0, 200),
    host: shortText(c.host, 200) ?? '',
    pid: intIn(c.pid, 1, Number.MAX_SAFE_INTEGER),
    spoolBytes: nonNegative(c.spool_bytes),
    spoolMaxBytes: nonNegative(c.spool_max_bytes),
    waiting: nonNegative(c.waiting),
    oldestWaitingS: nonNegative(c.oldest_waiting_s),
    drainPerS: nonNegative(c.drain_per_s),
    full: c.full === true,
    fullReason: shortText(c.full_reason),
    postgresDownSince:
      typeof c.postgres_down_since === 'string' && !Number.isNaN(Date.parse(c.postgres_down_since))
        ? c.postgres_down_since
        : null,
    postgresError: shortText(c.postgres_error),
    sync: shortText(c.sync, 40) ?? '',
    ackAfter: shortText(c.ack_after, 40) ?? '',
    lag: shortText(c.lag),
  };
}

function collectors(v: unknown): CollectorHealth[] {
  const out: CollectorHealth[] = [];
  if (!Array.isArray(v)) return out;
  for (const c of v) {
    const parsed = collector(c);
    if (parsed) out.push(parsed);
    if (out.length === MAX_COLLECTORS) break;
  }
  return out;
}

export function parseSources(v: unknown): SourcesData | null {
  if (!isObj(v) || !Array.isArray(v.listeners)) return null;
  const out: ListenerHealth[] = [];
  for (const l of v.listeners) {
    if (!isObj(l) || typeof l.listener !== 'string') continue;
    out.push({
      listener: l.listener,
      protocol: optStr(l.protocol) ?? '',
      transport: optStr(l.transport) ?? '',
      address: optStr(l.address) ?? '',
      connections: num(l.connections) ?? 0,
      received: num(l.received) ?? 0,
      errors: num(l.errors) ?? 0,
      dropped: num(l.dropped) ?? 0,
      lastError: optStr(l.last_error),
      ratePerS: num(l.rate_per_s) ?? 0,
    });
  }
  return { listeners: out, collectors: collectors(v.collectors) };
}

/** `{"error": {"code", "message", "column"?}}`, or the bare inner object as the tail sends it. */
export function parseErrorBody(v: unknown): ApiErrorBody | null {
  const e = isObj(v) && isObj(v.error) ? v.error : v;
  if (!isObj(e) || typeof e.code !== 'string') return null;
  return {
    code: e.code,
    message: typeof e.message === 'string' ? e.message : e.code,
    column: intIn(e.column, 1, Number.MAX_SAFE_INTEGER),
  };
}

export function parseTailMessage(text: string): TailMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(v)) return null;
  if (v.type === 'records') {
    const recs = records(v.records);
    return recs ? { type: 'records', records: recs } : null;
  }
  if (v.type === 'dropped') {
    const count = intIn(v.count, 0, Number.MAX_SAFE_INTEGER);
    return count === null ? null : { type: 'dropped', count };
  }
  if (v.type === 'error') {
    const error = parseErrorBody(v);
    return error ? { type: 'error', error } : null;
  }
  return null;
}

/**
 * A committed `LogRecord` and its id as the `StoredRecord` the database would give back
 * for that row (api/record-sql.ts), character for character once JSON-encoded, so a live
 * record and the same record read in a backlog or a search are the same JSON:
 *   - `ts`: the writer stores microseconds in `ts` and the rest in `ts_ns`
 *     (collector/writer/copy-binary.ts); SQL prints both, UTC, with a `Z`.
 *   - `received_at`: milliseconds stored as microseconds, printed with six digits.
 *   - `attrs`: jsonb keeps object keys shorter-first, then bytewise (PostgreSQL,
 *     "JSON Types": jsonb does not preserve key order), and numbers round-trip through
 *     their JSON text, so the value is rebuilt that way.
 */
import { setAttr } from './normalize/attrs.js';
import type { AttrValue, Attrs, LogRecord, StoredRecord } from './record.js';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * The last few seconds formatted, by sec & 3: a live batch's records share a handful of
 * event and receive seconds, and a Date plus toISOString per record was a tenth of the
 * live tail's cost at 10,000 events/s (bench/sections/tail.ts, profiled).
 */
const SECOND_KEYS = new Float64Array(4).fill(NaN);
const SECOND_TEXTS: string[] = ['', '', '', ''];

/** `YYYY-MM-DDTHH:MM:SS` of whole seconds since the epoch, UTC (years 1..9999). */
function secondText(sec: number): string {
  const slot = sec & 3;
  if (SECOND_KEYS[slot] === sec) return SECOND_TEXTS[slot]!;
  const text = new Date(sec * 1000).toISOString().slice(0, 19);
  SECOND_KEYS[slot] = sec;
  SECOND_TEXTS[slot] = text;
  return text;
}

/** The SQL's `to_char(ts, '...SS.US') || lpad(ts_ns::text, 3, '0') || 'Z'`. */
export function formatEventTime(sec: number, nano: number): string {
  return `${secondText(sec)}.${pad(Math.floor(nano / 1000), 6)}${pad(nano % 1000, 3)}Z`;
}

/** The SQL's received_at text; the same arithmetic as the writer's (collector/writer/copy-binary.ts). */
export function formatReceivedAt(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const micro = Math.floor(((ms - sec * 1000) * 1_000_000) / 1000);
  return `${secondText(sec)}.${pad(micro, 6)}Z`;
}

const ASCII = /^[\x00-\x7f]*$/;

/** jsonb's key order (jsonb_util.c, lengthCompareJsonbStringValue): UTF-8 length, then bytes. */
function compareKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length !== y.length ? x.length - y.length : Buffer.compare(x, y);
}

function reorder(v: AttrValue): AttrValue {
  if (Array.isArray(v)) return v.map(reorder);
  if (v === null || typeof v !== 'object') return v;
  const out: { [k: string]: AttrValue } = {};
  // setAttr: a key named `__proto__` (a JSON line may have one) stays a key.
  for (const k of Object.keys(v).sort(compareKeys)) setAttr(out, k, reorder(v[k]!));
  return out;
}

/** `attrs` as a jsonb round trip returns it. */
export function asJsonb(attrs: Attrs): Attrs {
  return reorder(JSON.parse(JSON.stringify(attrs)) as AttrValue) as Attrs;
}

/**
 * The JSON text of an attrs value as jsonb gives it back (the key order and number round
 * trip of asJsonb): two values are the same once stored when their texts are equal
 * (core/packs/ compares the fields a line derives with the attrs stored beside it).
 */
export function jsonbText(v: AttrValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  return JSON.stringify(reorder(JSON.parse(JSON.stringify(v)) as AttrValue));
}

export function toStoredRecord(id: number, r: LogRecord): StoredRecord {
  return {
    id: String(id),
    ts: formatEventTime(r.tsSec, r.tsNano),
    received_at: formatReceivedAt(r.receivedAt),
    source: r.source,
    host: r.host,
    container_id: r.containerId,
    container_name: r.containerName,
    stream: r.stream,
    tag: r.tag,
    app: r.app,
    project: r.project,
    service: r.service,
    severity: r.severity,
    facility: r.facility,
    message: r.message,
    attrs: r.attrs === null ? null : asJsonb(r.attrs),
  };
}

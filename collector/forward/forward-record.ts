/**
 * A forward-protocol event to a LogRecord. Docker's fluentd driver sends a record whose
 * values are all strings (docs/architecture.md, "Ingest: the fluentd forward protocol"):
 *   { container_id (64 hex), container_name: "/web", source: "stdout"|"stderr", log,
 *     partial_message?, partial_id?, partial_ordinal?, partial_last?, ...labels/env }
 * Other clients (fluent-logger, Fluent Bit) send any map; its text is `log`, `message`
 * or `msg`, and everything not mapped to a column stays in attrs.
 */
import type { Attrs, LogRecord } from '../../core/record.js';
import { newRecord } from '../../core/record.js';
import { setAttr, toAttrValue } from '../../core/normalize/attrs.js';
import { cleanBytes, cleanString } from '../../core/normalize/text.js';
import { severityOf, structuredOf } from '../../core/normalize/structured-line.js';

/** Where a Docker partial line belongs (moby daemon/logger/fluentd: PartialLogMetaData). */
export interface PartialInfo {
  id: string;
  ordinal: number;
  last: boolean;
}

export interface NormalizedEvent {
  record: LogRecord;
  partial: PartialInfo | null;
  /**
   * The text's exact bytes when it came as bytes (bin, or str that was not valid UTF-8):
   * Docker cuts long lines at byte 16384, which can split a UTF-8 character, so partial
   * parts are joined as bytes before they are decoded.
   */
  raw: Buffer | null;
}

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
const DOCKER_KEYS = new Set([
  'container_id',
  'container_name',
  'source',
  'log',
  'partial_message',
  'partial_id',
  'partial_ordinal',
  'partial_last',
]);
const TEXT_KEYS = ['log', 'message', 'msg'] as const;
const NO_KEYS: ReadonlySet<string> = new Set();

function str(v: unknown): string | null {
  if (typeof v === 'string') return v === '' ? null : cleanString(v);
  if (Buffer.isBuffer(v)) return cleanBytes(v).text || null;
  return null;
}

function textOf(v: unknown, attrs: Attrs): string | null {
  if (typeof v === 'string') return cleanString(v);
  if (Buffer.isBuffer(v)) {
    const c = cleanBytes(v);
    // Invalid UTF-8 was replaced: keep the exact bytes so nothing is lost.
    if (c.lossy) attrs.raw_base64 = v.toString('base64');
    return c.text;
  }
  return null;
}

function partialOf(rec: Record<string, unknown>): PartialInfo | null {
  if (rec.partial_message !== 'true' && rec.partial_message !== true) return null;
  const id = typeof rec.partial_id === 'string' ? rec.partial_id : null;
  const ordinal = Number(rec.partial_ordinal);
  if (!id || !Number.isInteger(ordinal)) return null;
  return { id, ordinal, last: rec.partial_last === 'true' || rec.partial_last === true };
}

export function normalizeForwardEvent(
  tag: string,
  tsSec: number,
  tsNano: number,
  rec: Record<string, unknown>,
  host: string | null,
): NormalizedEvent {
  const attrs: Attrs = {};
  let message: string | null = null;
  let textKey: string | null = null;
  let raw: Buffer | null = null;
  for (const k of TEXT_KEYS) {
    if (k in rec) {
      message = textOf(rec[k], attrs);
      if (message !== null) {
        textKey = k;
        if (Buffer.isBuffer(rec[k])) raw = rec[k];
        break;
      }
    }
  }
  const r = newRecord('forward', tsSec, tsNano, message ?? '');
  r.tag = cleanString(tag);
  r.host = str(rec.host) ?? str(rec.hostname) ?? host;
  r.containerId = str(rec.container_id);
  const name = str(rec.container_name);
  r.containerName = name !== null && name.startsWith('/') ? name.slice(1) : name;
  r.stream = rec.source === 'stdout' || rec.source === 'stderr' ? rec.source : null;
  r.project = str(rec[COMPOSE_PROJECT]);
  r.service = str(rec[COMPOSE_SERVICE]);

  const skip = r.containerId !== null ? DOCKER_KEYS : NO_KEYS;
  for (const k of Object.keys(rec)) {
    if (k === textKey || skip.has(k) || k === 'host' || k === 'hostname') continue;
    if (k === 'source' && r.stream !== null) continue;
    setAttr(attrs, cleanString(k), toAttrValue(rec[k]));
  }
  if (message === null) {
    // No text field: the record itself is the message, as Fluentd's stdout output shows it.
    r.message = JSON.stringify(attrs);
  }
  const structured = structuredOf(r);
  if (structured) {
    for (const [k, v] of Object.entries(structured.fields))
      if (!Object.hasOwn(attrs, k)) setAttr(attrs, k, v);
    r.severity = structured.severity;
  } else {
    r.severity = severityOf(attrs.level ?? attrs.severity);
  }
  r.attrs = Object.keys(attrs).length > 0 ? attrs : null;
  return { record: r, partial: partialOf(rec), raw };
}

/**
 * A parsed syslog message to a LogRecord (docs/architecture.md, "The record"): host, app, severity
 * and facility from the header; Docker's container id, name and stream where the tag
 * and shape say it is Docker's; proc id, msgid and structured data in attrs; a JSON or
 * logfmt message treated as on the forward path (its level wins over the PRI's).
 *
 * Severity (issue 18): Docker's syslog driver writes info (6) for every stdout line and
 * err (3) for every stderr line (docker.ts), so its PRI tells the stream, not a level: a
 * Docker record's severity is the line's own level (JSON or logfmt, read by the forward
 * path's parseStructuredLine), else null; its facility stays. Any other sender chose the
 * PRI's severity: it is kept unless the line names a level. A Docker-shaped message whose
 * severity is neither info nor err gave no stream, so its severity is kept as a level.
 *
 * attrs.syslog_time_invalid: the TIMESTAMP text, as received, of a header whose time
 * names no instant (Sep 31, hour 25, 2026-02-30T...; message.ts invalidTimeText). The
 * record then has the arrival time; `attrs.syslog_time_invalid:*` finds such records.
 */
import type { Attrs, LogRecord } from '../../core/record.js';
import { newRecord } from '../../core/record.js';
import { setAttr, toAttrs } from '../../core/normalize/attrs.js';
import { structuredOf } from '../../core/normalize/structured-line.js';
import { cleanBytes, cleanString } from '../../core/normalize/text.js';
import { dockerFields } from './docker.js';
import type { SyslogMessage } from './message.js';

export function syslogToRecord(m: SyslogMessage, receivedAt: number): LogRecord {
  const text = cleanBytes(m.messageBytes);
  const r: LogRecord = newRecord('syslog', m.tsSec, m.tsNano, text.text);
  r.receivedAt = receivedAt;
  r.host = m.hostname === null ? null : cleanString(m.hostname);
  r.app = m.appName === null ? null : cleanString(m.appName);
  r.tag = r.app;
  r.facility = m.facility;
  const attrs: Attrs = {};
  if (text.lossy) attrs.raw_base64 = m.messageBytes.toString('base64');
  if (m.procId !== null) attrs.pid = cleanString(m.procId);
  if (m.msgId !== null) attrs.msgid = cleanString(m.msgId);
  if (m.structuredData) attrs.sd = toAttrs(m.structuredData);
  if (m.joined) attrs.partial_parts = m.joined;
  if (m.invalidTimeText !== null) attrs.syslog_time_invalid = cleanString(m.invalidTimeText);
  const docker = dockerFields(m);
  if (docker) {
    r.tag = cleanString(docker.tag);
    r.containerId = docker.containerId;
    r.containerName = docker.containerName;
    r.stream = docker.stream;
  }
  const structured = structuredOf(r);
  if (structured) {
    for (const [k, v] of Object.entries(structured.fields))
      if (!Object.hasOwn(attrs, k)) setAttr(attrs, k, v);
  }
  // A PRI that was read as Docker's stream is no level (see above).
  const priIsStream = docker !== null && docker.stream !== null;
  r.severity = structured?.severity ?? (priIsStream ? null : m.severity);
  r.attrs = Object.keys(attrs).length > 0 ? attrs : null;
  return r;
}

/**
 * A parsed syslog message to a LogRecord (DESIGN.md, "The record"): host, app, severity
 * and facility from the header; Docker's container id, name and stream where the tag
 * and shape say it is Docker's; proc id, msgid and structured data in attrs; a JSON or
 * logfmt message treated as on the forward path (its level wins over the PRI's, which
 * for Docker only tells stdout from stderr).
 */
import type { Attrs, LogRecord } from '../../core/record.js';
import { newRecord } from '../../core/record.js';
import { setAttr, toAttrs } from '../normalize/attrs.js';
import { parseStructuredLine } from '../normalize/structured-line.js';
import { cleanBytes, cleanString } from '../normalize/text.js';
import { dockerFields } from './docker.js';
import type { SyslogMessage } from './message.js';

export function syslogToRecord(m: SyslogMessage, receivedAt: number): LogRecord {
  const text = cleanBytes(m.messageBytes);
  const r: LogRecord = newRecord('syslog', m.tsSec, m.tsNano, text.text);
  r.receivedAt = receivedAt;
  r.host = m.hostname === null ? null : cleanString(m.hostname);
  r.app = m.appName === null ? null : cleanString(m.appName);
  r.tag = r.app;
  r.severity = m.severity;
  r.facility = m.facility;
  const attrs: Attrs = {};
  if (text.lossy) attrs.raw_base64 = m.messageBytes.toString('base64');
  if (m.procId !== null) attrs.pid = cleanString(m.procId);
  if (m.msgId !== null) attrs.msgid = cleanString(m.msgId);
  if (m.structuredData) attrs.sd = toAttrs(m.structuredData);
  if (m.joined) attrs.partial_parts = m.joined;
  const docker = dockerFields(m);
  if (docker) {
    r.tag = cleanString(docker.tag);
    r.containerId = docker.containerId;
    r.containerName = docker.containerName;
    r.stream = docker.stream;
  }
  const structured = parseStructuredLine(r.message);
  if (structured) {
    for (const [k, v] of Object.entries(structured.fields))
      if (!Object.hasOwn(attrs, k)) setAttr(attrs, k, v);
    if (structured.severity !== null) r.severity = structured.severity;
  }
  r.attrs = Object.keys(attrs).length > 0 ? attrs : null;
  return r;
}

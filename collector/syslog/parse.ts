/**
 * One syslog message (a datagram or a frame) to a SyslogMessage, whatever its format:
 *
 *   <PRI> then "1 " + date or "-"   -> RFC 5424 (rfc5424.ts)
 *   <PRI> then a BSD or ISO time    -> RFC 3164 (rfc3164.ts)
 *   "1 " + RFC 3339 date, no PRI    -> RFC 5424, PRI, facility and severity null
 *   a BSD or ISO time, no PRI       -> RFC 3164, PRI, facility and severity null
 *   anything else                   -> 'unknown': the text after a valid PRI (or the
 *                                      whole line), arrival time, PRI kept when valid
 *
 * Lines without PRI (RFC 3164 section 4.3.3 has relays expect them) that start with a
 * time carry a header all the same: it is read rather than kept as text. Nothing says
 * what their facility and severity were, so both are null, not the 13 (user.notice) that
 * section has a relay put in.
 *
 * Never throws: every byte sequence yields a message (RFC 3164 section 4.3.3: what
 * cannot be read as a header is content).
 */
import { arrivalTime, splitPri, type ParseContext, type SyslogMessage } from './message.js';
import { parseRfc3164 } from './rfc3164.js';
import { parseRfc5424, rfc5424Version, rfc5424WithoutPri } from './rfc5424.js';
import { readMessage } from './text.js';

export type { ParseContext, SyslogMessage } from './message.js';

/** PRI "<0>".."<191>" at the start (RFC 5424 section 6.2.1): [value, index after '>'] or null. */
function readPri(buf: Buffer, end: number): [number, number] | null {
  if (buf[0] !== 0x3c) return null;
  let v = 0;
  let i = 1;
  while (i < end && i <= 4) {
    const c = buf[i] ?? 0;
    if (c === 0x3e) break;
    const d = c - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
    i++;
  }
  if (i === 1 || i > 4 || buf[i] !== 0x3e || v > 191) return null;
  return [v, i + 1];
}

/** End of the message without the trailing LF, CR and NUL bytes a transport adds. */
function trimmedEnd(buf: Buffer): number {
  let end = buf.length;
  while (end > 0) {
    const c = buf[end - 1];
    if (c !== 0x0a && c !== 0x0d && c !== 0x00) break;
    end--;
  }
  return end;
}

export function parseSyslog(line: Buffer | string, ctx: ParseContext): SyslogMessage {
  const buf = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  const end = trimmedEnd(buf);
  const pri = readPri(buf, end);
  if (pri) {
    const [value, pos] = pri;
    const version = rfc5424Version(buf, pos, end);
    if (version >= 0) return parseRfc5424(buf, pos, end, value, version, ctx);
    const bsd = parseRfc3164(buf, pos, end, value, ctx);
    if (bsd) return bsd;
  } else {
    if (rfc5424WithoutPri(buf, end)) return parseRfc5424(buf, 0, end, null, 1, ctx);
    const bsd = parseRfc3164(buf, 0, end, null, ctx);
    if (bsd) return bsd;
  }
  const [facility, severity] = splitPri(pri ? pri[0] : null);
  const [message, messageBytes] = readMessage(buf, pri ? pri[1] : 0, end);
  const [tsSec, tsNano] = arrivalTime(ctx.receivedAt);
  return {
    pri: pri ? pri[0] : null,
    facility,
    severity,
    version: null,
    format: 'unknown',
    tsSec,
    tsNano,
    hostname: null,
    appName: null,
    procId: null,
    msgId: null,
    structuredData: null,
    message,
    messageBytes,
    timeFromMessage: false,
    invalidTimeText: null,
  };
}

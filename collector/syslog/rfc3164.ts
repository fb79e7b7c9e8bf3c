/**
 * RFC 3164 section 4.1: <PRI>TIMESTAMP SP HOSTNAME SP TAG CONTENT, in the shapes real
 * senders use (section 5.4 examples, Docker, util-linux logger, rsyslog, glibc syslog(3)):
 *
 *   <30>Nov 28 06:23:48 599aea6725e3[29811]: hello    Docker default: no HOSTNAME
 *   <30>Nov 28 06:23:49 vm b7197e388310[29811]: hello Docker rfc3164
 *   <13>Nov 28 06:23:03 vm myapp: hello               logger
 *   <13>2026-11-28T06:23:03.1+01:00 vm myapp: hello   rsyslog, RFC 3339 stamp
 *   <13>Feb  5 17:32:18 10.0.0.99 Use the BFG!        no TAG (section 5.4)
 *   <155>Nov 28 08:15:32 vm app[321] hello             rsyslog relaying RFC 5424: no colon
 *
 *   <132> Apr  4 19:32:33 host  TAG[015]: text       space after PRI, two before TAG
 *   Oct 11 22:14:15 host su: text                     no PRI (severity, facility null)
 *
 * HOSTNAME vs TAG: the first word after the time is a TAG when it ends in "[pid]:", in
 * "[digits]" or in a single ":" (hostnames never do: an IPv6 address has several colons).
 * Otherwise it is the HOSTNAME when it has hostname characters, and the next word may be
 * the TAG. A line with no recognizable time is not RFC 3164 (null; the caller keeps it
 * whole).
 *
 * Section 4.1 separates the header fields by one SP; senders in the wild put runs of
 * spaces or tabs there (a space after the PRI, two before the TAG), so any run of SP or HT
 * separates PRI, TIMESTAMP, HOSTNAME and TAG. After the TAG only one separator is skipped:
 * what follows is CONTENT (section 4.1.3), whose indentation is the sender's.
 *
 * A time with the shape of a timestamp but no such instant (Sep 31, hour 25) still ends
 * the TIMESTAMP: the fields after it are read, the time is the arrival time, and its text
 * goes to invalidTimeText (attrs.syslog_time_invalid, see message.ts).
 */
import { arrivalTime, splitPri, type ParseContext, type SyslogMessage } from './message.js';
import { readBsdTimestamp, readRfc3339, type ReadTime } from './timestamp.js';
import { readMessage } from './text.js';

const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

function isBlank(c: number | undefined): boolean {
  return c === SP || c === HT;
}

function skipBlanks(buf: Buffer, pos: number, end: number): number {
  let i = pos;
  while (i < end && isBlank(buf[i])) i++;
  return i;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function tokenEnd(buf: Buffer, pos: number, end: number): number {
  let i = pos;
  while (i < end && !isBlank(buf[i])) i++;
  return i;
}

/** "name[digits]" with no colon: [nameEnd, pidStart, pidEnd], or null. */
function readTagWithoutColon(
  buf: Buffer,
  start: number,
  last: number,
): [number, number, number] | null {
  const open = buf.lastIndexOf(0x5b, last);
  if (open <= start || open + 1 === last) return null;
  for (let i = open + 1; i < last; i++) if (!isDigit(buf[i])) return null;
  for (let i = start; i < open; i++) if (buf[i] === COLON || buf[i] === 0x5b) return null;
  return [open, open + 1, last];
}

/** A TAG word buf[start, stop): [nameEnd, pidStart, pidEnd] (pid -1 when absent), or null. */
function readTag(buf: Buffer, start: number, stop: number): [number, number, number] | null {
  const last = stop - 1;
  if (last <= start) return null;
  // rsyslog relaying an RFC 5424 message in its traditional format writes "APP[PROCID]"
  // with no colon (RSYSLOG_TraditionalForwardFormat, syslogtag built from the 5424 header).
  if (buf[last] === 0x5d) return readTagWithoutColon(buf, start, last);
  if (buf[last] !== COLON) return null;
  if (buf[last - 1] === 0x5d) {
    // "name[pid]:" - the name may hold ':' (Docker tags like {{.ImageName}} do).
    const open = buf.lastIndexOf(0x5b, last - 1);
    if (open <= start || open > last) return null;
    return [open, open + 1, last - 1];
  }
  for (let i = start; i < last; i++) if (buf[i] === COLON || buf[i] === 0x5b) return null;
  return [last, -1, -1];
}

/** Letters, digits and . - _ : % (IPv6 zone) - what HOSTNAME holds in practice. */
function looksLikeHost(buf: Buffer, start: number, stop: number): boolean {
  if (start >= stop) return false;
  for (let i = start; i < stop; i++) {
    const c = buf[i] ?? 0;
    const ok =
      (c >= 0x30 && c <= 0x3a) ||
      ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) ||
      c === 0x2e ||
      c === 0x2d ||
      c === 0x5f ||
      c === 0x25;
    if (!ok) return false;
  }
  return true;
}

function readTime(buf: Buffer, pos: number, end: number, ctx: ParseContext): ReadTime | null {
  const c = buf[pos] ?? 0;
  if (c >= 0x30 && c <= 0x39) {
    return readRfc3339(buf, pos, tokenEnd(buf, pos, end), ctx.timezone);
  }
  return readBsdTimestamp(buf, pos, end, ctx);
}

/**
 * Parse from just after the PRI (`pri` null: the line has none and `pos` is its start);
 * null when no RFC 3164 timestamp is there.
 */
export function parseRfc3164(
  buf: Buffer,
  pos: number,
  end: number,
  pri: number | null,
  ctx: ParseContext,
): SyslogMessage | null {
  // Go's log/syslog and srslog's DefaultFormatter write "<PRI> TIMESTAMP". A line without
  // PRI must start with its time: indented text is a continuation, not a header.
  const start = pri === null ? pos : skipBlanks(buf, pos, end);
  const time = readTime(buf, start, end, ctx);
  if (!time) return null;

  let i = skipBlanks(buf, time.end, end);
  let hostname: string | null = null;
  let wordEnd = tokenEnd(buf, i, end);
  let tag = readTag(buf, i, wordEnd);
  if (!tag && looksLikeHost(buf, i, wordEnd)) {
    hostname = buf.toString('utf8', i, wordEnd);
    i = skipBlanks(buf, wordEnd, end);
    wordEnd = tokenEnd(buf, i, end);
    tag = readTag(buf, i, wordEnd);
  }
  let appName: string | null = null;
  let procId: string | null = null;
  if (tag) {
    appName = buf.toString('utf8', i, tag[0]);
    if (tag[2] > tag[1]) procId = buf.toString('utf8', tag[1], tag[2]);
    i = wordEnd < end ? wordEnd + 1 : end;
  }

  const [message, messageBytes] = readMessage(buf, i, end);
  const [facility, severity] = splitPri(pri);
  const known = !Number.isNaN(time.sec);
  const [arrSec, arrNano] = arrivalTime(ctx.receivedAt);
  return {
    pri,
    facility,
    severity,
    version: null,
    format: 'rfc3164',
    tsSec: known ? time.sec : arrSec,
    tsNano: known ? time.nano : arrNano,
    hostname,
    appName,
    procId,
    msgId: null,
    structuredData: null,
    message,
    messageBytes,
    timeFromMessage: known,
    invalidTimeText: known ? null : buf.toString('utf8', start, time.end),
  };
}

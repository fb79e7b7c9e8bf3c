/**
 * RFC 5424 section 6: HEADER SP STRUCTURED-DATA [SP MSG], read from bytes.
 *
 *   <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
 *
 * Lenient where real senders stray: a header cut short leaves the missing fields null,
 * a NILVALUE TIMESTAMP means the arrival time, structured data that does not parse is
 * kept as the start of MSG, fields longer than the RFC's maxima are kept.
 *
 * A TIMESTAMP that is not NILVALUE but no date-time (2026-02-30T..., 25:00, any text in
 * its place) also means the arrival time, and its text is kept in invalidTimeText
 * (attrs.syslog_time_invalid, see message.ts): the field's place in the header says it
 * was meant as the time, so it is neither dropped nor taken for another field.
 *
 * A line without PRI is read as RFC 5424 only when it starts with VERSION 1 and a
 * TIMESTAMP shaped like an RFC 3339 date-time (section 6.2.1 makes PRI part of HEADER, so
 * nothing weaker than that tells such a line from text that starts with "1 2026-").
 */
import {
  arrivalTime,
  splitPri,
  type ParseContext,
  type SyslogMessage,
  type StructuredData,
} from './message.js';
import { readRfc3339 } from './timestamp.js';
import { readMessage } from './text.js';

const SP = 0x20;
const NIL = 0x2d; // '-'
const OPEN = 0x5b; // '['
const CLOSE = 0x5d; // ']'
const QUOTE = 0x22;
const EQ = 0x3d;
const BACKSLASH = 0x5c;

/** End of the space-delimited token starting at `pos`. */
function tokenEnd(buf: Buffer, pos: number, end: number): number {
  const i = buf.indexOf(SP, pos);
  return i < 0 || i > end ? end : i;
}

/** A header field: null for NILVALUE "-" (section 6.2) or when the header ended early. */
function field(buf: Buffer, start: number, stop: number): string | null {
  if (start >= stop) return null;
  if (stop - start === 1 && buf[start] === NIL) return null;
  return buf.toString('utf8', start, stop);
}

/**
 * VERSION at `pos` (1-3 digits, no leading zero, section 6.2.2) followed by SP and a
 * TIMESTAMP that is NILVALUE or starts like a date: the test that tells RFC 5424 apart
 * from an RFC 3164 line whose content begins with a digit. Returns the version or -1.
 */
export function rfc5424Version(buf: Buffer, pos: number, end: number): number {
  let v = 0;
  let i = pos;
  while (i < end && i < pos + 3) {
    const d = (buf[i] ?? 0) - 0x30;
    if (d < 0 || d > 9 || (i === pos && d === 0)) break;
    v = v * 10 + d;
    i++;
  }
  if (i === pos || buf[i] !== SP) return -1;
  const t = i + 1;
  if (buf[t] === NIL && (t + 1 === end || buf[t + 1] === SP)) return v;
  for (let k = t; k < t + 4; k++) {
    const d = (buf[k] ?? 0) - 0x30;
    if (k >= end || d < 0 || d > 9) return -1;
  }
  return buf[t + 4] === NIL ? v : -1;
}

/** Whether a line without PRI is RFC 5424: "1 " and an RFC 3339-shaped TIMESTAMP. */
export function rfc5424WithoutPri(buf: Buffer, end: number): boolean {
  if (rfc5424Version(buf, 0, end) !== 1) return false;
  // rfc5424Version checked "1 "; a NILVALUE TIMESTAMP is too little to go on here.
  return readRfc3339(buf, 2, tokenEnd(buf, 2, end), 'UTC') !== null;
}

/** PARAM-VALUE between quotes at `pos` (just past the opening quote), section 6.3.3. */
function paramValue(buf: Buffer, pos: number, end: number): [string, number] | null {
  let i = pos;
  let escaped = false;
  while (i < end) {
    const c = buf[i];
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      i++;
    }
    i++;
  }
  if (i >= end) return null;
  if (!escaped) return [buf.toString('utf8', pos, i), i + 1];
  // Only \" \\ \] are escapes; any other backslash stays as it is (section 6.3.3).
  // UTF-8 continuation bytes are >= 0x80, so working on bytes cannot split a character.
  const out = Buffer.allocUnsafe(i - pos);
  let n = 0;
  for (let k = pos; k < i; k++) {
    const c = buf[k] ?? 0;
    const next = buf[k + 1];
    if (c === BACKSLASH && (next === QUOTE || next === BACKSLASH || next === CLOSE)) {
      out[n++] = next;
      k++;
    } else {
      out[n++] = c;
    }
  }
  return [out.toString('utf8', 0, n), i + 1];
}

/** SD-NAME (SD-ID or PARAM-NAME, section 6.3.2/6.3.3) ending at one of `stops`. */
function sdName(buf: Buffer, pos: number, end: number, stopA: number, stopB: number): number {
  let i = pos;
  while (i < end) {
    const c = buf[i];
    if (c === stopA || c === stopB) break;
    if (c === SP || c === EQ || c === CLOSE || c === QUOTE) return -1;
    i++;
  }
  return i === pos || i >= end ? -1 : i;
}

function addParam(element: Record<string, string | string[]>, name: string, value: string): void {
  const prev = element[name];
  if (prev === undefined) element[name] = value;
  else if (typeof prev === 'string') element[name] = [prev, value];
  else prev.push(value);
}

/**
 * One or more SD-ELEMENTs at `pos` (which holds '['). Returns the data and the index just
 * past the last ']', or null when the bytes are not valid structured data. A repeated
 * SD-ID (against section 6.3.2, but seen) merges into one element.
 */
export function readStructuredData(
  buf: Buffer,
  pos: number,
  end: number,
): [StructuredData, number] | null {
  const sd: StructuredData = Object.create(null) as StructuredData;
  let i = pos;
  while (i < end && buf[i] === OPEN) {
    const idEnd = sdName(buf, i + 1, end, SP, CLOSE);
    if (idEnd < 0) return null;
    const id = buf.toString('utf8', i + 1, idEnd);
    const element = sd[id] ?? (Object.create(null) as Record<string, string | string[]>);
    sd[id] = element;
    i = idEnd;
    for (;;) {
      if (i >= end) return null;
      if (buf[i] === CLOSE) {
        i++;
        break;
      }
      if (buf[i] !== SP) return null;
      while (i < end && buf[i] === SP) i++;
      if (buf[i] === CLOSE) continue;
      const nameEnd = sdName(buf, i, end, EQ, EQ);
      if (nameEnd < 0 || buf[nameEnd + 1] !== QUOTE) return null;
      const value = paramValue(buf, nameEnd + 2, end);
      if (!value) return null;
      addParam(element, buf.toString('utf8', i, nameEnd), value[0]);
      i = value[1];
    }
  }
  return [sd, i];
}

/**
 * Parse from VERSION (at `pos`, already checked by rfc5424Version) to the end; `pri` is
 * null for a line without PRI (rfc5424WithoutPri).
 */
export function parseRfc5424(
  buf: Buffer,
  pos: number,
  end: number,
  pri: number | null,
  version: number,
  ctx: ParseContext,
): SyslogMessage {
  const [facility, severity] = splitPri(pri);
  let i = tokenEnd(buf, pos, end) + 1;

  const tsEnd = tokenEnd(buf, i, end);
  const nil = buf[i] === NIL && tsEnd === i + 1;
  const read = nil ? null : readRfc3339(buf, i, tsEnd, ctx.timezone);
  const time = read && !Number.isNaN(read.sec) ? read : null;
  const invalidTimeText = nil || time ? null : buf.toString('utf8', i, tsEnd);
  i = tsEnd + 1;

  const fields: (string | null)[] = [];
  for (let f = 0; f < 4; f++) {
    const stop = i < end ? tokenEnd(buf, i, end) : end;
    fields.push(field(buf, i, stop));
    i = stop + 1;
  }

  let structuredData: StructuredData | null = null;
  if (i < end && buf[i] === NIL && (i + 1 === end || buf[i + 1] === SP)) {
    i += 2;
  } else if (i < end && buf[i] === OPEN) {
    const sd = readStructuredData(buf, i, end);
    // Malformed structured data stays in MSG, so nothing the sender wrote is lost.
    if (sd && (sd[1] === end || buf[sd[1]] === SP)) {
      structuredData = sd[0];
      i = sd[1] + 1;
    }
  }

  const [message, messageBytes] = readMessage(buf, Math.min(i, end), end);
  const [arrSec, arrNano] = arrivalTime(ctx.receivedAt);
  return {
    pri,
    facility,
    severity,
    version,
    format: 'rfc5424',
    tsSec: time ? time.sec : arrSec,
    tsNano: time ? time.nano : arrNano,
    hostname: fields[0] ?? null,
    appName: fields[1] ?? null,
    procId: fields[2] ?? null,
    msgId: fields[3] ?? null,
    structuredData,
    message,
    messageBytes,
    timeFromMessage: time !== null,
    invalidTimeText,
  };
}

/**
 * What the syslog parsers produce: one message, whatever the wire format, with every
 * header field the formats can carry (RFC 5424 section 6, RFC 3164 section 4.1).
 */
import type { TimeContext } from './timestamp.js';

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'unknown';

/**
 * RFC 5424 section 6.3 STRUCTURED-DATA: SD-ID -> PARAM-NAME -> value. A PARAM-NAME that
 * is repeated inside an element (allowed by section 6.3.3, e.g. origin's "ip") keeps all
 * its values as an array. Objects have no prototype, so names like "__proto__" are data.
 */
export type StructuredData = Record<string, Record<string, string | string[]>>;

export interface SyslogMessage {
  /** PRIVAL 0..191 (RFC 5424 section 6.2.1); null when the line has no valid PRI. */
  pri: number | null;
  facility: number | null;
  severity: number | null;
  /** RFC 5424 VERSION; null for other formats. */
  version: number | null;
  format: SyslogFormat;
  /** Event time, seconds since the epoch (arrival time when the message has none). */
  tsSec: number;
  /** Nanoseconds within tsSec, from the timestamp's fraction (up to 9 digits). */
  tsNano: number;
  hostname: string | null;
  /** RFC 5424 APP-NAME, or the RFC 3164 TAG. */
  appName: string | null;
  /** RFC 5424 PROCID, or the pid in an RFC 3164 "tag[pid]:". */
  procId: string | null;
  msgId: string | null;
  structuredData: StructuredData | null;
  /** MSG as text: invalid UTF-8 replaced by U+FFFD, a leading BOM removed. */
  message: string;
  /**
   * MSG exactly as received (BOM removed): Docker splits long lines at byte 16384, which
   * can cut a UTF-8 sequence, so the joiner concatenates these bytes, not the text.
   */
  messageBytes: Buffer;
  /** False when the time is the arrival time (no or unreadable timestamp). */
  timeFromMessage: boolean;
  /**
   * The TIMESTAMP exactly as received when it is one by its place or shape but names no
   * instant (Sep 31, Feb 30, hour 25, 2026-02-30T..., RFC 5424 text that is no date-time):
   * the time is then the arrival time, and record.ts keeps this text in
   * attrs.syslog_time_invalid so that such records can be found. Null otherwise.
   */
  invalidTimeText: string | null;
  /** Set by SyslogLineJoiner when it joined this many (>= 2) split messages into one. */
  joined?: number;
}

export type ParseContext = TimeContext;

/** Facility and severity of a PRIVAL (RFC 5424 section 6.2.1). */
export function splitPri(pri: number | null): [number | null, number | null] {
  return pri === null ? [null, null] : [pri >> 3, pri & 7];
}

/** Arrival time as (seconds, nanoseconds). */
export function arrivalTime(receivedAt: number): [number, number] {
  const sec = Math.floor(receivedAt / 1000);
  return [sec, Math.floor((receivedAt - sec * 1000) * 1_000_000)];
}

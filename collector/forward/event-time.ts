/**
 * Event times (Forward Protocol v1, "EventTime Ext Format" and "Entry"), plus the drift
 * real clients send:
 *
 *   integer            seconds since the epoch (Docker without sub-second precision)
 *   EventTime          ext type 0, 8 bytes: uint32 BE seconds, uint32 BE nanoseconds, as
 *                      fixext8 (d7 00) or ext8 (c7 08 00)
 *   float              seconds with a fraction (some loggers; JSON connections)
 *   ext type -1        the msgpack spec's own timestamp (4, 8 or 12 bytes)
 *   [time, {meta}]     Fluent Bit's log event format v2 (default since Fluent Bit 5.0.5:
 *                      retain_metadata_in_forward_mode); time -1 / -2 there marks a group
 *                      start / end, which is not a log event
 *   nil, 0             "now", as in_forward does (`time = Engine.now if time.to_i == 0`)
 *
 * Anything else makes the event invalid (skipped, as in_forward's skip_invalid_event).
 */
import type { MsgpackReader } from './msgpack-reader.js';

export interface TimeSlot {
  sec: number;
  nano: number;
  meta: Record<string, unknown> | undefined;
}

/** Result of reading a time: null when `out` holds a usable time, else why not. */
export type TimeProblem = string | null;

export const GROUP_MARKER = 'fluent-bit group marker';

const NANOS = 1_000_000_000;
const UINT32_MINUS_1 = 0xffffffff;
const UINT32_MINUS_2 = 0xfffffffe;

/** Read a time at the reader's position; `depth` = containers open around it. */
export function readTime(
  r: MsgpackReader,
  depth: number,
  out: TimeSlot,
  now: () => number,
): TimeProblem {
  out.meta = undefined;
  const n = r.arrayHeader();
  if (n < 0) return readPlainTime(r, out, now);
  if (n !== 2) {
    for (let i = 0; i < n; i++) r.skip();
    return 'time array is not [time, metadata]';
  }
  const problem = readPlainTime(r, out, now);
  const meta = r.readValue(depth + 1);
  if (problem !== null) return problem;
  return withMeta(out, meta);
}

/** The same rules for a value parsed from a JSON connection. */
export function timeFromJson(v: unknown, out: TimeSlot, now: () => number): TimeProblem {
  out.meta = undefined;
  if (Array.isArray(v)) {
    if (v.length !== 2) return 'time array is not [time, metadata]';
    if (Array.isArray(v[0])) return 'time is an array';
    const problem = timeFromJson(v[0], out, now);
    if (problem !== null) return problem;
    return withMeta(out, v[1]);
  }
  if (v === null) return setNow(out, now);
  if (typeof v === 'number') return setNumber(out, v, now);
  return `time is ${describe(v)}`;
}

function withMeta(out: TimeSlot, meta: unknown): TimeProblem {
  const s = out.sec;
  if (s === -1 || s === -2 || s === UINT32_MINUS_1 || s === UINT32_MINUS_2) return GROUP_MARKER;
  if (meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    return 'event metadata is not a map';
  }
  if (meta !== null && Object.keys(meta).length > 0) out.meta = meta as Record<string, unknown>;
  return null;
}

function readPlainTime(r: MsgpackReader, out: TimeSlot, now: () => number): TimeProblem {
  const b = r.peek();
  if ((b >= 0xd4 && b <= 0xd8) || (b >= 0xc7 && b <= 0xc9)) return readExtTime(r, out, now);
  const v = r.readValue(0);
  // readValue gives null for nil and for NaN/infinities (ext went to readExtTime).
  if (v === null) return b === 0xc0 ? setNow(out, now) : 'time is not finite';
  if (typeof v === 'number') return setNumber(out, v, now);
  if (typeof v === 'string' && (b === 0xcf || b === 0xd3)) return 'time out of range';
  return `time is ${describe(v)}`;
}

/** An ext value carrying EventTime (type 0, 8 bytes) or a msgpack timestamp (type -1). */
function readExtTime(r: MsgpackReader, out: TimeSlot, now: () => number): TimeProblem {
  r.readExt();
  const { buf, extType: type, rawStart: body } = r;
  const len = r.rawEnd - body;
  let sec: number;
  let nano: number;
  if (type === 0 && len === 8) {
    sec = buf.readUInt32BE(body);
    nano = buf.readUInt32BE(body + 4);
  } else if (type === -1 && len === 4) {
    sec = buf.readUInt32BE(body);
    nano = 0;
  } else if (type === -1 && len === 8) {
    const hi = buf.readUInt32BE(body);
    nano = hi >>> 2;
    sec = (hi & 0x3) * 0x100000000 + buf.readUInt32BE(body + 4);
  } else if (type === -1 && len === 12) {
    nano = buf.readUInt32BE(body);
    sec = Number(buf.readBigInt64BE(body + 4));
  } else {
    return `ext type ${type} of ${len} bytes is not a time`;
  }
  if (sec === 0) return setNow(out, now);
  // A nanosecond field past one second is malformed; carry it rather than lose the event.
  out.sec = sec + Math.floor(nano / NANOS);
  out.nano = nano % NANOS;
  return null;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'a map';
  return `a ${typeof v}`;
}

function setNumber(out: TimeSlot, v: number, now: () => number): TimeProblem {
  if (!Number.isFinite(v)) return 'time is not finite';
  if (v === 0) return setNow(out, now);
  const sec = Math.floor(v);
  let nano = Math.round((v - sec) * NANOS);
  out.sec = sec;
  if (nano >= NANOS) {
    out.sec++;
    nano -= NANOS;
  }
  out.nano = nano;
  return null;
}

function setNow(out: TimeSlot, now: () => number): TimeProblem {
  const ms = now();
  out.sec = Math.floor(ms / 1000);
  out.nano = (ms - out.sec * 1000) * 1_000_000;
  return null;
}

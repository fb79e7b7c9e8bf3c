/**
 * Syslog timestamps read straight from the received bytes (no substring per field):
 * RFC 5424 section 6.2.3 (RFC 3339 with fraction and zone) and RFC 3164 section 4.1.2
 * ("Mmm dd hh:mm:ss", local time, no year), plus the shapes seen in the wild: rsyslog's
 * RFC 3339 stamp in a BSD header, a zero-padded day, a year after the day (Cisco).
 *
 * Each reader tells three cases apart: not a timestamp (null: the bytes are something
 * else), a timestamp (sec, nano), and text with a timestamp's shape whose values name no
 * instant - Sep 31, Feb 30, hour 25, offset +25:00 (sec NaN). The last is still a
 * timestamp to the header grammar, so the parsers read the fields after it and keep its
 * text (message.ts invalidTimeText) instead of taking the arrival time silently.
 */
import { civilToSeconds, daysInMonth, wallToEpoch } from './timezone.js';

export interface TimeContext {
  /** Arrival time, ms since the epoch: the reference for year inference. */
  receivedAt: number;
  /** Zone of zone-less times: 'UTC', 'local' or an IANA name. */
  timezone: string;
}

/** A time read from the message; `end` is the index just past it. */
export interface ReadTime {
  /** NaN when the text has a timestamp's shape but its values name no instant. */
  sec: number;
  nano: number;
  end: number;
}

const SP = 0x20;
const HT = 0x09;
const ZERO = 0x30;

/** Value of `n` ASCII digits at `pos`, or -1 when any byte is not a digit. */
function digits(buf: Uint8Array, pos: number, n: number, end: number): number {
  if (pos + n > end) return -1;
  let v = 0;
  for (let i = pos; i < pos + n; i++) {
    const d = (buf[i] ?? 0) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function validClock(hour: number, minute: number, second: number): boolean {
  // Second 60 is accepted (RFC 3339 leap second) and rolls into the next minute.
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60;
}

/**
 * Optional ".fraction" at `pos`: up to 9 digits are kept as nanoseconds, further
 * digits ignored (RFC 5424 allows 6; some senders send 9 or more).
 * Returns [nano, end] or null when a dot has no digits.
 */
function fraction(buf: Uint8Array, pos: number, end: number): [number, number] | null {
  if (pos >= end || buf[pos] !== 0x2e) return [0, pos];
  let i = pos + 1;
  let nano = 0;
  let scale = 100_000_000;
  while (i < end) {
    const d = (buf[i] ?? 0) - ZERO;
    if (d < 0 || d > 9) break;
    nano += d * scale;
    scale = Math.floor(scale / 10);
    i++;
  }
  return i === pos + 1 ? null : [nano, i];
}

/** What a reader returns for text shaped like a timestamp whose values are impossible. */
function impossible(end: number): ReadTime {
  return { sec: NaN, nano: 0, end };
}

/**
 * RFC 3339 date-time (RFC 5424 section 6.2.3) in buf[start, end): the whole range must be
 * the timestamp. Lenient: lowercase t/z, an offset without colon, and no zone at all
 * (then the time is read in `tz`). Returns null when the range is not shaped like a
 * date-time, and sec NaN when it is but names no instant (2026-02-30, 24:00, +25:00).
 */
export function readRfc3339(
  buf: Uint8Array,
  start: number,
  end: number,
  tz: string,
): ReadTime | null {
  const year = digits(buf, start, 4, end);
  const month = buf[start + 4] === 0x2d ? digits(buf, start + 5, 2, end) : -1;
  const day = buf[start + 7] === 0x2d ? digits(buf, start + 8, 2, end) : -1;
  const t = buf[start + 10];
  if (year < 0 || month < 0 || day < 0 || (t !== 0x54 && t !== 0x74)) return null;
  const hour = digits(buf, start + 11, 2, end);
  const minute = buf[start + 13] === 0x3a ? digits(buf, start + 14, 2, end) : -1;
  const second = buf[start + 16] === 0x3a ? digits(buf, start + 17, 2, end) : -1;
  if (hour < 0 || minute < 0 || second < 0) return null;
  const frac = fraction(buf, start + 19, end);
  if (!frac) return null;
  const [nano, afterFrac] = frac;
  let pos = afterFrac;
  // Seconds east of UTC; null for a zone-less time (read in `tz`).
  let offset: number | null = null;
  let offsetValid = true;
  if (pos === end) {
    // No zone: `tz` decides below.
  } else if (buf[pos] === 0x5a || buf[pos] === 0x7a) {
    offset = 0;
    pos++;
  } else if (buf[pos] === 0x2b || buf[pos] === 0x2d) {
    const sign = buf[pos] === 0x2b ? 1 : -1;
    const oh = digits(buf, pos + 1, 2, end);
    const colon = buf[pos + 3] === 0x3a ? 1 : 0;
    const om = digits(buf, pos + 3 + colon, 2, end);
    if (oh < 0 || om < 0) return null;
    offsetValid = oh <= 23 && om <= 59;
    offset = sign * (oh * 3600 + om * 60);
    pos += 5 + colon;
  } else {
    return null;
  }
  if (pos !== end) return null;
  const dateValid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  if (!dateValid || !validClock(hour, minute, second) || !offsetValid) return impossible(end);
  const wall = civilToSeconds(year, month, day, hour, minute, second);
  return { sec: offset === null ? wallToEpoch(tz, wall) : wall - offset, nano, end };
}

/** Month number from a three-letter English abbreviation (any case), or 0. */
function monthAt(buf: Uint8Array, pos: number): number {
  const key =
    (((buf[pos] ?? 0) | 0x20) << 16) |
    (((buf[pos + 1] ?? 0) | 0x20) << 8) |
    ((buf[pos + 2] ?? 0) | 0x20);
  switch (key) {
    case 0x6a616e:
      return 1; // jan
    case 0x666562:
      return 2; // feb
    case 0x6d6172:
      return 3; // mar
    case 0x617072:
      return 4; // apr
    case 0x6d6179:
      return 5; // may
    case 0x6a756e:
      return 6; // jun
    case 0x6a756c:
      return 7; // jul
    case 0x617567:
      return 8; // aug
    case 0x736570:
      return 9; // sep
    case 0x6f6374:
      return 10; // oct
    case 0x6e6f76:
      return 11; // nov
    case 0x646563:
      return 12; // dec
    default:
      return 0;
  }
}

const MAX_FUTURE_SEC = 31 * 86_400;

/**
 * The year RFC 3164 leaves out: of last, this and next year, the one putting the time
 * closest to arrival, but never more than about a month ahead of it (so a December line
 * received in January is last year's, a January line received in December next year's).
 * Compared on wall-clock seconds; the zone's offset (hours) cannot move a month-wide
 * boundary enough to matter. Returns 0 when no candidate year has that day (Feb 29).
 */
export function inferYear(
  month: number,
  day: number,
  wallSecOfDay: number,
  receivedAtSec: number,
): number {
  const thisYear = new Date(receivedAtSec * 1000).getUTCFullYear();
  let best = 0;
  let bestDistance = Infinity;
  for (let year = thisYear - 1; year <= thisYear + 1; year++) {
    if (day > daysInMonth(year, month)) continue;
    const diff = civilToSeconds(year, month, day, 0, 0, 0) + wallSecOfDay - receivedAtSec;
    if (diff > MAX_FUTURE_SEC) continue;
    if (Math.abs(diff) < bestDistance) {
      best = year;
      bestDistance = Math.abs(diff);
    }
  }
  return best;
}

/**
 * RFC 3164 section 4.1.2 TIMESTAMP at `pos`: "Mmm dd hh:mm:ss" with the day padded by a
 * space ("Jan _2", Go's time.Stamp as Docker sends it) or a zero, optionally a fraction,
 * optionally a year before the time ("Mmm dd yyyy hh:mm:ss"). It must be followed by a
 * space, a tab or the end. Without a year, the year is inferred; the zone is
 * `ctx.timezone`. `end` of the result is just past the timestamp; `sec` is NaN when the
 * text has that shape but names no instant: Sep 31, day 0, hour 25, minute 60, or Feb 29
 * far from a leap year.
 */
export function readBsdTimestamp(
  buf: Uint8Array,
  pos: number,
  end: number,
  ctx: TimeContext,
): ReadTime | null {
  const month = monthAt(buf, pos);
  if (month === 0 || buf[pos + 3] !== SP) return null;
  let i = pos + 4;
  if (buf[i] === SP) i++; // "Jan  2"
  let day = digits(buf, i, 2, end);
  if (day >= 0) i += 2;
  else {
    day = digits(buf, i, 1, end);
    i += 1;
  }
  if (day < 0 || buf[i] !== SP) return null;
  i++;
  let year = -1;
  if (buf[i + 4] === SP) {
    year = digits(buf, i, 4, end);
    if (year < 0) return null;
    i += 5;
  }
  const hour = digits(buf, i, 2, end);
  const minute = buf[i + 2] === 0x3a ? digits(buf, i + 3, 2, end) : -1;
  const second = buf[i + 5] === 0x3a ? digits(buf, i + 6, 2, end) : -1;
  if (hour < 0 || minute < 0 || second < 0) return null;
  const frac = fraction(buf, i + 8, end);
  if (!frac) return null;
  const [nano, after] = frac;
  if (after < end && buf[after] !== SP && buf[after] !== HT) return null;
  if (day < 1 || day > 31 || !validClock(hour, minute, second)) return impossible(after);
  const secOfDay = hour * 3600 + minute * 60 + second;
  if (year < 0) year = inferYear(month, day, secOfDay, Math.floor(ctx.receivedAt / 1000));
  if (year === 0 || day > daysInMonth(year, month)) return impossible(after);
  const wall = civilToSeconds(year, month, day, 0, 0, 0) + secOfDay;
  return { sec: wallToEpoch(ctx.timezone, wall), nano, end: after };
}

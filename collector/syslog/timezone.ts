/**
 * Wall-clock time to epoch seconds, for syslog timestamps that carry no zone (RFC 3164
 * section 4.1.2 "Mmm dd hh:mm:ss" is the sender's local time; Docker's default and
 * rfc3164 formats use dockerd's local time).
 *
 * The zone is 'UTC', 'local' (this process's zone) or an IANA name. Offsets come from
 * Intl.DateTimeFormat, so they follow the tz database across DST changes; one wall-clock
 * hour maps to one offset, so the answer is cached per (zone, wall hour): a stream of
 * lines from the same hour costs a Map lookup.
 */

const SECONDS_PER_DAY = 86_400;

/** Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Seconds since the epoch of a wall-clock time read as if it were UTC. */
export function civilToSeconds(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  return daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return MONTH_DAYS[month - 1] ?? 0;
}

/** True when `tz` is 'UTC', 'local' or a zone name this runtime's tz database knows. */
export function isValidTimezone(tz: string): boolean {
  if (tz === 'UTC' || tz === 'local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Per zone: the formatter (costly to build) and the wall-hour -> offset cache. */
interface ZoneState {
  fmt: Intl.DateTimeFormat;
  byWallHour: Map<number, number>;
}

/** Bound on cached hours per zone; a live stream touches one or two. */
const MAX_CACHED_HOURS = 4096;
const zones = new Map<string, ZoneState>();

function zoneState(tz: string): ZoneState {
  let state = zones.get(tz);
  if (!state) {
    const timeZone = tz === 'local' ? new Intl.DateTimeFormat().resolvedOptions().timeZone : tz;
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    state = { fmt, byWallHour: new Map() };
    zones.set(tz, state);
  }
  return state;
}

/** UTC offset in seconds (east positive) of the zone at the instant `utcSec`. */
function offsetAt(fmt: Intl.DateTimeFormat, utcSec: number): number {
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const part of fmt.formatToParts(new Date(utcSec * 1000))) {
    const v = Number(part.value);
    switch (part.type) {
      case 'year':
        y = v;
        break;
      case 'month':
        mo = v;
        break;
      case 'day':
        d = v;
        break;
      case 'hour':
        h = v;
        break;
      case 'minute':
        mi = v;
        break;
      case 'second':
        s = v;
        break;
    }
  }
  return civilToSeconds(y, mo, d, h, mi, s) - utcSec;
}

/**
 * Offset to subtract from a wall time to get UTC, with the disambiguation JavaScript's
 * Date and Temporal ('compatible') use: a time repeated when clocks go back takes the
 * earlier instant; a time skipped when clocks go forward is read with the offset from
 * before the change (02:30 in a 02:00->03:00 gap becomes 03:30).
 */
function offsetForWall(fmt: Intl.DateTimeFormat, wallSec: number): number {
  // Transitions are at least days apart, so a day either side sees at most one.
  const before = offsetAt(fmt, wallSec - SECONDS_PER_DAY);
  const after = offsetAt(fmt, wallSec + SECONDS_PER_DAY);
  if (before === after) return before;
  const beforeFits = offsetAt(fmt, wallSec - before) === before;
  const afterFits = offsetAt(fmt, wallSec - after) === after;
  if (beforeFits && afterFits) return Math.max(before, after);
  if (afterFits) return after;
  return before;
}

/** Epoch seconds of a wall-clock time in `tz` ('UTC', 'local' or IANA). */
export function wallToEpoch(tz: string, wallSec: number): number {
  if (tz === 'UTC') return wallSec;
  const state = zoneState(tz);
  const hour = Math.floor(wallSec / 3600);
  const cached = state.byWallHour.get(hour);
  if (cached !== undefined) return wallSec - cached;
  const offset = offsetForWall(state.fmt, wallSec);
  // Cache only when the whole wall hour shares the offset (true unless a zone changes
  // its offset at a non-hour boundary, as Lord Howe's half-hour DST does).
  const start = hour * 3600;
  if (
    offsetForWall(state.fmt, start) === offset &&
    offsetForWall(state.fmt, start + 3599) === offset
  ) {
    if (state.byWallHour.size >= MAX_CACHED_HOURS) state.byWallHour.clear();
    state.byWallHour.set(hour, offset);
  }
  return wallSec - offset;
}

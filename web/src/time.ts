/**
 * Time parsing and formatting for the page. Record times are RFC 3339 with up to nine
 * fraction digits (docs/architecture.md, "The record"); JavaScript dates stop at milliseconds, so
 * the fraction is kept as text. Functions take the zone offset in minutes instead of
 * reading the machine's zone, so tests do not depend on where they run.
 */

export type Zone = 'utc' | 'local';

export interface ParsedTs {
  /** Milliseconds since the epoch. */
  ms: number;
  /** The fraction of the second as nine digits. */
  frac: string;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseTs(ts: string): ParsedTs | null {
  const m = RFC3339.exec(ts);
  if (!m) return null;
  const frac = (m[7] ?? '').padEnd(9, '0');
  const zone = m[8]!;
  let offsetMin = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const ms =
    Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) -
    offsetMin * 60_000 +
    Number(frac.slice(0, 3));
  return Number.isNaN(ms) ? null : { ms, frac };
}

/** Minutes east of UTC for the machine's zone at `ms` (DST changes it). */
export function localOffset(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

export function zoneOffset(zone: Zone, ms: number): number {
  return zone === 'utc' ? 0 : localOffset(ms);
}

const p2 = (n: number): string => String(n).padStart(2, '0');

interface Parts {
  y: number;
  mo: string;
  d: string;
  h: string;
  mi: string;
  s: string;
}

function parts(ms: number, offsetMin: number): Parts {
  const t = new Date(ms + offsetMin * 60_000);
  return {
    y: t.getUTCFullYear(),
    mo: p2(t.getUTCMonth() + 1),
    d: p2(t.getUTCDate()),
    h: p2(t.getUTCHours()),
    mi: p2(t.getUTCMinutes()),
    s: p2(t.getUTCSeconds()),
  };
}

export function offsetText(offsetMin: number): string {
  if (offsetMin === 0) return 'Z';
  const a = Math.abs(offsetMin);
  return `${offsetMin < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/** `MM-DD HH:MM:SS.mmm`, the dense form used on each line. */
export function formatLineTime(ts: string, offsetMin: number): string {
  const t = parseTs(ts);
  if (!t) return ts.slice(0, 23);
  const x = parts(t.ms, offsetMin);
  return `${x.mo}-${x.d} ${x.h}:${x.mi}:${x.s}.${t.frac.slice(0, 3)}`;
}

/** `YYYY-MM-DD HH:MM:SS.nnnnnnnnn +01:00`, every digit the record has. */
export function formatFullTime(ts: string, offsetMin: number): string {
  const t = parseTs(ts);
  if (!t) return ts;
  const x = parts(t.ms, offsetMin);
  return `${x.y}-${x.mo}-${x.d} ${x.h}:${x.mi}:${x.s}.${t.frac} ${offsetText(offsetMin)}`;
}

/** Date and time of a millisecond instant: `YYYY-MM-DD HH:MM:SS`. */
export function formatInstant(ms: number, offsetMin: number): string {
  const x = parts(ms, offsetMin);
  return `${x.y}-${x.mo}-${x.d} ${x.h}:${x.mi}:${x.s}`;
}

/** Tick label for an axis whose ticks are `stepMs` apart. */
export function formatTick(ms: number, stepMs: number, offsetMin: number): string {
  const x = parts(ms, offsetMin);
  if (stepMs >= 86_400_000) return `${x.mo}-${x.d}`;
  if (stepMs < 60_000) return `${x.h}:${x.mi}:${x.s}`;
  if (x.h === '00' && x.mi === '00') return `${x.mo}-${x.d}`;
  return `${x.h}:${x.mi}`;
}

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses a `from`/`to` value the way the API does (api/time-range.ts): now, an age, epoch ms, RFC 3339. */
export function parseTimeParam(value: string, now: number): number | null {
  const v = value.trim();
  if (v === 'now') return now;
  const rel = /^(\d{1,9})(s|m|h|d|w)$/.exec(v);
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]!]!;
  if (/^\d{10,16}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** Whether a range value is relative to now (so results move as time passes). */
export function isRelative(value: string): boolean {
  return value === '' || value === 'now' || /^\d{1,9}(s|m|h|d|w)$/.test(value.trim());
}

/** How long ago, tersely: `12s`, `5m`, `3h`, `4d`. */
export function ageText(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** The value of an `<input type="datetime-local">` showing `ms` in the given offset. */
export function toInputValue(ms: number, offsetMin: number): string {
  const x = parts(ms, offsetMin);
  return `${x.y}-${x.mo}-${x.d}T${x.h}:${x.mi}:${x.s}`;
}

/** Reads an `<input type="datetime-local">` value; `offsetOf` gives the zone offset at a time. */
export function fromInputValue(value: string, offsetOf: (ms: number) => number): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  // The offset at the wall-clock time itself, found by one correction step (exact except
  // inside a DST jump, where any answer is a guess).
  const guess = asUtc - offsetOf(asUtc) * 60_000;
  return asUtc - offsetOf(guess) * 60_000;
}

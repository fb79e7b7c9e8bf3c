/**
 * `from` and `to` parameters: an RFC 3339 time, epoch milliseconds, `now`, or an age
 * like `15m`, `2h`, `7d` meaning that long before now.
 */
import { Errors, LogharborError } from '../../core/errors.js';

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseTimeParam(name: string, value: string, now: number): number {
  const v = value.trim();
  if (v === 'now') return now;
  const rel = /^(\d{1,9})(s|m|h|d|w)$/.exec(v);
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]!]!;
  if (/^\d{10,16}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    throw new LogharborError(
      Errors.BAD_REQUEST,
      `${name}: expected an RFC 3339 time or an age like 15m, 2h, 7d; got ${JSON.stringify(value)}`,
    );
  }
  return t;
}

import { describe, expect, it } from 'vitest';
import {
  ageText,
  formatFullTime,
  formatLineTime,
  formatTick,
  fromInputValue,
  isRelative,
  offsetText,
  parseTimeParam,
  parseTs,
  toInputValue,
} from '../../../web/src/time.js';

describe('parseTs', () => {
  it('keeps all nine fraction digits and the millisecond instant', () => {
    expect(parseTs('2024-03-05T07:08:09.123456789Z')).toEqual({
      ms: Date.UTC(2024, 2, 5, 7, 8, 9, 123),
      frac: '123456789',
    });
  });

  it('pads short fractions and accepts none', () => {
    expect(parseTs('2024-03-05T07:08:09.5Z')?.frac).toBe('500000000');
    expect(parseTs('2024-03-05T07:08:09Z')).toEqual({
      ms: Date.UTC(2024, 2, 5, 7, 8, 9),
      frac: '000000000',
    });
  });

  it('applies a numeric offset', () => {
    expect(parseTs('2024-03-05T08:08:09+01:00')?.ms).toBe(Date.UTC(2024, 2, 5, 7, 8, 9));
    expect(parseTs('2024-03-05T02:38:09-04:30')?.ms).toBe(Date.UTC(2024, 2, 5, 7, 8, 9));
  });

  it('refuses what is not RFC 3339', () => {
    expect(parseTs('yesterday')).toBeNull();
    expect(parseTs('2024-03-05')).toBeNull();
  });
});

describe('formatting in a zone', () => {
  const ts = '2024-12-31T23:30:01.987654321Z';

  it('line time in UTC and in a zone east of UTC that crosses midnight', () => {
    expect(formatLineTime(ts, 0)).toBe('12-31 23:30:01.987');
    expect(formatLineTime(ts, 60)).toBe('01-01 00:30:01.987');
    expect(formatLineTime(ts, -300)).toBe('12-31 18:30:01.987');
  });

  it('full time shows every digit and the offset', () => {
    expect(formatFullTime(ts, 0)).toBe('2024-12-31 23:30:01.987654321 Z');
    expect(formatFullTime(ts, 330)).toBe('2025-01-01 05:00:01.987654321 +05:30');
  });

  it('an unparseable time is shown as given', () => {
    expect(formatFullTime('garbage', 0)).toBe('garbage');
    expect(formatLineTime('garbage', 0)).toBe('garbage');
  });

  it('offset text', () => {
    expect(offsetText(0)).toBe('Z');
    expect(offsetText(-570)).toBe('-09:30');
  });

  it('tick labels follow the step', () => {
    const ms = Date.UTC(2024, 0, 2, 13, 45, 30);
    expect(formatTick(ms, 10_000, 0)).toBe('13:45:30');
    expect(formatTick(ms, 300_000, 0)).toBe('13:45');
    expect(formatTick(Date.UTC(2024, 0, 2), 3_600_000, 0)).toBe('01-02');
    expect(formatTick(ms, 86_400_000, 0)).toBe('01-02');
  });
});

describe('range values', () => {
  const now = Date.UTC(2024, 5, 1, 12);

  it('parses ages, now, epoch ms and RFC 3339 as the API does', () => {
    expect(parseTimeParam('15m', now)).toBe(now - 900_000);
    expect(parseTimeParam('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseTimeParam('now', now)).toBe(now);
    expect(parseTimeParam('1700000000000', now)).toBe(1_700_000_000_000);
    expect(parseTimeParam('2024-06-01T10:00:00Z', now)).toBe(Date.UTC(2024, 5, 1, 10));
    expect(parseTimeParam('soon', now)).toBeNull();
  });

  it('knows which values move with time', () => {
    expect(isRelative('1h')).toBe(true);
    expect(isRelative('')).toBe(true);
    expect(isRelative('2024-06-01T10:00:00Z')).toBe(false);
  });

  it('age text', () => {
    expect(ageText(now - 5_000, now)).toBe('5s');
    expect(ageText(now - 125_000, now)).toBe('2m');
    expect(ageText(now - 3 * 3_600_000, now)).toBe('3h');
    expect(ageText(now - 9 * 86_400_000, now)).toBe('9d');
    expect(ageText(now + 60_000, now)).toBe('0s');
  });

  it('datetime-local inputs round-trip in a fixed offset', () => {
    const ms = Date.UTC(2024, 5, 1, 10, 20, 30);
    expect(toInputValue(ms, 120)).toBe('2024-06-01T12:20:30');
    expect(fromInputValue('2024-06-01T12:20:30', () => 120)).toBe(ms);
    expect(fromInputValue('2024-06-01T12:20', () => 0)).toBe(Date.UTC(2024, 5, 1, 12, 20));
    expect(fromInputValue('', () => 0)).toBeNull();
  });

  it('a datetime-local value uses the offset in force at that wall-clock time', () => {
    // A zone at +60 before 2024-03-31T01:00Z and +120 after (central Europe's spring change).
    const change = Date.UTC(2024, 2, 31, 1);
    const offsetOf = (ms: number) => (ms < change ? 60 : 120);
    expect(fromInputValue('2024-03-31T12:00', offsetOf)).toBe(Date.UTC(2024, 2, 31, 10));
    expect(fromInputValue('2024-03-30T12:00', offsetOf)).toBe(Date.UTC(2024, 2, 30, 11));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { inferYear, readRfc3339 } from '../../../collector/syslog/timestamp.js';
import {
  civilToSeconds,
  isValidTimezone,
  wallToEpoch,
} from '../../../collector/syslog/timezone.js';
import { isoNano } from '../../../dev/syslog-vectors.js';

const utc = (iso: string) => Date.parse(iso);
const sec = (iso: string) => Date.parse(iso) / 1000;

/** Wall-clock seconds (as if UTC) of an instant in a zone, straight from Intl. */
function wallOf(tz: string, utcSec: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcSec * 1000));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return civilToSeconds(
    get('year'),
    get('month'),
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
}

function bsdTime(line: string, receivedAt: string, timezone = 'UTC'): string | null {
  const m = parseSyslog(line, { receivedAt: utc(receivedAt), timezone });
  return m.timeFromMessage ? isoNano(m.tsSec, m.tsNano) : null;
}

describe('year inference (RFC 3164 has no year)', () => {
  it.each([
    ['Dec 31 23:59:59', '2027-01-01T00:00:30Z', '2026-12-31T23:59:59'],
    ['Dec 24 10:00:00', '2027-01-10T00:00:00Z', '2026-12-24T10:00:00'],
    ['Jan  1 00:00:10', '2026-12-31T23:59:50Z', '2027-01-01T00:00:10'],
    ['Jan 15 00:00:00', '2026-12-20T00:00:00Z', '2027-01-15T00:00:00'],
    ['Nov 28 06:23:48', '2026-11-28T06:24:00Z', '2026-11-28T06:23:48'],
    ['Nov 28 06:30:00', '2026-11-28T06:24:00Z', '2026-11-28T06:30:00'],
    // More than about a month ahead is taken as last year's line, not a future one.
    ['Mar 10 00:00:00', '2026-02-01T00:00:00Z', '2025-03-10T00:00:00'],
    ['Jun 30 12:00:00', '2026-01-01T00:00:00Z', '2025-06-30T12:00:00'],
  ])('%s received %s is %s', (stamp, receivedAt, expected) => {
    expect(bsdTime(`<13>${stamp} h app: x`, receivedAt)).toBe(`${expected}.000000000Z`);
  });

  it('Feb 29 takes the nearest leap year in reach, else the arrival time', () => {
    expect(bsdTime('<13>Feb 29 12:00:00 h app: x', '2028-03-01T00:00:00Z')).toBe(
      '2028-02-29T12:00:00.000000000Z',
    );
    expect(bsdTime('<13>Feb 29 12:00:00 h app: x', '2029-01-15T00:00:00Z')).toBe(
      '2028-02-29T12:00:00.000000000Z',
    );
    expect(bsdTime('<13>Feb 29 12:00:00 h app: x', '2026-06-01T00:00:00Z')).toBe(null);
    expect(inferYear(2, 29, 0, sec('2026-06-01T00:00:00Z'))).toBe(0);
    const m = parseSyslog('<13>Feb 29 12:00:00 h app: x', {
      receivedAt: utc('2026-06-01T00:00:00Z'),
      timezone: 'UTC',
    });
    expect([m.invalidTimeText, m.hostname, m.appName]).toEqual(['Feb 29 12:00:00', 'h', 'app']);
  });

  it('the chosen year is never more than 31 days ahead and always the closest such (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: sec('2001-01-01T00:00:00Z'), max: sec('2090-01-01T00:00:00Z') }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 86_399 }),
        (received, month, day, secOfDay) => {
          const year = inferYear(month, day, secOfDay, received);
          const at = (y: number) => civilToSeconds(y, month, day, 0, 0, 0) + secOfDay - received;
          expect(at(year)).toBeLessThanOrEqual(31 * 86_400);
          for (const other of [year - 1, year + 1]) {
            if (at(other) <= 31 * 86_400)
              expect(Math.abs(at(other))).toBeGreaterThanOrEqual(Math.abs(at(year)));
          }
        },
      ),
    );
  });
});

describe('zones for zone-less times', () => {
  it('UTC, Europe/Berlin in winter and summer, America/New_York', () => {
    const line = '<13>Nov 28 07:23:03 h app: x';
    expect(bsdTime(line, '2026-11-28T08:00:00Z', 'UTC')).toBe('2026-11-28T07:23:03.000000000Z');
    expect(bsdTime(line, '2026-11-28T08:00:00Z', 'Europe/Berlin')).toBe(
      '2026-11-28T06:23:03.000000000Z',
    );
    expect(bsdTime('<13>Jul 15 08:00:00 h a: x', '2026-07-15T07:00:00Z', 'Europe/Berlin')).toBe(
      '2026-07-15T06:00:00.000000000Z',
    );
    expect(bsdTime(line, '2026-11-28T13:00:00Z', 'America/New_York')).toBe(
      '2026-11-28T12:23:03.000000000Z',
    );
  });

  it('Europe/Berlin across the DST changes of 2026 (Mar 29, Oct 25)', () => {
    const at = (stamp: string, receivedAt: string) =>
      bsdTime(`<13>${stamp} h app: x`, receivedAt, 'Europe/Berlin');
    expect(at('Mar 29 01:59:59', '2026-03-29T02:00:00Z')).toBe('2026-03-29T00:59:59.000000000Z');
    // 02:30 does not exist that night: read with the offset from before, like JS Date (03:30 CEST).
    expect(at('Mar 29 02:30:00', '2026-03-29T02:00:00Z')).toBe('2026-03-29T01:30:00.000000000Z');
    expect(at('Mar 29 03:00:00', '2026-03-29T02:00:00Z')).toBe('2026-03-29T01:00:00.000000000Z');
    // 02:30 happens twice on Oct 25: the earlier one (CEST), like JS Date.
    expect(at('Oct 25 02:30:00', '2026-10-25T02:00:00Z')).toBe('2026-10-25T00:30:00.000000000Z');
    expect(at('Oct 25 03:00:00', '2026-10-25T02:00:00Z')).toBe('2026-10-25T02:00:00.000000000Z');
    expect(at('Oct 25 01:59:59', '2026-10-25T02:00:00Z')).toBe('2026-10-24T23:59:59.000000000Z');
  });

  it('rsyslog RFC 3339 times without an offset use the zone too', () => {
    const m = parseSyslog('<13>2026-07-15T08:00:00.5 h app: x', {
      receivedAt: 0,
      timezone: 'Europe/Berlin',
    });
    expect(isoNano(m.tsSec, m.tsNano)).toBe('2026-07-15T06:00:00.500000000Z');
  });

  it('wall time -> instant -> wall time round-trips in odd zones, cache or not (fast-check)', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'America/St_Johns',
      'Pacific/Chatham',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: sec('1990-01-01T00:00:00Z'), max: sec('2040-01-01T00:00:00Z') }),
        (tz, instant) => {
          const wall = wallOf(tz, instant);
          const back = wallToEpoch(tz, wall);
          expect(wallOf(tz, back)).toBe(wall);
          // An ambiguous wall time maps to the earlier instant.
          expect(back).toBeLessThanOrEqual(instant);
          expect(wallToEpoch(tz, wall)).toBe(back);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("'local' is this process's zone", () => {
    const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    const wall = civilToSeconds(2026, 7, 1, 12, 0, 0);
    expect(wallToEpoch('local', wall)).toBe(wallToEpoch(zone, wall));
  });

  it('validates zone names', () => {
    expect(
      ['UTC', 'local', 'Europe/Berlin', 'America/Argentina/Buenos_Aires'].map(isValidTimezone),
    ).toEqual([true, true, true, true]);
    expect(['Mars/Olympus', '', 'Europe/Berlin '].map(isValidTimezone)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('RFC 3339 timestamps (RFC 5424 section 6.2.3)', () => {
  const read = (s: string, tz = 'UTC') => {
    const t = readRfc3339(Buffer.from(s), 0, s.length, tz);
    if (t && Number.isNaN(t.sec)) return 'impossible';
    return t && isoNano(t.sec, t.nano);
  };

  it.each([
    ['2003-10-11T22:14:15.003Z', '2003-10-11T22:14:15.003000000Z'],
    ['2003-08-24T05:14:15.000003-07:00', '2003-08-24T12:14:15.000003000Z'],
    ['2026-11-28T06:23:49.123456789+05:30', '2026-11-28T00:53:49.123456789Z'],
    ['2026-11-28t06:23:49z', '2026-11-28T06:23:49.000000000Z'],
    ['2026-11-28T06:23:49+0100', '2026-11-28T05:23:49.000000000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000000000Z'],
    ['2026-12-31T23:59:60Z', '2027-01-01T00:00:00.000000000Z'],
    ['1969-12-31T23:59:59.5Z', '1969-12-31T23:59:59.500000000Z'],
  ])('%s', (input, expected) => {
    expect(read(input)).toBe(expected);
  });

  // Shaped like a date-time, so a header reads on past it and keeps its text (issue 14).
  it.each([
    '2026-02-29T00:00:00Z',
    '2026-02-30T06:23:49Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-11-00T00:00:00Z',
    '2026-11-28T24:00:00Z',
    '2026-11-28T06:60:00Z',
    '2026-11-28T06:23:61Z',
    '2026-11-28T06:23:49+25:00',
    '2026-11-28T06:23:49-01:60',
    '2026-09-31T25:00:00',
  ])('impossible values %s', (input) => {
    expect(read(input)).toBe('impossible');
  });

  it.each([
    '2026-11-28T06:23:49.Z',
    '2026-11-28 06:23:49Z',
    '2026-11-28T06:23:49Zjunk',
    '2026-11-28T06:23',
    '26-11-28T06:23:49Z',
    '2026-11-28T6:23:49Z',
    '2026-11-28T06:23:49+1:00',
  ])('not a date-time: %s', (input) => {
    expect(read(input)).toBe(null);
  });

  it('agrees with Date.parse on millisecond stamps (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1000-01-01T00:00:00Z'),
          max: new Date('9998-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (d, offsetMin) => {
          const local = new Date(d.getTime() + offsetMin * 60_000).toISOString().slice(0, 23);
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const stamp = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const t = readRfc3339(Buffer.from(stamp), 0, stamp.length, 'UTC');
          expect(t && t.sec * 1000 + t.nano / 1e6).toBe(d.getTime());
        },
      ),
    );
  });
});

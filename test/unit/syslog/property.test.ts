import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { daysInMonth } from '../../../collector/syslog/timezone.js';
import { isoNano } from '../../../dev/syslog-vectors.js';

const ctx = { receivedAt: Date.UTC(2026, 10, 28, 6, 24, 0), timezone: 'Europe/Berlin' };

// Random, syslog-shaped and mutated captured lines (never throws, sane fields): the
// syslog-parse fuzz property (test/fuzz/syslog.ts, run in CI by test/unit/fuzz.test.ts).

describe('parser on random and hostile input (fast-check)', () => {
  it('an unparsable line keeps all its text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        const m = parseSyslog(s.replace(/^[\s\S]*?(?=<|$)/, ''), ctx);
        if (m.format === 'unknown') {
          const text = s.replace(/^[\s\S]*?(?=<|$)/, '').replace(/[\r\n\0]+$/, '');
          expect(text.endsWith(m.message)).toBe(true);
        }
      }),
    );
  });
});

const token = fc.stringMatching(/^[!-~]{1,20}$/).filter((t) => t !== '-');
const nilOr = (a: fc.Arbitrary<string>) => fc.option(a, { nil: null });
const sdName = fc.stringMatching(/^[!#-<>-\\^-~]{1,12}$/);
const sdValue = fc.string({
  maxLength: 12,
  unit: fc.constantFrom('a', ' ', '"', '\\', ']', '[', '=', 'ü', '🚀'),
});
const escape = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);

describe('RFC 5424 round trip: what a sender writes, the parser reads back (fast-check)', () => {
  it('header, structured data with escapes, message', () => {
    fc.assert(
      fc.property(
        // No PRI at all (issue 14): the header is read all the same.
        fc.option(fc.integer({ min: 0, max: 191 }), { nil: null }),
        fc.date({
          min: new Date('1971-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999_999 }),
        nilOr(token),
        nilOr(token),
        nilOr(token),
        nilOr(token),
        fc.dictionary(sdName, fc.dictionary(sdName, sdValue, { maxKeys: 3 }), { maxKeys: 3 }),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n\0]+$/, '')),
        fc.boolean(),
        (pri, date, micros, host, app, proc, msgId, sd, msg, bom) => {
          const stamp = `${date.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
          const sdIds = Object.keys(sd);
          const sdText = sdIds.length
            ? sdIds
                .map(
                  (id) =>
                    `[${[id, ...Object.entries(sd[id] ?? {}).map(([k, v]) => `${k}="${escape(v)}"`)].join(' ')}]`,
                )
                .join('')
            : '-';
          const fields = [host, app, proc, msgId].map((f) => f ?? '-').join(' ');
          const line = `${pri === null ? '' : `<${pri}>`}1 ${stamp} ${fields} ${sdText}${msg || bom ? ` ${bom ? '\ufeff' : ''}${msg}` : ''}`;
          const m = parseSyslog(line, ctx);
          expect({
            pri: m.pri,
            severity: m.severity,
            version: m.version,
            format: m.format,
            time: isoNano(m.tsSec, m.tsNano),
            host: m.hostname,
            app: m.appName,
            proc: m.procId,
            msgId: m.msgId,
            sd: m.structuredData,
            msg: m.message,
          }).toEqual({
            pri,
            severity: pri === null ? null : pri & 7,
            version: 1,
            format: 'rfc5424',
            time: `${stamp.slice(0, -1)}000Z`,
            host,
            app,
            proc,
            msgId,
            sd: sdIds.length ? sd : null,
            msg,
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

/** A clock or date field: in range, or (when `bad`) just past it. */
const field = (lo: number, hi: number, bad: boolean) =>
  bad ? fc.integer({ min: hi + 1, max: 99 }) : fc.integer({ min: lo, max: hi });
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Month, day, hour, minute and second of 2026 (and of the years around it, which RFC 3164
 * infers) with at least one field no calendar or clock has: day 0, Sep 31, Feb 29, ...
 */
const impossibleParts = fc
  .record({
    badMonth: fc.boolean(),
    badDay: fc.boolean(),
    badHour: fc.boolean(),
    badMinute: fc.boolean(),
    badSecond: fc.boolean(),
  })
  .filter((b) => Object.values(b).some(Boolean))
  .chain((b) =>
    field(1, 12, b.badMonth).chain((month) =>
      fc.tuple(
        fc.constant(month),
        b.badDay
          ? fc.constantFrom(0, daysInMonth(2026, month) + 1, 32, 99)
          : fc.integer({ min: 1, max: 28 }),
        field(0, 23, b.badHour),
        field(0, 59, b.badMinute),
        field(0, 60, b.badSecond),
      ),
    ),
  );

describe('impossible times keep their text, and the header after them is read (fast-check)', () => {
  it('RFC 5424: TIMESTAMP text in invalidTimeText, arrival time, fields read', () => {
    fc.assert(
      fc.property(
        impossibleParts,
        fc.option(fc.integer({ min: 0, max: 191 }), { nil: null }),
        fc.constantFrom('Z', '+01:00', '-0530', ''),
        token,
        token,
        ([month, day, hour, minute, second], pri, zone, host, app) => {
          const stamp = `2026-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${zone}`;
          const line = `${pri === null ? '' : `<${pri}>`}1 ${stamp} ${host} ${app} - - - text`;
          const m = parseSyslog(line, ctx);
          expect([m.format, m.pri, m.invalidTimeText, m.timeFromMessage]).toEqual([
            'rfc5424',
            pri,
            stamp,
            false,
          ]);
          expect([m.tsSec * 1000 + m.tsNano / 1e6, m.hostname, m.appName, m.message]).toEqual([
            ctx.receivedAt,
            host,
            app,
            'text',
          ]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('RFC 3164: "Mmm dd hh:mm:ss" text in invalidTimeText, arrival time, fields read', () => {
    const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
    const host = fc.stringMatching(/^[a-z][a-z0-9.-]{0,15}$/);
    fc.assert(
      fc.property(
        impossibleParts.filter(([month]) => month <= 12),
        fc.option(fc.integer({ min: 0, max: 191 }), { nil: null }),
        fc.boolean(),
        host,
        ([month, day, hour, minute, second], pri, zeroPad, hostname) => {
          const dd = zeroPad ? pad(day) : String(day).padStart(2, ' ');
          const stamp = `${MONTHS[month - 1]} ${dd} ${pad(hour)}:${pad(minute)}:${pad(second)}`;
          const line = `${pri === null ? '' : `<${pri}>`}${stamp} ${hostname} app[1]: text`;
          const m = parseSyslog(line, ctx);
          expect([m.format, m.pri, m.invalidTimeText, m.timeFromMessage]).toEqual([
            'rfc3164',
            pri,
            stamp,
            false,
          ]);
          expect([
            m.tsSec * 1000 + m.tsNano / 1e6,
            m.hostname,
            m.appName,
            m.procId,
            m.message,
          ]).toEqual([ctx.receivedAt, hostname, 'app', '1', 'text']);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('RFC 3164 round trip (fast-check)', () => {
  const host = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}$/);
  const tag = fc.stringMatching(/^[a-zA-Z0-9_./-]{1,30}$/);
  // Runs of spaces and tabs between header fields, as senders in the wild write (issue 14).
  const blanks = fc.stringMatching(/^[ \t]{1,4}$/);
  it('Docker-style and logger-style headers, with or without PRI, any blanks between fields', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 191 }), { nil: null }),
        fc.option(host, { nil: null }),
        tag,
        fc.option(fc.integer({ min: 1, max: 4_194_304 }).map(String), { nil: null }),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n\0]+$/, '')),
        fc.integer({ min: 1, max: 28 }),
        fc.tuple(fc.option(blanks, { nil: '' }), blanks, blanks, fc.constantFrom(' ', '\t')),
        (pri, hostname, appName, pid, msg, day, [afterPri, afterTime, afterHost, afterTag]) => {
          const stamp = `Nov ${String(day).padStart(2, ' ')} 06:23:48`;
          const head = pri === null ? '' : `<${pri}>${afterPri}`;
          const line = `${head}${stamp}${afterTime}${hostname ? `${hostname}${afterHost}` : ''}${appName}${pid ? `[${pid}]` : ''}:${afterTag}${msg}`;
          const m = parseSyslog(line, { ...ctx, timezone: 'UTC' });
          // A host-less line whose tag has no pid reads "tag:" first: still the tag.
          expect([
            m.format,
            m.pri,
            m.severity,
            m.hostname,
            m.appName,
            m.procId,
            m.message,
            isoNano(m.tsSec, m.tsNano),
          ]).toEqual([
            'rfc3164',
            pri,
            pri === null ? null : pri & 7,
            hostname,
            appName,
            pid,
            msg,
            `2026-11-${String(day).padStart(2, '0')}T06:23:48.000000000Z`,
          ]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

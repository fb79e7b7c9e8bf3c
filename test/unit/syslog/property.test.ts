import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { isoNano } from './vectors.js';

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
        fc.integer({ min: 0, max: 191 }),
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
          const line = `<${pri}>1 ${stamp} ${fields} ${sdText}${msg || bom ? ` ${bom ? '\ufeff' : ''}${msg}` : ''}`;
          const m = parseSyslog(line, ctx);
          expect({
            pri: m.pri,
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

describe('RFC 3164 round trip (fast-check)', () => {
  const host = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}$/);
  const tag = fc.stringMatching(/^[a-zA-Z0-9_./-]{1,30}$/);
  it('Docker-style and logger-style headers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 191 }),
        fc.option(host, { nil: null }),
        tag,
        fc.option(fc.integer({ min: 1, max: 4_194_304 }).map(String), { nil: null }),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n\0]+$/, '')),
        fc.integer({ min: 1, max: 28 }),
        (pri, hostname, appName, pid, msg, day) => {
          const stamp = `Nov ${String(day).padStart(2, ' ')} 06:23:48`;
          const line = `<${pri}>${stamp} ${hostname ? `${hostname} ` : ''}${appName}${pid ? `[${pid}]` : ''}: ${msg}`;
          const m = parseSyslog(line, { ...ctx, timezone: 'UTC' });
          // A host-less line whose tag has no pid reads "tag:" first: still the tag.
          expect([
            m.format,
            m.pri,
            m.hostname,
            m.appName,
            m.procId,
            m.message,
            isoNano(m.tsSec, m.tsNano),
          ]).toEqual([
            'rfc3164',
            pri,
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

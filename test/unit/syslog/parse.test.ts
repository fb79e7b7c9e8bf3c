import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { RECEIVED_AT, VECTORS, asExpected } from '../../../dev/syslog-vectors.js';

describe('parseSyslog: test vectors (RFC 5424 6.5, RFC 3164 5.4, Docker, logger, wild shapes)', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const receivedAt = v.receivedAt ?? RECEIVED_AT;
    const m = parseSyslog(v.line, { receivedAt, timezone: v.timezone ?? 'UTC' });
    expect(asExpected(m)).toEqual(v.expect);
    // Derived fields agree with the PRI and format.
    expect(m.facility).toBe(v.expect.pri === null ? null : v.expect.pri >> 3);
    expect(m.severity).toBe(v.expect.pri === null ? null : v.expect.pri & 7);
    expect(m.version).toBe(v.expect.format === 'rfc5424' ? 1 : null);
    if (v.expect.time === null) {
      expect(m.tsSec * 1000 + m.tsNano / 1e6).toBe(receivedAt);
    }
    expect(m.messageBytes.toString('utf8')).toBe(m.message);
  });

  it('takes a Buffer and a string alike', () => {
    const line = '<30>Nov 28 06:23:48 599aea6725e3[29811]: hello stdout 1';
    const ctx = { receivedAt: RECEIVED_AT, timezone: 'UTC' };
    expect(asExpected(parseSyslog(Buffer.from(line), ctx))).toEqual(
      asExpected(parseSyslog(line, ctx)),
    );
  });

  it('keeps sub-millisecond arrival time when the message has no time', () => {
    const m = parseSyslog('no header', { receivedAt: 1_700_000_000_123.5, timezone: 'UTC' });
    expect([m.tsSec, m.tsNano, m.timeFromMessage]).toEqual([1_700_000_000, 123_500_000, false]);
  });

  it('structured data objects have no prototype: "__proto__" is a name like any other', () => {
    const m = parseSyslog('<14>1 - h a - - [__proto__ __proto__="x" constructor="y"] m', {
      receivedAt: RECEIVED_AT,
      timezone: 'UTC',
    });
    const sd = m.structuredData ?? {};
    expect(Object.keys(sd)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(sd)).toBe(null);
    expect(JSON.stringify(sd)).toBe('{"__proto__":{"__proto__":"x","constructor":"y"}}');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('messageBytes are the received MSG bytes without the BOM (for rejoining split lines)', () => {
    const bytes = Buffer.from([0xe2, 0x82]); // first two bytes of "€": cut by a split
    const line = Buffer.concat([Buffer.from('<30>Nov 28 06:23:48 599aea6725e3[29811]: a'), bytes]);
    const m = parseSyslog(line, { receivedAt: RECEIVED_AT, timezone: 'UTC' });
    expect(m.message).toBe('a\ufffd');
    expect([...m.messageBytes]).toEqual([0x61, 0xe2, 0x82]);
  });
});

import { describe, expect, it } from 'vitest';
import { decode } from './decode-helpers.js';
import { arr, bin, cat, fixext8Time, map, mapOf, pack, str } from '../../support/msgpack-bytes.js';

describe('record values', () => {
  /** The record of a Message whose record is `{[key]: value}`. */
  const one = (value: Buffer, key = 'v') =>
    decode(cat(arr(3), str('t'), pack(1), mapOf([[key, value]]))).events[0]!.record;

  it('keeps integers exact: numbers up to 2^53, decimal strings past it', () => {
    expect(one(Buffer.from([0xcf, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).v).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(one(Buffer.from([0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0])).v).toBe('9007199254740992');
    expect(one(Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).v).toBe(
      '18446744073709551615',
    );
    expect(one(Buffer.from([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0])).v).toBe('-9223372036854775808');
    expect(one(Buffer.from([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x85])).v).toBe(-123);
    expect(one(Buffer.from([0xd1, 0xff, 0x38])).v).toBe(-200);
  });

  it('turns NaN and infinities into null', () => {
    expect(one(Buffer.from([0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0])).v).toBeNull();
    expect(one(Buffer.from([0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0])).v).toBeNull();
    expect(one(Buffer.from([0xca, 0x7f, 0x80, 0, 0])).v).toBeNull();
    expect(one(pack(1.5)).v).toBe(1.5);
  });

  it('turns bin into base64 except top-level log and message, kept as exact bytes', () => {
    const bytes = Buffer.from([0, 1, 2, 0xff]);
    expect(one(bin(bytes)).v).toBe('AAEC/w==');
    expect(one(bin(bytes), 'log').log).toEqual(bytes);
    expect(one(bin(bytes), 'message').message).toEqual(bytes);
    expect(one(cat(map(1), str('log'), bin(bytes))).v).toEqual({ log: 'AAEC/w==' });
  });

  it('keeps valid UTF-8 logs as strings, a real U+FFFD included', () => {
    expect(one(str('h\u00e9 \ufffd \u2603\u0000'), 'log').log).toBe('h\u00e9 \ufffd \u2603\u0000');
    expect(one(str(Buffer.from([0x61, 0xff])), 'other').other).toBe('a\ufffd');
  });

  it('makes EventTime in a record whole seconds (Fluentd’s to_json) and other ext null', () => {
    expect(one(fixext8Time(1700000000, 5)).v).toBe(1700000000);
    expect(one(cat([0xd4, 0x05, 0x01])).v).toBeNull();
    expect(one(cat([0xc8, 0x00, 0x02, 0x07, 0x01, 0x02])).v).toBeNull();
  });

  it('makes every key a string', () => {
    const rec = decode(
      cat(
        arr(3),
        str('t'),
        pack(1),
        map(4),
        pack(1),
        pack('a'),
        [0xc0],
        pack('b'),
        pack(true),
        pack('c'),
        bin('k'),
        pack('d'),
      ),
    ).events[0]!.record;
    expect(rec).toEqual({ 1: 'a', null: 'b', true: 'c', 'aw==': 'd' });
  });

  it('renames __proto__ and pollutes no prototype', () => {
    const rec = one(pack({ polluted: 'yes' }), '__proto__');
    expect(Object.getPrototypeOf(rec)).toBe(Object.prototype);
    expect(rec).toEqual({ __proto_: { polluted: 'yes' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const nested = one(cat(map(1), str('__proto__'), pack({ polluted: 1 })));
    expect(Object.getPrototypeOf(nested.v)).toBe(Object.prototype);
    expect(nested.v).toEqual({ __proto_: { polluted: 1 } });
  });

  it('never aliases the request buffer', () => {
    const frame = cat(arr(3), str('t'), pack(1), mapOf([['log', bin('abc')]]));
    const log = decode(frame).events[0]!.record.log as Buffer;
    frame.fill(0);
    expect(log.toString()).toBe('abc');
  });
});

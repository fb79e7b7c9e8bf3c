import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardDecodeError } from '../../../collector/forward/errors.js';
import { GROUP_MARKER } from '../../../collector/forward/event-time.js';
import type { DecodeLimits } from '../../../collector/forward/types.js';
import {
  arr,
  bin,
  cat,
  ext8Time,
  fixext8Time,
  limits,
  map,
  mapOf,
  NOW_NANO,
  NOW_SEC,
  pack,
  str,
} from './mp.js';

const decode = (frame: Buffer, l: DecodeLimits = limits) => decodeRequest(frame, 'msgpack', l);

/** The error decode throws for `frame`, checked to be a ForwardDecodeError. */
function decodeError(frame: Buffer, l: DecodeLimits = limits): ForwardDecodeError {
  try {
    decode(frame, l);
  } catch (e) {
    expect(e).toBeInstanceOf(ForwardDecodeError);
    return e as ForwardDecodeError;
  }
  throw new Error('decode did not throw');
}

const record = {
  container_id: 'c'.repeat(64),
  container_name: '/web',
  source: 'stdout',
  log: 'hi',
};
/** A Message request with this encoded time. */
const messageWithTime = (time: Buffer) => cat(arr(3), str('app'), time, pack(record));
const timeOf = (time: Buffer) => {
  const { events } = decode(messageWithTime(time));
  return [events[0]!.tsSec, events[0]!.tsNano];
};

describe('Message mode', () => {
  it('decodes Docker’s shape: [tag, int, record, {}]', () => {
    const req = decode(cat(arr(4), str('abc123'), pack(1700000000), pack(record), map(0)));
    expect(req).toEqual({
      kind: 'message',
      tag: 'abc123',
      events: [{ tsSec: 1700000000, tsNano: 0, record }],
      option: {},
      skipped: [],
    });
  });

  it('has no option without the 4th element, and echoes the chunk as sent', () => {
    expect(decode(messageWithTime(pack(5))).option).toBeNull();
    const withChunk = cat(
      arr(4),
      str('t'),
      pack(1),
      pack(record),
      pack({ chunk: 'p8n9gm==', size: 1 }),
    );
    expect(decode(withChunk).option).toEqual({ chunk: 'p8n9gm==', size: 1 });
    const binChunk = cat(
      arr(4),
      str('t'),
      pack(1),
      pack(record),
      mapOf([['chunk', bin('\x01\x02')]]),
    );
    expect(decode(binChunk).option?.chunk).toEqual(Buffer.from([1, 2]));
  });

  it('ignores option keys the protocol does not define, and a non-map option', () => {
    const opt = mapOf([
      ['chunk', str('x')],
      ['eventEntryDataSize', pack(12)],
      ['compressed', str('text')],
    ]);
    expect(decode(cat(arr(4), str('t'), pack(1), pack(record), opt)).option).toEqual({
      chunk: 'x',
      compressed: 'text',
    });
    expect(decode(cat(arr(4), str('t'), pack(1), pack(record), pack('nope'))).option).toBeNull();
  });
});

describe('event time', () => {
  it('reads integer seconds of every width, negative ones too', () => {
    expect(timeOf(pack(1700000000))).toEqual([1700000000, 0]);
    expect(timeOf(Buffer.from([0xcf, 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00]))).toEqual([
      1700000000, 0,
    ]);
    expect(timeOf(Buffer.from([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]))).toEqual([
      -2, 0,
    ]);
  });

  it('reads EventTime as fixext8 and as ext8, keeping nanoseconds', () => {
    expect(timeOf(fixext8Time(1700000000, 123456789))).toEqual([1700000000, 123456789]);
    expect(timeOf(ext8Time(1700000000, 999999999))).toEqual([1700000000, 999999999]);
    expect(timeOf(fixext8Time(0xfffffff0, 1))).toEqual([0xfffffff0, 1]);
  });

  it('reads the msgpack timestamp extension (type -1) in its three sizes', () => {
    expect(timeOf(cat([0xd6, 0xff], [0x65, 0x53, 0xf1, 0x00]))).toEqual([1700000000, 0]);
    const t64 = Buffer.alloc(8);
    t64.writeUInt32BE((5 << 2) | 0, 0);
    t64.writeUInt32BE(1700000000, 4);
    expect(timeOf(cat([0xd7, 0xff], t64))).toEqual([1700000000, 5]);
    const t96 = Buffer.alloc(12);
    t96.writeUInt32BE(7, 0);
    t96.writeBigInt64BE(1700000000n, 4);
    expect(timeOf(cat([0xc7, 12, 0xff], t96))).toEqual([1700000000, 7]);
  });

  it('splits float seconds into seconds and nanoseconds', () => {
    expect(timeOf(pack(1700000000.25))).toEqual([1700000000, 250000000]);
    expect(timeOf(cat([0xca], Buffer.from([0x3f, 0xc0, 0, 0])))).toEqual([1, 500000000]);
  });

  it('takes 0, nil and an EventTime of second 0 as "now"', () => {
    for (const t of [pack(0), Buffer.from([0xc0]), fixext8Time(0, 5), pack(0.0)]) {
      expect(timeOf(t)).toEqual([NOW_SEC, NOW_NANO]);
    }
  });

  it('reads Fluent Bit’s [EventTime, {metadata}], keeping non-empty metadata', () => {
    const v2 = cat(arr(2), fixext8Time(1700000000, 42), pack({ otlp: { severity: 'INFO' } }));
    const { events } = decode(messageWithTime(v2));
    expect(events[0]).toEqual({
      tsSec: 1700000000,
      tsNano: 42,
      record,
      meta: { otlp: { severity: 'INFO' } },
    });
    const empty = decode(messageWithTime(cat(arr(2), pack(1700000000), map(0)))).events[0]!;
    expect(empty).toEqual({ tsSec: 1700000000, tsNano: 0, record });
    expect('meta' in empty).toBe(false);
  });

  it('skips events whose time is no time, keeping the option for the ack', () => {
    const cases: [Buffer, RegExp][] = [
      [str('1700000000'), /time is a string/],
      [pack(true), /time is a boolean/],
      [pack({ sec: 1 }), /time is a map/],
      [Buffer.from([0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]), /not finite/],
      [cat([0xd4, 0x05, 0x00]), /ext type 5/],
      [cat(arr(3), pack(1), map(0), map(0)), /not \[time, metadata\]/],
      [cat(arr(2), pack(1), pack('meta')), /metadata is not a map/],
      [Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /out of range/],
    ];
    for (const [time, reason] of cases) {
      const frame = cat(arr(4), str('t'), time, pack(record), pack({ chunk: 'c1' }));
      const req = decode(frame);
      expect(req.events).toEqual([]);
      expect(req.skipped).toHaveLength(1);
      expect(req.skipped[0]!.reason).toMatch(reason);
      expect(req.option).toEqual({ chunk: 'c1' });
    }
  });
});

describe('Forward mode', () => {
  it('decodes [tag, [[time, record]...], option]', () => {
    const frame = cat(
      arr(3),
      str('app.web'),
      arr(2),
      cat(arr(2), pack(1700000000), pack({ a: 1 })),
      cat(arr(2), fixext8Time(1700000001, 5), pack({ b: 2 })),
      pack({ chunk: 'abc' }),
    );
    expect(decode(frame)).toEqual({
      kind: 'forward',
      tag: 'app.web',
      events: [
        { tsSec: 1700000000, tsNano: 0, record: { a: 1 } },
        { tsSec: 1700000001, tsNano: 5, record: { b: 2 } },
      ],
      option: { chunk: 'abc' },
      skipped: [],
    });
  });

  it('decodes Fluent Bit v2 entries [[time, meta], record] and drops its group markers', () => {
    const entry = (time: Buffer, meta: unknown, rec: unknown) =>
      cat(arr(2), arr(2), time, pack(meta), pack(rec));
    const frame = cat(
      arr(2),
      str('fb'),
      arr(4),
      entry(fixext8Time(0xffffffff, 0), { group: 'start' }, { resource: 'x' }),
      entry(fixext8Time(1700000000, 9), { k: 'v' }, { log: 'in group' }),
      entry(pack(1700000001), {}, { log: 'plain' }),
      entry(pack(-2), {}, {}),
    );
    const req = decode(frame);
    expect(req.events).toEqual([
      { tsSec: 1700000000, tsNano: 9, record: { log: 'in group' }, meta: { k: 'v' } },
      { tsSec: 1700000001, tsNano: 0, record: { log: 'plain' } },
    ]);
    expect(req.skipped).toEqual([
      { index: 0, reason: GROUP_MARKER },
      { index: 3, reason: GROUP_MARKER },
    ]);
  });

  it('skips bad entries by index and keeps the good ones', () => {
    const frame = cat(
      arr(2),
      str('t'),
      arr(6),
      cat(arr(2), pack(1), pack({ ok: 1 })),
      pack('not an entry'),
      cat(arr(1), pack(1)),
      cat(arr(2), pack(2), pack('record string')),
      cat(arr(2), pack(3), Buffer.from([0xc0])),
      cat(arr(3), pack(4), pack({ ok: 2 }), pack('extra element ignored')),
    );
    const req = decode(frame);
    expect(req.events.map((e) => e.record)).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(req.skipped.map((s) => s.index)).toEqual([1, 2, 3, 4]);
    expect(req.skipped[2]!.reason).toBe('record is not a map');
  });

  it('accepts an empty entry list', () => {
    expect(decode(cat(arr(2), str('t'), arr(0)))).toMatchObject({ kind: 'forward', events: [] });
  });
});

/** `[time, record]` entries back to back, as a PackedForward payload. */
function entries(n: number, rec: (i: number) => Buffer = (i) => pack({ i })): Buffer {
  return cat(
    ...Array.from({ length: n }, (_, i) => cat(arr(2), fixext8Time(1700000000 + i, i), rec(i))),
  );
}
const packedReq = (payload: Buffer, option?: unknown) =>
  option === undefined
    ? cat(arr(2), str('p'), payload)
    : cat(arr(3), str('p'), payload, pack(option));

describe('PackedForward', () => {
  // A Docker log line with NUL, ANSI colour, a lone continuation byte and a truncated sequence.
  const rawLog = Buffer.from([
    0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x41, 0x00, 0x80, 0x42, 0xe2, 0x82, 0x0d,
  ]);
  const rawEntries = entries(3, (i) =>
    mapOf([
      ['log', i === 1 ? str(rawLog) : str(`line ${i}`)],
      ['source', str('stdout')],
    ]),
  );

  it.each([
    ['str (as Fluentd’s out_forward sends it)', str],
    ['bin', bin],
  ])('keeps every byte of the payload as %s, invalid UTF-8 in log included', (_name, wrap) => {
    const req = decode(packedReq(wrap(rawEntries), { chunk: 'k', size: 3 }));
    expect(req.kind).toBe('packed');
    expect(req.events).toHaveLength(3);
    const log = req.events[1]!.record.log;
    expect(Buffer.isBuffer(log)).toBe(true);
    expect(log).toEqual(rawLog);
    expect(req.events[0]!.record).toEqual({ log: 'line 0', source: 'stdout' });
    expect(req.events[2]!.tsNano).toBe(2);
    expect(req.option).toEqual({ chunk: 'k', size: 3 });
  });

  it('treats compressed "text" (and values it does not know) as uncompressed', () => {
    expect(decode(packedReq(bin(entries(2)), { compressed: 'text' }))).toMatchObject({
      kind: 'packed',
    });
    expect(decode(packedReq(bin(entries(2)), { compressed: 'lz4?' })).events).toHaveLength(2);
  });

  it('gunzips CompressedPackedForward, several concatenated members too', () => {
    const all = entries(5);
    const single = decode(packedReq(bin(gzipSync(all)), { compressed: 'gzip', chunk: 'z' }));
    expect(single.kind).toBe('compressed');
    expect(single.events.map((e) => e.record)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    // Split mid-entry: the members only make sense once joined.
    const members = cat(
      gzipSync(all.subarray(0, 7)),
      gzipSync(all.subarray(7, 20)),
      gzipSync(all.subarray(20)),
    );
    const multi = decode(packedReq(bin(members), { compressed: 'gzip' }));
    expect(multi.events).toEqual(single.events);
    expect(multi.skipped).toEqual([]);
  });

  it('refuses a gzip bomb past maxDecompressedBytes with a clear, non-fatal error', () => {
    const bomb = gzipSync(Buffer.alloc(1 << 20));
    expect(bomb.length).toBeLessThan(2048);
    const err = decodeError(packedReq(bin(bomb), { compressed: 'gzip', chunk: 'b' }), {
      ...limits,
      maxDecompressedBytes: 64 * 1024,
    });
    expect(err.fatal).toBe(false);
    expect(err.code).toBe('LH_FORWARD_DECOMPRESS_LIMIT');
    expect(err.message).toMatch(/exceeds 65536 bytes/);
  });

  it('refuses corrupt gzip, non-fatally', () => {
    const err = decodeError(packedReq(bin(Buffer.from('not gzip at all')), { compressed: 'gzip' }));
    expect(err.fatal).toBe(false);
    expect(err.message).toMatch(/gzip payload/);
  });

  it('keeps the events before a corrupt spot and lists the rest as one skipped entry', () => {
    const all = entries(4);
    const cut = all.subarray(0, all.length - 3);
    const req = decode(packedReq(bin(cut)));
    expect(req.events).toHaveLength(3);
    expect(req.skipped).toHaveLength(1);
    expect(req.skipped[0]!.index).toBe(3);
    expect(req.skipped[0]!.reason).toMatch(/corrupt payload/);
    const bad = decode(packedReq(bin(cat(entries(1), [0xc1], entries(1)))));
    expect(bad.events).toHaveLength(1);
    expect(bad.skipped[0]!.reason).toMatch(/0xc1/);
  });

  it('limits nesting inside the payload, which the framer never saw', () => {
    const deep = cat(...new Array<Buffer>(70).fill(arr(1)), pack(1));
    const req = decode(packedReq(bin(cat(arr(2), pack(1), mapOf([['deep', deep]])))));
    expect(req.events).toEqual([]);
    expect(req.skipped[0]!.reason).toMatch(/nesting deeper than 64/);
  });

  it('refuses more than maxEvents events per request, non-fatally', () => {
    const tight = { ...limits, maxEvents: 10 };
    expect(decode(packedReq(bin(entries(10))), tight).events).toHaveLength(10);
    const err = decodeError(packedReq(bin(entries(11))), tight);
    expect(err.fatal).toBe(false);
    expect(err.message).toMatch(/more than 10 events/);
    const forward = cat(
      arr(2),
      str('t'),
      arr(11),
      ...new Array<Buffer>(11).fill(cat(arr(2), pack(1), map(0))),
    );
    expect(decodeError(forward, tight).fatal).toBe(false);
  });

  it('decodes an empty payload to no events', () => {
    expect(decode(packedReq(bin(Buffer.alloc(0)), { compressed: 'gzip' })).events).toEqual([]);
  });
});

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

describe('heartbeat, handshake and fatal errors', () => {
  it('takes a lone nil as a heartbeat', () => {
    expect(decode(Buffer.from([0xc0]))).toEqual({
      kind: 'heartbeat',
      tag: '',
      events: [],
      option: null,
      skipped: [],
    });
  });

  it('recognises a 6-element PING, keeping str and bin as raw bytes', () => {
    const ping = cat(
      arr(6),
      str('PING'),
      str('client'),
      bin(Buffer.from([0xff, 0])),
      str('ab12'),
      str(''),
      [0xc0],
    );
    const req = decode(ping);
    expect(req.kind).toBe('handshake');
    expect(req.handshake).toEqual([
      'PING',
      Buffer.from('client'),
      Buffer.from([0xff, 0]),
      Buffer.from('ab12'),
      Buffer.alloc(0),
      null,
    ]);
  });

  const fatalCases: [string, Buffer][] = [
    ['an integer', pack(5)],
    ['a map', pack({ a: 1 })],
    ['a string', pack('tag')],
    ['an empty buffer', Buffer.alloc(0)],
    ['a 1-element array', pack(['t'])],
    ['a 7-element array', pack(['t', 1, 2, 3, 4, 5, 6])],
    ['a non-string tag', cat(arr(3), pack(42), pack(1), pack(record))],
    ['a 5-element Message', cat(arr(5), str('t'), pack(1), pack(record), map(0), map(0))],
    ['a Message without record', cat(arr(2), str('t'), pack(1))],
    [
      '6 elements that are not a PING',
      cat(arr(6), str('PONG'), pack(1), pack(2), pack(3), pack(4), pack(5)),
    ],
    ['a truncated request', cat(arr(3), str('t'), pack(1), map(2), str('a'))],
    ['bytes after the request', cat(messageWithTime(pack(1)), [0xc0])],
    ['two heartbeats in one frame', Buffer.from([0xc0, 0xc0])],
    ['0xc1 in a record', cat(arr(3), str('t'), pack(1), map(1), str('a'), [0xc1])],
  ];
  it.each(fatalCases)('refuses %s as fatal', (_name, frame) => {
    expect(decodeError(frame).fatal).toBe(true);
  });

  it('property: random bytes only ever raise ForwardDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decode(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(ForwardDecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('property: a valid request with bytes changed only ever raises ForwardDecodeError', () => {
    const base = cat(
      arr(3),
      str('app'),
      bin(
        gzipSync(
          entries(3, (i) => pack({ log: `line ${i}`, n: i, nested: { a: [1, 2.5, null] } })),
        ),
      ),
      pack({ compressed: 'gzip', chunk: 'c' }),
    );
    const plain = packedReq(bin(entries(3)), { chunk: 'c' });
    fc.assert(
      fc.property(
        fc.constantFrom(base, plain),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (frame, edits) => {
          const b = Buffer.from(frame);
          for (const [at, v] of edits) b[at % b.length] = v;
          try {
            decode(b);
          } catch (e) {
            expect(e).toBeInstanceOf(ForwardDecodeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

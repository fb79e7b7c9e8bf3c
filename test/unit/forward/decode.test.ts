import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ForwardDecodeError } from '../../../collector/forward/errors.js';
import { GROUP_MARKER } from '../../../collector/forward/event-time.js';
import { decode, decodeError, messageWithTime, record } from './decode-helpers.js';
import {
  arr,
  bin,
  cat,
  fixext8Time,
  limits,
  map,
  mapOf,
  pack,
  str,
} from '../../support/msgpack-bytes.js';

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

  // Random bytes and mutated Docker captures: the forward-decode fuzz property
  // (test/fuzz/forward.ts, run in CI by test/unit/fuzz.test.ts).

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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ForwardDecodeError } from '../../../collector/forward/errors.js';
import { MsgpackScanner, scanMsgpack } from '../../../collector/forward/msgpack-scan.js';
import {
  arr,
  bin,
  cat,
  ext8Time,
  fixext8Time,
  map,
  pack,
  str,
} from '../../support/msgpack-bytes.js';

/** Scans `buf` byte by byte (end = 1, 2, ...), as if every byte came in its own TCP read. */
function scanByteByByte(buf: Buffer, maxDepth = 64): number {
  const scanner = new MsgpackScanner(maxDepth);
  for (let end = 1; end <= buf.length; end++) {
    const r = scanner.scan(buf, 0, end);
    if (r >= 0) return r;
  }
  return -1;
}

const samples: [string, Buffer][] = [
  ['nil', Buffer.from([0xc0])],
  ['true', Buffer.from([0xc3])],
  ['positive fixint', pack(5)],
  ['negative fixint', pack(-3)],
  [
    'uint8..uint64',
    cat(arr(4), [0xcc, 1], [0xcd, 1, 2], [0xce, 1, 2, 3, 4], [0xcf, 1, 2, 3, 4, 5, 6, 7, 8]),
  ],
  [
    'int8..int64',
    cat(arr(4), [0xd0, 1], [0xd1, 1, 2], [0xd2, 1, 2, 3, 4], [0xd3, 1, 2, 3, 4, 5, 6, 7, 8]),
  ],
  ['float32, float64', cat(arr(2), [0xca, 0, 0, 0, 0], [0xcb, 0, 0, 0, 0, 0, 0, 0, 0])],
  ['fixstr', str('hello')],
  ['str8', str('x'.repeat(200))],
  ['str16', str('x'.repeat(70_000).slice(0, 65_535))],
  ['str32', str('y'.repeat(70_000))],
  ['bin8/16/32', cat(arr(3), bin('ab'), bin('z'.repeat(300)), bin('q'.repeat(70_000)))],
  [
    'fixext 1/2/4/8/16',
    cat(arr(5), [0xd4, 1, 0], [0xd5, 1, 0, 0], [0xd6, 1, 0, 0, 0, 0], fixext8Time(1, 2), [
      0xd8,
      1,
      ...new Array<number>(16).fill(0),
    ]),
  ],
  ['ext8/16/32', cat(arr(3), ext8Time(1, 2), [0xc8, 0, 2, 5, 9, 9], [0xc9, 0, 0, 0, 1, 5, 9])],
  ['empty containers', cat(arr(3), arr(0), map(0), arr(1), arr(0))],
  [
    'array16, map16',
    cat(
      arr(20),
      ...new Array<Buffer>(20).fill(cat(map(20), ...new Array<Buffer>(40).fill(pack(1)))),
    ),
  ],
  ['array32, map32', cat([0xdd, 0, 0, 0, 2], [0xdf, 0, 0, 0, 1], str('k'), str('v'), pack(7))],
  ['Docker message', pack(['abc', 1, { log: 'hi', source: 'stdout' }, {}])],
];

describe('scanMsgpack', () => {
  it.each(samples)('finds the end of %s, and needs more for every prefix', (_name, buf) => {
    expect(scanMsgpack(buf, 0, 64)).toBe(buf.length);
    for (const cut of new Set([0, 1, 2, 3, 5, 9, buf.length >> 1, buf.length - 1])) {
      if (cut < buf.length) expect(scanMsgpack(buf.subarray(0, cut), 0, 64)).toBe(-1);
    }
    expect(scanByteByByte(buf)).toBe(buf.length);
  });

  it('stops at the end of the first object and honours the offset', () => {
    const a = pack(['a', 1, {}]);
    const b = pack(['b', 2, { x: 1 }]);
    const both = cat([0xff], a, b);
    expect(scanMsgpack(both, 1, 64)).toBe(1 + a.length);
    expect(scanMsgpack(both, 1 + a.length, 64)).toBe(both.length);
  });

  it('throws a fatal ForwardDecodeError for 0xc1, at the top or nested', () => {
    for (const buf of [Buffer.from([0xc1]), cat(arr(2), pack(1), [0xc1])]) {
      expect(() => scanMsgpack(buf, 0, 64)).toThrow(ForwardDecodeError);
      try {
        scanMsgpack(buf, 0, 64);
      } catch (e) {
        expect((e as ForwardDecodeError).fatal).toBe(true);
      }
    }
  });

  it('accepts nesting up to maxDepth and refuses one level more, empty or not', () => {
    const nested = (levels: number, inner: Buffer) =>
      cat(...new Array<Buffer>(levels).fill(arr(1)), inner);
    expect(scanMsgpack(nested(63, arr(0)), 0, 64)).toBeGreaterThan(0);
    expect(() => scanMsgpack(nested(64, arr(0)), 0, 64)).toThrow(/nesting deeper than 64/);
    expect(() => scanMsgpack(nested(64, map(1)), 0, 64)).toThrow(/nesting deeper than 64/);
    expect(scanMsgpack(nested(3, pack(1)), 0, 4)).toBe(4);
  });

  it('does not trust declared lengths: huge headers with few bytes just need more', () => {
    const cases = [
      cat([0xdd, 0xff, 0xff, 0xff, 0xff], pack(1), pack(2)), // array32 of 2^32-1
      cat([0xdf, 0xff, 0xff, 0xff, 0xff], str('k')), // map32 of 2^32-1
      cat([0xdb, 0xff, 0xff, 0xff, 0xff], Buffer.from('abc')), // str32 of 4 GiB
      cat([0xc9, 0xff, 0xff, 0xff, 0xff, 0x00]), // ext32
    ];
    for (const buf of cases) expect(scanMsgpack(buf, 0, 64)).toBe(-1);
  });

  it('resumes after the bytes move to another buffer (offsets are relative)', () => {
    const obj = pack([
      'tag',
      [
        [1, { a: 'b'.repeat(100) }],
        [2, { c: [1, 2, 3] }],
      ],
      { chunk: 'x' },
    ]);
    const scanner = new MsgpackScanner(64);
    const cut = 37;
    expect(scanner.scan(cat([9, 9], obj.subarray(0, cut)), 2, 2 + cut)).toBe(-1);
    const moved = cat([7, 7, 7, 7], obj);
    expect(scanner.scan(moved, 4, moved.length)).toBe(moved.length);
  });

  it('property: any packed value is found whole, split at any point', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, at) => {
        const buf = pack(value);
        const cut = at % (buf.length + 1);
        const scanner = new MsgpackScanner(1000);
        const first = scanner.scan(buf, 0, cut);
        if (cut < buf.length) expect(first).toBe(-1);
        const end = first >= 0 ? first : scanner.scan(buf, 0, buf.length);
        expect(end).toBe(buf.length);
      }),
      { numRuns: 300 },
    );
  });

  // Random bytes and mutated captures, split and moved: the msgpack-scan fuzz property
  // (test/fuzz/forward.ts, run in CI by test/unit/fuzz.test.ts).
});

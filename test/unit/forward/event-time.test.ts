import { describe, expect, it } from 'vitest';
import { decode, messageWithTime, record } from './decode-helpers.js';
import {
  arr,
  cat,
  ext8Time,
  fixext8Time,
  map,
  NOW_NANO,
  NOW_SEC,
  pack,
  str,
} from '../../support/msgpack-bytes.js';

const timeOf = (time: Buffer) => {
  const { events } = decode(messageWithTime(time));
  return [events[0]!.tsSec, events[0]!.tsNano];
};

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

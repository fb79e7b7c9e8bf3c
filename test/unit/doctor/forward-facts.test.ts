/**
 * Forward traits from real Docker 20.10 captures and from requests built byte by byte in
 * every event mode and time encoding (Forward Protocol v1), decoded by the collector's
 * own decoder first, as on the wire.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import {
  forwardFacts,
  forwardKey,
  forwardSender,
  forwardTimeKind,
} from '../../../collector/doctor/forward-facts.js';
import {
  arr,
  bin,
  cat,
  ext8Time,
  fixext8Time,
  fixture,
  limits,
  mapOf,
  pack,
  str,
} from '../../support/msgpack-bytes.js';

function framesOf(bytes: Buffer): Buffer[] {
  const framer = new ForwardFramer(1 << 20);
  return framer.push(bytes);
}

function factsOf(frame: Buffer, mode: 'msgpack' | 'json' = 'msgpack') {
  const req = decodeRequest(frame, mode, limits);
  return { req, facts: forwardFacts(frame, req, mode) };
}

const record = mapOf([['log', str('hello')]]);

describe('Docker 20.10 fluentd driver captures', () => {
  it('fluentd-default.bin: Message, no ack, whole seconds, Docker, no Compose labels', () => {
    const frames = framesOf(fixture('fluentd-default.bin'));
    expect(frames).toHaveLength(6);
    for (const f of frames) {
      const { req, facts } = factsOf(f);
      expect(facts).toEqual({
        mode: 'message',
        ack: 'no',
        time: 'integer',
        docker: 'yes',
        compose: 'no',
        partial: 'no',
      });
      expect(forwardKey(req)).toBe('/web1');
      const who = forwardSender(req);
      expect(who.sender).toBe('container:web1');
      expect(who.containerName).toBe('web1');
      expect(who.containerId).toMatch(/^[0-9a-f]{64}$/);
      expect(who.tag).toBe(req.tag);
    }
  });

  it('fluentd-ack-subsecond.bin: chunk asks for an ack, EventTime', () => {
    const frames = framesOf(fixture('fluentd-ack-subsecond.bin'));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) {
      const { facts } = factsOf(f);
      expect(facts.ack).toBe('yes');
      expect(facts.time).toBe('event-time');
      expect(facts.docker).toBe('yes');
    }
  });

  it('fluentd-partial.bin: partial-line metadata is seen', () => {
    const all = framesOf(fixture('fluentd-partial.bin')).map((f) => factsOf(f).facts.partial);
    expect(all).toContain('yes');
    expect(all).toContain('no');
  });
});

describe('time encodings (Forward Protocol v1, "EventTime Ext Format")', () => {
  const message = (time: Buffer) => cat(arr(4), str('app'), time, record, mapOf([]));
  const cases: [string, Buffer, string][] = [
    ['positive fixint', pack(1), 'integer'],
    ['uint32 seconds', cat([0xce], Buffer.from([0x65, 0x53, 0xf1, 0x00])), 'integer'],
    ['int64 seconds', cat([0xd3], Buffer.alloc(7), [0x01]), 'integer'],
    ['EventTime fixext8', fixext8Time(1_700_000_000, 5), 'event-time'],
    ['EventTime ext8', ext8Time(1_700_000_000, 5), 'event-time'],
    ['EventTime with zero nanoseconds', fixext8Time(1_700_000_000, 0), 'event-time'],
    ['msgpack timestamp 32 (seconds only)', cat([0xd6, 0xff], Buffer.alloc(4, 1)), 'integer'],
    ['msgpack timestamp 64', cat([0xd7, 0xff], Buffer.alloc(8, 1)), 'event-time'],
    ['msgpack timestamp 96', cat([0xc7, 12, 0xff], Buffer.alloc(12, 1)), 'event-time'],
    ['float64', cat([0xcb], Buffer.from([0x41, 0xd9, 0x4c, 0x4c, 0x40, 0, 0, 0])), 'float'],
    ['nil means now', Buffer.from([0xc0]), 'now'],
    ['0 means now', Buffer.from([0x00]), 'now'],
    [
      'Fluent Bit [EventTime, {meta}]',
      cat(arr(2), fixext8Time(1_700_000_000, 9), mapOf([['k', str('v')]])),
      'event-time',
    ],
  ];
  for (const [name, time, kind] of cases) {
    it(`${name} -> ${kind}`, () => {
      const { req, facts } = factsOf(message(time));
      expect(req.events).toHaveLength(1);
      expect(facts.time).toBe(kind);
    });
  }

  it('Forward mode reads the first entry', () => {
    const frame = cat(
      arr(3),
      str('app'),
      arr(2),
      cat(arr(2), pack(1_700_000_000), record),
      cat(arr(2), fixext8Time(1_700_000_000, 1), record),
      mapOf([['chunk', str('c1')]]),
    );
    const { facts } = factsOf(frame);
    expect(facts).toMatchObject({ mode: 'forward', time: 'integer', ack: 'yes', docker: 'no' });
  });

  it('PackedForward (bin and str payloads) reads the first entry inside the payload', () => {
    const entries = cat(
      cat(arr(2), fixext8Time(1_700_000_000, 1), record),
      cat(arr(2), pack(1_700_000_000), record),
    );
    for (const payload of [bin(entries), str(entries)]) {
      const { facts } = factsOf(cat(arr(3), str('app'), payload, mapOf([])));
      expect(facts).toMatchObject({ mode: 'packed', time: 'event-time', ack: 'no' });
    }
  });

  it('CompressedPackedForward: only the decoded nanoseconds can tell', () => {
    const gz = (time: Buffer) =>
      cat(
        arr(3),
        str('app'),
        bin(gzipSync(cat(arr(2), time, record))),
        mapOf([['compressed', str('gzip')]]),
      );
    expect(factsOf(gz(fixext8Time(1_700_000_000, 7))).facts).toMatchObject({
      mode: 'compressed',
      time: 'subsecond',
    });
    // Whole seconds inside gzip look like EventTime with zero nanoseconds: not claimed.
    expect(factsOf(gz(pack(1_700_000_000))).facts.time).toBe('unknown');
  });

  it('a JSON connection: the decoded time decides, never `integer` on a guess', () => {
    const json = (t: string) => Buffer.from(`["app",${t},{"log":"x"},{}]`);
    expect(factsOf(json('1700000000.25'), 'json').facts.time).toBe('subsecond');
    expect(factsOf(json('1700000000'), 'json').facts.time).toBe('unknown');
  });

  it('a request with no valid event has no time', () => {
    const frame = cat(arr(3), str('app'), bin(cat(arr(2), str('bad time'), record)), mapOf([]));
    const req = decodeRequest(frame, 'msgpack', limits);
    expect(req.events).toHaveLength(0);
    expect(forwardTimeKind(frame, req, 'msgpack')).toBe('unknown');
  });

  it('property: the time kind of any Message matches how its time was encoded', () => {
    const time = fc.oneof(
      fc.integer({ min: 1, max: 0xffffffff }).map((s) => ({ bytes: pack(s), kind: 'integer' })),
      fc
        .tuple(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 999_999_999 }))
        .map(([s, n]) => ({ bytes: fixext8Time(s, n), kind: 'event-time' })),
      fc
        .double({ min: 1, max: 4e9, noNaN: true })
        .filter((d) => !Number.isInteger(d))
        .map((d) => ({ bytes: cat([0xcb], doubleBytes(d)), kind: 'float' })),
    );
    const extra = fc.dictionary(
      fc.constantFrom('container_id', 'container_name', 'com.docker.compose.project', 'x'),
      fc.string({ maxLength: 5 }),
    );
    fc.assert(
      fc.property(time, extra, fc.boolean(), (t, fields, ack) => {
        const rec = mapOf([
          ['log', str('l')],
          ...Object.entries(fields).map(([k, v]): [string, Buffer] => [k, str(v)]),
        ]);
        const frame = cat(
          arr(4),
          str('tag'),
          t.bytes,
          rec,
          ack ? mapOf([['chunk', str('abc')]]) : mapOf([]),
        );
        const { facts } = factsOf(frame);
        expect(facts.time).toBe(t.kind);
        expect(facts.ack).toBe(ack ? 'yes' : 'no');
        const docker = !!fields.container_id && !!fields.container_name;
        expect(facts.docker).toBe(docker ? 'yes' : 'no');
        expect(facts.compose).toBe(fields['com.docker.compose.project'] ? 'yes' : 'no');
      }),
    );
  });
});

function doubleBytes(d: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(d);
  return b;
}

describe('sender identity', () => {
  it('a client that is not Docker is keyed by its tag, apart from any container name', () => {
    const frame = cat(arr(3), str('web'), pack(1), record);
    const req = decodeRequest(frame, 'msgpack', limits);
    expect(forwardKey(req)).toBe('\u0000web');
    expect(forwardSender(req)).toEqual({
      source: 'forward',
      sender: 'tag:web',
      containerId: null,
      containerName: null,
      tag: 'web',
      host: null,
    });
  });

  it('control characters and overlong names are not kept as they came', () => {
    const long = 'a'.repeat(1000);
    const rec = mapOf([
      ['log', str('x')],
      ['container_name', str(`/bad\u001b[2Jname`)],
      ['container_id', str(long)],
    ]);
    const req = decodeRequest(cat(arr(3), str('t'), pack(1), rec), 'msgpack', limits);
    const who = forwardSender(req);
    expect(who.containerName).toBe('bad[2Jname');
    expect(who.containerId).toHaveLength(256);
  });
});

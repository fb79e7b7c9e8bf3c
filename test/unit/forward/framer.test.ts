import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ForwardDecodeError } from '../../../collector/forward/errors.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import { arr, cat, fixture, pack, str } from '../../support/msgpack-bytes.js';

const FIXTURE_FILES = [
  'fluentd-default.bin',
  'fluentd-ack-subsecond.bin',
  'fluentd-partial.bin',
  'fluentd-tag-labels-env.bin',
  'fluentd-ack-race.bin',
];

/** Push `pieces` in order; return every frame and the framer. */
function frameAll(
  pieces: Buffer[],
  maxFrameBytes = 1 << 20,
): { frames: Buffer[]; framer: ForwardFramer } {
  const framer = new ForwardFramer(maxFrameBytes);
  const frames: Buffer[] = [];
  for (const p of pieces) frames.push(...framer.push(p));
  return { frames, framer };
}

/** Byte-equal frame lists (cheaper than deep equality on 40 KB frames, 40,000 times). */
function sameFrames(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((f, i) => f.equals(b[i]!));
}

/** Cut `buf` at the given sorted offsets. */
function cutAt(buf: Buffer, offsets: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const o of offsets) {
    out.push(buf.subarray(prev, o));
    prev = o;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('ForwardFramer on real Docker captures', () => {
  it.each(FIXTURE_FILES)('%s: the same frames however it is split in two', (name) => {
    const buf = fixture(name);
    const whole = frameAll([buf]);
    expect(whole.framer.mode).toBe('msgpack');
    expect(whole.framer.pendingBytes).toBe(0);
    expect(Buffer.concat(whole.frames).equals(buf)).toBe(true);
    for (let at = 0; at <= buf.length; at++) {
      const split = frameAll([buf.subarray(0, at), buf.subarray(at)]);
      if (!sameFrames(split.frames, whole.frames))
        expect.fail(`different frames when split at ${at}`);
      expect(split.framer.pendingBytes).toBe(0);
    }
  });

  it('counts requests per capture', () => {
    const counts = FIXTURE_FILES.map((n) => frameAll([fixture(n)]).frames.length);
    expect(counts).toEqual([6, 3, 4, 1, 40]);
  });

  it.each(FIXTURE_FILES)('%s: property: the same frames for any chunking', (name) => {
    const buf = fixture(name);
    const whole = frameAll([buf]).frames;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: buf.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const frames = frameAll(
            cutAt(
              buf,
              [...cuts].sort((a, b) => a - b),
            ),
          ).frames;
          expect(sameFrames(frames, whole)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('ForwardFramer behaviour', () => {
  it('hands out views of the chunk when nothing is pending', () => {
    const a = pack(['t', 1, { a: 1 }]);
    const chunk = cat(a, a);
    const frames = new ForwardFramer(1024).push(chunk);
    expect(frames).toHaveLength(2);
    expect(frames[0]!.buffer).toBe(chunk.buffer);
  });

  it('keeps earlier frames intact after later pushes reuse nothing', () => {
    const a = pack(['first', 1, { log: 'a'.repeat(50) }]);
    const b = pack(['second', 2, { log: 'b'.repeat(50) }]);
    const framer = new ForwardFramer(1024);
    expect(framer.push(a.subarray(0, 10))).toEqual([]);
    const [fa] = framer.push(cat(a.subarray(10), b.subarray(0, 10)));
    const copy = Buffer.from(fa!);
    framer.push(b.subarray(10));
    expect(fa!.equals(copy)).toBe(true);
    expect(fa!.equals(a)).toBe(true);
  });

  it('treats a zero-byte connection and empty chunks as nothing', () => {
    const framer = new ForwardFramer(1024);
    expect(framer.push(Buffer.alloc(0))).toEqual([]);
    expect(framer.mode).toBeNull();
    expect(framer.pendingBytes).toBe(0);
  });

  it('yields a nil heartbeat as its own one-byte frame', () => {
    const msg = pack(['t', 1, {}]);
    const { frames } = frameAll([cat([0xc0], msg, [0xc0])]);
    expect(frames.map((f) => f.toString('hex'))).toEqual(['c0', msg.toString('hex'), 'c0']);
  });

  it('reports the bytes of a request cut by the end of the stream', () => {
    const msg = pack(['t', 1, { log: 'cut' }]);
    const framer = new ForwardFramer(1024);
    expect(framer.push(msg.subarray(0, msg.length - 2))).toEqual([]);
    expect(framer.pendingBytes).toBe(msg.length - 2);
  });

  it('accepts a frame of exactly maxFrameBytes, split or not', () => {
    const msg = pack(['t', 1, { log: 'x'.repeat(100) }]);
    expect(frameAll([msg], msg.length).frames).toHaveLength(1);
    expect(frameAll([msg.subarray(0, 50), msg.subarray(50)], msg.length).frames).toHaveLength(1);
  });

  it('throws fatal frame-too-large one byte past the limit, in one chunk or many', () => {
    const msg = pack(['t', 1, { log: 'x'.repeat(100) }]);
    for (const pieces of [
      [msg],
      [msg.subarray(0, 10), msg.subarray(10)],
      cutAt(msg, [1, 2, 3, 50, 90]),
    ]) {
      let err: unknown;
      try {
        frameAll(pieces, msg.length - 1);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ForwardDecodeError);
      expect((err as ForwardDecodeError).fatal).toBe(true);
      expect((err as ForwardDecodeError).code).toBe('LH_FORWARD_FRAME_TOO_LARGE');
    }
  });

  it('never buffers past the limit, even for a stream that never ends a frame', () => {
    const framer = new ForwardFramer(64 * 1024);
    // A request whose third element is an array32 declaring 2^32-1 items, then an endless
    // run of fixints.
    framer.push(cat(arr(3), str('t'), [0xdd, 0xff, 0xff, 0xff, 0xff]));
    const filler = Buffer.alloc(16 * 1024, 1);
    let threw = false;
    for (let i = 0; i < 10 && !threw; i++) {
      try {
        framer.push(filler);
        expect(framer.pendingBytes).toBeLessThanOrEqual(64 * 1024);
      } catch (e) {
        expect((e as ForwardDecodeError).code).toBe('LH_FORWARD_FRAME_TOO_LARGE');
        threw = true;
      }
    }
    expect(threw).toBe(true);
  });

  it('refuses a declared 4 GiB string at its header, buffering nothing', () => {
    const framer = new ForwardFramer(1 << 20);
    const head = cat(arr(3), str('t'), [0xdb, 0xff, 0xff, 0xff, 0xff]);
    expect(() => framer.push(head)).toThrow(/exceeds 1048576 bytes/);
    const split = new ForwardFramer(1 << 20);
    expect(split.push(head.subarray(0, 4))).toEqual([]);
    expect(() => split.push(head.subarray(4))).toThrow(ForwardDecodeError);
  });

  it('throws fatal on a byte that is never msgpack', () => {
    expect(() => new ForwardFramer(1024).push(cat(arr(2), str('t'), [0xc1]))).toThrow(
      ForwardDecodeError,
    );
  });

  it('throws fatal on nesting past maxDepth', () => {
    const deep = cat(arr(3), str('t'), ...new Array<Buffer>(100).fill(arr(1)), pack(1));
    expect(() => new ForwardFramer(1024, 32).push(deep)).toThrow(/nesting deeper than 32/);
  });
});

describe('ForwardFramer on bytes that are not the forward protocol (issue 18)', () => {
  const TLS_HELLO = Buffer.from(
    '16030100f4010000f00303' +
      'ab'.repeat(32) +
      '20' +
      'cd'.repeat(32) +
      '000813021303130100ff0100',
    'hex',
  );
  const HTTP = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:24224\r\n\r\n');
  const hex = (b: Buffer) =>
    [...b.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  const errorOf = (pieces: Buffer[]) => {
    const framer = new ForwardFramer(16 << 20);
    try {
      for (const p of pieces) framer.push(p);
    } catch (e) {
      expect(e).toBeInstanceOf(ForwardDecodeError);
      expect((e as ForwardDecodeError).fatal).toBe(true);
      return (e as Error).message;
    }
    return null;
  };

  it('says so with the first 16 bytes, whatever they declare, however they are split', () => {
    // Random bytes used to be read as msgpack: a str32 or array32 header among them was
    // reported as "request exceeds 16777216 bytes".
    for (let seed = 0; seed < 50; seed++) {
      const junk = randomBytes(5000);
      if (junk[0] === 0x7b || junk[0] === 0x5b) continue; // JSON mode: its own error
      // A msgpack array header: what follows can be a well-formed request (a 2-array of a
      // str tag and a str is PackedForward), and the error is then about its entries.
      if ((junk[0]! >= 0x90 && junk[0]! <= 0x9f) || junk[0] === 0xdc || junk[0] === 0xdd) continue;
      if (junk[0] === 0xc0) continue; // nil: skipped between requests, the error comes after it
      const message = errorOf([junk]);
      expect(message).toContain(`not a forward request: first bytes ${hex(junk)}`);
      expect(message).not.toContain('exceeds');
      for (const at of [1, 2, 5, 15, 16, 17]) expect(errorOf(cutAt(junk, [at]))).toBe(message);
      expect(errorOf([...junk.subarray(0, 40)].map((b) => Buffer.from([b])))).toBe(message);
    }
  });

  it('recognises a TLS ClientHello and an HTTP request', () => {
    expect(errorOf([TLS_HELLO])).toMatch(
      /not a forward request: first bytes 16 03 01 00 f4 01 00 00 f0 03 03 ab ab ab ab ab \(a TLS ClientHello\?/,
    );
    expect(errorOf([HTTP])).toMatch(
      /first bytes 47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a \(an HTTP request\?/,
    );
    expect(errorOf([Buffer.from('<14>Nov 28 06:23:47 host app: hi')])).toMatch(
      /a syslog message\?/,
    );
  });

  it('waits for 16 bytes before saying it (the error must not depend on the split)', () => {
    const framer = new ForwardFramer(1 << 20);
    expect(framer.push(HTTP.subarray(0, 10))).toEqual([]);
    expect(framer.pendingBytes).toBe(10);
    expect(() => framer.push(HTTP.subarray(10))).toThrow(/not a forward request/);
  });

  it('still takes every shape the protocol has, and a bad request after good ones', () => {
    const good = [
      cat(arr(3), str('t'), pack(1), [0x80]), // Message
      Buffer.from([0xc0]), // heartbeat
      cat([0xdc, 0, 3], str('t'), pack(1), [0x80]), // array16 header
      cat([0xdd, 0, 0, 0, 2], str('t'), [0x90]), // array32 header, Forward of no entries
      cat(arr(3), [0xc4, 1, 0x74], pack(1), [0x80]), // bin tag
    ];
    const all = Buffer.concat(good);
    for (let at = 0; at <= all.length; at++) {
      const { frames } = frameAll([all.subarray(0, at), all.subarray(at)]);
      expect(sameFrames(frames, good)).toBe(true);
    }
    const framer = new ForwardFramer(1 << 20);
    expect(() => framer.push(Buffer.concat([good[0]!, HTTP]))).toThrow(/first bytes 47 45 54/);
    for (const bad of [arr(1), arr(5), arr(7), cat(arr(2), pack(1)), cat([0xdc, 0, 9], str('t'))])
      expect(errorOf([Buffer.concat([bad, Buffer.alloc(16)])])).toMatch(/not a forward request/);
  });
});

describe('ForwardFramer on a JSON connection', () => {
  const a = '["app.web", 1700000000, {"log": "a \\"quoted\\" ]} value", "n": [1, {"x": "}"}]}]';
  const b = '["app.web", [[1700000001, {"log": "b\\\\"}]], {"chunk": "abc"}]';
  const text = `${a}\n  ${b}\r\n`;

  it('decides JSON from the first byte and splits texts outside strings', () => {
    const { frames, framer } = frameAll([Buffer.from(text)]);
    expect(framer.mode).toBe('json');
    expect(frames.map((f) => f.toString())).toEqual([a, b]);
    for (const f of frames) expect(() => JSON.parse(f.toString()) as unknown).not.toThrow();
  });

  it('splits the same at every byte offset', () => {
    const buf = Buffer.from(text);
    const whole = frameAll([buf]).frames;
    for (let at = 0; at <= buf.length; at++) {
      expect(sameFrames(frameAll([buf.subarray(0, at), buf.subarray(at)]).frames, whole)).toBe(
        true,
      );
    }
  });

  it('keeps a UTF-8 sequence split across reads', () => {
    const buf = Buffer.from('["t", 1, {"log": "h\u00e9llo \u2603"}]');
    for (let at = 0; at <= buf.length; at++) {
      const { frames } = frameAll([buf.subarray(0, at), buf.subarray(at)]);
      expect(JSON.parse(frames[0]!.toString())).toEqual(['t', 1, { log: 'h\u00e9llo \u2603' }]);
    }
  });

  it('starts JSON on `{` too (Fluentd ignores such objects; decode refuses them)', () => {
    const { frames, framer } = frameAll([Buffer.from('{"a": 1}{"b": 2}')]);
    expect(framer.mode).toBe('json');
    expect(frames).toHaveLength(2);
  });

  it('throws fatal when a text does not start with [ or {', () => {
    expect(() => frameAll([Buffer.from('["t", 1, {}] 42')])).toThrow(/must start with/);
  });

  it('treats leading whitespace as msgpack, as Fluentd looks only at the first byte', () => {
    expect(frameAll([Buffer.from(' ["t"]')]).framer.mode).toBe('msgpack');
  });

  it('throws frame-too-large and deep nesting for JSON too', () => {
    expect(() => frameAll([Buffer.from(`["${'x'.repeat(100)}"]`)], 50)).toThrow(ForwardDecodeError);
    const framer = new ForwardFramer(1 << 20, 10);
    expect(() => framer.push(Buffer.from('['.repeat(11)))).toThrow(/nesting deeper than 10/);
  });
});

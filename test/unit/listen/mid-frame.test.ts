/**
 * The signal the request deadline runs on: after every read, each protocol's framer must
 * say "a request has begun and not ended" exactly when the bytes read so far stop inside
 * one. Streams of valid requests cut at random offsets; the truth is whether the cut
 * falls on a request boundary.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import { SyslogFramer } from '../../../collector/syslog/framing.js';
import { pack } from '../../support/msgpack-bytes.js';

/** Frames back to back, and the offsets where each ends. */
function stream(frames: Buffer[]): { bytes: Buffer; ends: Set<number> } {
  const ends = new Set<number>([0]);
  let at = 0;
  for (const f of frames) ends.add((at += f.length));
  return { bytes: Buffer.concat(frames), ends };
}

/** Pushes `bytes` cut at `cuts`; calls `check(offset, completed)` after each push. */
function feed(
  bytes: Buffer,
  cuts: number[],
  push: (b: Buffer) => number,
  check: (offset: number, completed: number) => void,
): void {
  let prev = 0;
  for (const c of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    if (c <= prev) continue;
    check(c, push(bytes.subarray(prev, c)));
    prev = c;
  }
}

const text = fc
  .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 })
  .map((s) => s.replace(/[\n\r\0]/g, '.'));

describe('forward: a request is under way exactly when the framer holds pending bytes', () => {
  const request = fc
    .tuple(fc.constantFrom('app', 'docker.web'), text, fc.option(text, { nil: undefined }))
    .map(([tag, log, chunk]) =>
      pack(chunk ? [tag, 1_764_300_000, { log }, { chunk }] : [tag, 1_764_300_000, { log }]),
    );

  it('for msgpack requests cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(request, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat()),
        (reqs, raw) => {
          const { bytes, ends } = stream(reqs);
          const framer = new ForwardFramer(1 << 16);
          let done = 0;
          feed(
            bytes,
            raw.map((r) => r % bytes.length),
            (b) => framer.push(b).length,
            (offset, completed) => {
              done += completed;
              expect(framer.pendingBytes > 0).toBe(!ends.has(offset));
            },
          );
          expect(done).toBe(reqs.length);
        },
      ),
    );
  });
});

describe('syslog: midFrame is true exactly inside a frame (RFC 6587)', () => {
  const octet = text.map((m) => {
    const msg = Buffer.from(`<13>1 - - app - - - ${m}`);
    return Buffer.concat([Buffer.from(`${msg.length} `), msg]);
  });
  const newline = text.map((m) => Buffer.from(`<13>app: ${m}\n`));

  it('for octet-counted and newline frames, mixed, cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(octet, newline), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat()),
        (frames, raw) => {
          const { bytes, ends } = stream(frames);
          const framer = new SyslogFramer(1 << 16);
          let done = 0;
          feed(
            bytes,
            raw.map((r) => r % bytes.length),
            (b) => framer.push(b).length,
            (offset, completed) => {
              done += completed;
              expect(framer.midFrame).toBe(!ends.has(offset));
            },
          );
          expect(done).toBe(frames.length);
        },
      ),
    );
  });

  it('holds a frame open while only its length digits have come (nothing buffered yet)', () => {
    const framer = new SyslogFramer(1024);
    framer.push(Buffer.from('11'));
    expect(framer.pendingBytes).toBe(0);
    expect(framer.midFrame).toBe(true);
    expect(framer.push(Buffer.from(' <13>1 - - x'))).toHaveLength(1);
    expect(framer.midFrame).toBe(false);
  });

  it('holds a frame open while skipping the rest of an over-long one', () => {
    const framer = new SyslogFramer(8);
    expect(framer.push(Buffer.from('20 <13>abcdefgh'))).toHaveLength(1);
    expect(framer.midFrame).toBe(true);
    framer.push(Buffer.from('ijklmnop'));
    expect(framer.midFrame).toBe(false);
  });
});

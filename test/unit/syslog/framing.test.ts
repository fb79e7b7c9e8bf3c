import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyslogFramer } from '../../../collector/syslog/framing.js';
import { SYSLOG_STREAM_FILES, read } from '../../fuzz/corpus.js';

const STREAMS = [...SYSLOG_STREAM_FILES];
/** Every capture back to back: octet-counted (with and without LF) and LF frames mixed. */
const MIXED = Buffer.concat(STREAMS.map(read));

function frameAll(chunks: Buffer[], max = 64 * 1024): { frames: string[]; framer: SyslogFramer } {
  const framer = new SyslogFramer(max);
  const frames: string[] = [];
  for (const c of chunks) {
    for (const f of framer.push(c)) frames.push(f.toString('latin1'));
    expect(framer.pendingBytes).toBeLessThanOrEqual(max);
  }
  for (const f of framer.flush()) frames.push(f.toString('latin1'));
  return { frames, framer };
}

const b = (s: string) => Buffer.from(s, 'latin1');
const D1 = '<13>1 2026-11-28T06:23:49Z h app - - - good one';
const D2 = '<13>Nov 28 06:23:49 h app: good two';

describe('SyslogFramer (RFC 6587)', () => {
  it('finds the frames of every capture, and of all of them back to back', () => {
    const counts = STREAMS.map((f) => frameAll([read(f)]).frames.length);
    expect(counts).toEqual([6, 6, 6, 6, 6, 1, 1, 2, 1]);
    const { frames, framer } = frameAll([MIXED]);
    expect(frames).toHaveLength(35);
    expect(framer.errors).toBe(0);
    for (const f of frames) expect(f).toMatch(/^<\d+>\S/);
    for (const f of frames) expect(f).not.toMatch(/[\n\r\0]$/);
  });

  it('Docker tcp+tls: the count includes the LF, which is not part of the frame', () => {
    const { frames } = frameAll([read('docker-20.10/syslog-tls-rfc5424.bin')]);
    expect(frames[0]).toBe(
      '<30>1 2026-11-28T06:23:50Z vm 7b4d0753bf43 29811 7b4d0753bf43 - hello stdout 1',
    );
  });

  it.each(STREAMS.concat(['MIXED']))(
    '%s split in two at every byte offset gives the same frames',
    (name) => {
      const bytes = name === 'MIXED' ? MIXED : read(name);
      const whole = frameAll([bytes]).frames;
      for (let i = 0; i <= bytes.length; i++) {
        // Copies, so a frame that wrongly kept a view of a reused buffer would show.
        const parts = [Buffer.from(bytes.subarray(0, i)), Buffer.from(bytes.subarray(i))];
        expect(frameAll(parts).frames).toEqual(whole);
      }
    },
  );

  it('random chunkings give the same frames (fast-check)', () => {
    const whole = frameAll([MIXED]).frames;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 200 }),
        (sizes) => {
          const chunks: Buffer[] = [];
          let pos = 0;
          for (let i = 0; pos < MIXED.length; i++) {
            const n = sizes[i % sizes.length] ?? 1;
            chunks.push(Buffer.from(MIXED.subarray(pos, pos + n)));
            pos += n;
          }
          expect(frameAll(chunks).frames).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('mixes octet counting and LF framing per frame on one connection', () => {
    const stream = `${D1.length} ${D1}${D2}\n${D1.length + 1} ${D1}\n${D2}\r\n`;
    expect(frameAll([b(stream)]).frames).toEqual([D1, D2, D1, D2]);
  });

  it('tolerates CRLF, blank lines, a trailing NUL and NUL as terminator before the next message', () => {
    const stream = `${D2}\r\n\r\n\n${D2}\0\n${D2}\0${D2}\0\0${D2}\0`;
    expect(frameAll([b(stream)]).frames).toEqual([D2, D2, D2, D2, D2]);
  });

  it('keeps a NUL inside a line (Docker sends container bytes as they are)', () => {
    const line = '<30>Nov 28 06:23:48 599aea6725e3[29811]: a\0b';
    expect(frameAll([b(`${line}\n${D2}\n`)]).frames).toEqual([line, D2]);
    // Split right after the NUL: the next chunk decides.
    const i = line.indexOf('\0') + 1;
    expect(frameAll([b(line.slice(0, i)), b(`${line.slice(i)}\n`)]).frames).toEqual([line]);
    expect(frameAll([b(line.slice(0, i)), b(`<13>x\n`)]).frames).toEqual([
      line.slice(0, i - 1),
      '<13>x',
    ]);
  });

  it('frames inside one chunk are views of it (no copy)', () => {
    const chunk = b(`${D2}\n${D1.length} ${D1}`);
    const framer = new SyslogFramer(1024);
    const frames = framer.push(chunk);
    expect(frames.map((f) => f.buffer === chunk.buffer)).toEqual([true, true]);
  });

  it('a frame spanning chunks stays intact after later pushes', () => {
    const framer = new SyslogFramer(1024);
    const half = Math.floor(D2.length / 2);
    framer.push(b(D2.slice(0, half)));
    const [first] = framer.push(b(`${D2.slice(half)}\n${D1.slice(0, 10)}`));
    framer.push(b(`${D1.slice(10)}\n`));
    framer.push(b(`${'x'.repeat(900)}\n`));
    expect(first?.toString()).toBe(D2);
  });

  describe('bad lengths resync at the next LF, keeping the frames after them', () => {
    it.each([
      ['too many digits', '99999999999 junk'],
      ['a non-digit before the space', '12x3 junk'],
      ['a length over 64 x the frame limit', '9999999 junk'],
      ['a line that merely starts with a digit', '2026-11-28 raw line'],
    ])('%s', (_name, bad) => {
      const { frames, framer } = frameAll([b(`${bad}\n${D1}\n${D1.length} ${D1}`)], 1024);
      expect(frames).toEqual([D1, D1]);
      expect(framer.errors).toBe(1);
    });

    it('split at every offset too', () => {
      const stream = b(`99999999999 junk\n${D1}\n`);
      for (let i = 0; i <= stream.length; i++) {
        const { frames, framer } = frameAll([stream.subarray(0, i), stream.subarray(i)], 1024);
        expect([frames, framer.errors]).toEqual([[D1], 1]);
      }
    });
  });

  describe('frame limit', () => {
    const max = 64;
    const long = `<13>${'x'.repeat(200)}`;

    it('a newline frame over the limit is cut to it and the rest dropped up to its LF', () => {
      for (const chunks of [
        [b(`${long}\n${D2}\n`)],
        [...b(`${long}\n${D2}\n`)].map((c) => Buffer.from([c])),
      ]) {
        const { frames, framer } = frameAll(chunks, max);
        expect(frames).toEqual([long.slice(0, max), D2.slice(0, max)]);
        expect([framer.errors, framer.truncated]).toEqual([1, 1]);
      }
    });

    it('a frame of exactly the limit is whole', () => {
      const exact = long.slice(0, max);
      const { frames, framer } = frameAll([b(`${exact}\n`)], max);
      expect([frames, framer.errors]).toEqual([[exact], 0]);
      const octet = frameAll([b(`${max} ${exact}`)], max);
      expect([octet.frames, octet.framer.errors]).toEqual([[exact], 0]);
    });

    it('an octet frame over the limit is cut and the rest skipped by count (no LF needed)', () => {
      const short = '<13>1 - - - - - - ok';
      const stream = b(`${long.length} ${long}${short.length} ${short}`);
      for (let i = 0; i <= stream.length; i++) {
        const { frames, framer } = frameAll([stream.subarray(0, i), stream.subarray(i)], max);
        expect([frames, framer.errors, framer.truncated]).toEqual([
          [long.slice(0, max), short],
          1,
          1,
        ]);
      }
    });

    // Whatever arrives, however cut, the framer never holds more than the limit and
    // frames the same: the syslog-framer fuzz property (test/fuzz/syslog.ts, run in CI
    // by test/unit/fuzz.test.ts).

    it('rejects a limit that is not a positive integer', () => {
      expect(() => new SyslogFramer(0)).toThrow(RangeError);
      expect(() => new SyslogFramer(1.5)).toThrow(RangeError);
    });
  });

  describe('connection end (flush)', () => {
    it('a last newline frame without its LF is a frame', () => {
      expect(frameAll([b(`${D2}\n${D2}`)]).frames).toEqual([D2, D2]);
    });

    it('an octet frame cut by the peer is kept and counted', () => {
      const { frames, framer } = frameAll([b(`${D1.length} ${D1.slice(0, 10)}`)]);
      expect([frames, framer.errors]).toEqual([[D1.slice(0, 10)], 1]);
    });

    it('a dangling length is counted', () => {
      const { frames, framer } = frameAll([b(`${D2}\n12`)]);
      expect([frames, framer.errors]).toEqual([[D2], 1]);
    });

    it('resets the framer', () => {
      const framer = new SyslogFramer(1024);
      framer.push(b('12 <13>'));
      framer.flush();
      expect(framer.pendingBytes).toBe(0);
      expect(framer.push(b(`${D2}\n`)).map(String)).toEqual([D2]);
    });
  });

  it('recovers any sequence of messages, however framed and chunked (fast-check)', () => {
    const text = fc.string({
      unit: fc.constantFrom(
        'a',
        'Z',
        ' ',
        ':',
        '[',
        ']',
        '"',
        '\\',
        'é',
        '\r',
        '\n',
        '\0',
        '<',
        '9',
      ),
    });
    const msg = fc
      .tuple(fc.integer({ min: 0, max: 191 }), text)
      .map(([pri, t]) => `<${pri}>${t}`.replace(/[\r\n\0]+$/, ''))
      .filter((m) => m.length > 4);
    const framing = fc.constantFrom('octet', 'octet+lf', 'lf', 'crlf');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(msg, framing), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 50 }),
        (items, size) => {
          const parts = items.map(([m, how]) => {
            const raw = Buffer.from(m);
            if (how === 'octet') return Buffer.concat([b(`${raw.length} `), raw]);
            if (how === 'octet+lf') return Buffer.concat([b(`${raw.length + 1} `), raw, b('\n')]);
            // Newline framing cannot carry LF; a NUL before '<', LF, CR or NUL would end the frame.
            const line = Buffer.from(
              m
                .replace(/\n/g, ' ')
                .replace(/\0(?=[<\r\n\0]|$)/g, ' ')
                .replace(/\r+$/, ''),
            );
            return Buffer.concat([line, b(how === 'lf' ? '\n' : '\r\n')]);
          });
          const expected = items.map(([m, how], i) =>
            how.startsWith('octet')
              ? Buffer.from(m).toString('latin1')
              : (parts[i] ?? b('')).toString('latin1').replace(/\r?\n$/, ''),
          );
          const stream = Buffer.concat(parts);
          const chunks: Buffer[] = [];
          for (let p = 0; p < stream.length; p += size)
            chunks.push(Buffer.from(stream.subarray(p, p + size)));
          const { frames, framer } = frameAll(chunks);
          expect(frames).toEqual(expected);
          expect(framer.errors).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

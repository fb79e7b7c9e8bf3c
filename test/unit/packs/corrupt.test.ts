/**
 * A pack's `data` that was cut short, had bits flipped, or was never a pack: a clear
 * PackFormatError, never a record that differs from the one stored.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODECS } from '../../../core/packs/codec.js';
import { PackReader } from '../../../core/packs/decode.js';
import { encodePack } from '../../../core/packs/encode.js';
import { PackFormatError } from '../../../core/packs/errors.js';
import { writePack } from '../../../core/packs/format.js';
import type { PackLabels } from '../../../core/packs/labels.js';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { expectSameRecord } from './same.js';

function sample(): { labels: PackLabels; records: LogRecord[] } {
  const records = [
    '{"level":"error","msg":"disk full"}',
    'plain',
    'level=info a=b',
    'ünï \ud800',
  ].map((m, i) => {
    const r = newRecord('forward', 1_764_000_000 + i, i * 1000, m);
    r.containerName = 'web';
    r.severity = i;
    r.attrs =
      i === 1 ? { label: 'x' } : i === 0 ? { label: 'x', level: 'error', msg: 'disk full' } : null;
    return r;
  });
  const labels: PackLabels = {
    source: 'forward',
    host: null,
    container_id: null,
    container_name: 'web',
    stream: null,
    tag: null,
    app: null,
    project: null,
    service: null,
  };
  return { labels, records };
}

/** Every read a caller can make, or the error it got. */
function readAll(labels: PackLabels, data: Buffer): LogRecord[] | Error {
  try {
    const reader = new PackReader(labels, data);
    const out = Array.from({ length: reader.rows }, (_, i) => reader.record(i));
    reader.rowsContaining('a');
    return out;
  } catch (e) {
    return e as Error;
  }
}

function expectErrorOrSame(got: LogRecord[] | Error, want: LogRecord[]): 'error' | 'same' {
  if (got instanceof Error) {
    expect(got).toBeInstanceOf(PackFormatError);
    expect(got.message).toMatch(/^pack: /);
    return 'error';
  }
  expect(got.length).toBe(want.length);
  got.forEach((r, i) => expectSameRecord(r, want[i]!));
  return 'same';
}

describe('corrupt packs', () => {
  const { labels, records } = sample();
  const rows = records.map((record, i) => ({ id: 7 + i * 5, record }));

  for (const codec of ['none', 'deflate', 'brotli'] as const) {
    const data = encodePack(rows, { codec }).data;

    it(`${codec}: a cut at any length is an error`, () => {
      expect(expectErrorOrSame(readAll(labels, data), records)).toBe('same');
      for (let n = 0; n < data.length; n++) {
        const got = readAll(labels, data.subarray(0, n));
        expect(expectErrorOrSame(got, records)).toBe('error');
      }
      expect(
        expectErrorOrSame(readAll(labels, Buffer.concat([data, Buffer.from([0])])), records),
      ).toBe('error');
    });

    it(`${codec}: any one flipped bit is an error`, () => {
      for (let bit = 0; bit < data.length * 8; bit++) {
        const bad = Buffer.from(data);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(expectErrorOrSame(readAll(labels, bad), records)).toBe('error');
      }
    });

    it(`${codec}: random damage is an error or changes nothing`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
            minLength: 1,
            maxLength: 6,
          }),
          (edits) => {
            const bad = Buffer.from(data);
            for (const [at, x] of edits) bad[at % bad.length]! ^= x;
            expectErrorOrSame(readAll(labels, bad), records);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('what is not a pack says so', () => {
    for (const data of [Buffer.alloc(0), Buffer.from('hello world'), Buffer.alloc(64, 0xff)]) {
      const got = readAll(labels, data);
      expect(got).toBeInstanceOf(PackFormatError);
    }
    expect(() => new PackReader(labels, Buffer.from('LHP\x02\x01', 'latin1'))).toThrow(
      /format version 2/,
    );
    expect(() => new PackReader(labels, Buffer.from('LHP\x01\x02', 'latin1'))).toThrow(
      /derive version 2/,
    );
  });

  it('sections with good checksums but nonsense inside: only PackFormatError escapes', () => {
    const none = CODECS.none;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        (n, a, b, c) => {
          const sections = [a, b, c].map((x) => {
            const stored = Buffer.from(x);
            return { codec: none, rawLength: stored.length, stored };
          });
          const got = readAll(labels, writePack(n, sections));
          if (got instanceof Error) expect(got).toBeInstanceOf(PackFormatError);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PackReader } from '../../../core/packs/decode.js';
import { encodePack, type PackRow } from '../../../core/packs/encode.js';
import { PackFormatError } from '../../../core/packs/errors.js';
import { parsePack } from '../../../core/packs/format.js';
import { labelsOf } from '../../../core/packs/labels.js';
import { maxEventMs, newRecord, recordMs } from '../../../core/record.js';
import { toStoredRecord } from '../../../core/stored-record.js';
import { packRows } from './arbitraries.js';
import { expectSameRecord } from './same.js';

const CODECS = [
  { codec: 'none' },
  { codec: 'deflate', level: 1 },
  { codec: 'deflate', level: 9 },
  { codec: 'brotli', level: 1 },
  { codec: 'brotli', level: 11 },
] as const;

function expectRoundTrip(rows: PackRow[], opts: (typeof CODECS)[number]): void {
  const p = encodePack(rows, opts);
  expect(p.rows).toBe(rows.length);
  expect(p.minId).toBe(rows[0]!.id);
  expect(p.maxId).toBe(rows.at(-1)!.id);
  expect(p.minTsMs).toBe(Math.min(...rows.map((r) => recordMs(r.record))));
  expect(p.maxTsMs).toBe(maxEventMs(Math.max(...rows.map((r) => recordMs(r.record)))));
  expect(p.rawBytes).toBe(
    rows.reduce(
      (s, r) => s + (r.record.message.isWellFormed() ? Buffer.byteLength(r.record.message) : 0),
      0,
    ) +
      rows
        .filter((r) => !r.record.message.isWellFormed())
        .reduce((s, r) => s + wtf8Length(r.record.message), 0),
  );
  const reader = new PackReader(labelsOf(rows[0]!.record), Buffer.from(p.data));
  expect(reader.rows).toBe(rows.length);
  rows.forEach((row, i) => {
    expect(reader.id(i)).toBe(row.id);
    expectSameRecord(reader.record(i), row.record);
    // The API's JSON of the decoded record is the JSON of the original, character for
    // character (where the arrival time is one a Date can print).
    if (Math.abs(row.record.receivedAt) < 8.64e15)
      expect(JSON.stringify(toStoredRecord(row.id, reader.record(i)))).toBe(
        JSON.stringify(toStoredRecord(row.id, row.record)),
      );
  });
}

/** UTF-8 length with each lone surrogate as 3 bytes (WTF-8). */
function wtf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

describe('pack round trip', () => {
  for (const opts of CODECS) {
    it(`gives back every record, ${opts.codec} ${'level' in opts ? opts.level : ''}`, () => {
      fc.assert(
        fc.property(packRows, (rows) => expectRoundTrip(rows, opts)),
        { numRuns: opts.codec === 'brotli' && opts.level === 11 ? 60 : 150 },
      );
    });
  }

  it('keeps 1 MB lines, empty lines, ANSI escapes, NUL and lone surrogates byte for byte', () => {
    const big = 'x'.repeat(400_000) + 'é'.repeat(200_000) + '😀'.repeat(50_000);
    const messages = [
      big,
      '',
      '\x1b[1;31mERROR\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07',
      'nul \0 inside',
      'lone \ud800 high and \udfff low and a pair 😀',
      '\ufeffbom first',
      '{"not": "closed"',
      '{"level":"error","msg":"x","big":' + JSON.stringify('y'.repeat(70_000)) + '}',
    ];
    const rows = messages.map((m, i) => {
      const r = newRecord('syslog', 1_764_000_000 + i, 0, m);
      r.receivedAt = 1_764_000_000_000;
      r.attrs = i === 2 ? { raw_base64: Buffer.from([0xff, 0xfe, 0x41]).toString('base64') } : null;
      return { id: 100 + i, record: r };
    });
    for (const opts of CODECS) expectRoundTrip(rows, opts);
  });

  it('keeps odd attrs values: lone surrogates, big numbers as strings, -0, nesting, __proto__', () => {
    const attrs = JSON.parse(
      '{"__proto__":{"polluted":true},"k\\ud800":"v\\udfff","big":"9007199254740993","neg0":-0,' +
        '"deep":{"a":[1,{"b":{"c":[null,true,1e21,5e-324]}}]},"1":"one","":"empty"}',
    ) as Record<string, never>;
    const r = newRecord('forward', 0, 1, 'plain');
    r.attrs = attrs;
    const reader = new PackReader(
      labelsOf(r),
      encodePack([{ id: 1, record: r }], { codec: 'deflate' }).data,
    );
    const back = reader.attrs(0)!;
    expect(Object.keys(back).sort()).toEqual(Object.keys(attrs).sort());
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back.__proto__).toEqual({ polluted: true });
    expect(back['k\ud800']).toBe('v\udfff');
    expect(Object.is(back.neg0, 0)).toBe(true); // as jsonb stores it
    expect(JSON.stringify(toStoredRecord(1, reader.record(0)))).toBe(
      JSON.stringify(toStoredRecord(1, r)),
    );
  });

  it('reads a section only when asked for it', () => {
    const rows = Array.from({ length: 100 }, (_, i) => {
      const r = newRecord('forward', 1_764_000_000, i * 1000, `line ${i}`);
      r.attrs = { i };
      return { id: i * 2 + 1, record: r };
    });
    const p = encodePack(rows, { codec: 'deflate' });
    const spoil = (section: number) => {
      const data = Buffer.from(p.data);
      const s = parsePack(data).sections[section]!.stored;
      data[s.byteOffset - data.byteOffset + (s.length >> 1)]! ^= 0x10;
      return new PackReader(p.labels, data);
    };
    // Text spoiled: ids, times and levels still read; the text does not.
    const noText = spoil(1);
    expect(noText.id(99)).toBe(199);
    expect(noText.tsNano(99)).toBe(99_000);
    expect(() => noText.message(0)).toThrow(/pack: text section checksum mismatch/);
    expect(() => noText.rowsContaining('line')).toThrow(PackFormatError);
    // Attrs spoiled: messages read, attrs do not.
    const noAttrs = spoil(2);
    expect(noAttrs.message(5)).toBe('line 5');
    expect(noAttrs.rowsContaining('line 9')).toEqual([9, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(() => noAttrs.attrs(0)).toThrow(/pack: attrs section checksum mismatch/);
    // Numbers spoiled: nothing reads.
    expect(() => spoil(0)).toThrow(/pack: numbers section checksum mismatch/);
  });

  it('refuses rows it cannot hold, naming them', () => {
    const a = newRecord('forward', 1, 0, 'a');
    const b = { ...newRecord('forward', 1, 0, 'b'), containerName: 'other' };
    const opts = { codec: 'none' } as const;
    expect(() => encodePack([], opts)).toThrow(/no rows/);
    expect(() =>
      encodePack(
        [
          { id: 1, record: a },
          { id: 2, record: b },
        ],
        opts,
      ),
    ).toThrow(/row 1 .* other labels/);
    expect(() =>
      encodePack(
        [
          { id: 2, record: a },
          { id: 2, record: a },
        ],
        opts,
      ),
    ).toThrow(/ascend/);
    expect(() => encodePack([{ id: 1.5, record: a }], opts)).toThrow(/id of row 0/);
    expect(() => encodePack([{ id: 1, record: { ...a, tsSec: 1e12 } }], opts)).toThrow(/clampTime/);
    expect(() => encodePack([{ id: 1, record: { ...a, tsNano: 1e9 } }], opts)).toThrow(/tsNano/);
    expect(() => encodePack([{ id: 1, record: { ...a, severity: 1.5 } }], opts)).toThrow(
      /severity/,
    );
    expect(() => encodePack([{ id: 1, record: a }], { codec: 'deflate', level: 12 })).toThrow(
      /level/,
    );
    expect(() => encodePack([{ id: 1, record: a }], { codec: 'zstd' as 'none' })).toThrow(
      /unknown codec/,
    );
  });
});

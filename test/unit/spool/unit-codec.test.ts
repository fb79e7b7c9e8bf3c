import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttrValue, Attrs, LogRecord } from '../../../core/record.js';
import type { WriteUnit } from '../../../collector/writer/unit.js';
import { decodeUnit, encodeUnit } from '../../../collector/spool/unit-codec.js';

/** Any UTF-16 code unit, lone surrogates included: what a JS string in attrs may hold. */
const anyString = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)) });
/** Text that came from UTF-8 (any code point, no lone surrogate), as the columns hold. */
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string());
/** -0 is 0 after JSON and after the varint path (accepted: PostgreSQL stores no -0 either). */
const noNegZero = (x: number) => (Object.is(x, -0) ? 0 : x);
const anyNumber = fc
  .oneof(
    fc.integer({ min: -100, max: 100 }),
    fc.maxSafeInteger(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.double(),
    fc.constantFrom(2 ** 50, -(2 ** 50), 2 ** 50 - 1, 2 ** 53, 2 ** 64, 1e300, -1e-300),
  )
  .map(noNegZero);
const jsonNumber = fc.double({ noNaN: true, noDefaultInfinity: true }).map(noNegZero);

const { attrValue } = fc.letrec<{ attrValue: AttrValue }>((tie) => ({
  attrValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyString,
    jsonNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('attrValue'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('attrValue'), { maxKeys: 4 }),
  ),
}));
const attrs: fc.Arbitrary<Attrs | null> = fc.option(
  fc.dictionary(
    fc.oneof(anyString, fc.constantFrom('__proto__', 'com.docker.compose.service')),
    attrValue,
    { maxKeys: 5 },
  ),
);

/** Columns drawn from a small pool too, so "same as the previous record" is exercised. */
const column = fc.option(fc.oneof(text, fc.constantFrom('web', 'a'.repeat(64), 'é☃𝄞')));
const record: fc.Arbitrary<LogRecord> = fc.record({
  tsSec: fc.oneof(anyNumber, fc.integer({ min: 1_700_000_000, max: 1_700_000_100 })),
  tsNano: fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), anyNumber),
  receivedAt: fc.oneof(anyNumber, fc.integer({ min: 1.7e12, max: 1.7e12 + 1000 })),
  source: fc.constantFrom('forward', 'syslog', 'other' as 'forward'),
  host: column,
  containerId: column,
  containerName: column,
  stream: fc.constantFrom(null, 'stdout', 'stderr', 'odd' as 'stdout'),
  tag: column,
  app: column,
  project: column,
  service: column,
  severity: fc.option(fc.oneof(fc.integer({ min: 0, max: 7 }), anyNumber)),
  facility: fc.option(fc.oneof(fc.integer({ min: 0, max: 23 }), anyNumber)),
  message: text,
  attrs,
});
const unit: fc.Arbitrary<WriteUnit> = fc.record(
  {
    records: fc.array(record, { maxLength: 8 }),
    chunk: fc.option(fc.oneof(text, fc.constant(''))),
    stash: fc.array(fc.record({ key: text, ordinal: anyNumber, record }), { maxLength: 3 }),
    claims: fc.array(fc.record({ key: text, index: anyNumber }), { maxLength: 3 }),
  },
  { requiredKeys: ['records'] },
);

describe('unit codec', () => {
  it('round-trips any write unit exactly', () => {
    fc.assert(
      fc.property(unit, (u) => {
        // structuredClone: fast-check builds objects without a prototype; a key it leaves out
        // stays out, and must come back out.
        expect(decodeUnit(encodeUnit(u))).toStrictEqual(structuredClone(u));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps absent, null and empty apart', () => {
    for (const u of [
      { records: [] },
      { records: [], chunk: null },
      { records: [], chunk: '' },
      { records: [], stash: [], claims: [] },
    ] as WriteUnit[]) {
      expect(decodeUnit(encodeUnit(u))).toStrictEqual(u);
    }
  });

  it('a cut anywhere is an error, never a shorter unit', () => {
    fc.assert(
      fc.property(unit, fc.nat(), (u, at) => {
        const buf = encodeUnit(u);
        const cut = at % buf.length;
        expect(() => decodeUnit(buf.subarray(0, cut))).toThrow(RangeError);
      }),
    );
  });

  it('attrs keep lone surrogates (JSON escapes them); a column would not, and never has one', () => {
    const r: LogRecord = {
      tsSec: 1,
      tsNano: 2,
      receivedAt: 3,
      source: 'forward',
      host: null,
      containerId: null,
      containerName: null,
      stream: null,
      tag: null,
      app: null,
      project: null,
      service: null,
      severity: null,
      facility: null,
      message: 'lone \ud800 here',
      attrs: { '\udc00key': 'value \ud83d', nested: ['\udfff'] },
    };
    const back = decodeUnit(encodeUnit({ records: [r] })).records[0]!;
    expect(back.attrs).toStrictEqual(r.attrs);
    expect(back.message).toBe('lone \ufffd here'); // UTF-8 cannot hold it
  });

  it('records sharing columns and labels cost little more than their message', () => {
    const base: LogRecord = {
      tsSec: 1_764_000_000,
      tsNano: 123_456_789,
      receivedAt: 1_764_000_000_123,
      source: 'forward',
      host: null,
      containerId: 'f'.repeat(64),
      containerName: 'shop-web-1',
      stream: 'stdout',
      tag: 'f'.repeat(12),
      app: null,
      project: 'shop',
      service: 'web',
      severity: null,
      facility: null,
      message: 'x'.repeat(140),
      attrs: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
    };
    const one = encodeUnit({ records: [base] }).length;
    const records = Array.from({ length: 50 }, (_, i) => ({
      ...base,
      tsNano: i * 1000,
      receivedAt: base.receivedAt + i,
      attrs: { ...base.attrs! },
    }));
    const fifty = encodeUnit({ records }).length;
    expect((fifty - one) / 49).toBeLessThan(140 + 16);
    expect(decodeUnit(encodeUnit({ records }))).toStrictEqual({ records });
  });
});

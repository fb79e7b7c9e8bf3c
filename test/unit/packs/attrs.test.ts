/**
 * Attrs not stored twice (core/packs/attrs-column.ts): the fields of a JSON or logfmt line are
 * re-derived from the message, and what they cannot give back is kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeForwardEvent } from '../../../collector/forward/forward-record.js';
import { encodeAttrs } from '../../../core/packs/attrs-column.js';
import { PackReader } from '../../../core/packs/decode.js';
import { encodePack, type PackRow } from '../../../core/packs/encode.js';
import { parsePack } from '../../../core/packs/format.js';
import { newRecord, type Attrs, type LogRecord } from '../../../core/record.js';
import { packRows } from './arbitraries.js';
import { expectSameRecord, jsonbOf } from './same.js';

function roundTrip(records: LogRecord[]): { reader: PackReader; derived: number } {
  const rows = records.map((record, i) => ({ id: i + 1, record }));
  const p = encodePack(rows, { codec: 'deflate' });
  const reader = new PackReader(p.labels, p.data);
  records.forEach((r, i) => expectSameRecord(reader.record(i), r));
  return { reader, derived: encodeAttrs(records).derivedRows };
}

function line(message: string, attrs: Attrs | null): LogRecord {
  const r = newRecord('forward', 1_764_000_000, 0, message);
  r.attrs = attrs;
  return r;
}

describe('attrs derived from the message', () => {
  it('keeps only what the line does not say; a conflicting attr wins, as the collector merged it', () => {
    const msg = '{"level":"info","user":"a","n":1.50,"o":{"y":1,"x":[2]}}';
    const records = [
      // As collected: a label, and every field.
      line(msg, { label: 'x', level: 'info', user: 'a', n: 1.5, o: { x: [2], y: 1 } }),
      // The label has the key of a field with another value: the label stays, the field not.
      line(msg, { label: 'x', level: 'info', user: 'b', n: 1.5, o: { x: [2], y: 1 } }),
      // A field is missing from attrs (removed after collection): attrs are kept whole.
      line(msg, { label: 'x', level: 'info', n: 1.5, o: { x: [2], y: 1 } }),
      // Nothing but fields.
      line(msg, { level: 'info', user: 'a', n: 1.5, o: { x: [2], y: 1 } }),
      // A field with a number jsonb prints alike (-0 and 0).
      line('{"z":-0}', { z: 0 }),
      // logfmt.
      line('level=warn took=12ms msg="a b"', { level: 'warn', took: '12ms', msg: 'a b', pod: 'p' }),
      // Not structured, attrs of its own.
      line('plain text', { level: 'info' }),
      // Structured, but attrs null (the collector did not parse it): null it stays.
      line(msg, null),
      // Structured, attrs empty object.
      line(msg, {}),
    ];
    const { reader, derived } = roundTrip(records);
    expect(derived).toBe(5);
    expect(reader.attrs(1)).toMatchObject({ user: 'b', label: 'x' });
    expect(reader.attrs(7)).toBeNull();
    expect(reader.attrs(8)).toEqual({});
  });

  it('a line longer than the parser reads (64 KiB) keeps its attrs', () => {
    const msg = `{"level":"info","pad":"${'p'.repeat(70_000)}"}`;
    const { derived } = roundTrip([line(msg, { level: 'info', pad: 'p'.repeat(70_000) })]);
    expect(derived).toBe(0);
  });

  it('`__proto__` keys stay keys on both sides', () => {
    const msg = '{"__proto__":{"a":1},"level":"info"}';
    const { derived } = roundTrip([
      line(msg, JSON.parse('{"__proto__":{"a":1},"level":"info","own":1}') as Attrs),
      line(msg, JSON.parse('{"__proto__":{"a":2},"level":"info"}') as Attrs),
      line('{"level":"info"}', JSON.parse('{"__proto__":{},"level":"info"}') as Attrs),
    ]);
    expect(derived).toBe(3);
  });

  it('the generated packs exercise both paths', () => {
    let derived = 0;
    let whole = 0;
    for (const rows of fc.sample(packRows, { numRuns: 300, seed: 17 })) {
      const records = rows.map((r) => r.record);
      const d = encodeAttrs(records).derivedRows;
      derived += d;
      whole += records.filter((r) => r.attrs !== null).length - d;
    }
    expect(derived).toBeGreaterThan(200);
    expect(whole).toBeGreaterThan(200);
  });

  it('measured: a Docker stream of JSON and logfmt lines costs far fewer attrs bytes', () => {
    const id = 'c0ffee'.repeat(10) + 'abcd';
    const rows: PackRow[] = [];
    for (let i = 0; i < 2000; i++) {
      const log =
        i % 4 === 3
          ? `level=info msg="job done" job_id=j${i * 7919} took=${i % 97}ms`
          : JSON.stringify({
              ts: new Date(1_764_000_000_000 + i * 37).toISOString(),
              level: i % 10 === 0 ? 'error' : 'info',
              msg: 'request served',
              method: 'GET',
              path: `/api/v1/items/${(i * 7919) % 10_000}`,
              status: i % 10 === 0 ? 500 : 200,
              duration_ms: (i * 31) % 900,
              trace_id: (i * 2654435761).toString(16).padStart(32, '0'),
            });
      const { record } = normalizeForwardEvent(
        id.slice(0, 12),
        1_764_000_000 + Math.floor(i / 27),
        (i * 37_000_123) % 1e9,
        {
          container_id: id,
          container_name: '/shop-cart-api-1',
          source: 'stdout',
          log,
          'com.docker.compose.project': 'shop',
          'com.docker.compose.service': 'cart-api',
        },
        null,
      );
      record.receivedAt = 1_764_000_000_000 + i * 37 + 2;
      rows.push({ id: 1 + i * 3, record });
    }
    const attrsBytes = (noDerive: boolean, codec: 'none' | 'deflate') => {
      const p = encodePack(rows, { codec, noDerive });
      return parsePack(p.data).sections[2]!.stored.length / rows.length;
    };
    const withRule = attrsBytes(false, 'deflate');
    const without = attrsBytes(true, 'deflate');
    // Measured when written: 0.04 vs 24 bytes a line deflated (1.0 vs 107 raw).
    expect(withRule).toBeLessThan(0.5);
    expect(without).toBeGreaterThan(40 * withRule);
    expect(attrsBytes(true, 'none')).toBeGreaterThan(80);
    expect(attrsBytes(false, 'none')).toBeLessThan(2);
    const p = encodePack(rows, { codec: 'deflate' });
    const reader = new PackReader(p.labels, p.data);
    for (let i = 0; i < rows.length; i += 97) {
      expect(jsonbOf(reader.attrs(i))).toBe(jsonbOf(rows[i]!.record.attrs));
      expect(reader.severity(i)).toBe(rows[i]!.record.severity);
    }
  });
});

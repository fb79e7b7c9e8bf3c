/**
 * The pieces of the committed-record conversion that are easy to get subtly wrong; the
 * whole conversion is checked against PostgreSQL in test/integration/tail/stored-record.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { asJsonb, formatEventTime, formatReceivedAt } from '../../../core/stored-record.js';

describe('stored record conversion', () => {
  it('prints event times with nanoseconds, UTC, padded', () => {
    expect(formatEventTime(1_764_300_000, 1_234_567)).toBe('2025-11-28T03:20:00.001234567Z');
    expect(formatEventTime(0, 999_999_999)).toBe('1970-01-01T00:00:00.999999999Z');
    expect(formatEventTime(-62135596800, 5)).toBe('0001-01-01T00:00:00.000000005Z');
  });

  it('prints arrival times with microseconds', () => {
    expect(formatReceivedAt(1_764_300_000_123)).toBe('2025-11-28T03:20:00.123000Z');
    expect(formatReceivedAt(0)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('orders object keys as jsonb does: shorter first, then by UTF-8 bytes, at every depth', () => {
    const v = asJsonb({ bb: 1, a: { zz: 1, y: 2 }, é: 3, z: [{ dd: 1, c: 2 }], '': 0 });
    expect(JSON.stringify(v)).toBe('{"":0,"a":{"y":2,"zz":1},"z":[{"c":2,"dd":1}],"bb":1,"é":3}');
    // U+FF21 sorts after U+1F600 by UTF-16 code units but before it by UTF-8 length.
    expect(Object.keys(asJsonb({ '😀': 1, Ａ: 2 }))).toEqual(['Ａ', '😀']);
  });

  it('writes numbers as their JSON text reads back', () => {
    expect(asJsonb({ n: -0, m: 1e21 })).toEqual({ n: 0, m: 1e21 });
    expect(Object.is(asJsonb({ n: -0 }).n, 0)).toBe(true);
  });
});

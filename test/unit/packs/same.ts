/** What "the same record" means for a pack: every field exact, attrs equal as jsonb holds them. */
import { expect } from 'vitest';
import type { LogRecord } from '../../../core/record.js';
import { asJsonb } from '../../../core/stored-record.js';

export function jsonbOf(a: LogRecord['attrs']): string | null {
  return a === null ? null : JSON.stringify(asJsonb(a));
}

export function expectSameRecord(got: LogRecord, want: LogRecord): void {
  const { attrs: ga, ...gRest } = got;
  const { attrs: wa, ...wRest } = want;
  expect(gRest).toStrictEqual({ ...wRest });
  // toStrictEqual treats NaN as NaN and -0 as not 0: the numbers are exact.
  expect(Object.is(got.receivedAt, want.receivedAt)).toBe(true);
  expect(got.message === want.message).toBe(true);
  expect(jsonbOf(ga)).toBe(jsonbOf(wa));
}

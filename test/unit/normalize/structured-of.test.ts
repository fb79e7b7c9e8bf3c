/**
 * structuredOf keeps a record's parse while its message is unchanged (a line is parsed on
 * arrival and again where its pack is written): the same result as parsing, once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseStructuredLine,
  structuredOf,
  type StructuredLine,
} from '../../../core/normalize/structured-line.js';

const line = fc.oneof(
  fc.json().map((j) => j.toString()),
  fc
    .dictionary(fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,8}$/), fc.string({ maxLength: 12 }))
    .map((d) => JSON.stringify(d)),
  fc
    .array(fc.tuple(fc.constantFrom('level', 'msg', 'n'), fc.string({ maxLength: 10 })))
    .map((a) => a.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')),
  fc.string(),
);

/** The parse alone (what structuredOf keeps also holds the message it is of). */
const parse = (x: StructuredLine | null) => x && { fields: x.fields, severity: x.severity };

describe('structuredOf', () => {
  it('gives what parseStructuredLine gives, and the same object while the message stays', () => {
    fc.assert(
      fc.property(line, line, (a, b) => {
        const holder = { message: a };
        const first = structuredOf(holder);
        expect(parse(first)).toEqual(parseStructuredLine(a));
        expect(structuredOf(holder)).toBe(first); // kept, not parsed again
        expect(parse(structuredOf({ message: a }))).toEqual(parse(first)); // another holder
        holder.message = b; // a changed message (the multi-line joiner) is parsed anew
        expect(parse(structuredOf(holder))).toEqual(parseStructuredLine(b));
      }),
      { numRuns: 500 },
    );
  });
});

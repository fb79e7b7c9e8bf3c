import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiLower } from '../../../api/query/filter.js';
import { PackReader } from '../../../core/packs/decode.js';
import { encodePack } from '../../../core/packs/encode.js';
import { newRecord } from '../../../core/record.js';

/** The predicate's word match (api/query/to-predicate.ts), row by row. */
function naive(messages: string[], needle: string): number[] {
  return messages.flatMap((m, i) => (asciiLower(m).includes(needle) ? [i] : []));
}

function readerOf(messages: string[]): PackReader {
  const rows = messages.map((m, i) => ({ id: i + 1, record: newRecord('forward', 0, 0, m) }));
  const p = encodePack(rows, { codec: 'deflate', level: 1 });
  return new PackReader(p.labels, p.data);
}

// Few letters, so needles match often, across row ends too; case pairs and look-alikes:
// 'İ' lowers to 'i̇' in JavaScript but not under ASCII folding, 'K' (Kelvin) to 'k'.
const unit = fc.constantFrom(
  'a',
  'A',
  'b',
  'B',
  ' ',
  'é',
  'É',
  'İ',
  'i',
  'K',
  'k',
  '😀',
  '\ud800',
  '\x1b',
  'ß',
);
const messageArb = fc.string({ unit, maxLength: 12 });

describe('rowsContaining', () => {
  it('agrees with asciiLower(message).includes(needle) on every row', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 30 }),
        fc.oneof(
          fc.string({ unit, maxLength: 4 }).map(asciiLower),
          fc.string({ unit, maxLength: 4 }),
        ),
        (messages, needle) => {
          const reader = readerOf(messages);
          expect(reader.rowsContaining(needle)).toEqual(naive(messages, needle));
          // The lowered text is kept: a second needle on the same reader.
          expect(reader.rowsContaining('a')).toEqual(naive(messages, 'a'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('of rows from..to only, the same rows as the whole scan within them', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 30 }),
        fc.string({ unit, maxLength: 3 }).map(asciiLower),
        fc.nat(),
        fc.nat(),
        (messages, needle, a, b) => {
          const reader = readerOf(messages);
          const from = a % (messages.length + 1);
          const to = from + (b % (messages.length - from + 1));
          const inside = naive(messages, needle).filter((i) => i >= from && i < to);
          expect(reader.rowsContaining(needle, from, to)).toEqual(inside);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds a word in a 1 MB line and not across two lines', () => {
    const messages = ['x'.repeat(1 << 20) + 'NeedLE', 'need', 'le', '', 'a needle'];
    const reader = readerOf(messages);
    expect(reader.rowsContaining('needle')).toEqual([0, 4]);
    expect(reader.rowsContaining('needle')).toEqual(naive(messages, 'needle'));
    expect(reader.rowsContaining('edle')).toEqual([0, 4]);
    expect(reader.rowsContaining('')).toEqual([0, 1, 2, 3, 4]);
    expect(reader.rowsContaining('NEEDLE')).toEqual([]); // the needle comes lowered
  });
});

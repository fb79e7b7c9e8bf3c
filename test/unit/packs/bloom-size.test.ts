/**
 * A pack's filter is built at the smallest size its messages can need (core/packs/bloom.ts)
 * instead of full size and folded: the bytes must be those of the full-size way, for any
 * messages (ASCII, multi-byte, empty, long), and a small pack's filter must be small.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packBloom, PACK_BLOOM_MAX_FILL } from '../../../core/packs/bloom.js';
import { BLOOM_MIN_BITS, BloomBuilder } from '../../../core/trigram-bloom.js';

function fullSizeThenFolded(messages: string[], maxFill: number): Buffer {
  const b = new BloomBuilder();
  for (const m of messages) b.add(m);
  return b.folded(maxFill);
}

const message = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc
    .array(fc.constantFrom('GET', '/api', 'cart', '200', 'ms', 'x', 'é', '日本'), {
      maxLength: 40,
    })
    .map((w) => w.join(' ')),
);

describe('pack Bloom filter size', () => {
  it('equals the full-size filter folded, for any messages and fill limit', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 300 }),
        fc.constantFrom(PACK_BLOOM_MAX_FILL, 0.25, 0.4, 1),
        (messages, fill) => {
          expect(packBloom(messages, fill).equals(fullSizeThenFolded(messages, fill))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a pack of a few short lines gets a filter of the minimum size', () => {
    const f = packBloom(['GET /healthz 200 1ms', 'GET /healthz 200 2ms']);
    expect(f.length).toBe(BLOOM_MIN_BITS / 8);
  });
});

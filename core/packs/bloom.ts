/**
 * A pack's trigram filter: core/trigram-bloom.ts's BloomBuilder over every message, folded
 * as it folds a block's, under a fill limit of its own (bench/packs.ts measures the choice):
 * packs hold thousands of rows of one stream, not the 1024 mixed rows the blocks were tuned
 * for. Readers test it exactly as a block's (needleBitPositions, bloomHas, and the SQL of
 * api/query/to-block-filter.ts): a filter of L bytes scales positions by BLOOM_BITS / 8 / L.
 */
import { BLOOM_BITS, BLOOM_HASHES, BLOOM_MIN_BITS, BloomBuilder } from '../trigram-bloom.js';

/** Folding stops before the share of set bits would pass this (see bench/packs.ts). */
export const PACK_BLOOM_MAX_FILL = 0.5;

/**
 * Builders by size, reused: encodePack is synchronous. A small pack (a batch holds a few
 * lines of a stream) is built small from the start: clearing and folding 32 KiB for a
 * dozen lines cost the writer more than the rest of its pack.
 */
const builders = new Map<number, BloomBuilder>();

/**
 * The smallest filter size that holds `messages` under `maxFill` whatever their trigrams:
 * at most BLOOM_HASHES bits per trigram are set, and a message of n UTF-8 bytes has at most
 * n - 2 trigrams. Building at this size gives the same bits as building at BLOOM_BITS and
 * folding down to it (a fold maps position p to p >>> 1, as the builder's shift does), and
 * folding goes on from there exactly as it would have: every size above had a lower fill.
 */
function startBits(messages: readonly string[], maxFill: number): number {
  let trigrams = 0;
  for (const m of messages) trigrams += Math.max(0, Buffer.byteLength(m, 'utf8') - 2);
  const need = (trigrams * BLOOM_HASHES) / maxFill;
  let bits = BLOOM_MIN_BITS;
  while (bits < need && bits < BLOOM_BITS) bits *= 2;
  return bits;
}

export function packBloom(messages: readonly string[], maxFill = PACK_BLOOM_MAX_FILL): Buffer {
  if (!(maxFill > 0 && maxFill <= 1))
    throw new RangeError(`pack: bloom fill must be in (0, 1], got ${maxFill}`);
  const bits = startBits(messages, maxFill);
  let builder = builders.get(bits);
  if (!builder) builders.set(bits, (builder = new BloomBuilder(bits)));
  builder.reset();
  for (const m of messages) builder.add(m);
  return builder.folded(maxFill);
}

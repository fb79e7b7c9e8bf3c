/**
 * The id filter of a merged pack (migration 013, docs/architecture.md "Packs"): a second
 * Bloom filter, beside the trigram one (trigram-bloom.ts), for long runs of hex digits,
 * the trace ids, span ids, hashes and numbers logs are full of.
 *
 * Why: the trigram filter cannot prune on them. Hex has 16^3 = 4096 trigrams, and a pack
 * of a few thousand lines with trace ids holds nearly all of them, so a 32-hex trace id
 * passes every pack's trigram filter (bench search, "trace id": every pack was decoded).
 * An 8-digit window of a hex run is a 32-bit value instead: 4 billion of them, and a pack
 * holds only the windows of its own ids.
 *
 *   message ──► maximal runs of [0-9A-Fa-f] (case folded, as search words are)
 *           ──► every window of ID_WINDOW digits in a run: v = the 32-bit value
 *           ──► h = fmix32(v) (murmur3's finalizer); kept only when h & ID_SAMPLE_MASK = 0
 *           ──► position p = (h * M) >>> (32 - log2 BLOOM_BITS)
 *
 * Substring search stays exact: a message holding a needle holds every window of the
 * needle's own hex runs inside one of its runs (a needle's run can only be a piece of the
 * message's, never longer), so each such window was indexed if it was kept; whether it
 * was kept depends only on its value, so reader and writer agree without knowing where
 * the run starts. A 32-digit id has 25 windows, all dropped with probability (1/2)^25 (then
 * the filter just does not prune), a 16-digit span id 9 (0.2%).
 *
 * One position per window, 1 window in 2 kept: the false-positive rate is about
 * (1 - s + s f)^W for W windows in the needle, s the share kept and f the filter's fill,
 * which grows with s; for a pack of 16,384 lines each with its own 32-hex and 16-hex id
 * (the worst case: real traces repeat an id over several lines) 2 positions and 1 in 4 let
 * 2.5% of absent ids through, 1 and 1 in 2 under 1% (test/unit/bloom/id-bloom.test.ts).
 *
 * Same size and folding rules as the trigram filter (full size BLOOM_BITS, folded by
 * foldToFill, positions scaled by the stored length), so the SQL test is the same
 * (api/query/to-block-filter.ts bloomHasSql). Bit order: PostgreSQL's get_bit.
 */
import { BLOOM_BITS, BLOOM_MIN_BITS, foldToFill } from './trigram-bloom.js';

/** Hex digits per indexed window: 32 bits, one JS integer. */
export const ID_WINDOW = 8;
/** A window is indexed when its hash has these bits clear: 1 in 2. */
export const ID_SAMPLE_MASK = 1;
/**
 * Folding stops before the share of set bits would pass this: a 32-digit needle probes
 * about 12 windows, so even at 0.6 a pack without it passes (0.6)^12 = 0.2% of the time.
 */
export const ID_BLOOM_MAX_FILL = 0.6;

const SHIFT = 32 - Math.log2(BLOOM_BITS);
const M = 0x85ebca77 | 0;

/** HEX[c]: the digit of UTF-16 unit c (A-F folded), or -1. */
const HEX = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) HEX[0x61 + d] = HEX[0x41 + d] = 10 + d;

/** murmur3's 32-bit finalizer: every input bit reaches every output bit. */
function fmix32(v: number): number {
  v ^= v >>> 16;
  v = Math.imul(v, 0x85ebca6b);
  v ^= v >>> 13;
  v = Math.imul(v, 0xc2b2ae35);
  v ^= v >>> 16;
  return v >>> 0;
}

/**
 * Calls `keep(h)` with the hash of every kept window of `text`'s hex runs, in order,
 * repeats included. Hex digits are ASCII, so UTF-16 units are scanned as they are: any
 * other unit ends a run in UTF-16 as its bytes would in UTF-8.
 */
function eachKeptWindow(text: string, keep: (h: number) => void): void {
  let run = 0;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0) {
      run = 0;
      continue;
    }
    v = (v << 4) | d; // the top digit falls off: v holds the last 8
    if (++run < ID_WINDOW) continue;
    const h = fmix32(v >>> 0);
    if ((h & ID_SAMPLE_MASK) === 0) keep(h);
  }
}

/** The full-size positions any pack holding `needle` has set; null when it has no kept window. */
export function needleIdPositions(needle: string): number[] | null {
  const set = new Set<number>();
  eachKeptWindow(needle, (h) => set.add(Math.imul(h, M) >>> SHIFT));
  return set.size === 0 ? null : [...set].sort((a, b) => a - b);
}

/** One full-size array, reused: idBloom is synchronous. */
const FULL = new Uint8Array(BLOOM_BITS >> 3);

/** The folded id filter of `messages` (at least BLOOM_MIN_BITS, all clear when no id is kept). */
export function idBloom(messages: readonly string[], maxFill = ID_BLOOM_MAX_FILL): Buffer {
  FULL.fill(0);
  const set = (h: number) => {
    const p = Math.imul(h, M) >>> SHIFT;
    FULL[p >> 3]! |= 1 << (p & 7);
  };
  for (const m of messages) eachKeptWindow(m, set);
  return foldToFill(FULL, maxFill, BLOOM_MIN_BITS);
}

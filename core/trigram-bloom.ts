/**
 * The skip index (docs/architecture.md, "The block index"), computed in the collector as
 * VictoriaLogs does: for each block of consecutive rows, a Bloom filter
 * of the byte trigrams of every message, so a word search reads only the blocks that may
 * hold the word. Shared by the collector (BloomBuilder, per event) and the API
 * (needleBitPositions, per query): both must hash identically, and the database only ever
 * sees bit positions computed here.
 *
 *   message ──ASCII-lower──► UTF-8 bytes ──► trigram t = b0<<16 | b1<<8 | b2 (24 bits)
 *            ──► h = t * PHI (32 bits) ──► g_i = h * M_i (32 bits), i < BLOOM_HASHES
 *            ──► position p_i = g_i >>> (32 - log2 BLOOM_BITS)
 *
 * Folding: positions are the TOP bits of g_i, so the same position in a filter of half the
 * size is p >>> 1, and halving a filter is OR-ing bit pairs. The builder always fills a
 * BLOOM_BITS filter and hands out the smallest fold whose fill stays under BLOOM_MAX_FILL:
 * a quiet block (few rows, or repetitive lines) costs a few hundred bytes, and only blocks
 * with many distinct trigrams pay for 32 KiB. A reader of a stored filter of L bytes looks
 * up full-size position p at p / (BLOOM_BITS / 8 / L).
 *
 * Bit order matches PostgreSQL's get_bit(bytea, n): bit n is in byte n >> 3, counted from
 * the least significant bit (mask 1 << (n & 7)); test/integration/bloom.test.ts checks it.
 *
 * Case: search words are substrings under ASCII-only case folding (api/query/filter.ts,
 * `asciiLower`, ILIKE under the C collation), so only bytes A-Z are lowered here. Strings
 * are encoded as Buffer.from(s, 'utf8') does, a lone surrogate becoming U+FFFD.
 */

/** Full-size filter: 2^18 bits (32 KiB); must be a power of two (folding halves it). */
export const BLOOM_BITS = 2 ** 18;
/** Positions per trigram (see bench/bloom.ts for the false-positive rates behind it). */
export const BLOOM_HASHES = 3;
/** Folding stops before the share of set bits would pass this. */
export const BLOOM_MAX_FILL = 0.4;
/** Smallest filter handed out: 1024 bits (128 bytes). */
export const BLOOM_MIN_BITS = 2 ** 10;

/** Fibonacci hashing: 2^32 / golden ratio, odd, so the 24-bit trigram maps injectively. */
const PHI = 0x9e3779b1 | 0;
/** One odd multiplier per position (murmur3 and xxhash constants); the builder uses 3. */
const MULTIPLIERS = new Int32Array([
  0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f, 0x165667b1, 0xcc9e2d51, 0x1b873593, 0xff51afd7, 0xc4ceb9ff,
]);
const M0 = MULTIPLIERS[0]!;
const M1 = MULTIPLIERS[1]!;
const M2 = MULTIPLIERS[2]!;

function log2(bits: number, what: string): number {
  const l = Math.log2(bits);
  if (!Number.isInteger(l) || l < 3 || l > 31) {
    throw new RangeError(`${what} must be a power of two between 2^3 and 2^31, got ${bits}`);
  }
  return l;
}

/** The 32-bit hash of one trigram value (b0 << 16 | b1 << 8 | b2). */
export function trigramHash(trigram: number): number {
  return Math.imul(trigram, PHI) >>> 0;
}

/**
 * Position `i` (0-based, under 8) of a trigram hash in a filter of 2^(32 - shift) bits; the
 * builder sets i = 0..BLOOM_HASHES-1 (bench/bloom.ts also tries other counts).
 */
export function hashPosition(hash: number, i: number, shift: number): number {
  return Math.imul(hash, MULTIPLIERS[i]!) >>> shift;
}

/** UTF-8 of `s` with A-Z lowered (and nothing else, as ILIKE under the C collation). */
function loweredBytes(input: Uint8Array | string): Uint8Array {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Uint8Array.from(input);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x41 && b <= 0x5a) bytes[i] = b | 0x20;
  }
  return bytes;
}

/** The hash of every trigram (in order, repeats kept) of the ASCII-lowered UTF-8 bytes. */
export function trigramHashes(input: Uint8Array | string): Uint32Array {
  const b = loweredBytes(input);
  const out = new Uint32Array(Math.max(0, b.length - 2));
  for (let i = 0; i < out.length; i++) {
    out[i] = trigramHash((b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!);
  }
  return out;
}

/**
 * The full-size bit positions that any block holding `needle` (already lower-cased or
 * not: A-Z fold either way) has set, deduplicated and ascending; null when the needle has
 * fewer than 3 UTF-8 bytes, which no trigram filter can prune on.
 */
export function needleBitPositions(needle: string, bits = BLOOM_BITS): number[] | null {
  const shift = 32 - log2(bits, 'bits');
  const hs = trigramHashes(needle);
  if (hs.length === 0) return null;
  const set = new Set<number>();
  for (const h of hs) for (let i = 0; i < BLOOM_HASHES; i++) set.add(hashPosition(h, i, shift));
  return [...set].sort((a, b) => a - b);
}

/**
 * Whether a stored filter (possibly folded) has every full-size position set: the check the
 * SQL of api/query/to-block-filter.ts makes, for tests and in-memory use.
 */
export function bloomHas(
  bloom: Uint8Array,
  positions: readonly number[],
  bits = BLOOM_BITS,
): boolean {
  const scale = bits / 8 / bloom.length;
  for (const p of positions) {
    const q = Math.floor(p / scale);
    if ((bloom[q >> 3]! & (1 << (q & 7))) === 0) return false;
  }
  return true;
}

/** POPCOUNT[b]: set bits of byte b. FOLD4[b]: bit m = bit 2m | bit 2m+1 of b (m < 4). */
const POPCOUNT = new Uint8Array(256);
const FOLD4 = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  POPCOUNT[b] = (b & 1) + POPCOUNT[b >> 1]!;
  for (let m = 0; m < 4; m++) if ((b >> (2 * m)) & 3) FOLD4[b]! |= 1 << m;
}

function popcount(a: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += POPCOUNT[a[i]!]!;
  return n;
}

/** The filter at half the size: bit i = bit 2i | bit 2i+1 (position p becomes p >>> 1). */
export function foldBloom(a: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length >> 1);
  for (let j = 0; j < out.length; j++) out[j] = FOLD4[a[2 * j]!]! | (FOLD4[a[2 * j + 1]!]! << 4);
  return out;
}

/**
 * `a` folded to the smallest size (not under `minBits`) whose share of set bits stays
 * under `maxFill`; always a new buffer, so `a` may be reused.
 */
export function foldToFill(a: Uint8Array, maxFill: number, minBits: number): Buffer {
  let out = a;
  while (out.length * 8 > minBits) {
    const folded = foldBloom(out);
    if (popcount(folded) > maxFill * folded.length * 8) break;
    out = folded;
  }
  return out === a ? Buffer.from(a) : Buffer.from(out.buffer, out.byteOffset, out.length);
}

if (BLOOM_BITS !== 2 ** (32 - 14)) throw new Error('BloomBuilder.add assumes BLOOM_BITS = 2^18');

/** Messages up to this many UTF-16 units are encoded into SCRATCH. */
const SCRATCH_CHARS = 16_384;
/**
 * One UTF-8 buffer shared by every builder: add() is synchronous, so no two calls can use
 * it at once, and V8 reads a module-level buffer faster than a field (~25% of add()).
 */
const SCRATCH = Buffer.allocUnsafe(SCRATCH_CHARS * 3);

/**
 * One block's filter, fed every message on the ingest path. `add` runs per event, so it
 * encodes into a reused buffer (native code: ~2x faster than charCodeAt here), keeps the
 * trigram in a rolling integer, and sets the three positions unrolled (a loop over
 * BLOOM_HASHES multipliers measured ~1.7x slower); only a message over SCRATCH_CHARS
 * allocates its own UTF-8 copy.
 */
export class BloomBuilder {
  readonly bits: number;
  /** log2(BLOOM_BITS / bits): full-size positions shifted down to this builder's size. */
  private readonly extra: number;
  private readonly array: Uint8Array;
  private messages = 0;

  constructor(bits = BLOOM_BITS) {
    this.extra = log2(BLOOM_BITS, 'BLOOM_BITS') - log2(bits, 'bits');
    if (this.extra < 0) throw new RangeError(`bits must be at most BLOOM_BITS, got ${bits}`);
    this.bits = bits;
    this.array = new Uint8Array(bits >> 3);
  }

  /** Messages added since the last reset. */
  get count(): number {
    return this.messages;
  }

  /**
   * Share of the full-size filter's bits set (a pass over 32 KiB: call it every few hundred
   * rows, not per event). Past ~0.5 every position test passes too often to prune; the
   * writer can close the block early (4096 rows of random tokens reach 0.9).
   */
  get fill(): number {
    return popcount(this.array) / this.bits;
  }

  add(message: string): void {
    this.messages++;
    let b = SCRATCH;
    let len: number;
    if (message.length <= SCRATCH_CHARS) len = SCRATCH.write(message, 0, 'utf8');
    else len = (b = Buffer.from(message, 'utf8')).length;
    if (len < 3) return;
    const a = this.array;
    const extra = this.extra;
    let t = (lower(b[0]!) << 8) | lower(b[1]!);
    for (let i = 2; i < len; i++) {
      let c = b[i]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      t = ((t << 8) | c) & 0xffffff;
      // BLOOM_HASHES = 3, written out; hashPosition() is the same arithmetic. The literal
      // 14 (32 - log2 BLOOM_BITS, checked above) tells V8 that p is a small integer: a
      // shift by a variable made the loop ~1.5x slower (heap numbers for p >= 2^31).
      const h = Math.imul(t, PHI);
      let p = (Math.imul(h, M0) >>> 14) >>> extra;
      a[p >> 3]! |= 1 << (p & 7);
      p = (Math.imul(h, M1) >>> 14) >>> extra;
      a[p >> 3]! |= 1 << (p & 7);
      p = (Math.imul(h, M2) >>> 14) >>> extra;
      a[p >> 3]! |= 1 << (p & 7);
    }
  }

  /**
   * A copy of the filter, folded to the smallest size (not under BLOOM_MIN_BITS) whose
   * fill stays under BLOOM_MAX_FILL. Readers scale positions by its length (see above).
   */
  get bytes(): Buffer {
    return this.folded(BLOOM_MAX_FILL);
  }

  /** As `bytes`, under another fill limit (core/packs/ folds a pack's filter further). */
  folded(maxFill: number): Buffer {
    return foldToFill(this.array, maxFill, BLOOM_MIN_BITS);
  }

  /** The full-size filter (no folding), a copy. */
  get fullBytes(): Buffer {
    return Buffer.from(this.array);
  }

  reset(): void {
    this.array.fill(0);
    this.messages = 0;
  }
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

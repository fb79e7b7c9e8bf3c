/**
 * The codecs a pack's sections are compressed with. Each section of a pack names its own
 * codec by a one-byte code in the pack header (core/packs/format.ts), so a reader needs no
 * outside knowledge, and a section that would not shrink is stored as is (code 0).
 *
 *   code  codec    level                       from
 *   0     none     -                           stored bytes
 *   1     deflate  0..9 (zlib level)           node:zlib raw deflate (RFC 1951)
 *   2     brotli   0..11 (quality)             node:zlib brotli (RFC 7932), MODE_TEXT for text
 *   3, 4  reserved for zstd and lz4 (bench/codecs.ts measures npm packages for them)
 *
 * Adding a codec: give it the next free code in CODECS (codes are never reused or
 * renumbered: packs outlive releases) and a CodecId; a reader that does not know a code
 * refuses the pack with a PackFormatError naming it, never guesses.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants as z,
  deflateRawSync,
  inflateRawSync,
} from 'node:zlib';

export type CodecId = 'none' | 'deflate' | 'brotli';

/** What a section holds: brotli has a mode tuned for UTF-8 text. */
export type SectionKind = 'binary' | 'text';

export interface Codec {
  readonly id: CodecId;
  /** The byte in the pack header. */
  readonly code: number;
  /** Accepted levels; `level` outside them is a RangeError. */
  readonly minLevel: number;
  readonly maxLevel: number;
  readonly defaultLevel: number;
  compress(raw: Buffer, level: number, kind: SectionKind): Buffer;
  /** `rawLength` bounds the output: a stream that would inflate past it throws. */
  decompress(stored: Buffer, rawLength: number): Buffer;
}

/** Brotli's window: no larger than the input needs (the encoder allocates for it). */
function brotliWindow(bytes: number): number {
  return Math.min(
    z.BROTLI_MAX_WINDOW_BITS,
    Math.max(z.BROTLI_MIN_WINDOW_BITS, Math.ceil(Math.log2(bytes + 1))),
  );
}

export const CODECS: Readonly<Record<CodecId, Codec>> = {
  none: {
    id: 'none',
    code: 0,
    minLevel: 0,
    maxLevel: 0,
    defaultLevel: 0,
    compress: (raw) => raw,
    decompress: (stored) => stored,
  },
  deflate: {
    id: 'deflate',
    code: 1,
    minLevel: 0,
    maxLevel: 9,
    defaultLevel: 6,
    compress: (raw, level) => deflateRawSync(raw, { level }),
    decompress: (stored, rawLength) =>
      inflateRawSync(stored, { maxOutputLength: Math.max(1, rawLength) }),
  },
  brotli: {
    id: 'brotli',
    code: 2,
    minLevel: 0,
    maxLevel: 11,
    defaultLevel: 9,
    compress: (raw, level, kind) =>
      brotliCompressSync(raw, {
        params: {
          [z.BROTLI_PARAM_QUALITY]: level,
          [z.BROTLI_PARAM_MODE]: kind === 'text' ? z.BROTLI_MODE_TEXT : z.BROTLI_MODE_GENERIC,
          [z.BROTLI_PARAM_SIZE_HINT]: raw.length,
          [z.BROTLI_PARAM_LGWIN]: brotliWindow(raw.length),
        },
      }),
    decompress: (stored, rawLength) =>
      brotliDecompressSync(stored, { maxOutputLength: Math.max(1, rawLength) }),
  },
};

const BY_CODE = new Map<number, Codec>(Object.values(CODECS).map((c) => [c.code, c]));

export function codecByCode(code: number): Codec | undefined {
  return BY_CODE.get(code);
}

/** The codec and a checked level (its default when `level` is undefined). */
export function codecWithLevel(id: CodecId, level?: number): { codec: Codec; level: number } {
  const codec = CODECS[id] as Codec | undefined;
  if (!codec) throw new RangeError(`pack: unknown codec ${JSON.stringify(id)}`);
  const l = level ?? codec.defaultLevel;
  if (!Number.isInteger(l) || l < codec.minLevel || l > codec.maxLevel)
    throw new RangeError(
      `pack: ${id} level must be ${codec.minLevel}..${codec.maxLevel}, got ${l}`,
    );
  return { codec, level: l };
}

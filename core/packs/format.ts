/**
 * A pack's `data`: a small uncompressed header, then its sections, each compressed on its
 * own so a reader decompresses only what it reads (ids and times without the text).
 *
 *   offset  bytes  field
 *   0       3      magic "LHP"
 *   3       1      format version (1)
 *   4       1      derive version: the rules that re-derive attrs from a JSON or logfmt
 *                  message (core/normalize/structured-line.ts; attrs-column.ts)
 *   5       v      rows (varint, 1 .. MAX_ROWS)
 *           1      section count n (3: numbers, text, attrs)
 *           n x    codec code u8 (codec.ts) | raw length varint | stored length varint
 *                  | crc32 u32 LE of the stored bytes
 *           4      crc32 u32 LE of every header byte before it
 *           ...    the n sections' stored bytes, back to back, to the end of `data`
 *
 * Every check runs before a value is read: the header's crc when the reader opens the pack,
 * a section's crc before it is decompressed, its decompressed length against the header.
 * So a flipped bit or a cut-short `data` is a PackFormatError, never a wrong record.
 */
import { crc32 } from 'node:zlib';
import { ByteReader, ByteWriter } from '../bytes/byte-io.js';
import { codecByCode, type Codec } from './codec.js';
import { PackFormatError } from './errors.js';

const MAGIC = Buffer.from('LHP', 'latin1');
export const FORMAT_VERSION = 1;
/**
 * Bump when parseStructuredLine or what it calls (core/normalize/) would give other fields
 * for some message, and keep the old rules for packs written under this number: a derived
 * row's attrs are re-parsed from its message on every read.
 */
export const DERIVE_VERSION = 1;
export const SECTION_NAMES = ['numbers', 'text', 'attrs'] as const;
/** Rows of one pack, at most (bounds what a corrupt header could make a reader allocate). */
export const MAX_ROWS = 1 << 24;
/** Raw bytes of one section, at most (zlib and Buffer limits stay far). */
export const MAX_SECTION_BYTES = 2 ** 31 - 1;

export interface StoredSection {
  codec: Codec;
  rawLength: number;
  stored: Buffer;
}

/** Header and sections as one Buffer. */
export function writePack(rows: number, sections: StoredSection[]): Buffer {
  const w = new ByteWriter(64);
  w.bytes(MAGIC);
  w.u8(FORMAT_VERSION);
  w.u8(DERIVE_VERSION);
  w.varint(rows);
  w.u8(sections.length);
  for (const s of sections) {
    w.u8(s.codec.code);
    w.varint(s.rawLength);
    w.varint(s.stored.length);
    w.u32(crc32(s.stored));
  }
  w.u32(crc32(w.buf.subarray(0, w.pos)));
  return Buffer.concat([w.take(), ...sections.map((s) => s.stored)]);
}

export interface ParsedPack {
  rows: number;
  sections: StoredSection[];
  /** crc32 of each section's stored bytes, as the header says. */
  crcs: number[];
}

export function parsePack(data: Buffer): ParsedPack {
  if (!Buffer.isBuffer(data)) throw new PackFormatError('data is not a Buffer');
  const r = new ByteReader(data, 'pack header');
  try {
    if (data.length < 5 || !data.subarray(0, 3).equals(MAGIC))
      throw new PackFormatError('not a pack (no LHP magic)');
    r.pos = 3;
    const version = r.u8();
    if (version !== FORMAT_VERSION)
      throw new PackFormatError(`format version ${version} (this reader knows ${FORMAT_VERSION})`);
    const derive = r.u8();
    if (derive !== DERIVE_VERSION)
      throw new PackFormatError(`derive version ${derive} (this reader knows ${DERIVE_VERSION})`);
    const rows = r.varint();
    const n = r.u8();
    const heads: { code: number; rawLength: number; storedLength: number; crc: number }[] = [];
    for (let i = 0; i < n; i++)
      heads.push({ code: r.u8(), rawLength: r.varint(), storedLength: r.varint(), crc: r.u32() });
    const end = r.pos;
    const crc = r.u32();
    if (crc !== crc32(data.subarray(0, end))) throw new PackFormatError('header checksum mismatch');
    if (rows < 1 || rows > MAX_ROWS) throw new PackFormatError(`row count ${rows} out of range`);
    if (n !== SECTION_NAMES.length) throw new PackFormatError(`${n} sections, expected 3`);
    const sections: StoredSection[] = [];
    let pos = r.pos;
    for (const [i, h] of heads.entries()) {
      const codec = codecByCode(h.code);
      if (!codec)
        throw new PackFormatError(`${SECTION_NAMES[i]} section: unknown codec code ${h.code}`);
      if (h.rawLength > MAX_SECTION_BYTES || (codec.code === 0 && h.rawLength !== h.storedLength))
        throw new PackFormatError(`${SECTION_NAMES[i]} section: bad length ${h.rawLength}`);
      if (pos + h.storedLength > data.length)
        throw new PackFormatError(
          `truncated: ${data.length} bytes, the ${SECTION_NAMES[i]} section ends at ${pos + h.storedLength}`,
        );
      sections.push({
        codec,
        rawLength: h.rawLength,
        stored: data.subarray(pos, pos + h.storedLength),
      });
      pos += h.storedLength;
    }
    if (pos !== data.length)
      throw new PackFormatError(`${data.length - pos} bytes after the last section`);
    return { rows, sections, crcs: heads.map((h) => h.crc) };
  } catch (e) {
    if (e instanceof PackFormatError) throw e;
    throw new PackFormatError(`truncated or corrupt header (${(e as Error).message})`, {
      cause: e,
    });
  }
}

/** Section `i` checked and decompressed. */
export function openSection(p: ParsedPack, i: number): Buffer {
  const s = p.sections[i]!;
  const name = SECTION_NAMES[i];
  if (crc32(s.stored) !== p.crcs[i]) throw new PackFormatError(`${name} section checksum mismatch`);
  let raw: Buffer;
  try {
    raw = s.codec.decompress(s.stored, s.rawLength);
  } catch (e) {
    throw new PackFormatError(`${name} section does not decompress (${(e as Error).message})`, {
      cause: e,
    });
  }
  if (raw.length !== s.rawLength)
    throw new PackFormatError(
      `${name} section: ${raw.length} bytes, the header says ${s.rawLength}`,
    );
  return raw;
}

/**
 * Real packs (core/packs/) for bench/codecs.ts, with any codec: the rows of a pack are
 * encoded into their three raw sections by core's own column encoders, exactly as
 * encodePack does (numbers, text, attrs), and each section is then compressed by the
 * candidate and kept raw when that is not smaller (encode.ts, compressSection). The pack's
 * size is writePack's header plus the stored sections; for the codecs core/packs has, the
 * size is checked against encodePack's `data.length` byte for byte.
 *
 * Which packs (the two shapes core/packs produces):
 *
 *   level 0    the writer: one pack per stream of each COPY batch (collector/writer/batch.ts,
 *              packsOf): a stream's share of a batch of BATCH_ROWS rows
 *   compacted  the compactor: a stream's rows cut into packs of at most targetRawBytes of
 *              messages and maxRows rows (collector/compaction/compactor.ts, split)
 */
import { COMPACTOR_DEFAULTS } from '../../collector/compaction/compactor.js';
import { splitRows } from '../../collector/compaction/merge.js';
import { encodeAttrs } from '../../core/packs/attrs-column.js';
import { CODECS, type SectionKind } from '../../core/packs/codec.js';
import type { PackRow } from '../../core/packs/encode.js';
import { writePack } from '../../core/packs/format.js';
import { encodeNumbers } from '../../core/packs/numbers-column.js';
import { encodeText } from '../../core/packs/text-column.js';
import type { StreamData } from './codec-data.js';
import type { Codec } from './codec-registry.js';

/** LOGHARBOR_BATCH_SIZE's default (core/config.ts): the most rows of one COPY batch. */
export const BATCH_ROWS = 4000;
export const SECTION_KINDS: readonly SectionKind[] = ['binary', 'text', 'text'];

export interface StreamPacks {
  stream: StreamData;
  packs: PackRow[][];
}

function rowsOf(s: StreamData): PackRow[] {
  return s.records.map(({ id, ...record }) => ({ id, record }));
}

/**
 * Level-0 packs: each container of a kind gets weight / members of a full batch's rows
 * (at least one), so a stream's level-0 packs are as long as at full ingest rate.
 */
export function levelZeroPacks(streams: readonly StreamData[]): StreamPacks[] {
  return streams.map((stream) => {
    const per = Math.max(1, Math.round((BATCH_ROWS * stream.weight) / stream.members));
    const rows = rowsOf(stream);
    const packs: PackRow[][] = [];
    for (let i = 0; i < rows.length; i += per) packs.push(rows.slice(i, i + per));
    return { stream, packs };
  });
}

/** Compacted packs: the compactor's split of a stream's rows, in id order. */
export function compactedPacks(
  streams: readonly StreamData[],
  targetRawBytes = COMPACTOR_DEFAULTS.targetRawBytes,
  maxRows = COMPACTOR_DEFAULTS.maxRows,
): StreamPacks[] {
  return streams.map((stream) => ({
    stream,
    packs: splitRows(rowsOf(stream), targetRawBytes, maxRows),
  }));
}

/** Every k-th pack of each stream (its first always), so a slow codec sees every stream. */
export function sampledPacks(sp: readonly StreamPacks[], maxRawBytes: number): StreamPacks[] {
  const raw = sp.reduce((a, s) => a + s.stream.messageBytes, 0);
  const every = Math.max(1, Math.ceil(raw / maxRawBytes));
  return sp.map((s) => ({ stream: s.stream, packs: s.packs.filter((_, i) => i % every === 0) }));
}

/** A pack's three raw sections, by core's column encoders (encode.ts, encodePack). */
export function rawSections(rows: PackRow[]): Buffer[] {
  const records = rows.map((r) => r.record);
  return [
    encodeNumbers(
      rows.map((r) => r.id),
      records,
    ),
    encodeText(records.map((r) => r.message)).raw,
    encodeAttrs(records, true).raw,
  ];
}

export interface StoredPack {
  rows: number;
  raw: Buffer[];
  /** Per section: the codec's bytes, or the raw ones when they are not smaller. */
  stored: Buffer[];
  compressed: boolean[];
}

/** The sections compressed as encode.ts's compressSection does. */
export function storePack(rows: number, raw: Buffer[], codec: Codec): StoredPack {
  const stored: Buffer[] = [];
  const compressed: boolean[] = [];
  raw.forEach((r, i) => {
    const s = r.length > 0 && codec.family !== 'none' ? codec.compress(r, SECTION_KINDS[i]!) : r;
    const keep = s.length < r.length;
    stored.push(keep ? s : r);
    compressed.push(keep);
  });
  return { rows, raw, stored, compressed };
}

/**
 * The pack's `data` length. The header holds one code byte per section whatever the codec,
 * so `none` stands in for codes core/packs does not have yet (3 zstd, 4 lz4 reserved).
 */
export function packBytes(p: StoredPack): number {
  return writePack(
    p.rows,
    p.stored.map((stored, i) => ({ codec: CODECS.none, rawLength: p.raw[i]!.length, stored })),
  ).length;
}

/** Every compressed section (or only section `only`) back, checked when `check`. */
export function decompressPack(p: StoredPack, codec: Codec, check = false, only?: number): void {
  p.stored.forEach((s, i) => {
    if (!p.compressed[i] || (only !== undefined && i !== only)) return;
    const back = codec.decompress(s, p.raw[i]!.length);
    if (check && !back.equals(p.raw[i]!))
      throw new Error(`${codec.name} (${codec.impl}): section ${i} does not round-trip`);
  });
}

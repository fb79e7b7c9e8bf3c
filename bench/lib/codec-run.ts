/**
 * One shape of packs (level 0 or compacted) through every codec, for bench/codecs.ts:
 *
 *   packs ─► raw sections (once) ─► per codec: compress every section (timed, repeated)
 *         ─► stored packs: bytes, round trip checked ─► decompress (timed, repeated)
 *   codec-independent parts, timed once: encodePack with `none` (column encoders and the
 *   bloom) and a PackReader giving every record back from those raw packs
 *   codecs core/packs has: encodePack's data.length checked against the stored pack's,
 *   and encodePack and PackReader timed with the codec itself
 */
import { PackReader } from '../../core/packs/decode.js';
import { encodePack, type EncodedPack, type PackRow } from '../../core/packs/encode.js';
import {
  decompressPack,
  packBytes,
  rawSections,
  sampledPacks,
  storePack,
  type StoredPack,
  type StreamPacks,
} from './codec-block.js';
import { mbps, perLine, timed } from './codec-measure.js';
import type { Codec } from './codec-registry.js';

export type Shape = 'level 0' | 'compacted';

export interface PackSet {
  shape: Shape;
  streams: StreamPacks[];
}

export interface Row {
  codec: Codec;
  bytesPerLine: number;
  /** Raw section bytes a line (what the codec is fed), weighted. */
  rawPerLine: number;
  compressMBs: number;
  compressMedianMBs: number;
  decompressMBs: number;
  decompressMedianMBs: number;
  /** Whole encodePack (columns, bloom, codec), lines per CPU second. */
  encodeLinesS: number;
  /** PackReader, every record, lines per CPU second (estimated for codecs core lacks). */
  readLinesS: number;
  /** A search's pass over every pack: PackReader and rowsContaining, lines per CPU second. */
  scanLinesS: number;
  /** CPU us to decompress one pack's sections, mean. */
  unpackUs: number;
}

export interface ShapeResult {
  rows: Row[];
  bloomPerLine: number;
}

interface Prepared {
  sp: StreamPacks;
  rows: PackRow[][];
  raw: Buffer[][];
}

const lines = (packs: PackRow[][]) => packs.reduce((a, p) => a + p.length, 0);

function readAll(packs: EncodedPack[]): number {
  let x = 0;
  for (const p of packs) {
    const r = new PackReader(p.labels, p.data);
    for (let i = 0; i < r.rows; i++) x += r.record(i).message.length;
  }
  return x;
}

/** A word search's work on each pack: the header, numbers and text sections, one scan. */
function scanAll(packs: EncodedPack[]): number {
  let x = 0;
  for (const p of packs) x += new PackReader(p.labels, p.data).rowsContaining(NEEDLE).length;
  return x;
}
const NEEDLE = 'xylophone42';
const TEXT = 1;

export function measureShape(
  set: PackSet,
  codecs: Codec[],
  o: { minSeconds: number; slowRawMB: Record<string, number>; log: (s: string) => void },
): ShapeResult {
  const prep = (sp: StreamPacks[]): Prepared[] =>
    sp.map((s) => ({ sp: s, rows: s.packs, raw: s.packs.map(rawSections) }));
  const all = prep(set.streams);
  const allLines = all.reduce((a, p) => a + lines(p.rows), 0);

  // Codec-independent: columns and bloom, and reading every record back.
  const none = all.map((p) => p.rows.map((r) => encodePack(r, { codec: 'none' })));
  const encNone = timed(
    () => all.forEach((p) => p.rows.forEach((r) => encodePack(r, { codec: 'none' }))),
    o.minSeconds,
    3,
  );
  readAll(none.flat());
  scanAll(none.flat());
  const readNone = timed(() => readAll(none.flat()), o.minSeconds, 3);
  const scanNone = timed(() => scanAll(none.flat()), o.minSeconds, 3);
  const scanNonePerLine = scanNone.min / allLines;
  const encNonePerLine = encNone.min / allLines;
  const readNonePerLine = readNone.min / allLines;
  const bloomPerLine = perLine(
    all.map((p, i) => ({ stream: p.sp.stream, i })),
    ({ i }) => none[i]!.reduce((a, e) => a + e.bloom.length, 0),
    ({ i }) => lines(all[i]!.rows),
  );

  const rows: Row[] = [];
  for (const codec of codecs) {
    o.log(`${set.shape}: ${codec.name} ...`);
    const slow = o.slowRawMB[codec.name];
    const use = slow ? prep(sampledPacks(set.streams, slow * 1e6)) : all;
    const packs = use.reduce((a, p) => a + p.rows.length, 0);
    const useLines = use.reduce((a, p) => a + lines(p.rows), 0);
    const rawBytes = use.reduce((a, p) => a + p.raw.flat().reduce((b, x) => b + x.length, 0), 0);
    let stored: StoredPack[][] = [];
    const comp = timed(
      () => {
        stored = use.map((p) => p.rows.map((r, i) => storePack(r.length, p.raw[i]!, codec)));
      },
      o.minSeconds,
      slow ? 1 : 2,
    );
    stored.forEach((ps) => ps.forEach((p) => decompressPack(p, codec, true)));
    const dec = timed(
      () => stored.forEach((ps) => ps.forEach((p) => decompressPack(p, codec))),
      o.minSeconds,
      3,
    );
    const bytes = stored.map((ps) => ps.reduce((a, p) => a + packBytes(p), 0));
    const bytesPerLine = perLine(
      use.map((p, i) => ({ stream: p.sp.stream, i })),
      ({ i }) => bytes[i]!,
      ({ i }) => lines(use[i]!.rows),
    );
    const rawPerLine = perLine(
      use.map((p, i) => ({ stream: p.sp.stream, i })),
      ({ i }) => use[i]!.raw.flat().reduce((a, x) => a + x.length, 0),
      ({ i }) => lines(use[i]!.rows),
    );
    let encodeLinesS = 1 / (encNonePerLine + comp.min / useLines);
    let readLinesS = 1 / (readNonePerLine + dec.min / useLines);
    const decText = timed(
      () => stored.forEach((ps) => ps.forEach((p) => decompressPack(p, codec, false, TEXT))),
      o.minSeconds,
      3,
    );
    let scanLinesS = 1 / (scanNonePerLine + decText.min / useLines);
    if (codec.core && codec.family !== 'none') {
      const id = codec.family as 'deflate' | 'brotli';
      const opts = { codec: id, level: codec.level };
      const enc = use.flatMap((p) => p.rows.map((r) => encodePack(r, opts)));
      // The bench's packs are core's packs, byte for byte in length.
      const flat = stored.flat();
      enc.forEach((e, k) => {
        const s = flat[k]!;
        if (e.data.length !== packBytes(s))
          throw new Error(
            `${codec.name}: pack ${k} is ${e.data.length} bytes, bench ${packBytes(s)}`,
          );
      });
      const te = timed(
        () => use.forEach((p) => p.rows.forEach((r) => encodePack(r, opts))),
        o.minSeconds,
        slow ? 1 : 2,
      );
      const tr = timed(() => readAll(enc), o.minSeconds, 3);
      const ts = timed(() => scanAll(enc), o.minSeconds, 3);
      encodeLinesS = useLines / te.min;
      readLinesS = useLines / tr.min;
      scanLinesS = useLines / ts.min;
    }
    rows.push({
      codec,
      bytesPerLine,
      rawPerLine,
      compressMBs: mbps(rawBytes, comp.min),
      compressMedianMBs: mbps(rawBytes, comp.median),
      decompressMBs: mbps(rawBytes, dec.min),
      decompressMedianMBs: mbps(rawBytes, dec.median),
      encodeLinesS,
      readLinesS,
      scanLinesS,
      unpackUs: (dec.min / packs) * 1e6,
    });
  }
  return { rows, bloomPerLine };
}

/**
 * The recommendation of bench/codecs.ts, derived from the measured rows by fixed rules
 * (printed with their figures, so a reader can check every step):
 *
 *   1. level 0: the writer compresses every line once, on the Node thread that also
 *      decodes, normalizes and spools (2 cores shared with PostgreSQL). At the ingest rate
 *      (0.3 x the two-session binary COPY ceiling) the codec may take at most LEVEL0_SHARE
 *      of one core; of the codecs within it, the smallest packs.
 *   2. compacted: the compactor compresses every line once more; at the ingest rate that
 *      compression may take at most COMPACTION_CORES of one core (reading level 0 back,
 *      the columns and the bloom cost the same whatever the codec, and the compactor may
 *      fall behind at peak and catch up later); of the codecs within it, the smallest packs,
 *   3. unless one within DECODE_SIZE_SLACK of that size decompresses DECODE_SPEEDUP times
 *      faster (search unpacks every candidate pack): then the fastest such.
 *   4. a native dependency (zstd-napi, node-lz4) is worth it only when the choice with it
 *      beats the choice with zlib alone by NATIVE_GAIN in compacted size, or makes a word
 *      search's pass over compacted packs (PackReader, rowsContaining) DECODE_SPEEDUP times
 *      faster. Otherwise the gain is not worth a native build on every install. Level 0
 *      does not count here: its packs live until the compactor merges them, seconds after
 *      they are written (COMPACTOR_DEFAULTS.minAgeMs), so storing them uncompressed
 *      (`none`, within rule 1 at no cost) only costs transient disk.
 *   5. target (issue 17): compacted pack data and bloom at most 2 x `zstd -19` a line.
 */
import type { Row } from './codec-run.js';

/**
 * At 77,000 events/s logharbor took 0.77 of a core for everything and PostgreSQL about as
 * much (BENCHMARKS.md, forward ingest: 10 and 9 ms CPU per 1,000 events) of the 2 cores:
 * a fifth of a core is what the level-0 codec may add.
 */
export const LEVEL0_SHARE = 0.2;
export const COMPACTION_CORES = 0.5;
export const DECODE_SIZE_SLACK = 0.03;
export const DECODE_SPEEDUP = 1.5;
export const NATIVE_GAIN = 0.1;

export interface Inputs {
  level0: Row[];
  compacted: Row[];
  ingestLinesS: number;
  z19: number;
  bloomPerLine: number;
}

export interface Decision {
  inputs: Inputs;
  level0: Row;
  compacted: Row;
  level0Zlib: Row;
  compactedZlib: Row;
  nativeWorth: boolean;
  nativeWhy: string;
  text: string[];
}

const isZlib = (r: Row) => r.codec.core;
const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const speed = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const label = (r: Row) => `${r.codec.name} (${r.codec.impl})`;

/** Share of one core the codec's compression takes at the ingest rate. */
export const level0Share = (r: Row, linesS: number) =>
  r.codec.family === 'none' ? 0 : (linesS * r.rawPerLine) / (r.compressMBs * 1e6);

/** Cores the compactor's compression takes at the ingest rate. */
export const compactionCores = (c: Row, linesS: number) => level0Share(c, linesS);

function pickLevel0(rows: Row[], linesS: number): Row {
  const ok = rows.filter((r) => level0Share(r, linesS) <= LEVEL0_SHARE);
  const compressing = ok.filter((r) => r.codec.family !== 'none');
  return [...(compressing.length ? compressing : ok)].sort(
    (a, b) => a.bytesPerLine - b.bytesPerLine,
  )[0]!;
}

function pickCompacted(rows: Row[], linesS: number): Row {
  const ok = rows.filter((r) => compactionCores(r, linesS) <= COMPACTION_CORES);
  const smallest = [...ok].sort((a, b) => a.bytesPerLine - b.bytesPerLine)[0]!;
  const faster = ok
    .filter(
      (r) =>
        r.bytesPerLine <= smallest.bytesPerLine * (1 + DECODE_SIZE_SLACK) &&
        r.decompressMBs >= DECODE_SPEEDUP * smallest.decompressMBs,
    )
    .sort((a, b) => b.decompressMBs - a.decompressMBs)[0];
  return faster ?? smallest;
}

export function decide(i: Inputs): Decision {
  const R = i.ingestLinesS;
  const level0 = pickLevel0(i.level0, R);
  const level0Zlib = pickLevel0(i.level0.filter(isZlib), R);
  const compacted = pickCompacted(i.compacted, R);
  const compactedZlib = pickCompacted(i.compacted.filter(isZlib), R);
  const gain = 1 - compacted.bytesPerLine / compactedZlib.bytesPerLine;
  const speedup = compacted.decompressMBs / compactedZlib.decompressMBs;
  const scan = compacted.scanLinesS / compactedZlib.scanLinesS;
  const zlibLevel0Fails = level0Zlib.codec.family === 'none' && level0.codec.family !== 'none';
  const usesNative = !isZlib(level0) || !isZlib(compacted);
  const nativeWorth = usesNative && (gain >= NATIVE_GAIN || scan >= DECODE_SPEEDUP);
  const nativeWhy = !usesNative
    ? 'the rules pick zlib codecs for both shapes even with the native codecs in the race'
    : `compacted: ${compacted.codec.name} is ${gain >= 0 ? `${pct(gain)} smaller` : `${pct(-gain)} larger`} than ${compactedZlib.codec.name} (rule: >= ${pct(NATIVE_GAIN)} smaller), decompresses ${speedup.toFixed(2)}x as fast and makes a word search's pass ${scan.toFixed(2)}x as fast (rule: >= ${DECODE_SPEEDUP}x); level 0: ${zlibLevel0Fails ? `zlib has no codec within rule 1, ${level0.codec.name} is within it` : `zlib's choice ${level0Zlib.codec.name}, with the native codecs ${level0.codec.name}`}`;
  const final0 = nativeWorth ? level0 : level0Zlib;
  const finalC = nativeWorth ? compacted : compactedZlib;
  const total = finalC.bytesPerLine + i.bloomPerLine;
  const text = [
    `- **Level-0 packs (ingest): ${label(final0)}.** ${f2(final0.bytesPerLine)} bytes a line, compression ${speed(final0.compressMBs)} MB/s: ${pct(level0Share(final0, R))} of one core at ${Math.round(R).toLocaleString('en-US')} lines/s (rule 1: <= ${pct(LEVEL0_SHARE)}); whole encodePack ${Math.round(final0.encodeLinesS).toLocaleString('en-US')} lines/s.${final0 !== level0 ? ` With the native codecs the rule would pick ${label(level0)} (${f2(level0.bytesPerLine)} bytes a line, ${pct(level0Share(level0, R))} of a core).` : ''}`,
    `- **Compacted packs: ${label(finalC)}.** ${f2(finalC.bytesPerLine)} bytes a line (${f2(finalC.bytesPerLine / i.z19)}x zstd -19 of the raw lines), decompression ${speed(finalC.decompressMBs)} MB/s, a word search's pass ${Math.round(finalC.scanLinesS).toLocaleString('en-US')} lines/s, ${Math.round(finalC.unpackUs).toLocaleString('en-US')} us to unpack one pack; its compression at ${Math.round(R).toLocaleString('en-US')} lines/s takes ${compactionCores(finalC, R).toFixed(2)} of a core (rule 2: <= ${COMPACTION_CORES}).${finalC !== compacted ? ` With the native codecs the rules would pick ${label(compacted)} (${f2(compacted.bytesPerLine)} bytes a line, ${speed(compacted.decompressMBs)} MB/s decompression).` : ''}`,
    `- **Native dependency: ${nativeWorth ? 'worth it: keep it and add its codec to core/packs/codec.ts' : 'not worth it: stay with the built-in zlib codecs and remove zstd-napi from package.json (and .prebuild-installrc)'}.** Rule 4: ${nativeWhy}.`,
    `- **Target (issue 17): ${total <= 2 * i.z19 ? 'met' : 'missed'}.** Compacted data ${f2(finalC.bytesPerLine)} + bloom ${f2(i.bloomPerLine)} = ${f2(total)} bytes a line, ${f2(total / i.z19)}x zstd -19 (at most 2x); the pack row's other columns and PostgreSQL's tuple and page overhead come on top (bench/packs.ts and the storage section of BENCHMARKS.md measure them).`,
  ];
  return { inputs: i, level0, compacted, level0Zlib, compactedZlib, nativeWorth, nativeWhy, text };
}

export const RULES: { text: string; figure: (d: Decision) => string }[] = [
  {
    text: `1. Level 0: compression at the ingest rate takes at most ${pct(LEVEL0_SHARE)} of one core; the smallest such`,
    figure: (d) =>
      `${d.level0.codec.name} (${pct(level0Share(d.level0, d.inputs.ingestLinesS))}); zlib alone: ${d.level0Zlib.codec.name} (${pct(level0Share(d.level0Zlib, d.inputs.ingestLinesS))})`,
  },
  {
    text: `2. Compacted: compression at the ingest rate takes at most ${COMPACTION_CORES} of one core; the smallest such`,
    figure: (d) =>
      `${d.compacted.codec.name} (${compactionCores(d.compacted, d.inputs.ingestLinesS).toFixed(2)} cores); zlib alone: ${d.compactedZlib.codec.name} (${compactionCores(d.compactedZlib, d.inputs.ingestLinesS).toFixed(2)})`,
  },
  {
    text: `3. ... unless one within ${pct(DECODE_SIZE_SLACK)} of its size decompresses ${DECODE_SPEEDUP}x as fast`,
    figure: (d) =>
      `${d.compacted.codec.name}: ${speed(d.compacted.decompressMBs)} MB/s; ${d.compactedZlib.codec.name}: ${speed(d.compactedZlib.decompressMBs)} MB/s`,
  },
  {
    text: `4. A native dependency: >= ${pct(NATIVE_GAIN)} smaller compacted, or a word search's pass >= ${DECODE_SPEEDUP}x as fast (level 0 lives seconds: \`none\` passes rule 1)`,
    figure: (d) => `${d.nativeWorth ? 'yes' : 'no'}: ${d.nativeWhy}`,
  },
  {
    text: '5. Compacted data and bloom at most 2 x zstd -19 a line',
    figure: (d) =>
      `${f2((d.nativeWorth ? d.compacted : d.compactedZlib).bytesPerLine + d.inputs.bloomPerLine)} vs ${f2(2 * d.inputs.z19)}`,
  },
];

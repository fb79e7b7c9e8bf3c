/**
 * Choose the codec of packs by measurement (issue 17): prints its tables and writes
 * BENCHMARKS-codecs.md whole (machine, date, every table, the recommendation and the rules
 * that derived it from the figures).
 *
 *   npx tsx bench/codecs.ts [--quick] [--ceiling <rows/s>]
 *
 *   corpus (bench/lib/codec-data.ts) ─► streams ─► level-0 packs | compacted packs
 *       (bench/lib/codec-block.ts: core's column encoders, the writer's and compactor's cuts)
 *   per codec and level: sections compressed ─► pack bytes a host line (vs `zstd -19` and
 *       `gzip -9` of the raw lines as one file), compress and decompress MB/s (CPU, one
 *       core); encodePack and PackReader timed for the codecs core/packs has
 *
 * Candidates: what builds on Node 20 here without a download (issue 17): zlib's deflate and
 * brotli (built in), zstd-napi (package.json), node-lz4 (built from the C sources in the
 * package; in .bench/codec-candidates/ when installed there).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMPACTOR_DEFAULTS } from '../collector/compaction/compactor.js';
import { ROOT } from '../dev/build.js';
import { machineCpu, treeCpuSeconds } from '../dev/proc.js';
import { CORPUS_VERSION } from './corpus/index.js';
import {
  BATCH_ROWS,
  compactedPacks,
  levelZeroPacks,
  sampledPacks,
  type StreamPacks,
} from './lib/codec-block.js';
import { CODEC_SEED, codecData } from './lib/codec-data.js';
import { machineLines, references, type Reference } from './lib/codec-env.js';
import { KiB } from './lib/codec-measure.js';
import { measureShape, type PackSet, type Row, type Shape } from './lib/codec-run.js';
import { coreCodec, loadLz4, loadZstd, lz4, zstd, type Codec } from './lib/codec-registry.js';
import { decide, RULES } from './lib/codec-rules.js';
import { markdown, num, type Table } from './lib/report.js';

const quick = process.argv.includes('--quick');
const ceilingArg = process.argv.indexOf('--ceiling');
/**
 * The writer's ceiling: two binary COPY sessions into an unindexed table (bench/lib/ceiling.ts,
 * measured by `npm run bench`, which needs PostgreSQL; this benchmark does not start one).
 * The default is above every ceiling measured on the 2-core machine (BENCHMARKS.md: 154,578
 * and 182,002 rows/s for one text session), so the CPU budget below is a strict one.
 */
const CEILING = ceilingArg > 0 ? Number(process.argv[ceilingArg + 1]) : 300_000;
if (!(CEILING > 0)) throw new Error('--ceiling takes rows/s');

const log = (s: string) => process.stderr.write(`${s}\n`);
const tables: Table[] = [];
const show = (t: Table) => {
  tables.push(t);
  process.stdout.write(`\n${markdown(t)}\n`);
};
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const speed = (x: number) => (!Number.isFinite(x) ? '-' : x >= 100 ? num(x) : x.toFixed(1));

const machineStart = machineCpu();
const treeStart = treeCpuSeconds();

// ---- the candidates

const zst = loadZstd();
const lz = loadLz4();
const notes: string[] = [];
if (!zst) notes.push('zstd-napi is not installed (npm ci builds it): no zstd rows.');
if (!lz)
  notes.push(
    'node-lz4 is not installed: no lz4 rows (`npm install --prefix .bench/codec-candidates lz4@0.6.5` builds it from its C sources).',
  );
/** Raw message MB a slow codec is timed on (every k-th pack of each stream). */
const SLOW: Record<string, number> = quick
  ? { 'brotli-11': 0.5, 'zstd-19': 1, 'brotli-9': 2 }
  : { 'brotli-11': 3, 'zstd-19': 6, 'brotli-9': 12 };
const codecs: Codec[] = [
  coreCodec('none', 0),
  ...[1, 6, 9].map((l) => coreCodec('deflate', l)),
  ...[1, 5, 9, 11].map((l) => coreCodec('brotli', l)),
  ...(zst ? [1, 3, 9, 19].map((l) => zstd(zst, l)) : []),
  ...(lz ? [lz4(lz, false), lz4(lz, true)] : []),
];

// ---- the data and the yardsticks

const data = await codecData({
  sampleLines: quick ? 20_000 : 200_000,
  maxLines: quick ? 100_000 : 2_000_000,
  streamBytes: quick ? 256 * KiB : 1536 * KiB,
  trainBytes: 0,
  log,
});
const refs = await references(data.sampleFile, log);
const ref = (tool: string) =>
  refs.find((r): r is Reference => typeof r !== 'string' && r.tool.startsWith(tool));
const zstd19 = ref('zstd');
const gzip9 = ref('gzip');
const z19 = zstd19 ? zstd19.bytes / data.sampleLines : NaN;
const g9 = gzip9 ? gzip9.bytes / data.sampleLines : NaN;
for (const r of refs) if (typeof r === 'string') notes.push(r);

const shapes: { shape: Shape; set: PackSet }[] = [];
for (const [shape, sp] of [
  // Level-0 packs are many and small: every k-th of each stream (a few MB of messages).
  ['level 0', sampledPacks(levelZeroPacks(data.streams), (quick ? 1 : 6) * 1e6)],
  ['compacted', compactedPacks(data.streams)],
] as [Shape, StreamPacks[]][]) {
  log(`${shape} packs: encoding sections ...`);
  shapes.push({ shape, set: { shape, streams: sp } });
}
const packCount = (sp: StreamPacks[]) => sp.reduce((a, s) => a + s.packs.length, 0);
const rowsPerPack = (sp: StreamPacks[]) =>
  sp.reduce((a, s) => a + s.stream.records.length, 0) / packCount(sp);

// ---- measure

const results = new Map<Shape, Row[]>();
let blooms = NaN;
for (const { shape, set } of shapes) {
  const m = measureShape(set, codecs, {
    minSeconds: quick ? 0.1 : 0.3,
    slowRawMB: SLOW,
    log,
  });
  results.set(shape, m.rows);
  if (shape === 'compacted') blooms = m.bloomPerLine;
}

show({
  title: 'The data',
  head: ['measure', 'value'],
  rows: [
    [
      'host lines generated (corpus seed, 37 ms apart)',
      `${num(data.hostLines)} (seed ${CODEC_SEED})`,
    ],
    ['raw bytes a host line (text and newline)', f1(data.rawPerLine)],
    [
      `zstd -19 of the first ${num(data.sampleLines)} lines as one file`,
      zstd19
        ? `${num(zstd19.bytes)} bytes: ${f2(z19)} a line (zstd ${zstd19.version})`
        : 'not measured: zstd program missing',
    ],
    [
      'gzip -9 of the same file',
      gzip9
        ? `${num(gzip9.bytes)} bytes: ${f2(g9)} a line (gzip ${gzip9.version})`
        : 'not measured: gzip program missing',
    ],
    ['streams measured (one container per kind, stdout and stderr)', String(data.streams.length)],
    [
      'their records (normalized as the forward source does)',
      `${num(data.streams.reduce((a, s) => a + s.records.length, 0))}, ${num(data.streams.reduce((a, s) => a + s.messageBytes, 0))} message bytes`,
    ],
    ...shapes.map(({ shape, set }) => [
      `${shape} packs: count, mean rows`,
      `${num(packCount(set.streams))}, ${num(rowsPerPack(set.streams), 1)}`,
    ]),
    ['pack bloom bytes a line (compacted, beside data in the row)', f2(blooms)],
    ['target (issue 17): database growth a line at most', `2 x zstd -19 = ${f2(2 * z19)} bytes`],
  ],
  notes: [
    `Corpus version ${CORPUS_VERSION}: 50 containers (nginx access and error, JSON app lines with trace ids, logfmt workers, PostgreSQL, redis, Spring Boot lines and Java stack traces); the sample file is ${path.relative(ROOT, data.sampleFile)}.`,
    `Level-0 packs: one per stream of a full ${num(BATCH_ROWS)}-row batch (LOGHARBOR_BATCH_SIZE's default; collector/writer/batch.ts), each container's share of its rows; every k-th of them is measured (about 6 MB of messages). Compacted packs: the compactor's cut (collector/compaction/compactor.ts): at most ${num(COMPACTOR_DEFAULTS.targetRawBytes)} message bytes and ${num(COMPACTOR_DEFAULTS.maxRows)} rows; a quiet stream's last pack stays short, as it does at the end of a day.`,
    "Every per-line figure is weighted by each kind's share of the host's lines (replicas of a service print the same mix, so one stands for all).",
    ...notes,
  ],
});

const vs = (x: number, r: number) => (Number.isFinite(r) ? `${f2(x / r)}x` : '-');
for (const { shape } of shapes) {
  const rows = results.get(shape)!;
  show({
    title: `${shape === 'level 0' ? 'Level-0 packs (written at ingest)' : 'Compacted packs (merged, searched)'}: bytes and speed per codec`,
    head: [
      'codec',
      'level',
      'bytes a line',
      'vs zstd -19',
      'vs gzip -9',
      'compress MB/s',
      '(median)',
      'decompress MB/s',
      '(median)',
      'encode lines/s',
      'read lines/s',
      'search pass lines/s',
      'unpack one pack, us',
      'implementation',
    ],
    rows: rows.map((r) => [
      r.codec.name.replace(/-\d+$/, ''),
      r.codec.family === 'none' ? '-' : String(r.codec.level),
      f2(r.bytesPerLine),
      vs(r.bytesPerLine, z19),
      vs(r.bytesPerLine, g9),
      speed(r.compressMBs),
      speed(r.compressMedianMBs),
      speed(r.decompressMBs),
      speed(r.decompressMedianMBs),
      num(r.encodeLinesS),
      `${num(r.readLinesS)}${r.codec.core ? '' : ' *'}`,
      `${num(r.scanLinesS)}${r.codec.core ? '' : ' *'}`,
      num(r.unpackUs, r.unpackUs < 10 ? 1 : 0),
      r.codec.impl,
    ]),
    notes: [
      'bytes a line: the pack\'s `data` (header and its three sections, each stored raw when the codec does not shrink it: core/packs/encode.ts), weighted; "vs": against the program over the whole raw corpus as one file (below 1x the packs beat it).',
      'compress / decompress MB/s: raw section bytes (numbers, text, attrs) per CPU second of this process on one core, the fastest pass and the median pass; a section kept raw costs nothing to read.',
      "encode lines/s: the whole encodePack on one core (column encoders, trigram bloom, codec); read lines/s: a PackReader giving every record back; search pass: a PackReader and rowsContaining of a word found nowhere (numbers and text sections, one scan); unpack one pack: decompressing its sections, mean per pack. * : core/packs has no such codec yet, so the figure is PackReader over the same pack stored raw plus the measured decompression (of the text section alone for the search pass); for the zlib codecs both are measured through core/packs (encodePack sizes checked byte for byte against this benchmark's).",
      ...Object.entries(SLOW).map(
        ([c, mb]) => `${c}: timed on every k-th pack of each stream, about ${mb} MB of messages.`,
      ),
    ],
  });
}

// ---- recommendation

const d = decide({
  level0: results.get('level 0')!,
  compacted: results.get('compacted')!,
  ingestLinesS: 0.3 * CEILING,
  z19,
  bloomPerLine: blooms,
});
show({
  title: "The rules, with this run's figures",
  head: ['rule', 'figure'],
  rows: RULES.map((r) => [r.text, r.figure(d)]),
  notes: [
    `Ingest rate: 0.3 x the ceiling, ${num(CEILING)} rows/s${ceilingArg > 0 ? ' (--ceiling)' : ' (default: higher than any ceiling measured on this machine; pass --ceiling with a run of `npm run bench`)'}.`,
  ],
});

const share = machineCpu();
const treeSeconds = treeCpuSeconds() - treeStart;
const total = share.total - machineStart.total;
const others = Math.max(0, share.busy - machineStart.busy - treeSeconds) / total;

const md = [
  '# Codecs for packs',
  '',
  'Generated by `npx tsx bench/codecs.ts` (issue 17); do not edit by hand.',
  '',
  '## Machine',
  '',
  ...machineLines(
    [
      zst
        ? `zstd-napi ${zst.version} (zstd ${zst.mod.versionString()})`
        : 'zstd-napi not installed',
      lz ? `node-lz4 ${lz.version} (from ${lz.from})` : 'node-lz4 not installed',
    ].join('; '),
  ),
  `- CPU during the run: this benchmark ${(100 * (treeSeconds / total)).toFixed(0)}% of all cores' time, other work ${(100 * others).toFixed(0)}%${others >= 0.1 ? ' (a shared machine: speeds are CPU time of this process, which other work moves less than the clock)' : ''}.`,
  ...(quick ? ['- `--quick`: small sizes, a smoke run, not a result.'] : []),
  '',
  '## Recommendation',
  '',
  ...d.text,
  '',
  ...tables.flatMap((t) => [markdown(t), '']),
];
const out = path.join(
  ROOT,
  quick ? '.bench/codecs/BENCHMARKS-codecs.quick.md' : 'BENCHMARKS-codecs.md',
);
writeFileSync(out, md.join('\n'));
process.stdout.write(
  `\n## Recommendation\n\n${d.text.join('\n')}\n\nwrote ${path.relative(ROOT, out)}\n`,
);

/**
 * The trigram skip index (core/trigram-bloom.ts, api/query/to-block-filter.ts,
 * migrations/003_log_blocks.sql), measured in four tables:
 *
 *   1. BloomBuilder.add() per event on the ingest path, and closing a block;
 *   2. false positives per block at the shipped parameters, on few-word lines (the old
 *      benchmark data) and on the corpus (bench/corpus/), split into the filter's own collisions and what
 *      exact trigram sets cannot tell apart anyway;
 *   3. the parameters around them: positions per trigram, fill limit, rows per block;
 *   4. PostgreSQL scanning 10k blocks: storage (pglz on filters) and the SQL forms.
 *
 * `npx tsx bench/bloom.ts [blocks]` (default 10000); starts its own embedded PostgreSQL
 * in a temporary directory and removes it.
 */
import { BLOCK_ROWS } from '../collector/writer/blocks.js';
import { BLOOM_HASHES, BLOOM_MAX_FILL, BloomBuilder } from '../core/trigram-bloom.js';
import { measureSql } from './lib/bloom-sql.js';
import { blocksOf, countFp, evalBlock, fill, pct, type EvalBlock } from './lib/bloom-eval.js';
import { corpusLines } from './corpus/index.js';
import { rng } from './corpus/random.js';

const SQL_BLOCKS = Number(process.argv[2] ?? 10_000);
/** Rows per block as shipped. */
const ROWS = BLOCK_ROWS;

function table(head: string[], rows: (string | number)[][]): void {
  console.log(`\n| ${head.join(' | ')} |`);
  console.log(`| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

// Flat strings, as msgpack decoding hands them to the writer (not concatenation ropes).
const flat = (s: string) => Buffer.from(s).toString();
/**
 * Lines drawn from 20 words with a time and a counter, as the benchmarks' data was before
 * issue 14: few distinct trigrams per block, which flatters any filter (kept for contrast).
 */
function fewWordLines(n: number, seed: number): string[] {
  const WORDS =
    'GET POST /api/v1/items /healthz user order timeout connected cache miss hit db query took ms error retry worker job done'.split(
      ' ',
    );
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from(
      { length: 6 + Math.floor(r() * 14) },
      () => WORDS[Math.floor(r() * WORDS.length)],
    );
    return `${new Date(1_764_000_000_000 + i).toISOString()} ${words.join(' ')} id=${i}`;
  });
}

const fewWord = fewWordLines(16 * ROWS, 11).map(flat);
const corpus = corpusLines(16 * ROWS, 11).map((l) => flat(l.text));

// ---- 1. ingest cost

/** Wall time per add(), best of 7 passes (the best filters out other processes' load). */
function addCost(lines: string[]): { ns: number; bytes: number } {
  const b = new BloomBuilder();
  let best = Infinity;
  for (let rep = 0; rep < 7; rep++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < lines.length; i++) {
      if (i % ROWS === 0) b.reset();
      b.add(lines[i]!);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / lines.length);
  }
  const bytes = lines.reduce((s, l) => s + Buffer.byteLength(l), 0) / lines.length;
  return { ns: best, bytes };
}

/** The floor under add(): the same UTF-8 encoding and byte loop with no filter. */
function floorCost(lines: string[]): number {
  const scratch = Buffer.allocUnsafe(1 << 16);
  let best = Infinity;
  let x = 0;
  for (let rep = 0; rep < 7; rep++) {
    const t0 = process.hrtime.bigint();
    for (const l of lines) {
      const len = scratch.write(l, 0, 'utf8');
      let t = 0;
      for (let i = 0; i < len; i++) t = ((t << 8) | scratch[i]!) & 0xffffff;
      x ^= t;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / lines.length);
  }
  return x === 0.5 ? 0 : best;
}

function closeCost(lines: string[]): number {
  const b = new BloomBuilder();
  for (const l of lines.slice(0, ROWS)) b.add(l);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) void b.bytes;
  return Number(process.hrtime.bigint() - t0) / 50 / 1000;
}

const withUnicode = corpus.map((l, i) => (i % 2 ? `${l} ünïcødé ✓ 日本語` : l));
table(
  [
    'lines',
    'avg bytes',
    'add() ns/event',
    'ns/byte',
    'floor: encode + loop, ns',
    'close block (fold + copy) µs',
  ],
  (
    [
      ['few-word lines (before issue 14)', fewWord],
      ['corpus (bench/corpus)', corpus],
      ['corpus, half with non-ASCII', withUnicode],
    ] as const
  ).map(([name, lines]) => {
    const c = addCost(lines);
    return [
      name,
      c.bytes.toFixed(0),
      c.ns.toFixed(0),
      (c.ns / c.bytes).toFixed(2),
      floorCost(lines).toFixed(0),
      closeCost(lines).toFixed(0),
    ];
  }),
);

// ---- 2. false positives at the shipped parameters

const r = rng(5);
const hex = (n: number) =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const RARE = [
  'segfault',
  'livelock',
  'panic: runtime',
  'x509',
  'unmarshal',
  'nilpointer',
  'kafka',
  'oomkilled',
  'certificate expired',
  'broken pipe',
  'sigterm',
  'goroutine',
];
const pickLines = (lines: string[], n: number) =>
  Array.from({ length: n }, () => lines[Math.floor(r() * lines.length)]!);
const CLASSES: Record<string, Record<string, string[]>> = {
  'few-word': {
    'rare words (absent)': RARE,
    'random hex-8 (absent)': Array.from({ length: 20 }, () => hex(8)),
    'timestamp of one line (one block)': pickLines(fewWord, 20).map((l) => l.slice(0, 24)),
    'common words': ['timeout', 'error', 'worker'],
  },
  corpus: {
    'rare words (absent)': RARE,
    'random hex-8 (absent)': Array.from({ length: 20 }, () => hex(8)),
    'trace id of one line (one block)': pickLines(
      corpus.filter((l) => l.includes('"trace_id":"')),
      20,
    ).map((l) => /"trace_id":"(\w+)"/.exec(l)![1]!),
    'job id of one line (one block)': pickLines(
      corpus.filter((l) => l.includes('job_id=')),
      20,
    ).map((l) => /job_id=(\w+)/.exec(l)![1]!),
    'common words': ['error', 'order', 'GET /api'],
  },
};

function evalBlocks(
  lines: string[],
  rows: number,
  hashes = BLOOM_HASHES,
  maxFill = BLOOM_MAX_FILL,
): EvalBlock[] {
  return blocksOf(lines, rows).map((b) => evalBlock(b, hashes, maxFill));
}
const shipped = { 'few-word': evalBlocks(fewWord, ROWS), corpus: evalBlocks(corpus, ROWS) };
const fpRows: (string | number)[][] = [];
for (const [data, classes] of Object.entries(CLASSES)) {
  const blocks = shipped[data as keyof typeof shipped];
  for (const [cls, needles] of Object.entries(classes)) {
    const c = countFp(blocks, needles, BLOOM_HASHES);
    const n = needles.length * blocks.length;
    fpRows.push([
      `${data}: ${cls}`,
      needles.length,
      pct(c.holding, n),
      pct(c.passing, n),
      pct(c.falsePass, c.without),
      pct(c.trigramPass, c.without),
    ]);
  }
  const bytes = blocks.reduce((s, b) => s + b.bloom.length, 0) / blocks.length;
  const trigrams = blocks.reduce((s, b) => s + b.trigrams.size, 0) / blocks.length;
  fpRows.push([
    `${data}: (${blocks.length} blocks of ${ROWS} rows: ${trigrams.toFixed(0)} distinct trigrams, filter ${bytes.toFixed(0)} B, fill ${fill(blocks[0]!.bloom).toFixed(2)})`,
    '',
    '',
    '',
    '',
    '',
  ]);
}
table(
  [
    'needles',
    'n',
    'blocks holding',
    'blocks passing',
    'false pass (filter)',
    'false pass (exact trigram set)',
  ],
  fpRows,
);

// ---- 3. parameters

const sweep: (string | number)[][] = [];
const SETTINGS = [
  [2, 0.3],
  [3, 0.3],
  [3, 0.4],
  [3, 0.5],
  [4, 0.4],
] as const;
for (const rows of [4096, 1024, 256]) {
  for (const [hashes, maxFill] of rows === ROWS
    ? SETTINGS
    : ([[BLOOM_HASHES, BLOOM_MAX_FILL]] as const)) {
    const d = evalBlocks(fewWord, rows, hashes, maxFill);
    const v = evalBlocks(corpus, rows, hashes, maxFill);
    const cell = (blocks: EvalBlock[], data: string, cls: string) => {
      const c = countFp(blocks, CLASSES[data]![cls]!, hashes);
      return pct(c.falsePass, c.without);
    };
    const bytes = (blocks: EvalBlock[]) =>
      (blocks.reduce((s, b) => s + b.bloom.length, 0) / blocks.length).toFixed(0);
    sweep.push([
      `${rows} rows, ${hashes} positions, fill <= ${maxFill}`,
      bytes(d),
      cell(d, 'few-word', 'timestamp of one line (one block)'),
      bytes(v),
      cell(v, 'corpus', 'rare words (absent)'),
      cell(v, 'corpus', 'random hex-8 (absent)'),
      cell(v, 'corpus', 'trace id of one line (one block)'),
    ]);
  }
}
table(
  [
    'blocks',
    'few-word: filter B',
    'few-word: timestamp',
    'corpus: filter B',
    'corpus: rare words',
    'hex-8',
    'trace id',
  ],
  sweep,
);

// ---- 4. PostgreSQL

const realBlooms = (lines: string[]) =>
  blocksOf(lines, ROWS).map((b) => {
    const builder = new BloomBuilder();
    for (const l of b) builder.add(l);
    return builder.bytes;
  });
const sql = await measureSql(
  { 'few-word': realBlooms(fewWord), corpus: realBlooms(corpus) },
  {
    'rare words': RARE.filter((w) => /^\w+$/.test(w)).slice(0, 6),
    'two rare words': ['livelock kafka', 'x509 sigterm', 'goroutine unmarshal'],
    'common words': ['error', 'order', 'user'],
    'hex ids': CLASSES.corpus!['trace id of one line (one block)']!.slice(0, 3),
  },
  SQL_BLOCKS,
  ROWS,
);
table(
  ['filters', 'octet_length avg', 'pg_column_size avg', 'table + TOAST MB', 'insert ms'],
  sql.storage,
);
table(
  [
    `${SQL_BLOCKS}-block scan`,
    'passing (avg)',
    'shipped: one detoasted copy, ms',
    'get_bit() = 1 AND ..., ms',
    'NOT EXISTS get_bit(column), ms',
  ],
  sql.scans,
);

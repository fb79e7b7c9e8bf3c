/**
 * The corpus every other section draws its lines from (bench/corpus/, issue 14): a
 * sample of it written as a flat file in .bench/corpus-c<version>/, its size per line
 * and what general-purpose compressors make of it (`gzip -9`, `zstd -19`, one stream
 * over the whole sample): the yardstick for compressed storage. Then its formats and how
 * its 50 containers share the lines. The sample is the first lines of the search data
 * sets (the same seed); compressed sizes are kept beside it (same lines, same tools).
 */
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../dev/build.js';
import { which } from '../../dev/programs.js';
import { CORPUS_VERSION, Corpus, type FormatName } from '../corpus/index.js';
import type { BenchContext } from '../lib/context.js';
import { num } from '../lib/report.js';
import { SEARCH_SEED } from '../lib/search-data.js';
import { percentile } from '../lib/stats.js';
import type { Section } from './section.js';

const TITLE = 'Corpus';

interface Packed {
  tool: string;
  version: string;
  bytes: number;
  seconds: number;
}

/** Bytes `cmd args < file` writes to stdout. */
function compressed(cmd: string, args: string[], file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(bytes) : reject(new Error(`${cmd} exited ${code}`)),
    );
  });
}

function version(cmd: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => resolve(/v?(\d+\.\d+(\.\d+)?)/.exec(out)?.[1] ?? '?'));
    child.on('error', () => resolve('?'));
  });
}

/** gzip -9 and zstd -19 of `file`, from the cache beside it when the tools are the same. */
async function compress(ctx: BenchContext, file: string): Promise<(Packed | string)[]> {
  const cacheFile = `${file}.compressed.json`;
  const cache: Packed[] = existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Packed[])
    : [];
  const out: (Packed | string)[] = [];
  for (const [tool, args, pkg] of [
    ['gzip', ['-9', '-c'], 'gzip'],
    ['zstd', ['-19', '-T1', '-c', '-q'], 'zstd'],
  ] as const) {
    if (!which(tool)) {
      out.push(`${tool} not installed (apt-get install -y ${pkg}): no ${tool} figure`);
      continue;
    }
    const v = await version(tool);
    let p = cache.find((c) => c.tool === `${tool} ${args[0]}` && c.version === v);
    if (!p) {
      ctx.log(`${tool} ${args[0]} of the sample`);
      const t0 = performance.now();
      const bytes = await compressed(tool, [...args], file);
      p = {
        tool: `${tool} ${args[0]}`,
        version: v,
        bytes,
        seconds: (performance.now() - t0) / 1000,
      };
      cache.push(p);
      writeFileSync(cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
    }
    out.push(p);
  }
  return out;
}

async function run(ctx: BenchContext): Promise<void> {
  const n = ctx.sizes.corpusSample;
  const dir = path.join(ROOT, '.bench', `corpus-c${CORPUS_VERSION}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `sample-${n}.txt`);
  const corpus = new Corpus(SEARCH_SEED);
  const lengths = new Float64Array(n);
  const byFormat = new Map<FormatName, { lines: number; bytes: number; example: string }>();
  const byContainer = new Map<string, number>();
  const write = !existsSync(file);
  const out = write ? createWriteStream(`${file}.tmp`) : null;
  let bytes = 0;
  // The sample's times: 37 ms apart from a fixed date (the search sets use their own).
  for (let i = 0; i < n; i++) {
    const l = corpus.next(1_764_000_000_000 + i * 37);
    const b = Buffer.byteLength(l.text) + 1;
    lengths[i] = b - 1;
    bytes += b;
    const f = byFormat.get(l.format) ?? { lines: 0, bytes: 0, example: l.text };
    f.lines++;
    f.bytes += b - 1;
    byFormat.set(l.format, f);
    byContainer.set(l.container.name, (byContainer.get(l.container.name) ?? 0) + 1);
    if (out && !out.write(`${l.text}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  if (out) {
    await new Promise<void>((r) => out.end(() => r()));
    renameSync(`${file}.tmp`, file);
  }
  const packed = await compress(ctx, file);
  const lens = Array.from(lengths);
  const perLine = (b: number) => (b / n).toFixed(1);
  const rows: (string | number)[][] = [
    ['lines', num(n)],
    ['raw bytes (text and newline)', `${num(bytes)} (${perLine(bytes)} per line)`],
    [
      'line length p10 / p50 / p90 / max (bytes)',
      [10, 50, 90, 100].map((p) => num(percentile(lens, p))).join(' / '),
    ],
  ];
  const notes: string[] = [];
  for (const p of packed) {
    if (typeof p === 'string') {
      notes.push(p);
      continue;
    }
    rows.push([
      `${p.tool}, one stream (${p.tool.split(' ')[0]} ${p.version})`,
      `${num(p.bytes)} bytes: ${perLine(p.bytes)} per line, ratio ${(bytes / p.bytes).toFixed(2)}`,
    ]);
  }
  const figures = packed
    .filter((p): p is Packed => typeof p !== 'string')
    .map((p) => `${p.tool} ${perLine(p.bytes)} (ratio ${(bytes / p.bytes).toFixed(2)})`);
  ctx.report.headline(
    TITLE,
    `Corpus (bench/corpus/, the lines of every section): ${perLine(bytes)} bytes a line raw${figures.length ? `; ${figures.join(', ')} over its ${num(n)}-line sample as one stream` : ''}.`,
  );
  const shares = [...byContainer.values()].sort((a, b) => b - a);
  const share = (xs: number[]) => `${((100 * xs.reduce((a, b) => a + b, 0)) / n).toFixed(1)}%`;
  rows.push(
    ['containers', String(shares.length)],
    [
      'share of lines: top 2 / top 10 / quietest 25 containers',
      `${share(shares.slice(0, 2))} / ${share(shares.slice(0, 10))} / ${share(shares.slice(-25))}`,
    ],
  );
  ctx.report.table(TITLE, {
    title: `The corpus: ${num(n)} lines of seed ${SEARCH_SEED}`,
    head: ['measure', 'value'],
    rows,
    notes: [
      `bench/corpus/ (version ${CORPUS_VERSION}): 50 containers of a shop, its billing, analytics and the platform around them, each with its own mix of formats and its own share of the lines (bench/corpus/containers.ts); trace ids shared across services; every line of a Java stack trace its own record, as Docker delivers them. Seeded: the same lines on every machine.`,
      `The sample is .bench/corpus-c${CORPUS_VERSION}/sample-${n}.txt (the first lines of every search data set, but for the times they print); compressed sizes are of the whole sample as one stream, kept beside it.`,
      ...notes,
    ],
  });
  const esc = (s: string) => s.replaceAll('|', '\\|').replaceAll('\t', '\\t');
  const cut = (s: string) => (s.length > 110 ? `${s.slice(0, 110)}...` : s);
  ctx.report.table(TITLE, {
    title: 'The corpus: formats',
    head: ['format', 'share of lines', 'mean bytes', 'a line'],
    rows: [...byFormat.entries()]
      .sort((a, b) => b[1].lines - a[1].lines)
      .map(([f, s]) => [
        f,
        `${((100 * s.lines) / n).toFixed(1)}%`,
        num(s.bytes / s.lines),
        `\`${esc(cut(s.example))}\``,
      ]),
    notes: [
      'javaTrace: an ERROR line, the exception, `\\tat` frames, `Caused by:` and `... N more`; postgres: statements with durations, connections, checkpoints, errors with their DETAIL or STATEMENT line.',
    ],
  });
}

export const corpus: Section = { name: 'corpus', title: TITLE, doc: 'main', inDefault: true, run };

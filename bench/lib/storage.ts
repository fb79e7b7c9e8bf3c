/**
 * What the pack store (issue 17) costs on disk, against general-purpose compressors of the
 * same lines: the search data set's database growth (every table's
 * pg_total_relation_size, partitions, TOAST and indexes included, less what the same
 * tables take in an empty migrated database of the same server), and `gzip -9` and
 * `zstd -19` of its flat file of the messages (lines.txt), one stream each.
 *
 * zstd -19 runs at about 0.4 MB/s on the 2-core development machine: a whole 10M-line
 * file (1.4 GB) would take an hour. Its window is 8 MiB (windowLog 23 at level 19), so a
 * longer file compresses no better per line than its first MAX_COMPRESSED_LINES lines;
 * larger files are measured on that prefix, per line, and the table says so. Results are
 * kept beside the file (`<file>.compressed.json`) for the same tool versions.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { migrate } from '../../core/db/migrate.js';
import { createPool } from '../../core/db/pool.js';
import { which } from '../../dev/programs.js';
import type { SearchData } from './search-data.js';

/** Lines of lines.txt the compressors read at most. */
export const MAX_COMPRESSED_LINES = 1_000_000;

export interface Compressed {
  tool: string;
  version: string;
  /** Lines and raw bytes read (the file, or its first MAX_COMPRESSED_LINES lines). */
  lines: number;
  rawBytes: number;
  bytes: number;
  seconds: number;
}

export interface Relation {
  name: string;
  bytes: number;
  /** The same table in an empty migrated database. */
  emptyBytes: number;
}

export interface Storage {
  lines: number;
  /** Bytes of lines.txt (messages and newlines). */
  rawBytes: number;
  relations: Relation[];
  /** Sum over tables of bytes - emptyBytes. */
  growth: number;
  packs: {
    level: number;
    packs: number;
    rows: number;
    data: number;
    bloom: number;
    idBloom: number;
  }[];
  /** gzip -9 and zstd -19, or why one could not be measured. */
  compressors: (Compressed | string)[];
}

const TABLES = `
  SELECT c.relname AS name,
         (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)::text AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`;

async function tableSizes(db: pg.Pool | pg.Client): Promise<Map<string, number>> {
  const r = await db.query<{ name: string; bytes: string }>(TABLES);
  return new Map(r.rows.map((x) => [x.name, Number(x.bytes)]));
}

/** Every table's size in an empty migrated database of the data set's server. */
async function emptySizes(url: string): Promise<Map<string, number>> {
  const name = 'lh_storage_empty';
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const pool = createPool(url.replace(/\/[^/]*$/, `/${name}`), { max: 1 });
    try {
      await migrate(pool);
      await pool.query('VACUUM');
      return await tableSizes(pool);
    } finally {
      await pool.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

/** Every table's size less the same table's in an empty database, summed: bytes. */
export async function databaseGrowth(db: pg.Pool | pg.Client, url: string): Promise<number> {
  const now = await tableSizes(db);
  const empty = await emptySizes(url);
  return [...now].reduce((s, [name, bytes]) => s + bytes - (empty.get(name) ?? 0), 0);
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

/** `cmd args` fed the first `maxLines` lines of `file`: bytes out, lines and bytes in. */
function compressPrefix(
  cmd: string,
  args: string[],
  file: string,
  maxLines: number,
): Promise<{ bytes: number; lines: number; rawBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let bytes = 0;
    let lines = 0;
    let rawBytes = 0;
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ bytes, lines, rawBytes }) : reject(new Error(`${cmd} exited ${code}`)),
    );
    const input = createReadStream(file, { highWaterMark: 1 << 20 });
    input.on('error', reject);
    input.on('data', (chunk) => {
      const b = chunk as Buffer;
      let end = b.length;
      let at = -1;
      while (lines < maxLines && (at = b.indexOf(10, at + 1)) !== -1) lines++;
      const done = lines >= maxLines;
      if (done) end = at + 1;
      rawBytes += end;
      const more = child.stdin.write(b.subarray(0, end));
      if (done) {
        input.destroy();
        child.stdin.end();
      } else if (!more) {
        input.pause();
        child.stdin.once('drain', () => input.resume());
      }
    });
    input.on('end', () => child.stdin.end());
  });
}

/** gzip -9 and zstd -19 of lines.txt (or its first MAX_COMPRESSED_LINES lines), cached. */
export async function compressLines(
  file: string,
  log: (s: string) => void,
): Promise<(Compressed | string)[]> {
  const cacheFile = `${file}.compressed.json`;
  const cache: Compressed[] = existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Compressed[])
    : [];
  const out: (Compressed | string)[] = [];
  for (const [tool, args, pkg] of [
    ['gzip', ['-9', '-c'], 'gzip'],
    ['zstd', ['-19', '-T1', '-c', '-q'], 'zstd'],
  ] as const) {
    if (!which(tool)) {
      out.push(`${tool} not installed (apt-get install -y ${pkg}): no ${tool} ${args[0]} figure`);
      continue;
    }
    const v = await version(tool);
    const name = `${tool} ${args[0]}`;
    let c = cache.find((x) => x.tool === name && x.version === v);
    if (!c) {
      log(`${name} of ${file} (at most ${MAX_COMPRESSED_LINES} lines)`);
      const t0 = performance.now();
      const r = await compressPrefix(tool, [...args], file, MAX_COMPRESSED_LINES);
      c = { tool: name, version: v, ...r, seconds: (performance.now() - t0) / 1000 };
      cache.push(c);
      writeFileSync(cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
    }
    out.push(c);
  }
  return out;
}

/** The data set's storage and the compressors' figures for its lines. */
export async function measureStorage(data: SearchData, log: (s: string) => void): Promise<Storage> {
  await data.pool.query('VACUUM');
  const now = await tableSizes(data.pool);
  const empty = await emptySizes(data.url);
  const relations = [...now].map(([name, bytes]) => ({
    name,
    bytes,
    emptyBytes: empty.get(name) ?? 0,
  }));
  relations.sort((a, b) => b.bytes - b.emptyBytes - (a.bytes - a.emptyBytes));
  const packs = await data.pool.query<{
    level: number;
    packs: string;
    rows: string;
    data: string;
    bloom: string;
    id_bloom: string;
  }>(
    `SELECT level, count(*)::text AS packs, sum(rows)::text AS rows,
            sum(octet_length(data))::text AS data, sum(octet_length(bloom))::text AS bloom,
            coalesce(sum(octet_length(id_bloom)), 0)::text AS id_bloom
       FROM log_packs GROUP BY level ORDER BY level`,
  );
  const rawBytes = statSync(data.flat).size;
  return {
    lines: data.n,
    rawBytes,
    relations,
    growth: relations.reduce((s, r) => s + r.bytes - r.emptyBytes, 0),
    packs: packs.rows.map((p) => ({
      level: p.level,
      packs: Number(p.packs),
      rows: Number(p.rows),
      data: Number(p.data),
      bloom: Number(p.bloom),
      idBloom: Number(p.id_bloom),
    })),
    compressors: await compressLines(data.flat, log),
  };
}

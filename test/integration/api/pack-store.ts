/**
 * Records written into a test database the ways logharbor stores them, without the writer
 * (which may change under the read path's tests): legacy `logs` rows with their
 * `log_blocks` (migrations 003 and 007), level-0 packs as a batch makes them and merged
 * packs as the compactor makes them (core/packs encodePack, migration 012).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import type pg from 'pg';
import { BinaryCopy, COPY_COLUMNS } from '../../../collector/writer/copy-binary.js';
import { encodePack, packsOf, type EncodedPack, type PackRow } from '../../../core/packs/encode.js';
import { labelKey, labelsOf } from '../../../core/packs/labels.js';
import { maxEventMs, recordMs } from '../../../core/record.js';
import { BloomBuilder } from '../../../core/trigram-bloom.js';

type Db = pg.Pool | pg.PoolClient | pg.Client;

/** `logs` rows by binary COPY, as the writer wrote them before packs. */
export async function insertLegacyRows(pool: pg.Pool, rows: PackRow[]): Promise<void> {
  if (rows.length === 0) return;
  const copy = new BinaryCopy();
  for (const r of rows) copy.row(r.id, r.record);
  const client = await pool.connect();
  try {
    await pipeline(
      Readable.from([copy.finish()]),
      client.query(
        copyStreams.from(`COPY logs (${COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`),
      ),
    );
  } finally {
    client.release();
  }
}

export interface BlockOptions {
  /** Rows per block (consecutive ids, as one writer lane made them). */
  rows: number;
  /** Blocks given an all-ones filter (a block still open). */
  open?: (i: number) => boolean;
  /** Blocks with no container lists (written before migration 007). */
  unlisted?: (i: number) => boolean;
}

/** `log_blocks` rows covering `rows` (ascending ids), with real filters and container lists. */
export async function insertBlocks(db: Db, rows: PackRow[], o: BlockOptions): Promise<void> {
  for (let start = 0, n = 0; start < rows.length; start += o.rows, n++) {
    const part = rows.slice(start, start + o.rows);
    const bloom = new BloomBuilder();
    let min = Infinity;
    let max = -Infinity;
    const names = new Set<string>();
    const ids = new Set<string>();
    for (const r of part) {
      bloom.add(r.record.message);
      min = Math.min(min, recordMs(r.record));
      max = Math.max(max, recordMs(r.record));
      if (r.record.containerName !== null) names.add(r.record.containerName);
      if (r.record.containerId !== null) ids.add(r.record.containerId);
    }
    const filter = o.open?.(n) ? Buffer.alloc(128, 0xff) : bloom.bytes;
    const unlisted = o.unlisted?.(n) ?? false;
    await db.query(
      `INSERT INTO log_blocks (block_id, min_id, max_id, min_ts, max_ts, rows, bloom, containers, container_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        part[0]!.id,
        part[0]!.id,
        part[part.length - 1]!.id,
        new Date(min).toISOString(),
        new Date(maxEventMs(max)).toISOString(),
        part.length,
        filter,
        unlisted ? null : [...names],
        unlisted ? null : [...ids],
      ],
    );
  }
}

/** One pack row, as the writer's COPY would store it. */
export async function insertPack(db: Db, p: EncodedPack, level: number): Promise<void> {
  const l = p.labels;
  await db.query(
    `INSERT INTO log_packs (pack_id, level, source, host, container_id, container_name, stream,
       tag, app, project, service, min_ts, max_ts, min_id, max_id, rows, raw_bytes, bloom,
       id_bloom, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
       $20)`,
    [
      p.minId,
      level,
      l.source,
      l.host,
      l.container_id,
      l.container_name,
      l.stream,
      l.tag,
      l.app,
      l.project,
      l.service,
      new Date(p.minTsMs).toISOString(),
      new Date(p.maxTsMs).toISOString(),
      p.minId,
      p.maxId,
      p.rows,
      p.rawBytes,
      Buffer.from(p.bloom),
      p.idBloom && Buffer.from(p.idBloom),
      p.data,
    ],
  );
}

/**
 * Level-0 packs: `rows` (ascending ids) cut into batches of the given sizes, each batch's
 * rows split as the writer splits them (packsOf: per stream and UTC day).
 */
export async function insertLevel0(db: Db, rows: PackRow[], batchSizes: number[]): Promise<number> {
  let packs = 0;
  for (let start = 0, b = 0; start < rows.length; b++) {
    const size = Math.max(1, batchSizes[b % batchSizes.length]!);
    for (const g of packsOf(rows.slice(start, start + size))) {
      await insertPack(db, encodePack(g, { codec: 'deflate', level: 1 }), 0);
      packs++;
    }
    start += size;
  }
  return packs;
}

/**
 * Merged packs, as the compactor makes them: each stream's rows of one UTC day (ascending
 * ids) in packs of at most `maxRows`, compressed hard.
 */
export async function insertMerged(db: Db, rows: PackRow[], maxRows: number): Promise<number> {
  const streams = new Map<string, PackRow[]>();
  for (const r of rows) {
    const key = `${Math.floor(r.record.tsSec / 86_400)} ${labelKey(labelsOf(r.record))}`;
    let s = streams.get(key);
    if (!s) streams.set(key, (s = []));
    s.push(r);
  }
  let packs = 0;
  for (const s of streams.values()) {
    for (let i = 0; i < s.length; i += maxRows) {
      await insertPack(db, encodePack(s.slice(i, i + maxRows), { codec: 'brotli', level: 9 }), 1);
      packs++;
    }
  }
  return packs;
}

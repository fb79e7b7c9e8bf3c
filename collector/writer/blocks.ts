/**
 * The writer's side of the skip index (migrations 003 and 007, core/trigram-bloom.ts):
 * the block this writer is filling, with its id and time ranges, the Bloom filter of its
 * messages' trigrams and the container names and ids of its rows. Searches find rows
 * only through blocks (api/block-search.ts), in time order as well as by word. Every batch's transaction upserts the block row with
 * the filter as it stands, so every committed row is covered by a committed block and a
 * search never has to scan "not yet indexed" rows; a block closes after BLOCK_ROWS rows
 * or BLOCK_AGE_MS, and the next batch opens a new one. A block's id is the id of its
 * first row: unique across writers without asking the database (ids of blocks made
 * before this were taken from log_blocks_id_seq, and every one of them is smaller than
 * any new row id, since each block holds at least one older row).
 *
 * A batch that fails after adding its rows leaves extra bits in the block's filter; a
 * Bloom filter with extra bits only answers "maybe" more often, never "no" wrongly, but
 * to keep counts honest the writer drops that block after a rollback and the next batch
 * opens a new one (the stored row keeps what was committed).
 */
import { BloomBuilder } from '../../core/trigram-bloom.js';
import { MAX_TS_SEC } from './copy-binary.js';
import { bytesLit, intLit, msLit, textLit } from './sql-text.js';
import type { Committed } from './unit.js';

/**
 * Rows per block. Every search reads whole blocks (api/block-search.ts), so this is the
 * least a page costs: on 10M rows, newest 100 p50 15 ms with 4096-row blocks, 6 ms with
 * 1024; a rare word 150 → 76 ms (more blocks to test, each read 4x cheaper); log_blocks
 * 1.7 bytes per row.
 */
export const BLOCK_ROWS = 1024;
export const BLOCK_AGE_MS = 60_000;
/**
 * Past this many distinct container names (or ids) a block stops listing them and stores
 * NULL, "not known": a container filter then reads the block (migration 007).
 */
export const BLOCK_MAX_CONTAINERS = 256;

interface Block {
  blockId: number;
  minId: number;
  maxId: number;
  minTsMs: number;
  maxTsMs: number;
  rows: number;
  openedAt: number;
  bloom: BloomBuilder;
  /** Distinct names and ids of the block's rows; null once past BLOCK_MAX_CONTAINERS. */
  names: Set<string> | null;
  ids: Set<string> | null;
}

/** Adds `v` to a bounded set; the set becomes null (not known) when it would overflow. */
function note(set: Set<string> | null, v: string | null): Set<string> | null {
  if (set === null || v === null || set.has(v)) return set;
  return set.size >= BLOCK_MAX_CONTAINERS ? null : set.add(v);
}

function arrayLit(set: Set<string> | null): string {
  return set === null ? 'NULL' : `ARRAY[${[...set].map(textLit).join(', ')}]::text[]`;
}

/** Event time in ms, rounded down (the lower end of a range covering the row's µs time). */
export function tsMs(c: Committed): number {
  return c.record.tsSec * 1000 + Math.floor(c.record.tsNano / 1_000_000);
}

/**
 * The upper end of a range whose greatest `tsMs` is `ms`: +1 ms, as the row's time has
 * microseconds the ms value dropped (never past the latest time a row may have).
 */
export function maxEventMs(ms: number): number {
  return Math.min(ms + 1, MAX_TS_SEC * 1000 + 999);
}

export class BlockWriter {
  private open: Block | null = null;

  constructor(private readonly maxRows = BLOCK_ROWS) {}

  /**
   * Adds the batch's rows to the block(s) and returns the statement that upserts them,
   * for the batch's transaction.
   */
  sql(committed: Committed[]): string {
    if (committed.length === 0) return '';
    let block = this.open && !this.isFull(this.open) ? this.open : null;
    const touched: Block[] = [];
    for (const c of committed) {
      if (!block || this.isFull(block)) {
        if (block) touched.push(block);
        block = {
          blockId: c.id,
          minId: c.id,
          maxId: c.id,
          minTsMs: tsMs(c),
          maxTsMs: tsMs(c),
          rows: 0,
          openedAt: Date.now(),
          bloom: new BloomBuilder(),
          names: new Set(),
          ids: new Set(),
        };
      }
      const t = tsMs(c);
      block.minId = Math.min(block.minId, c.id);
      block.maxId = Math.max(block.maxId, c.id);
      block.minTsMs = Math.min(block.minTsMs, t);
      block.maxTsMs = Math.max(block.maxTsMs, t);
      block.rows++;
      block.bloom.add(c.record.message);
      block.names = note(block.names, c.record.containerName);
      block.ids = note(block.ids, c.record.containerId);
    }
    touched.push(block!);
    this.open = block!;
    const rows = touched.map(
      (b) =>
        `(${intLit(b.blockId)}, ${intLit(b.minId)}, ${intLit(b.maxId)}, ${msLit(b.minTsMs)}, ` +
        `${msLit(maxEventMs(b.maxTsMs))}, ${intLit(b.rows)}, ${bytesLit(b.bloom.bytes)}, ` +
        `${arrayLit(b.names)}, ${arrayLit(b.ids)})`,
    );
    return `INSERT INTO log_blocks (block_id, min_id, max_id, min_ts, max_ts, rows, bloom, containers, container_ids)
       VALUES ${rows.join(', ')}
       ON CONFLICT (block_id) DO UPDATE SET
         min_id = excluded.min_id, max_id = excluded.max_id, min_ts = excluded.min_ts,
         max_ts = excluded.max_ts, rows = excluded.rows, bloom = excluded.bloom,
         containers = excluded.containers, container_ids = excluded.container_ids`;
  }

  /** The batch failed: its block may hold rows that were not committed; start anew. */
  rolledBack(): void {
    this.open = null;
  }

  private isFull(b: Block): boolean {
    return b.rows >= this.maxRows || Date.now() - b.openedAt >= BLOCK_AGE_MS;
  }
}

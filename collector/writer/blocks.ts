/**
 * The writer's side of the skip index (migrations 003 and 007, core/trigram-bloom.ts):
 * the block this writer is filling, with its id and time ranges, the Bloom filter of its
 * messages' trigrams and the container names and ids of its rows. Searches find rows
 * only through blocks (api/block-search.ts), in time order as well as by word.
 *
 * Every batch's transaction upserts the blocks its rows went into, so every committed
 * row is covered by a committed block and a search never has to scan "not yet indexed"
 * rows; the open block carries an all-ones filter until it closes (OPEN_BLOOM). A block
 * closes after BLOCK_ROWS rows or BLOCK_AGE_MS (noticed by the next batch), and the next
 * batch opens a new one. A block's id is the id of its first row: unique across writers
 * without asking the database (ids of blocks made before this were taken from
 * log_blocks_id_seq, and every one of them is smaller than any new row id, since each
 * block holds at least one older row).
 *
 * A batch that fails after adding its rows leaves them in the open block's filter and
 * counts, so the writer drops that block after a rollback and the next batch opens a new
 * one; the stored row keeps what was committed, with the all-ones filter.
 */
import { BLOOM_MIN_BITS, BloomBuilder } from '../../core/trigram-bloom.js';
import { bytesLit, intLit, msLit, textLit } from '../../core/db/sql-text.js';
import { maxEventMs, recordMs } from '../../core/record.js';
import type { Committed } from '../../core/tail-commits.js';

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

/**
 * The filter of a block still open: every bit set, so it "may hold" every word and each
 * word search reads its rows (at most BLOCK_ROWS per writer lane). A block's real filter
 * is written once, when it closes: sent with every batch it was up to 32 KiB of hex per
 * batch, and in Docker's one-event-per-request mode that was most of what the writer
 * sent and PostgreSQL parsed and stored (TOAST) per event.
 */
const OPEN_BLOOM = `decode(repeat('ff', ${BLOOM_MIN_BITS / 8}), 'hex')`;

export class BlockWriter {
  private open: Block | null = null;

  constructor(private readonly maxRows = BLOCK_ROWS) {}

  /**
   * Adds the batch's rows to the block(s) and returns the statement that upserts them,
   * for the batch's transaction: closed blocks with their filter, the open one with
   * OPEN_BLOOM.
   */
  sql(committed: Committed[]): string {
    if (committed.length === 0) return '';
    const closed: Block[] = [];
    let block = this.open;
    for (const c of committed) {
      if (!block || this.isFull(block)) {
        if (block) closed.push(block);
        block = {
          blockId: c.id,
          minId: c.id,
          maxId: c.id,
          minTsMs: recordMs(c.record),
          maxTsMs: recordMs(c.record),
          rows: 0,
          openedAt: Date.now(),
          bloom: new BloomBuilder(),
          names: new Set(),
          ids: new Set(),
        };
      }
      const t = recordMs(c.record);
      block.minId = Math.min(block.minId, c.id);
      block.maxId = Math.max(block.maxId, c.id);
      block.minTsMs = Math.min(block.minTsMs, t);
      block.maxTsMs = Math.max(block.maxTsMs, t);
      block.rows++;
      block.bloom.add(c.record.message);
      block.names = note(block.names, c.record.containerName);
      block.ids = note(block.ids, c.record.containerId);
    }
    const last = block!;
    if (last.rows >= this.maxRows) {
      closed.push(last);
      this.open = null;
    } else this.open = last;
    const rows = closed.map((b) => blockRow(b, bytesLit(b.bloom.bytes)));
    if (this.open) rows.push(blockRow(this.open, OPEN_BLOOM));
    return upsert(rows);
  }

  /**
   * At shutdown: the statement that writes the open block's real filter ('' when none).
   * A block left open (a crash, a failed batch) keeps OPEN_BLOOM: read by every word
   * search, never wrong.
   */
  closeSql(): string {
    const b = this.open;
    this.open = null;
    return b ? upsert([blockRow(b, bytesLit(b.bloom.bytes))]) : '';
  }

  /** The batch failed: its block may hold rows that were not committed; start anew. */
  rolledBack(): void {
    this.open = null;
  }

  private isFull(b: Block): boolean {
    return b.rows >= this.maxRows || Date.now() - b.openedAt >= BLOCK_AGE_MS;
  }
}

function blockRow(b: Block, bloom: string): string {
  return (
    `(${intLit(b.blockId)}, ${intLit(b.minId)}, ${intLit(b.maxId)}, ${msLit(b.minTsMs)}, ` +
    `${msLit(maxEventMs(b.maxTsMs))}, ${intLit(b.rows)}, ${bloom}, ` +
    `${arrayLit(b.names)}, ${arrayLit(b.ids)})`
  );
}

function upsert(rows: string[]): string {
  return `INSERT INTO log_blocks (block_id, min_id, max_id, min_ts, max_ts, rows, bloom, containers, container_ids)
       VALUES ${rows.join(', ')}
       ON CONFLICT (block_id) DO UPDATE SET
         min_id = excluded.min_id, max_id = excluded.max_id, min_ts = excluded.min_ts,
         max_ts = excluded.max_ts, rows = excluded.rows, bloom = excluded.bloom,
         containers = excluded.containers, container_ids = excluded.container_ids`;
}

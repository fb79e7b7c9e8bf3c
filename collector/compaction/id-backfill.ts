/**
 * Id filters for the packs merged before migration 013 (core/id-bloom.ts): each merged
 * pack without one is decoded and given its filter, a few packs per transaction, until
 * none is left. Until then such a pack is read for every id lookup (id_bloom NULL passes
 * api/search/pack-filter.ts's probe), so the answers are the same before, during and
 * after; only the speed changes.
 *
 * Rows are locked FOR UPDATE SKIP LOCKED, so a compactor merging the same pack, or
 * another collector's backfill, never waits on it or writes it twice; a pack merged away
 * meanwhile is simply gone. A crash loses at most the transaction in flight: it is done
 * again at the next start. Level-0 packs are left alone: the compactor merges them soon.
 */
import type { Pool } from '../../core/db/pool.js';
import { idBloom } from '../../core/id-bloom.js';
import type { Logger } from '../../core/log.js';
import { PackReader } from '../../core/packs/decode.js';
import { LABEL_COLUMNS, type PackLabels } from '../../core/packs/labels.js';

/** Packs given their filter per transaction. */
const PER_SLICE = 16;

type Picked = PackLabels & { pack_id: string; min_ts: string; data: Buffer };

export class IdBackfill {
  /** Packs given a filter since start. */
  filled = 0;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /** Fills every merged pack's filter; resolves when none is left or when stopped. */
  async run(): Promise<void> {
    let logged = false;
    while (!this.stopped) {
      const n = await this.slice();
      if (n === 0) break;
      if (!logged) {
        logged = true;
        this.log.info('adding id filters to packs merged before them (upgrade)');
      }
      this.filled += n;
    }
    if (logged && !this.stopped)
      this.log.info({ packs: this.filled }, 'upgrade done: every merged pack has its id filter');
  }

  /** One transaction; the packs it filled (0: none left that is not locked by another). */
  async slice(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const r = await client.query<Picked>(
        `SELECT pack_id::text, min_ts::text, ${LABEL_COLUMNS.join(', ')}, data FROM log_packs
          WHERE level > 0 AND id_bloom IS NULL
          LIMIT ${PER_SLICE} FOR UPDATE SKIP LOCKED`,
      );
      for (const p of r.rows) {
        const reader = new PackReader(p, p.data);
        const messages = Array.from({ length: reader.rows }, (_, i) => reader.message(i));
        await client.query(
          `UPDATE log_packs SET id_bloom = $3 WHERE pack_id = $1::bigint AND min_ts = $2::timestamptz`,
          [p.pack_id, p.min_ts, idBloom(messages)],
        );
      }
      await client.query('COMMIT');
      return r.rows.length;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
}

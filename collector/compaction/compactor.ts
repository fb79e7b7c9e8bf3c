/**
 * The compactor (docs/architecture.md, "Packs"): merges a stream's small packs into big
 * ones, compressed hard, so storage ends near what a good compressor makes of the raw
 * lines while every line stays searchable from the moment its batch commits.
 *
 *   every INTERVAL: streams with level-0 packs older than minAgeMs (one day of one stream
 *   at a time) ─► SELECT those packs (and the stream's last small merged pack of that
 *   day) ─► decode, rows in id order ─► packs of up to targetRawBytes / maxRows (merge.ts,
 *   on a thread of its own in the collector: merge-thread.ts) ─► one
 *   short transaction: lock the packs read (FOR UPDATE SKIP LOCKED; all still there, or
 *   drop this merge) ─► DELETE the old, COPY the new ─► COMMIT
 *
 * A crash at any instant leaves either the old packs or the new ones: nothing lost or
 * doubled. Several collectors compact at once without replacing the same packs twice
 * (the lock finds them gone or locked); a reader's snapshot sees one side or the other.
 */
import type { Pool, PoolClient } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { PackLabels } from '../../core/packs/labels.js';
import type { CodecId } from '../../core/packs/codec.js';
import { LABEL_COLUMNS } from '../../core/packs/labels.js';
import { mergeHere, type Merger } from './merge.js';
import { copyPacks, labelsWhere } from './pack-sql.js';

export interface CompactorOptions {
  /** A merged pack holds at most this many bytes of raw messages. */
  targetRawBytes: number;
  /** ... and at most this many rows. */
  maxRows: number;
  /** Level-0 packs younger than this are left to gather (a busy stream fills them fast). */
  minAgeMs: number;
  /** How the merged packs are compressed. */
  codec: { codec: CodecId; level?: number };
  /** Time between rounds when there was nothing to do. */
  intervalMs: number;
  /** Streams handled per round. */
  streamsPerRound: number;
}

export const COMPACTOR_DEFAULTS: CompactorOptions = {
  targetRawBytes: 1 << 20,
  maxRows: 16_384,
  minAgeMs: 10_000,
  codec: { codec: 'brotli', level: 5 },
  intervalMs: 2000,
  streamsPerRound: 64,
};

/** application_name of the compactor's transactions. */
export const COMPACTOR_APP = 'logharbor-compactor';

type StreamDay = PackLabels & { day: string; packs: string; raw: string; oldest: string };

interface Selected {
  pack_id: string;
  min_ts: string;
  level: number;
  data: Buffer;
}

export interface CompactionStats {
  rounds: number;
  /** Packs merged away and packs written by merges, since start. */
  mergedPacks: number;
  writtenPacks: number;
  rows: number;
  /** Age of the oldest level-0 pack seen by the last round, seconds (0 when none). */
  lagSeconds: number;
  level0Packs: number;
}

export class Compactor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  readonly stats: CompactionStats = {
    rounds: 0,
    mergedPacks: 0,
    writtenPacks: 0,
    rows: 0,
    lagSeconds: 0,
    level0Packs: 0,
  };

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly opts: CompactorOptions = COMPACTOR_DEFAULTS,
    /** Where the decoding and encoding run (the collector: a thread of their own). */
    private readonly merger: Merger = mergeHere,
  ) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.merger.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .then((busy) => this.schedule(busy ? 0 : this.opts.intervalMs))
        .catch((e: Error) => {
          this.log.warn({ err: e.message }, 'compaction round failed; will retry');
          this.schedule(this.opts.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** One round; true when it found as much work as it may do in a round (more may wait). */
  async round(): Promise<boolean> {
    this.stats.rounds++;
    const r = await this.pool.query<StreamDay>(
      `SELECT ${LABEL_COLUMNS.join(', ')}, to_char(min_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
              count(*)::text AS packs, sum(raw_bytes)::text AS raw,
              (extract(epoch FROM min(min_ts)) * 1000)::bigint::text AS oldest
         FROM log_packs
        WHERE level = 0 AND min_ts < now() - $1::int * interval '1 millisecond'
        GROUP BY ${LABEL_COLUMNS.join(', ')}, to_char(min_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')
        ORDER BY min(min_ts) LIMIT $2`,
      [this.opts.minAgeMs, this.opts.streamsPerRound],
    );
    const lag = await this.pool.query<{ n: string; oldest: string | null }>(
      `SELECT count(*)::text AS n, (extract(epoch FROM min(min_ts)) * 1000)::bigint::text AS oldest
         FROM log_packs WHERE level = 0`,
    );
    this.stats.level0Packs = Number(lag.rows[0]!.n);
    const oldest = lag.rows[0]!.oldest;
    this.stats.lagSeconds = oldest === null ? 0 : Math.max(0, (Date.now() - Number(oldest)) / 1000);
    for (const s of r.rows) {
      if (this.stopped) break;
      await this.mergeStreamDay(s);
    }
    return r.rows.length >= this.opts.streamsPerRound;
  }

  /**
   * Merges one stream's level-0 packs of one day. The packs are read and merged outside
   * any transaction, then swapped in one short transaction: a transaction that holds an
   * xid while it decodes and encodes holds back the live tail, which publishes a commit
   * only once every older transaction has ended (api/tail/commit-feed.ts); a merge of a
   * day's packs takes a few hundred ms of CPU.
   */
  private async mergeStreamDay(s: StreamDay): Promise<void> {
    const labels: PackLabels = {
      source: s.source,
      host: s.host,
      container_id: s.container_id,
      container_name: s.container_name,
      stream: s.stream,
      tag: s.tag,
      app: s.app,
      project: s.project,
      service: s.service,
    };
    const where = labelsWhere(labels, 5);
    const day = `${s.day}T00:00:00Z`;
    // A merged pack is taken again only while it is small in bytes *and* in rows: one
    // cut at maxRows (short lines) is as full as it gets, and taking it again would
    // rewrite every such pack of the day at each merge of that stream (merge-faults.test.ts).
    const selected = await this.pool.query<Selected>(
      `SELECT pack_id::text, min_ts::text, level, data FROM log_packs
        WHERE min_ts >= $1::timestamptz AND min_ts < $1::timestamptz + interval '1 day'
          AND ${where.sql}
          AND ((level = 0 AND min_ts < now() - $2::int * interval '1 millisecond')
               OR (level > 0 AND raw_bytes < $3::int / 2 AND rows < $4::int / 2))
        ORDER BY min_id
        LIMIT 4096`,
      [day, this.opts.minAgeMs, this.opts.targetRawBytes, this.opts.maxRows, ...where.values],
    );
    const picked = selected.rows;
    // Nothing, or one merged pack alone: nothing to gain.
    if (picked.length === 0 || (picked.length === 1 && picked[0]!.level > 0)) return;
    const { packs, rows } = await this.merger.merge({
      labels,
      packs: picked.map((p) => p.data),
      targetRawBytes: this.opts.targetRawBytes,
      maxRows: this.opts.maxRows,
      codec: this.opts.codec,
    });
    const client = await this.pool.connect();
    try {
      // Named in pg_stat_activity for its transaction (an operator, and the kill test, can
      // tell it from the writer's).
      await client.query(`BEGIN; SET LOCAL application_name = '${COMPACTOR_APP}'`);
      // Packs are never rewritten in place: the ones read are the ones to replace if every
      // one is still there and no other compactor holds it (else this merge is dropped and
      // done again from a fresh read).
      if (!(await this.lockPacks(client, picked))) {
        await client.query('ROLLBACK');
        return;
      }
      await this.deletePacks(client, picked);
      await copyPacks(client, packs, 1);
      await client.query('COMMIT');
      this.stats.mergedPacks += picked.length;
      this.stats.writtenPacks += packs.length;
      this.stats.rows += rows;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  /** Locks the picked packs; false when one is gone or locked by another compactor. */
  private async lockPacks(client: PoolClient, picked: Selected[]): Promise<boolean> {
    const r = await client.query(
      `SELECT p.pack_id FROM log_packs p
         JOIN unnest($1::bigint[], $2::timestamptz[]) AS d(pack_id, min_ts)
           ON p.pack_id = d.pack_id AND p.min_ts = d.min_ts
          FOR UPDATE OF p SKIP LOCKED`,
      [picked.map((p) => p.pack_id), picked.map((p) => p.min_ts)],
    );
    return r.rowCount === picked.length;
  }

  private async deletePacks(client: PoolClient, picked: Selected[]): Promise<void> {
    await client.query(
      `DELETE FROM log_packs p USING unnest($1::bigint[], $2::timestamptz[]) AS d(pack_id, min_ts)
        WHERE p.pack_id = d.pack_id AND p.min_ts = d.min_ts`,
      [picked.map((p) => p.pack_id), picked.map((p) => p.min_ts)],
    );
  }
}

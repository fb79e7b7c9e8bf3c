/**
 * The upgrade to packs (issue 17): rows written to `logs` before migration 012 are packed
 * in the background, oldest id first, a slice per transaction:
 *
 *   BEGIN; done = pack_upgrade.done_upto FOR UPDATE (one packer at a time, whichever
 *   collector) ─► rows with id > done, SLICE of them, in id order ─► packs by stream and
 *   day ─► COPY log_packs; DELETE those rows; DELETE the log_blocks wholly packed;
 *   done_upto = last id; COMMIT
 *
 * A crash at any instant leaves a slice either packed (rows gone, packs there) or not:
 * nothing lost or doubled. Readers see both kinds in one snapshot (api/search/): a
 * legacy block partly packed still lists the rows left in `logs`, and only those.
 */
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import { encodePack, packsOf, type PackRow } from '../../core/packs/encode.js';
import type { CodecId } from '../../core/packs/codec.js';
import type { LogRecord, StoredRecord } from '../../core/record.js';
import { copyPacks } from './pack-sql.js';

/** Rows per transaction: a few MB of text, packed in well under a second. */
const SLICE = 20_000;
const PROGRESS_EVERY_MS = 10_000;

/** A `logs` row as read here: the stored record with its times as µs and nanoseconds. */
type LegacyRow = Omit<StoredRecord, 'ts' | 'received_at'> & {
  ts_us: string;
  ts_ns: number;
  recv_us: string;
};

export interface UpgradeStatus {
  finished: boolean;
  /** Share of the legacy id range packed, 0..1 (null before the first look). */
  progress: number | null;
  rowsPacked: number;
}

/** A `logs` row as the LogRecord the writer had stored (times exact to the nanosecond). */
export function recordOfRow(r: LegacyRow): PackRow {
  const us = BigInt(r.ts_us);
  let sec = us / 1_000_000n;
  let micro = us % 1_000_000n;
  if (micro < 0n) {
    sec -= 1n;
    micro += 1_000_000n;
  }
  const record: LogRecord = {
    tsSec: Number(sec),
    tsNano: Number(micro) * 1000 + r.ts_ns,
    receivedAt: Number(BigInt(r.recv_us)) / 1000,
    source: r.source,
    host: r.host,
    containerId: r.container_id,
    containerName: r.container_name,
    stream: r.stream,
    tag: r.tag,
    app: r.app,
    project: r.project,
    service: r.service,
    severity: r.severity,
    facility: r.facility,
    message: r.message,
    attrs: r.attrs,
  };
  return { id: Number(r.id), record };
}

export class LegacyPacker {
  readonly status: UpgradeStatus = { finished: false, progress: null, rowsPacked: 0 };
  private stopped = false;
  private loggedAt = 0;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly codec: { codec: CodecId; level?: number },
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /** Packs every legacy row (resuming where the last run stopped); resolves when done or stopped. */
  async run(): Promise<void> {
    const r = await this.pool.query<{ finished: boolean }>('SELECT finished FROM pack_upgrade');
    if (r.rows[0]?.finished) {
      this.status.finished = true;
      this.status.progress = 1;
      return;
    }
    // The legacy id range, counted from its start even when resuming: the rows an earlier
    // run packed left `logs`, but their packs keep their ids, and only legacy rows have ids
    // up to done_upto (later ones come from the same sequence, past every legacy id).
    // Without this a restart showed the progress start again from 0.
    const range = await this.pool.query<{ lo: string | null; hi: string | null; done: string }>(
      `SELECT least((SELECT min(min_id) FROM log_packs WHERE min_id <= u.done_upto),
                    (SELECT min(id) FROM logs))::text AS lo,
              (SELECT max(id) FROM logs)::text AS hi, u.done_upto::text AS done
         FROM pack_upgrade u`,
    );
    const lo = Number(range.rows[0]!.lo ?? 0);
    const hi = Number(range.rows[0]!.hi ?? 0);
    const share = (done: number) =>
      hi > lo ? Math.max(0, Math.min(1, (done - lo) / (hi - lo))) : 1;
    if (range.rows[0]!.hi !== null) {
      this.status.progress = share(Number(range.rows[0]!.done));
      this.log.info({ fromId: lo, toId: hi }, 'packing the rows stored before packs (upgrade)');
    }
    while (!this.stopped) {
      const done = await this.slice();
      if (done === null) break;
      this.status.progress = share(done);
      if (Date.now() - this.loggedAt >= PROGRESS_EVERY_MS) {
        this.loggedAt = Date.now();
        this.log.info(
          { progress: `${Math.round(this.status.progress * 100)}%`, rows: this.status.rowsPacked },
          'packing the rows stored before packs',
        );
      }
    }
    if (!this.stopped) {
      await this.pool.query('UPDATE pack_upgrade SET finished = true');
      this.status.finished = true;
      this.status.progress = 1;
      if (this.status.rowsPacked > 0)
        this.log.info({ rows: this.status.rowsPacked }, 'upgrade done: every stored row is packed');
    }
  }

  /** Packs one slice; the last id packed, or null when no legacy row is left. */
  private async slice(): Promise<number | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const d = await client.query<{ done: string }>(
        'SELECT done_upto::text AS done FROM pack_upgrade FOR UPDATE',
      );
      const done = d.rows[0]!.done;
      const rows = await client.query<LegacyRow>(
        `SELECT id::text, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_us, ts_ns,
                (extract(epoch FROM received_at) * 1000000)::bigint::text AS recv_us,
                source, host, container_id, container_name, stream, tag, app, project, service,
                severity, facility, message, attrs
           FROM logs WHERE id > $1 ORDER BY id LIMIT $2`,
        [done, SLICE],
      );
      if (rows.rows.length === 0) {
        await client.query('ROLLBACK');
        return null;
      }
      const packed = rows.rows.map(recordOfRow);
      const last = packed[packed.length - 1]!.id;
      await copyPacks(
        client,
        packsOf(packed).map((p) => encodePack(p, this.codec)),
        1,
      );
      await client.query('DELETE FROM logs WHERE id > $1 AND id <= $2', [done, last]);
      await client.query('DELETE FROM log_blocks WHERE max_id <= $1', [last]);
      await client.query('UPDATE pack_upgrade SET done_upto = $1', [last]);
      await client.query('COMMIT');
      this.status.rowsPacked += packed.length;
      return last;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
}

/**
 * The drain (docs/architecture.md, "The spool"): the writer's only source of spooled units.
 *
 *   listener ─accept─► spool.append ─seq─► offer(seq, unit) ─► memory (contiguous seqs)
 *                                                               │ while the window has room
 *   spool segments ─read(next)─► decodeUnit ──(when memory no longer holds `next`)─┤
 *                                                                                  ▼
 *   writer.submit(unit with seq) ─► batch: rows + spool_drained row, one transaction
 *        └─ committed ─► drained ranges ─► contiguous prefix ─► spool.release(prefix)
 *
 * A unit is handed to the writer only once the spool has written it (and synced it, when
 * the policy says so), in sequence order, so ids follow arrival; never a sequence number
 * the spool could hand out again after a power loss (seq-floor.ts). What the writer commits is
 * recorded in spool_drained inside the same transaction (migration 009): after a crash at
 * any instant, the next start skips exactly what PostgreSQL holds and sends the rest.
 * Recent units are handed over from memory (no decode); past `memoryBytes`, or after a
 * restart, they are read back from the segment files.
 *
 * Sequence numbers the spool lost (a corrupt region it skipped) are recorded as drained
 * with a loud log, so the prefix moves on and the spool can release what follows. A unit
 * PostgreSQL refuses for its data (writer.ts) is recorded as drained too, counted, and kept
 * in the spool directory's refused.ndjson (refused-file.ts).
 */
import { EventEmitter } from 'node:events';
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { Telemetry } from '../../core/telemetry.js';
import type { Spool } from '../spool/spool.js';
import { decodeUnit } from '../spool/unit-codec.js';
import type { WriteUnit } from '../writer/unit.js';
import { WriterClosedError, type Writer } from '../writer/writer.js';
import { DrainedRanges } from './drained-ranges.js';
import type { RefusedFile } from './refused-file.js';
import type { SeqFloor } from './seq-floor.js';

export interface DrainOptions {
  spoolId: string;
  /** Most records handed to the writer and not yet committed. */
  windowRecords: number;
  /** Most bytes of recent units kept in memory for the writer; the rest is read back. */
  memoryBytes: number;
  /** Where units PostgreSQL refuses are kept. */
  refused?: RefusedFile;
  /** Moved ahead before a sequence number is handed on (seq-floor.ts). */
  floor: SeqFloor;
}

interface Held {
  seq: number;
  unit: WriteUnit;
  bytes: number;
}

/** Records read from the spool per read. */
const READ_RECORDS = 2000;
const READ_BYTES = 8 << 20;
/** How often the contiguous prefix is folded into one spool_drained row. */
const FOLD_EVERY_MS = 10_000;
/** Fold row's first_seq: below every real sequence number. */
const FOLD_FIRST = -1;

export class Drainer extends EventEmitter {
  private drained: DrainedRanges | null = null;
  /** The next sequence number to hand to the writer. */
  private next = 0;
  /** Durable units not yet handed over, contiguous from memory[0].seq. */
  private readonly memory: Held[] = [];
  private memoryHead = 0;
  private memoryBytes = 0;
  private handed = 0;
  private pumping = false;
  private stopped = false;
  private readonly waiters = new Map<
    number,
    { resolve: () => void; reject: (e: Error) => void }[]
  >();
  private foldedAt = Date.now();
  private foldedPrefix = -Infinity;
  /** Committed records per second, over the last few seconds. */
  private readonly rateSamples: { at: number; records: number }[] = [];
  private drainedRecords = 0;

  constructor(
    private readonly spool: Spool,
    private readonly writer: Writer,
    private readonly pool: Pool,
    private readonly opts: DrainOptions,
    private readonly log: Logger,
    private readonly telemetry: Telemetry,
  ) {
    super();
    // Written records become readable in order: the drain follows them (for every sync
    // policy this is the spool's own "written, and synced when the policy says so").
    spool.on('readable', () => void this.pump());
  }

  /** Every sequence number up to this one is stored (or -Infinity before PostgreSQL answered). */
  get prefix(): number {
    return this.drained?.prefix ?? -Infinity;
  }

  /** Records handed to the writer and not committed. */
  get inFlight(): number {
    return this.handed;
  }

  /** Committed records per second over the last ~10 s. */
  get rate(): number {
    const s = this.rateSamples;
    if (s.length < 2) return 0;
    const a = s[0]!;
    const b = s[s.length - 1]!;
    return b.at > a.at ? ((b.records - a.records) * 1000) / (b.at - a.at) : 0;
  }

  /**
   * Loads what PostgreSQL already holds of this spool, releases it, and starts draining.
   * Called once the schema is there; retried by the caller while PostgreSQL is away.
   */
  async start(): Promise<void> {
    const floor = this.spool.stats.releasedSeq;
    const r = await this.pool.query<{ first: string; last: string }>(
      `SELECT first_seq::text AS first, last_seq::text AS last FROM spool_drained
        WHERE spool_id = $1 AND last_seq > $2`,
      [this.opts.spoolId, floor],
    );
    const drained = DrainedRanges.fromRows(
      r.rows.map((x) => ({ first: Number(x.first), last: Number(x.last) })),
      floor,
    );
    // Numbers the spool skipped at open (its floor moved past them) hold nothing: drained.
    const vacant = this.spool.stats.vacant;
    if (vacant) drained.add(vacant.first, vacant.last);
    this.drained = drained;
    this.next = drained.nextMissing(this.spool.stats.firstSeq);
    this.releasePrefix();
    this.log.info(
      {
        spoolId: this.opts.spoolId,
        waiting: this.spool.stats.nextSeq - this.next,
        bytes: this.spool.stats.bytes,
      },
      'draining the spool to PostgreSQL',
    );
    void this.pump();
  }

  /** A unit was appended with `seq`; it is handed over once the spool has written it. */
  offer(seq: number, unit: WriteUnit, bytes: number): void {
    const last = this.memory[this.memory.length - 1];
    if (last && last.seq + 1 !== seq) this.dropMemory(); // never expected: keep memory contiguous
    this.memory.push({ seq, unit, bytes });
    this.memoryBytes += bytes;
    while (this.memoryBytes > this.opts.memoryBytes && this.memoryHead < this.memory.length)
      this.shiftMemory();
  }

  /** Resolves once `seq` is stored in PostgreSQL (acks after commit: LOGHARBOR_FORWARD_ACK=commit). */
  committed(seq: number): Promise<void> {
    if (this.drained?.has(seq)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(seq);
      if (list) list.push({ resolve, reject });
      else this.waiters.set(seq, [{ resolve, reject }]);
    });
  }

  /** Stops handing units over; what the writer holds is its business (writer.close). */
  stop(): void {
    this.stopped = true;
  }

  private shiftMemory(): void {
    const h = this.memory[this.memoryHead++]!;
    this.memoryBytes -= h.bytes;
    if (this.memoryHead > 1024 && this.memoryHead * 2 > this.memory.length) {
      this.memory.splice(0, this.memoryHead);
      this.memoryHead = 0;
    }
  }

  private dropMemory(): void {
    this.memory.length = 0;
    this.memoryHead = 0;
    this.memoryBytes = 0;
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped || !this.drained) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.handed < this.opts.windowRecords) {
        const next = this.drained.nextMissing(this.next);
        this.next = next;
        if (next > this.spool.stats.durableSeq) break;
        if (!this.opts.floor.covers(next)) await this.opts.floor.reserve(next);
        while (this.memoryHead < this.memory.length && this.memory[this.memoryHead]!.seq < next)
          this.shiftMemory();
        const head = this.memory[this.memoryHead];
        if (head && head.seq === next) {
          this.shiftMemory();
          this.handOver(next, head.unit);
          this.next = next + 1;
          continue;
        }
        if (!(await this.readBack(next))) break;
      }
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'reading the spool failed; retrying');
      setTimeout(() => void this.pump(), 1000).unref();
    } finally {
      this.pumping = false;
    }
  }

  /** Hands over units read back from the segment files from `from` on; false when none was there. */
  private async readBack(from: number): Promise<boolean> {
    const records = await this.spool.read(from, READ_RECORDS, READ_BYTES);
    if (records.length === 0) return false;
    for (const rec of records) {
      if (this.stopped || this.handed >= this.opts.windowRecords) break;
      if (rec.seq < this.next) continue;
      if (rec.seq > this.next) this.lost(this.next, rec.seq - 1, 'missing from the spool');
      this.next = rec.seq + 1;
      if (this.drained!.has(rec.seq)) continue;
      let unit: WriteUnit;
      try {
        unit = decodeUnit(rec.payload);
      } catch (e) {
        this.lost(rec.seq, rec.seq, `undecodable: ${(e as Error).message}`);
        continue;
      }
      this.handOver(rec.seq, unit);
    }
    return true;
  }

  private handOver(seq: number, unit: WriteUnit): void {
    unit.seq = seq;
    const n = Math.max(1, unit.records.length);
    this.handed += n;
    this.writer.submit(unit).then(
      () => this.done(seq, seq, n),
      (e: Error) => {
        if (e instanceof WriterClosedError) {
          this.handed -= n;
          return;
        }
        // PostgreSQL refused the unit's data (writer.ts logged and counted it): it can never
        // be stored, so it must not block the prefix; its records go to refused.ndjson.
        const kept = this.opts.refused?.keep(seq, unit, e.message) ?? false;
        this.log.error(
          { seq, records: unit.records.length, keptIn: kept ? this.opts.refused!.path : null },
          'PostgreSQL refused a spooled request: not stored',
        );
        this.record(seq, seq);
        this.done(seq, seq, n, e);
      },
    );
  }

  /** Sequence numbers with nothing to store: recorded as drained so the prefix moves on. */
  private lost(first: number, last: number, why: string): void {
    this.log.error(
      { first, last, count: last - first + 1, why },
      'spool records lost (corrupt or missing); recorded as drained',
    );
    this.telemetry.dropped.inc({ listener: 'spool', reason: 'corrupt' }, last - first + 1);
    this.record(first, last);
    this.done(first, last, 0, new Error(`spool records ${first}..${last} lost: ${why}`));
  }

  /** Writes a spool_drained row outside a batch (retried until PostgreSQL takes it). */
  private record(first: number, last: number): void {
    this.pool
      .query(
        `INSERT INTO spool_drained (spool_id, first_seq, last_seq) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [this.opts.spoolId, first, last],
      )
      .catch((e: Error) => {
        this.log.warn({ err: e.message, first, last }, 'recording drained spool records failed');
        setTimeout(() => this.record(first, last), 1000).unref();
      });
  }

  /** `first..last` are stored, or (with `refusal`) can never be: their waiters learn which. */
  private done(first: number, last: number, records: number, refusal?: Error): void {
    this.handed -= records;
    this.drainedRecords += records;
    this.drained!.add(first, last);
    for (let s = first; s <= last; s++) {
      const w = this.waiters.get(s);
      if (w) {
        this.waiters.delete(s);
        for (const f of w)
          if (refusal) f.reject(refusal);
          else f.resolve();
      }
    }
    this.releasePrefix();
    void this.pump();
  }

  private releasePrefix(): void {
    const prefix = this.drained!.prefix;
    this.spool.release(prefix);
    const now = Date.now();
    const s = this.rateSamples;
    if (s.length === 0 || now - s[s.length - 1]!.at >= 1000) {
      s.push({ at: now, records: this.drainedRecords });
      if (s.length > 11) s.shift();
    }
    if (now - this.foldedAt >= FOLD_EVERY_MS && prefix > this.foldedPrefix) {
      this.foldedAt = now;
      void this.fold(prefix);
    }
  }

  /** Replaces the rows at or below the prefix by one (they only grow otherwise). */
  private async fold(prefix: number): Promise<void> {
    const client = await this.pool.connect().catch(() => null);
    if (!client) return;
    // A connection that dies mid-fold also emits 'error'; the failing query reports it.
    const onError = () => undefined;
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM spool_drained WHERE spool_id = $1 AND last_seq <= $2', [
        this.opts.spoolId,
        prefix,
      ]);
      await client.query(
        `INSERT INTO spool_drained (spool_id, first_seq, last_seq) VALUES ($1, $2, $3)
         ON CONFLICT (spool_id, first_seq)
         DO UPDATE SET last_seq = greatest(spool_drained.last_seq, excluded.last_seq)`,
        [this.opts.spoolId, FOLD_FIRST, prefix],
      );
      await client.query('COMMIT');
      this.foldedPrefix = prefix;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.log.warn({ err: (e as Error).message }, 'folding spool_drained failed; will retry');
    } finally {
      client.off('error', onError);
      client.release();
    }
  }
}

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
 * Between the drain and the writer sits the multi-line joiner (collector/multiline/,
 * docs/architecture.md "Multi-line messages"): a unit holding a line that may begin a stack
 * trace waits there, its sequence number undrained, until its message ends; the units of
 * one message go to the writer as one unit (group-unit.ts). Held records do not count in
 * the window (the joiner bounds what it holds). The joiner decides by the lines'
 * receivedAt alone; the drain's clock (`tick`) tells it which times are past.
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
import { groupUnit } from '../multiline/group-unit.js';
import { MultilineJoiner, type ReadyGroup } from '../multiline/joiner.js';
import type { MultilineOptions } from '../multiline/options.js';
import { decodeUnit } from '../spool/unit-codec.js';
import type { WriteUnit } from '../writer/unit.js';
import { WriterClosedError, type Writer } from '../writer/writer.js';
import { DrainedRanges, toRanges } from './drained-ranges.js';
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
  /** The multi-line joiner's settings; `{ enabled: false }` hands every unit on as it is. */
  multiline?: Partial<MultilineOptions>;
  /** Earliest receivedAt of units read but not yet in the spool (waiting for room), or null. */
  pendingSince?: () => number | null;
}

interface Held {
  seq: number;
  unit: WriteUnit;
  bytes: number;
  /** firstReceived(unit), taken once: the joiner's clock reads it on every tick. */
  firstAt: number;
}

/** Records read from the spool per read. */
const READ_RECORDS = 2000;
const READ_BYTES = 8 << 20;
/** How often the contiguous prefix is folded into one spool_drained row. */
const FOLD_EVERY_MS = 10_000;
/** Fold row's first_seq: below every real sequence number. */
const FOLD_FIRST = -1;
/**
 * The joiner's clock (see `watermark`). Caught up, a line not yet pushed was received at
 * most this long before now: a listener stamps receivedAt and appends in one turn of the
 * event loop. Behind (a backlog, a replay), at most BEHIND_SLACK_MS before the latest
 * line pushed: the spool is in arrival order.
 */
const SLACK_MS = 50;
const BEHIND_SLACK_MS = 1000;
const MIN_TICK_MS = 20;
/** Units waiting in memory whose times the clock reads at most. */
const SCAN_UNITS = 2000;
/** Wait after a failed read of the spool. */
const READ_RETRY_MS = 1000;

export class Drainer extends EventEmitter {
  private drained: DrainedRanges | null = null;
  /** The next sequence number to hand to the writer. */
  private next = 0;
  /** Durable units not yet handed over, contiguous from memory[0].seq. */
  private readonly memory: (Held | null)[] = [];
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
  private readonly joiner: MultilineJoiner;
  /** Latest first receivedAt of the units pushed into the joiner. */
  private pushedAt = -Infinity;
  private tickTimer: NodeJS.Timeout | null = null;
  /** When the timer's message ends (receivedAt time); Infinity without a timer. */
  private dueAt = Infinity;
  /** No read before this time (ms) after one failed. */
  private retryAt = 0;

  constructor(
    private readonly spool: Spool,
    private readonly writer: Writer,
    private readonly pool: Pool,
    private readonly opts: DrainOptions,
    private readonly log: Logger,
    private readonly telemetry: Telemetry,
  ) {
    super();
    this.joiner = new MultilineJoiner(opts.multiline);
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
    this.memory.push({ seq, unit, bytes, firstAt: firstReceived(unit) });
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

  /** The multi-line joiner's counters (lines held, joined, cut). */
  get multiline(): MultilineJoiner['counters'] {
    return this.joiner.counters;
  }

  /**
   * Stops handing units over; what the writer holds is its business (writer.close). Units
   * the joiner holds stay undrained in the spool: the next start joins them again.
   */
  stop(): void {
    this.stopped = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
  }

  private shiftMemory(): void {
    const h = this.memory[this.memoryHead]!;
    // The slot lets go of its unit now, not at the next splice: 1024 consumed PackedForward
    // units still in the array held a million records (the ingest benchmark's peak RSS).
    this.memory[this.memoryHead++] = null;
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
    // After a failed read, its timer retries; the spool's 'readable' events do not.
    if (Date.now() < this.retryAt) return;
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
      // Behind (a backlog, a replay), the lines pushed tell the time.
      if (this.pushedAt - BEHIND_SLACK_MS >= this.dueAt) this.tick();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'reading the spool failed; retrying in 1 s');
      this.retryAt = Date.now() + READ_RETRY_MS;
      setTimeout(() => {
        this.retryAt = 0;
        void this.pump();
      }, READ_RETRY_MS).unref();
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

  /** The next unit in sequence order: through the joiner to the writer. */
  private handOver(seq: number, unit: WriteUnit): void {
    const at = firstReceived(unit);
    if (at !== Infinity && at > this.pushedAt) this.pushedAt = at;
    for (const g of this.joiner.push(unit, seq)) this.submit(g);
    if (this.tickTimer === null && this.joiner.heldMessages > 0) this.schedule();
  }

  /**
   * A ready group to the writer. One unit keeps its sequence number (recorded in its
   * transaction); several go as one unit, and their numbers are recorded after its commit
   * (group-unit.ts says why that neither loses nor doubles a line).
   */
  private submit(g: ReadyGroup): void {
    const single = g.units.length === 1;
    const unit = single ? g.units[0]! : groupUnit(this.opts.spoolId, g);
    if (single) unit.seq = g.seqs[0]!;
    const n = Math.max(1, unit.records.length);
    this.handed += n;
    this.writer.submit(unit).then(
      () => {
        if (!single) this.recordSeqs(g.seqs);
        this.done(g.seqs, n);
      },
      (e: Error) => {
        if (e instanceof WriterClosedError) {
          this.handed -= n;
          return;
        }
        // PostgreSQL refused the unit's data (writer.ts logged and counted it): it can never
        // be stored, so it must not block the prefix; its records go to refused.ndjson.
        const seq = g.seqs[0]!;
        const kept = this.opts.refused?.keep(seq, unit, e.message) ?? false;
        this.log.error(
          {
            seq,
            units: g.seqs.length,
            records: unit.records.length,
            keptIn: kept ? this.opts.refused!.path : null,
          },
          'PostgreSQL refused a spooled request: not stored',
        );
        this.recordSeqs(g.seqs);
        this.done(g.seqs, n, e);
      },
    );
  }

  /**
   * The joiner's clock: ends the held messages no line still to come can continue, and
   * sets the timer for the next that could end.
   */
  private tick(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.dueAt = Infinity;
    if (this.stopped || this.joiner.heldMessages === 0) return;
    for (const g of this.joiner.flushBefore(this.watermark())) this.submit(g);
    this.schedule();
  }

  private schedule(): void {
    const due = this.joiner.nextDueAt();
    if (due === null || this.stopped) return;
    this.dueAt = due;
    const wait = Math.max(MIN_TICK_MS, due + SLACK_MS - Date.now());
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.tick();
    }, wait);
    this.tickTimer.unref();
  }

  /**
   * A time no line pushed from now on was received before (joiner.ts, flushBefore): the
   * lines to come are the units appended and not yet pushed (waiting for their sync, or
   * for the window), those waiting for spool room, and lines not yet received. While the
   * first are in memory their times are known; past SCAN_UNITS of them (a backlog, a
   * replay after a restart) the spool's arrival order stands in.
   */
  private watermark(): number {
    const pending = this.opts.pendingSince?.() ?? Infinity;
    const toCome = this.spool.stats.nextSeq - this.next;
    let w = Date.now() - SLACK_MS;
    let seen = 0;
    for (let i = this.memory.length - 1; i >= this.memoryHead && seen < SCAN_UNITS; i--) {
      const h = this.memory[i]!;
      if (h.seq < this.next) break;
      w = Math.min(w, h.firstAt);
      seen++;
    }
    if (seen < toCome) w = this.pushedAt - BEHIND_SLACK_MS;
    return Math.min(w, pending);
  }

  /** Sequence numbers with nothing to store: recorded as drained so the prefix moves on. */
  private lost(first: number, last: number, why: string): void {
    this.log.error(
      { first, last, count: last - first + 1, why },
      'spool records lost (corrupt or missing); recorded as drained',
    );
    this.telemetry.dropped.inc({ listener: 'spool', reason: 'corrupt' }, last - first + 1);
    this.record(first, last);
    this.doneRange(first, last, new Error(`spool records ${first}..${last} lost: ${why}`));
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

  /** A group's sequence numbers, recorded as drained after its commit (group-unit.ts). */
  private recordSeqs(seqs: readonly number[]): void {
    for (const [a, b] of toRanges(seqs)) this.record(a, b);
  }

  /** `seqs` (`records` records) are stored, or (with `refusal`) can never be. */
  private done(seqs: readonly number[], records: number, refusal?: Error): void {
    this.handed -= records;
    this.drainedRecords += records;
    for (const [a, b] of toRanges(seqs)) this.doneRange(a, b, refusal, false);
    this.releasePrefix();
    void this.pump();
  }

  /** `first..last` are stored, or (with `refusal`) can never be: their waiters learn which. */
  private doneRange(first: number, last: number, refusal?: Error, release = true): void {
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
    if (!release) return;
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

/** Earliest receivedAt of a unit's records (Infinity for none). */
function firstReceived(unit: WriteUnit): number {
  let at = Infinity;
  for (const r of unit.records) if (r.receivedAt < at) at = r.receivedAt;
  return at;
}

/**
 * Feeds the live-tail hub from PostgreSQL, so every API process sees the records of every
 * collector process, in an order a resume cursor can trust (migration 006 explains why):
 *
 *   writer COMMIT ─► NOTIFY logharbor_commits ─► poll: horizon H + tail_commits rows
 *       with xid in [W, H), xid order ─► their records (from this process's writer
 *       when it wrote them, else read by id range) ─► hub.publish ─► W = H
 *
 * H is the oldest transaction of this database still running (HORIZON below). A batch
 * whose xid is at or above H waits: a transaction older than it may still be
 * running and may still commit smaller ids. Its turn comes with the next NOTIFY (the
 * older batch committing) or, when the holder is not a writer (or aborted, which sends
 * nothing), with a short re-poll while anything waits. LISTEN runs on a connection of its
 * own (a hot standby cannot LISTEN: the feed always uses the primary).
 */
import pg from 'pg';
import { COMMITS_CHANNEL, COMMITS_KEEP_MS, type Committed } from '../../core/tail-commits.js';
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import { countByIds, recordsByIds } from '../search/by-id.js';
import { readOnly } from '../search/read-only.js';
import type { TailHub } from './hub.js';
import { toStoredRecord } from '../../core/stored-record.js';

/** This process's writer, whose committed records need not be read back. */
export interface OwnCommits {
  on(event: 'committed', listener: (batch: Committed[], xid: string) => void): unknown;
  off(event: 'committed', listener: (batch: Committed[], xid: string) => void): unknown;
}

export interface FeedOptions {
  /** The primary's URL, for the LISTEN connection. */
  url: string;
  /** The primary: polls and record reads. */
  pool: Pool;
  hub: TailHub;
  log: Logger;
  own?: OwnCommits;
  /** Polls this often even without a NOTIFY (insurance; the NOTIFY is what makes it fast). */
  pollMs?: number;
  /** Re-poll delay while a committed batch waits behind an older transaction. */
  waitMs?: number;
  /** Most commits, and (after the first) most records, taken in one poll. */
  maxCommits?: number;
  maxRecords?: number;
}

interface CommitRow {
  xmin: string;
  xid: string | null;
  first_id: string;
  last_id: string;
  min_ts: Date;
  max_ts: Date;
  rows: number;
}

// The feed's horizon: the oldest transaction of this database that the statement's
// snapshot sees running, else the snapshot's xmax (PostgreSQL 9.27 "System Information
// Functions"). pg_snapshot_xmin alone is the oldest of the whole server: a long write in
// another database (a server shared with other applications, or with other test files)
// would hold the tail back though it cannot write tail_commits here. A running xid is set
// aside only when pg_stat_activity names it in another database; one it does not show
// (ended since the snapshot, prepared, or hidden from a role without pg_read_all_stats)
// counts as ours, which can only make the tail wait longer. backend_xid is the 32-bit xid;
// a running xid8 lies within 2^31 of now, so its low 32 bits name it.
const HORIZON = `
  WITH s AS (SELECT pg_current_snapshot() AS snap),
  elsewhere AS (
    SELECT backend_xid::text AS xid FROM pg_stat_activity
     WHERE backend_xid IS NOT NULL
       AND datid <> (SELECT oid FROM pg_database WHERE datname = current_database()))
  SELECT coalesce(
           (SELECT min(x) FROM pg_snapshot_xip(s.snap) x
             WHERE (x::text::numeric % 4294967296)::text NOT IN (SELECT xid FROM elsewhere)),
           pg_snapshot_xmax(s.snap)) AS xmin
    FROM s`;

const POLL_SQL = `
  SELECT h.xmin::text AS xmin, c.xid::text AS xid, c.first_id::text AS first_id,
         c.last_id::text AS last_id, c.min_ts, c.max_ts, c.rows
    FROM (${HORIZON}) h
    LEFT JOIN LATERAL (
      SELECT * FROM tail_commits WHERE xid >= $1::xid8 AND xid < h.xmin ORDER BY xid LIMIT $2::int
    ) c ON true`;

// One snapshot: W0 = the horizon, and the greatest id of the batches below it (the newest
// of them is never pruned: see the writer's pruneCommits). `logged` says a batch was ever
// logged; `blocks` covers a store without any tail_commits row yet (legacy blocks or packs).
const INIT_SQL = `
  SELECT h.xmin::text AS xmin,
         (SELECT max(last_id) FROM tail_commits WHERE xid < h.xmin)::text AS below,
         EXISTS (SELECT 1 FROM tail_commits) AS logged,
         greatest((SELECT max(max_id) FROM log_blocks),
                  (SELECT max(max_id) FROM log_packs))::text AS blocks
    FROM (${HORIZON}) h`;

/** Records of this process's recent batches kept for the feed, at most. */
const OWN_MAX_RECORDS = 50_000;
const INIT_WAIT_MS = 5000;
/** Held back this long by one old transaction, the feed says which one. */
const HELD_WARN_MS = 10_000;

// The transaction at the horizon, as pg_stat_activity shows it.
const HOLDER_SQL = `
  SELECT pid, datname, application_name, state, now() - xact_start AS open_for
    FROM pg_stat_activity
   WHERE backend_xid::text = (SELECT (xmin::text::numeric % 4294967296)::text FROM (${HORIZON}) h)`;

export class CommitFeed {
  private readonly pollMs: number;
  private readonly waitMs: number;
  private readonly maxCommits: number;
  private readonly maxRecords: number;
  /** The xid every commit below has been dealt with. */
  private w = '0';
  private lastOk = Date.now();
  private listener: pg.Client | null = null;
  private polling = false;
  private again = false;
  private closed = false;
  /** Polls wait for `init`: before it, W is not known. */
  private ready = false;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelay = 250;
  private readonly own = new Map<string, Committed[]>();

  private takeOwn(xid: string): Committed[] | undefined {
    const b = this.own.get(xid);
    if (b) {
      this.own.delete(xid);
      this.ownRecords -= b.length;
    }
    return b;
  }
  /** Since when committed batches have waited behind an older open transaction. */
  private heldSince: number | null = null;
  private heldCount = 0;
  private heldWarned = false;
  private ownRecords = 0;
  private readonly onOwn = (batch: Committed[], xid: string) => {
    this.own.set(xid, batch);
    this.ownRecords += batch.length;
    // Bounded (the feed may be held back): the oldest are read back from PostgreSQL instead.
    while (this.ownRecords > OWN_MAX_RECORDS) this.takeOwn(this.own.keys().next().value!);
  };

  constructor(private readonly o: FeedOptions) {
    this.pollMs = o.pollMs ?? 2000;
    this.waitMs = o.waitMs ?? 50;
    this.maxCommits = o.maxCommits ?? 512;
    this.maxRecords = o.maxRecords ?? 20_000;
  }

  /**
   * How many polls in a row found committed batches waiting behind an older open
   * transaction. Each poll publishes before it ends, so once this reaches 2 a poll that
   * began after such a commit has run to its end: what a test waits for before checking
   * that nothing came out early.
   */
  get heldPolls(): number {
    return this.heldCount;
  }

  /** LISTENs and finds where to start; the hub has its watermark when this resolves. */
  async start(): Promise<void> {
    this.o.own?.on('committed', this.onOwn);
    await this.listen();
    await this.init();
    this.ready = true;
    this.poll();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.o.own?.off('committed', this.onOwn);
    this.own.clear();
    this.ownRecords = 0;
    if (this.timer) clearTimeout(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.o.url,
      application_name: 'logharbor-tail',
    });
    client.on('notification', () => this.poll());
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, null));
    await client.connect();
    await client.query(`LISTEN ${COMMITS_CHANNEL}`);
    this.listener = client;
    this.reconnectDelay = 250;
  }

  private lost(client: pg.Client, e: Error | null): void {
    if (this.closed || this.listener !== client) return;
    this.listener = null;
    this.o.log.warn({ err: e?.message }, 'live tail lost its LISTEN connection; reconnecting');
    client.end().catch(() => undefined);
    const retry = () => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.listen().then(
        () => this.poll(),
        () => {
          this.reconnectDelay = Math.min(this.reconnectDelay * 2, 10_000);
          this.reconnectTimer = setTimeout(retry, this.reconnectDelay);
        },
      );
    };
    this.reconnectTimer = setTimeout(retry, this.reconnectDelay);
  }

  /** Sets W and the hub's watermark from one snapshot (waiting out a long transaction). */
  private async init(): Promise<void> {
    const until = Date.now() + INIT_WAIT_MS;
    for (;;) {
      const r = await this.o.pool.query<{
        xmin: string;
        below: string | null;
        logged: boolean;
        blocks: string | null;
      }>(INIT_SQL);
      const row = r.rows[0]!;
      // No row below the horizon while rows exist: a transaction older than every logged batch
      // is still open; wait for it, as it may be a batch with smaller ids.
      if (row.below !== null || !row.logged || Date.now() > until) {
        if (row.below === null && row.logged) {
          this.o.log.warn('live tail started while an old transaction was open');
        }
        this.w = row.xmin;
        this.o.hub.startAt(Number(row.below ?? row.blocks ?? 0));
        this.lastOk = Date.now();
        return;
      }
      await new Promise((res) => setTimeout(res, this.waitMs));
    }
  }

  private arm(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), ms);
  }

  /** Runs polls until nothing is left; a call while one runs makes it go round again. */
  poll(): void {
    if (this.closed || !this.ready) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    void (async () => {
      let next = this.pollMs;
      try {
        do {
          this.again = false;
          if (Date.now() - this.lastOk > COMMITS_KEEP_MS / 2) await this.resync();
          const waiting = await this.pollOnce();
          this.lastOk = Date.now();
          if (waiting) next = this.waitMs;
          await this.noteHeld(waiting);
        } while (this.again && !this.closed);
      } catch (e) {
        this.o.log.warn({ err: (e as Error).message }, 'live tail poll failed; retrying');
        next = Math.min(this.pollMs, 1000);
      } finally {
        this.polling = false;
        this.arm(next);
      }
    })();
  }

  /** One poll; true when committed batches wait behind an older open transaction. */
  private async pollOnce(): Promise<boolean> {
    const r = await this.o.pool.query<CommitRow>(POLL_SQL, [this.w, this.maxCommits]);
    const rows = r.rows.filter((c) => c.xid !== null);
    const xmin = r.rows[0]!.xmin;
    let taken = 0;
    let records = 0;
    while (taken < rows.length && (taken === 0 || records + rows[taken]!.rows <= this.maxRecords)) {
      records += rows[taken]!.rows;
      taken++;
    }
    const all = taken === rows.length && rows.length < this.maxCommits;
    if (taken > 0) await this.deliver(rows.slice(0, taken), records);
    if (all) {
      this.w = xmin;
    } else {
      this.w = (BigInt(rows[taken - 1]!.xid!) + 1n).toString();
      this.again = true;
    }
    // Whether anything committed at or above the horizon: checked cheaply by the next poll.
    return !all || (await this.anyWaiting());
  }

  /**
   * A transaction left open (an idle psql session in BEGIN, a stuck batch) holds every
   * later commit back from the tail: say which one, once per episode. PostgreSQL's
   * idle_in_transaction_session_timeout bounds the idle kind.
   */
  private async noteHeld(waiting: boolean): Promise<void> {
    if (!waiting) {
      this.heldSince = null;
      this.heldCount = 0;
      this.heldWarned = false;
      return;
    }
    this.heldCount++;
    this.heldSince ??= Date.now();
    if (this.heldWarned || Date.now() - this.heldSince < HELD_WARN_MS) return;
    this.heldWarned = true;
    const r = await this.o.pool.query(HOLDER_SQL);
    this.o.log.warn(
      { heldMs: Date.now() - this.heldSince, holder: r.rows[0] ?? null },
      'live tail held back by an old open transaction',
    );
  }

  private async anyWaiting(): Promise<boolean> {
    const r = await this.o.pool.query<{ n: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM tail_commits WHERE xid >= $1::xid8) AS n',
      [this.w],
    );
    return r.rows[0]!.n;
  }

  private async deliver(commits: CommitRow[], records: number): Promise<void> {
    const hub = this.o.hub;
    const lastId = Number(commits[commits.length - 1]!.last_id);
    const mine = commits.map((c) => this.takeOwn(c.xid!));
    if (!hub.wants(records)) {
      hub.skip(records, lastId);
      return;
    }
    if (mine.every((m) => m !== undefined)) {
      for (const m of mine) hub.publish(m!.map((c) => toStoredRecord(c.id, c.record)));
      return;
    }
    let minTs = commits[0]!.min_ts;
    let maxTs = commits[0]!.max_ts;
    for (const c of commits) {
      if (c.min_ts < minTs) minTs = c.min_ts;
      if (c.max_ts > maxTs) maxTs = c.max_ts;
    }
    // Other processes' records: legacy rows or the packs of their batches (level 0, or
    // merged since into larger packs), read in one snapshot.
    const range = {
      after: String(hub.watermark),
      upTo: String(lastId),
      fromTs: minTs,
      toTs: maxTs,
    };
    const read = await readOnly(this.o.pool, 'REPEATABLE READ', null, (db) =>
      recordsByIds(db, range),
    );
    if (read.length > 0) hub.publish(read);
    hub.skip(0, lastId);
  }

  /**
   * The feed could not poll for longer than tail_commits rows are sure to be kept: some
   * batches may be gone from it. Start again from now and tell clients how many records
   * went by (counted up to a bound).
   */
  private async resync(): Promise<void> {
    const before = this.o.hub.watermark;
    await this.init();
    const after = this.o.hub.watermark;
    if (after <= before) return;
    const missed = await readOnly(this.o.pool, 'REPEATABLE READ', null, (db) =>
      countByIds(db, String(before), String(after), 1_000_000),
    );
    this.o.log.warn({ missed }, 'live tail was away too long; resuming from now');
    this.o.hub.startAt(before);
    this.o.hub.skip(missed, after);
  }
}

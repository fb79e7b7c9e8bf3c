/**
 * The leader's work (leader.ts elects it): the enabled alerts' rules (rule-set.ts) fed
 * from the live tail's hub, a clock and the containers' last lines; what they decide
 * written in one statement with their state and the cursor (store.ts, CHECKPOINT_SQL).
 *
 *   hub ──every committed record, ids ascending──► RuleSet ◄── tick (clock) ◄── containers.last_seen
 *    ▲  (subscribed with the empty query)            │ notices, states, cursor
 *    │                                               ▼
 *   logs ──replay (cursor, watermark]──►         checkpoint on the lock's connection ─► kick deliverer
 *
 * The cursor says every record up to it was evaluated. A new leader (this process after
 * a restart, or another) replays from the previous leader's cursor to the hub's
 * watermark, as a tail client resumes with `after=`: nothing committed while no one led
 * is skipped, and its restored episodes are neither fired again nor left unresolved. The
 * same replay fills a gap when the hub skipped records (its queue was full). Replays are
 * bounded (`replayMax` records, the newest kept).
 *
 * The "no line from a container" rule reads `containers.last_seen` (migration 002, kept by
 * every collector's writer in its batch transaction, with each record's received_at): it
 * is in PostgreSQL, so it survives restarts and sees every collector; a record on the live
 * stream moves it sooner. Nothing here awaits a webhook: delivery.ts has its own queue.
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { StoredRecord } from '../../core/record.js';
import type { Telemetry } from '../../core/telemetry.js';
import { parseQuery } from '../query/index.js';
import { recordsByIds } from '../search/by-id.js';
import { readOnly } from '../search/read-only.js';
import type { TailEntry, TailHub, TailSubscriber } from '../tail/hub.js';
import type { LogharborError } from '../../core/errors.js';
import type { Leadership } from './leader.js';
import { RuleSet } from './rule-set.js';
import {
  ALERTS_CHANNEL,
  CHECKPOINT_SQL,
  checkpointParams,
  loadAlerts,
  loadCursor,
  loadStates,
  pruneNotifications,
} from './store.js';

export interface EvaluatorOptions {
  /** Reads: records to replay, alerts, containers' last lines, pruning. */
  pool: Pool;
  hub: TailHub;
  log: Logger;
  telemetry?: Telemetry;
  /** New notifications were queued (the local deliverer looks at once). */
  kick?: () => void;
  /** The rules' clock. */
  now?: () => number;
  /** How long notifications are kept (LOGHARBOR_RETENTION). */
  keepMs: number;
  tickMs?: number;
  checkpointMs?: number;
  absencePollMs?: number;
  /** Reload the alerts this often even without a NOTIFY (insurance). */
  reloadMs?: number;
  replayMax?: number;
}

const REPLAY_PAGE = 5000;
/** Live records held while a replay runs; past it, they are dropped and read back too. */
const BUFFER_MAX = 50_000;
const PRUNE_MS = 3_600_000;
/** A checkpoint failing for an alert deleted meanwhile (a foreign key) is tried again. */
const FK_RETRIES = 3;

export const EVALUATOR_NAME = `${hostname()}:${process.pid}`;

/** Starts leading on `client` (it holds the lock): what leader.ts's `elect` does. */
export async function lead(
  client: pg.Client,
  resign: (why: string) => void,
  o: EvaluatorOptions,
): Promise<Leadership> {
  const s = new Session(client, resign, o);
  await s.begin();
  return s;
}

class Session implements TailSubscriber, Leadership {
  private readonly rules: RuleSet;
  private readonly now: () => number;
  private cursor: number | null = null;
  private savedCursor: number | null | undefined = undefined;
  private unsubscribe: (() => void) | null = null;
  private gap = false;
  private replaying = false;
  private buffer: TailEntry[] = [];
  private writing: Promise<void> | null = null;
  private writeAgain = false;
  private reloading = false;
  private reloadAgain = false;
  private stopped = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly errorLogged = new Map<string, number>();
  private readonly onNotify = () => void this.reload();

  constructor(
    private readonly client: pg.Client,
    private readonly resign: (why: string) => void,
    private readonly o: EvaluatorOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.rules = new RuleSet(this.now, (id, e) => this.queryFailed(id, e));
  }

  async begin(): Promise<void> {
    this.client.on('notification', this.onNotify);
    await this.client.query(`LISTEN ${ALERTS_CHANNEL}`);
    const { cursor } = await loadCursor(this.client);
    const states = await loadStates(this.client);
    this.rules.set(await loadAlerts(this.client), states);
    // savedCursor stays undefined: the first checkpoint always goes out, naming this leader.
    this.cursor = cursor;
    this.follow();
    await this.pollContainers();
    const every = (ms: number, f: () => void) => this.timers.push(setInterval(f, ms));
    every(this.o.tickMs ?? 250, () => this.tick());
    every(this.o.checkpointMs ?? 1000, () => this.flush());
    every(this.o.absencePollMs ?? 1000, () => void this.pollContainers());
    every(this.o.reloadMs ?? 10_000, () => void this.reload());
    every(PRUNE_MS, () => void this.prune());
    this.flush();
  }

  /** Follows the stream while any alert is enabled, from the cursor when there is one. */
  private follow(): void {
    if (this.rules.size > 0 && this.unsubscribe === null) {
      this.unsubscribe = this.o.hub.subscribe(parseQuery(''), this);
      const w = this.o.hub.watermark;
      if (!Number.isFinite(w)) return;
      if (this.cursor === null || this.cursor >= w) this.cursor = Math.max(this.cursor ?? w, w);
      else this.startReplay();
    } else if (this.rules.size === 0 && this.unsubscribe !== null) {
      this.unsubscribe();
      this.unsubscribe = null;
      this.cursor = null;
      this.buffer = [];
      this.gap = false;
    }
  }

  deliver(entries: TailEntry[]): void {
    if (this.stopped) return;
    if (this.replaying) {
      if (this.buffer.length + entries.length > BUFFER_MAX) {
        this.buffer = [];
        this.gap = true;
      } else this.buffer.push(...entries);
      return;
    }
    if (this.gap) {
      this.buffer = [...entries];
      this.startReplay();
      return;
    }
    this.process(entries.map((e) => e.record));
  }

  /** The hub's queue was full: `n` records went by; they are read back from PostgreSQL. */
  missed(): void {
    if (!this.stopped) this.startReplay();
  }

  failed(err: LogharborError): void {
    this.unsubscribe = null;
    this.resign(`the stream failed: ${err.message}`);
  }

  private process(records: readonly StoredRecord[]): void {
    const c = this.cursor;
    const fresh = c === null ? records : records.filter((r) => Number(r.id) > c);
    if (fresh.length === 0) return;
    this.rules.records(fresh);
    this.cursor = Number(fresh[fresh.length - 1]!.id);
    if (this.rules.hasNotices) this.flush();
  }

  private startReplay(): void {
    this.gap = true;
    if (this.replaying) return;
    this.replaying = true;
    void this.replayLoop()
      .catch((e: unknown) => this.resign(`replay failed: ${(e as Error).message}`))
      .finally(() => (this.replaying = false));
  }

  private async replayLoop(): Promise<void> {
    while (this.gap && !this.stopped) {
      this.gap = false;
      const first = this.buffer[0];
      const upTo = first ? first.id - 1 : this.o.hub.watermark;
      if (this.cursor !== null && Number.isFinite(upTo) && this.cursor < upTo) {
        const started = Date.now();
        const from = this.cursor;
        await this.replay(from, upTo);
        this.o.log.info({ from, to: upTo, ms: Date.now() - started }, 'alerts: records read back');
      }
      const held = this.buffer;
      this.buffer = [];
      if (!this.stopped) this.process(held.map((e) => e.record));
    }
  }

  /**
   * Evaluates the records with `from` < id ≤ `to` read back from PostgreSQL, at most
   * `replayMax`, the newest: through the read path every search uses (packs and the rows
   * of before packs, api/search/by-id.ts), in pages of REPLAY_PAGE ids, each page in one
   * snapshot; the rules match them with the predicate the live stream uses.
   */
  private async replay(from: number, to: number): Promise<void> {
    const max = this.o.replayMax ?? 100_000;
    let after = from;
    if (to - from > max) {
      // Ids are dense (one sequence, few gaps): the newest `max` of them.
      after = to - max;
      this.o.log.warn(
        { from, to, evaluatedFrom: after },
        'alerts: too many records to replay; the oldest were skipped',
      );
    }
    while (after < to) {
      const upTo = Math.min(to, after + REPLAY_PAGE);
      const range = { after: String(after), upTo: String(upTo) };
      const rows = await readOnly(this.o.pool, 'REPEATABLE READ', null, (db) =>
        recordsByIds(db, range),
      );
      if (this.stopped) return;
      this.cursor = Math.max(this.cursor ?? after, after);
      this.process(rows);
      after = upTo;
    }
    this.cursor = Math.max(this.cursor ?? to, to);
  }

  private tick(): void {
    // While records are being read back the rules' picture is incomplete: a window would
    // look emptier than it is (and resolve an episode that goes on).
    if (this.stopped || this.replaying) return;
    this.rules.tick();
    if (this.rules.hasNotices) this.flush();
  }

  /** Reads the last line of each container an absence rule watches. */
  private async pollContainers(): Promise<void> {
    const names = this.rules.containers();
    if (names.length === 0 || this.stopped) return;
    try {
      const r = await this.o.pool.query<{ name: string; ms: number }>(
        `SELECT container_name AS name, (extract(epoch FROM last_seen) * 1000)::float8 AS ms
           FROM containers WHERE container_name = ANY($1::text[])`,
        [names],
      );
      if (this.stopped) return;
      for (const row of r.rows) this.rules.seen(row.name, row.ms);
      this.rules.prime();
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'alerts: could not read containers');
    }
  }

  private async reload(): Promise<void> {
    if (this.stopped) return;
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = true;
    try {
      do {
        this.reloadAgain = false;
        const alerts = await loadAlerts(this.o.pool);
        if (this.stopped) return;
        const before = this.rules.containers().join('\n');
        this.rules.set(alerts);
        this.follow();
        if (this.rules.containers().join('\n') !== before) await this.pollContainers();
      } while (this.reloadAgain && !this.stopped);
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'alerts: could not reload');
    } finally {
      this.reloading = false;
    }
  }

  /**
   * Writes what was decided, the changed states and the cursor, on the lock's connection
   * (leader.ts: fencing). A failure gives the lock up: the next leader starts from the
   * last checkpoint, and the decisions not written are made again from the replay.
   */
  private flush(): void {
    if (this.stopped) return;
    if (this.writing) {
      this.writeAgain = true;
      return;
    }
    this.writing = this.write()
      .catch((e: unknown) => this.resign(`checkpoint failed: ${(e as Error).message}`))
      .finally(() => {
        this.writing = null;
      });
  }

  private async write(): Promise<void> {
    do {
      this.writeAgain = false;
      const notices = this.rules.take();
      const states = this.rules.snapshots();
      const cursor = this.cursor;
      if (notices.length === 0 && states.length === 0 && cursor === this.savedCursor) continue;
      const params = checkpointParams(notices, states, cursor, EVALUATOR_NAME);
      let r: pg.QueryResult<{ id: string; kind: string; deliveries: number }>;
      for (let attempt = 1; ; attempt++) {
        try {
          r = await this.client.query(CHECKPOINT_SQL, params);
          break;
        } catch (e) {
          // An alert deleted between our read and this write: the joins leave it out next time.
          if ((e as { code?: string }).code !== '23503' || attempt >= FK_RETRIES) throw e;
        }
      }
      this.savedCursor = cursor;
      for (const n of r.rows) this.o.telemetry?.alertNotifications.inc({ kind: n.kind });
      if (r.rows.some((n) => n.deliveries > 0)) this.o.kick?.();
    } while (this.writeAgain && !this.stopped);
  }

  private async prune(): Promise<void> {
    try {
      await pruneNotifications(this.o.pool, this.o.keepMs);
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'alerts: could not prune notifications');
    }
  }

  private queryFailed(id: string, e: unknown): void {
    const now = Date.now();
    if ((this.errorLogged.get(id) ?? 0) > now - 60_000) return;
    this.errorLogged.set(id, now);
    this.o.log.warn({ alert: id, err: (e as Error).message }, 'alert query failed on a record');
  }

  async stop(final: boolean): Promise<void> {
    if (final && !this.stopped) {
      // A last checkpoint, so the next leader starts where this one stopped.
      await this.writing;
      await this.write().catch(() => undefined);
    }
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.client.off('notification', this.onNotify);
  }
}

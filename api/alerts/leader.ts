/**
 * One alert evaluator among all the API processes: the one whose connection holds a
 * session advisory lock. Why one, rather than every process evaluating and PostgreSQL
 * settling who sends (a firings table with a unique key and ON CONFLICT):
 *
 *   - Every process would have to agree on each key from what it saw, yet processes start
 *     at different times, and an episode or a group depends on history: a process that
 *     started mid-window counts fewer matches and would decide a different episode.
 *   - Every process would run every alert's predicate on every record, and every one
 *     would read every committed record back (the commit feed reads only what a
 *     subscriber wants): N times the work for one answer.
 *
 * So the lock elects one; the others retry every `retryMs` (failover: PostgreSQL frees
 * the lock the moment the holder's session ends, whether it exited, crashed or lost its
 * connection). The state that must outlive a leader lives in PostgreSQL (the checkpoint,
 * store.ts), so the next one carries episodes on.
 *
 * Fencing: the leader writes its decisions only on the very connection that holds the
 * lock. A leader that lost its session cannot write anything any more, even if it has not
 * noticed yet; while its session lives, no one else holds the lock. And a decision's key
 * is unique (`UNIQUE (alert_id, key)`, ON CONFLICT DO NOTHING), so even a replayed one is
 * stored once.
 *
 *   standby ──pg_try_advisory_lock every retryMs──► leader ── connection lost / resign
 *      ▲                                                              │
 *      └───────────── reconnect (the session's end freed the lock) ◄──┘
 */
import pg from 'pg';
import type { Logger } from '../../core/log.js';
import type { Telemetry } from '../../core/telemetry.js';

/** The advisory lock of the alert evaluator (apart from migrations' and logharbor_take_ids'). */
export const EVALUATOR_LOCK = 7165040342;

/** The work a leader does; stopped when the lock is lost, or at close (`final`). */
export interface Leadership {
  stop(final: boolean): Promise<void>;
}

/** Starts leading on `client` (which holds the lock); `resign` gives the lock up. */
export type Elect = (client: pg.Client, resign: (why: string) => void) => Promise<Leadership>;

export interface ElectionOptions {
  url: string;
  log: Logger;
  telemetry?: Telemetry;
  elect: Elect;
  /** A standby tries for the lock this often (and reconnects this long after a loss). */
  retryMs?: number;
}

export class Election {
  private readonly retryMs: number;
  private client: pg.Client | null = null;
  private session: Leadership | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private failures = 0;

  constructor(private readonly o: ElectionOptions) {
    this.retryMs = o.retryMs ?? 1000;
  }

  /** Whether this process evaluates the alerts now. */
  get leading(): boolean {
    return this.session !== null;
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), ms);
  }

  private async connect(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString: this.o.url,
      application_name: 'logharbor-alerts',
      // A half-open connection (a network cut) is found out, and the lock freed, by
      // TCP keepalive rather than held until the kernel gives up on it.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    c.on('error', (e) => this.lost(c, e.message));
    c.on('end', () => this.lost(c, 'connection closed'));
    await c.connect();
    return c;
  }

  private async attempt(): Promise<void> {
    this.timer = null;
    if (this.closed || this.session) return;
    try {
      this.client ??= await this.connect();
      const c = this.client;
      if (this.closed) return void (await c.end());
      const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        EVALUATOR_LOCK,
      ]);
      this.failures = 0;
      if (!r.rows[0]!.ok) return this.schedule(this.retryMs);
      const session = await this.o.elect(c, (why) => this.resign(c, why));
      if (this.client !== c || this.closed) {
        // Lost (or closing) while it started.
        await session.stop(false);
        return;
      }
      this.session = session;
      this.o.telemetry?.alertEvaluator.set(1);
      this.o.log.info('this process now evaluates the alerts');
    } catch (e) {
      this.failures++;
      if (this.failures === 1 || this.failures % 30 === 0)
        this.o.log.warn({ err: (e as Error).message }, 'alert evaluator: could not take part');
      const c = this.client;
      if (c) this.lost(c, (e as Error).message);
      else this.schedule(Math.min(this.retryMs * 2 ** Math.min(this.failures, 4), 15_000));
    }
  }

  /** The connection is gone (or given up): stop leading, try again later. */
  private lost(c: pg.Client, why: string): void {
    if (this.client !== c) return;
    this.client = null;
    const s = this.session;
    this.session = null;
    if (s) {
      this.o.telemetry?.alertEvaluator.set(0);
      if (!this.closed) this.o.log.warn({ why }, 'alert evaluator lost its lock; standing by');
      void s.stop(false);
    }
    c.end().catch(() => undefined);
    this.schedule(this.retryMs);
  }

  private resign(c: pg.Client, why: string): void {
    this.lost(c, why);
  }

  /** Stops leading (with a last checkpoint) and frees the lock for another process. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.session;
    this.session = null;
    const c = this.client;
    this.client = null;
    if (s) {
      await s.stop(true);
      this.o.telemetry?.alertEvaluator.set(0);
    }
    await c?.end().catch(() => undefined);
  }
}

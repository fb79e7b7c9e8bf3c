/**
 * Webhook delivery: its own queue, in PostgreSQL (alert_deliveries), worked by every API
 * process, apart from everything else:
 *
 *   evaluator ──rows──► alert_deliveries ◄──claim (FOR UPDATE SKIP LOCKED, a lease)── Deliverer
 *                                                                     │ POST, timeout
 *                                      delivered / failed: next_at = now + backoff ◄──┘
 *
 * - Nothing waits for a webhook: the evaluator only writes rows and kicks the local
 *   deliverer; ingest and the tail never see this module. A slow receiver holds at most
 *   `maxInFlight` requests of one process for at most `timeoutMs` each.
 * - Retried with exponential backoff (1 s doubling to 5 min) until delivered or
 *   `retryForMs` after the notification (then `failed`). Each attempt's status and error
 *   stay on the row, for the API and the page.
 * - A "resolved" never overtakes what came before it: it is claimed only when no older
 *   notification of the same alert is pending for that URL (so while a receiver is down,
 *   an episode's firing and resolved reach it in that order). Other notifications go as
 *   soon as they are due, side by side: one slow answer does not hold the next back.
 * - A lease (timeout + a margin) hands a row back when the process that claimed it died.
 *   Delivery is at least once: a process dying between the receiver's answer and the
 *   row's update sends again; the JSON body's `notification_id` (and the
 *   `X-Logharbor-Notification` header) lets a receiver drop the repeat.
 */
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { Telemetry } from '../../core/telemetry.js';
import type { WebhookFormat } from '../../core/alerts/wire.js';
import { webhookBody, type AlertPayload } from './payload.js';

export interface DelivererOptions {
  pool: Pool;
  log: Logger;
  telemetry?: Telemetry;
  /** One request's limit (LOGHARBOR_ALERT_WEBHOOK_TIMEOUT). */
  timeoutMs: number;
  /** Retry for this long after the notification, then give up (LOGHARBOR_ALERT_RETRY_FOR). */
  retryForMs: number;
  maxInFlight?: number;
  /** Looks for due rows this often without a kick (retries, other processes' rows). */
  pollMs?: number;
  /** First retry delay, doubled per attempt up to `backoffMaxMs`. */
  backoffMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
}

interface Claimed {
  notification_id: string;
  hook: number;
  url: string;
  format: WebhookFormat;
  attempts: number;
  payload: AlertPayload;
}

const LEASE_MARGIN_MS = 5000;
/** Most of an error message kept per attempt. */
const MAX_ERROR = 300;

const CLAIM_SQL = `
UPDATE alert_deliveries d
   SET leased_until = now() + $2::float8 * interval '1 millisecond',
       attempts = d.attempts + 1, last_attempt_at = now()
  FROM (SELECT x.notification_id, x.hook FROM alert_deliveries x
          JOIN alert_notifications xn ON xn.id = x.notification_id
         WHERE x.state = 'pending' AND x.next_at <= now()
           AND (x.leased_until IS NULL OR x.leased_until < now())
           AND (xn.kind <> 'resolved' OR NOT EXISTS (
                 SELECT 1 FROM alert_deliveries o
                  WHERE o.alert_id = x.alert_id AND o.url = x.url AND o.state = 'pending'
                    AND o.notification_id < x.notification_id))
         ORDER BY x.next_at, x.notification_id
         LIMIT $1 FOR UPDATE OF x SKIP LOCKED) c,
       alert_notifications n
 WHERE d.notification_id = c.notification_id AND d.hook = c.hook AND n.id = d.notification_id
RETURNING d.notification_id::text AS notification_id, d.hook, d.url, d.format, d.attempts, n.payload`;

const DELIVERED_SQL = `
UPDATE alert_deliveries SET state = 'delivered', delivered_at = now(), leased_until = NULL,
       last_status = $3
 WHERE notification_id = $1 AND hook = $2`;

const FAILED_SQL = `
UPDATE alert_deliveries SET leased_until = NULL, last_status = $3, last_error = $4,
       next_at = now() + $5::float8 * interval '1 millisecond',
       state = CASE WHEN created_at < now() - $6::float8 * interval '1 millisecond'
                    THEN 'failed' ELSE 'pending' END
 WHERE notification_id = $1 AND hook = $2
RETURNING state`;

/** The wait before attempt `attempts + 1`. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}

/** Where a URL points, without its path (a Slack webhook's path is its secret). */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '?';
  }
}

export class Deliverer {
  private readonly maxInFlight: number;
  private readonly pollMs: number;
  private readonly fetch: typeof fetch;
  private inFlight = 0;
  private claiming = false;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly aborts = new Set<AbortController>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly o: DelivererOptions) {
    this.maxInFlight = o.maxInFlight ?? 8;
    this.pollMs = o.pollMs ?? 1000;
    this.fetch = o.fetch ?? ((input, init) => fetch(input, init));
  }

  start(): void {
    this.kick();
  }

  /** Looks for due rows now (new notifications were queued). Never waits. */
  kick(): void {
    if (this.closed) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    void this.claim().finally(() => {
      this.claiming = false;
      if (this.again && !this.closed) {
        this.again = false;
        this.kick();
      } else this.arm();
    });
  }

  private arm(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), this.pollMs);
    this.timer.unref();
  }

  private async claim(): Promise<void> {
    const room = this.maxInFlight - this.inFlight;
    if (room <= 0) return;
    let rows: Claimed[];
    try {
      const r = await this.o.pool.query<Claimed>(CLAIM_SQL, [
        room,
        this.o.timeoutMs + LEASE_MARGIN_MS,
      ]);
      rows = r.rows;
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'alert deliveries: claim failed');
      return;
    }
    for (const row of rows) {
      this.inFlight++;
      const p = this.send(row).finally(() => {
        this.inFlight--;
        this.running.delete(p);
        this.kick();
      });
      this.running.add(p);
    }
  }

  private async send(row: Claimed): Promise<void> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(new Error('timed out')), this.o.timeoutMs);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await this.fetch(row.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'logharbor',
          'x-logharbor-notification': row.notification_id,
          'x-logharbor-attempt': String(row.attempts),
        },
        body: webhookBody(row.format, row.notification_id, row.payload),
        redirect: 'manual',
        signal: abort.signal,
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (e) {
      error = describe(e, abort.signal);
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
    if (this.closed && error !== null) return; // shutting down: the lease hands it back
    await this.record(row, status, error).catch((e: unknown) =>
      this.o.log.warn({ err: (e as Error).message }, 'alert deliveries: could not record'),
    );
  }

  private async record(row: Claimed, status: number | null, error: string | null): Promise<void> {
    const t = this.o.telemetry;
    if (error === null) {
      await this.o.pool.query(DELIVERED_SQL, [row.notification_id, row.hook, status]);
      t?.webhookAttempts.inc({ result: 'delivered' });
      const first = row.payload.samples[0];
      if (row.payload.kind === 'firing' && first)
        t?.alertDelaySeconds.observe((Date.now() - Date.parse(first.received_at)) / 1000);
      return;
    }
    // A kept-alive connection the receiver had just closed fails before any answer: the
    // first such failure is tried again at once, on a new connection.
    const stale = row.attempts === 1 && (error === 'UND_ERR_SOCKET' || error === 'ECONNRESET');
    const wait = stale
      ? 0
      : backoffMs(row.attempts, this.o.backoffMs ?? 1000, this.o.backoffMaxMs ?? 300_000);
    const r = await this.o.pool.query<{ state: string }>(FAILED_SQL, [
      row.notification_id,
      row.hook,
      status,
      error.slice(0, MAX_ERROR),
      wait,
      this.o.retryForMs,
    ]);
    const gaveUp = r.rows[0]?.state === 'failed';
    t?.webhookAttempts.inc({ result: gaveUp ? 'gave_up' : 'failed' });
    this.o.log.warn(
      {
        notification: row.notification_id,
        webhook: urlOrigin(row.url),
        attempt: row.attempts,
        err: error,
        retryInMs: gaveUp ? null : wait,
      },
      gaveUp ? 'alert webhook failed; giving up' : 'alert webhook failed; will retry',
    );
  }

  /** Stops claiming and cuts off requests still running (their leases hand them back). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const a of this.aborts) a.abort(new Error('shutting down'));
    await Promise.allSettled([...this.running]);
  }
}

/** A failed request in a few words: the cause's code (ECONNREFUSED) or the timeout. */
function describe(e: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason = signal.reason as Error | undefined;
    return reason?.message === 'timed out' ? 'timed out' : (reason?.message ?? 'aborted');
  }
  const err = e as { cause?: { code?: string; message?: string }; message?: string };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

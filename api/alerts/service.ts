/**
 * Alerts in one API process: a candidate for evaluator (leader.ts, evaluator.ts) and a
 * webhook deliverer (delivery.ts). server/serve.ts starts one per API process; the
 * routes (api/routes/alerts.ts) kick its deliverer after a test fire.
 */
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { Telemetry } from '../../core/telemetry.js';
import type { TailHub } from '../tail/hub.js';
import { Deliverer, type DelivererOptions } from './delivery.js';
import { lead, type EvaluatorOptions } from './evaluator.js';
import { Election } from './leader.js';

export interface AlertsOptions {
  /** The primary's URL: the evaluator's own connection (the lock, LISTEN, its writes). */
  url: string;
  pool: Pool;
  hub: TailHub;
  log: Logger;
  telemetry?: Telemetry;
  webhookTimeoutMs: number;
  retryForMs: number;
  /** How long notifications are kept. */
  keepMs: number;
  /** A standby tries for the evaluator's lock this often. */
  retryMs?: number;
  /** Overrides for tests and benchmarks (clocks, intervals). */
  evaluator?: Partial<EvaluatorOptions>;
  deliverer?: Partial<DelivererOptions>;
}

export class AlertService {
  readonly deliverer: Deliverer;
  readonly election: Election;

  constructor(o: AlertsOptions) {
    const log = o.log.child({ part: 'alerts' });
    this.deliverer = new Deliverer({
      pool: o.pool,
      log,
      telemetry: o.telemetry,
      timeoutMs: o.webhookTimeoutMs,
      retryForMs: o.retryForMs,
      ...o.deliverer,
    });
    this.election = new Election({
      url: o.url,
      log,
      telemetry: o.telemetry,
      retryMs: o.retryMs,
      elect: (client, resign) =>
        lead(client, resign, {
          pool: o.pool,
          hub: o.hub,
          log,
          telemetry: o.telemetry,
          kick: () => this.deliverer.kick(),
          keepMs: o.keepMs,
          ...o.evaluator,
        }),
    });
  }

  start(): this {
    this.deliverer.start();
    this.election.start();
    return this;
  }

  /** Notifications were queued: look for due deliveries now. */
  kick(): void {
    this.deliverer.kick();
  }

  /** Whether this process evaluates the alerts now. */
  get leading(): boolean {
    return this.election.leading;
  }

  /** A last checkpoint, the lock freed for another process, deliveries cut off. */
  async close(): Promise<void> {
    await this.election.close();
    await this.deliverer.close();
  }
}

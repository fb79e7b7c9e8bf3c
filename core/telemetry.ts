/**
 * One telemetry module (STYLE.md #6): named events of the pipeline feed Prometheus
 * metrics (prom-client) and the per-listener health shown by /api/sources.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CollectorStatus } from './collector-status.js';

export interface ListenerHealth {
  listener: string;
  protocol: string;
  transport: string;
  address: string;
  connections: number;
  received: number;
  errors: number;
  dropped: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

const RATE_SAMPLE_MS = 5000;
const RATE_WINDOW = 13; // 12 intervals: one minute

export class Telemetry {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'logharbor_events_received_total',
    help: 'Events decoded from the wire',
    labelNames: ['listener'],
    registers: [this.registry],
  });
  readonly written = new Counter({
    name: 'logharbor_events_written_total',
    help: 'Events committed to PostgreSQL',
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'logharbor_duplicate_chunks_total',
    help: 'Forward chunks resent by clients and stored once',
    registers: [this.registry],
  });
  readonly decodeErrors = new Counter({
    name: 'logharbor_decode_errors_total',
    help: 'Frames or events that could not be decoded',
    labelNames: ['listener'],
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'logharbor_events_dropped_total',
    help: 'Events dropped (UDP overload, rejected by PostgreSQL, limits)',
    labelNames: ['listener', 'reason'],
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'logharbor_connections',
    help: 'Open connections',
    labelNames: ['listener'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'logharbor_writer_queue_records',
    help: 'Records waiting for commit',
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'logharbor_batch_write_seconds',
    help: 'Time to write and commit one batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly batchRetries = new Counter({
    name: 'logharbor_batch_retries_total',
    help: 'Batches retried after a PostgreSQL error',
    registers: [this.registry],
  });
  readonly ackSeconds = new Histogram({
    name: 'logharbor_ack_latency_seconds',
    help: 'From a request fully received to its ack sent',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly tailClients = new Gauge({
    name: 'logharbor_tail_clients',
    help: 'Open live-tail websockets',
    registers: [this.registry],
  });
  readonly querySeconds = new Histogram({
    name: 'logharbor_query_seconds',
    help: 'Search API query time',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 1, 3, 10],
    registers: [this.registry],
  });
  readonly httpRefused = new Counter({
    name: 'logharbor_http_refused_total',
    help: 'HTTP requests and websocket upgrades refused for their Host, Origin, Sec-Fetch-Site or body type (api/security/)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly alertNotifications = new Counter({
    name: 'logharbor_alert_notifications_total',
    help: 'Alert notifications decided by this process (firing, resolved, test)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({
    name: 'logharbor_alert_webhook_attempts_total',
    help: 'Alert webhook requests by this process: delivered, failed (retried later), gave_up',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly alertDelaySeconds = new Histogram({
    name: 'logharbor_alert_delay_seconds',
    help: "From an alert's first matching line received to its webhook answering 2xx",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly alertEvaluator = new Gauge({
    name: 'logharbor_alert_evaluator',
    help: '1 while this process is the one evaluating alerts (api/alerts/leader.ts)',
    registers: [this.registry],
  });

  /** This process's collector, if any: the spool and the store behind it. */
  private store: (() => CollectorStatus) | null = null;

  /** Gauges read from the collector's status when /metrics is scraped. */
  private readonly storeGauges = (
    [
      ['logharbor_spool_bytes', 'Bytes held in the spool (not yet released)', (s) => s.spool_bytes],
      [
        'logharbor_spool_waiting_requests',
        'Requests in the spool not yet stored in PostgreSQL',
        (s) => s.waiting,
      ],
      [
        'logharbor_spool_oldest_waiting_seconds',
        'Age of the oldest request not yet stored',
        (s) => s.oldest_waiting_s,
      ],
      [
        'logharbor_drain_records_per_second',
        'Records stored in PostgreSQL per second, lately',
        (s) => s.drain_per_s,
      ],
      ['logharbor_spool_full', '1 while the spool refuses appends', (s) => (s.full ? 1 : 0)],
      [
        'logharbor_postgres_unreachable_seconds',
        'How long writes to PostgreSQL have been failing (0 while they succeed)',
        (s) =>
          s.postgres_down_since ? (Date.now() - Date.parse(s.postgres_down_since)) / 1000 : 0,
      ],
    ] as const satisfies readonly (readonly [string, string, (s: CollectorStatus) => number])[]
  ).map(([name, help, read]) => {
    const store = () => this.store;
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const f = store();
        if (f) this.set(read(f()));
      },
    });
  });

  /** Lets /metrics and /api/sources read this process's collector status. */
  watchStore(status: () => CollectorStatus): void {
    this.store = status;
  }

  /** This process's collector status, or null when it runs no collector. */
  storeStatus(): CollectorStatus | null {
    return this.store ? this.store() : null;
  }

  private readonly listeners = new Map<string, ListenerHealth>();
  /** Per listener, `received` sampled every RATE_SAMPLE_MS, newest last. */
  private readonly samples = new Map<string, number[]>();
  private readonly sampler: NodeJS.Timeout;

  constructor(defaultMetrics = false) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'logharbor_' });
    this.sampler = setInterval(() => this.sample(), RATE_SAMPLE_MS);
    this.sampler.unref();
  }

  private sample(): void {
    for (const h of this.listeners.values()) {
      const s = this.samples.get(h.listener) ?? [];
      s.push(h.received);
      if (s.length > RATE_WINDOW) s.shift();
      this.samples.set(h.listener, s);
    }
  }

  /** Events per second over the sampled window (up to a minute). */
  rate(listener: string): number {
    const s = this.samples.get(listener);
    if (!s || s.length < 2) return 0;
    return Math.round(((s[s.length - 1]! - s[0]!) * 1000) / ((s.length - 1) * RATE_SAMPLE_MS));
  }

  addListener(
    listener: string,
    protocol: string,
    transport: string,
    address: string,
  ): ListenerHealth {
    const h: ListenerHealth = {
      listener,
      protocol,
      transport,
      address,
      connections: 0,
      received: 0,
      errors: 0,
      dropped: 0,
      lastError: null,
      lastErrorAt: null,
    };
    this.listeners.set(listener, h);
    return h;
  }

  listenerHealth(): ListenerHealth[] {
    return [...this.listeners.values()];
  }

  onConnection(h: ListenerHealth, delta: 1 | -1): void {
    h.connections += delta;
    this.connections.inc({ listener: h.listener }, delta);
  }

  onReceived(h: ListenerHealth, n: number): void {
    h.received += n;
    this.received.inc({ listener: h.listener }, n);
  }

  onError(h: ListenerHealth, message: string): void {
    h.errors++;
    h.lastError = message;
    h.lastErrorAt = new Date().toISOString();
    this.decodeErrors.inc({ listener: h.listener });
  }

  onDropped(h: ListenerHealth, n: number, reason: string): void {
    h.dropped += n;
    this.dropped.inc({ listener: h.listener, reason }, n);
  }
}

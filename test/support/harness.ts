/**
 * A real logharbor (collector + API, in this process) on a fresh migrated database,
 * every listener on a free port. Tests talk to it over real sockets and read the rows
 * back from PostgreSQL.
 */
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../../api/app.js';
import { TAIL_LIMITS, type TailLimits } from '../../api/tail/limits.js';
import { CommitFeed } from '../../api/tail/commit-feed.js';
import { TailHub } from '../../api/tail/hub.js';
import { startCollector, type Collector } from '../../collector/collector.js';
import { loadConfig, type Config } from '../../core/config.js';
import { migrate } from '../../core/db/migrate.js';
import { createPool } from '../../core/db/pool.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { Telemetry } from '../../core/telemetry.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { storedRows } from '../../dev/stored-rows.js';

export interface Harness {
  cfg: Config;
  db: TestDatabase;
  pool: pg.Pool;
  collector: Collector;
  /** The API app now serving (a new instance after `startApi`). */
  readonly app: FastifyInstance;
  /** The live-tail hub, fed from PostgreSQL (api/tail/commit-feed.ts). */
  hub: TailHub;
  /** The API listening on a real port, e.g. `http://127.0.0.1:41234`. */
  httpUrl: string;
  telemetry: Telemetry;
  forwardPort: number;
  /** The bound port of a listener by name (forward-tcp, forward-tls, syslog-udp, syslog-tcp, syslog-tls). */
  port(listener: string): number;
  /** Rows of `logs` in arrival order, once the spool has drained what the listeners took. */
  rows(where?: string): Promise<Record<string, unknown>[]>;
  /**
   * Closes the API alone (its tail websockets get 1001), as a restarting server would;
   * the collector keeps storing and publishing to the hub meanwhile.
   */
  stopApi(): Promise<void>;
  /** A new API app on the same pool, hub and HTTP port (after `stopApi`). */
  startApi(): Promise<void>;
  /** Waits until `count` rows exist (bounded), then returns them. */
  waitForRows(
    count: number,
    where?: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>[]>;
  /**
   * Waits until everything the listeners took is stored in PostgreSQL (acks follow the
   * spool write, so an acked request may still be on its way to the database).
   */
  stored(timeoutMs?: number): Promise<void>;
  /** Waits until the live tail has published every committed record (bounded). */
  tailCaughtUp(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * The URL logharbor connects with, given the fresh database's URL: lets a test put a
   * cuttable proxy (tcp-proxy.ts) between logharbor and PostgreSQL. Default: direct.
   */
  databaseUrl?: (testDatabaseUrl: string) => string;
  /** Live-tail limits other than the defaults (api/tail/limits.ts). */
  tail?: Partial<TailLimits>;
}

export async function startHarness(
  env: Record<string, string> = {},
  log: Logger = silentLogger,
  opts: HarnessOptions = {},
): Promise<Harness> {
  const db = await createTestDatabase();
  const url = opts.databaseUrl ? opts.databaseUrl(db.url) : db.url;
  // Each harness has its own spool (collector/sink/), removed at close.
  const spoolDir = env.LOGHARBOR_SPOOL_DIR ?? mkdtempSync(path.join(tmpdir(), 'lh-spool-'));
  const cfg = loadConfig({
    LOGHARBOR_SPOOL_DIR: spoolDir,
    // Small preallocated segments: dozens of harnesses run at once.
    LOGHARBOR_SPOOL_SEGMENT_BYTES: '4MB',
    DATABASE_URL: url,
    LOGHARBOR_HTTP_ADDR: '127.0.0.1:0',
    LOGHARBOR_FORWARD_ADDR: '127.0.0.1:0',
    LOGHARBOR_SYSLOG_UDP_ADDR: '127.0.0.1:0',
    LOGHARBOR_SYSLOG_TCP_ADDR: '127.0.0.1:0',
    ...env,
  });
  const pool = createPool(url, { max: 10 });
  await migrate(pool);
  const telemetry = new Telemetry();
  const collector = await startCollector(cfg, pool, log, telemetry);
  const hub = new TailHub({ ...TAIL_LIMITS, ...opts.tail });
  const feed = new CommitFeed({ url, pool, hub, log, own: collector.writer });
  await feed.start();
  const newApp = () =>
    buildApp({
      pool,
      telemetry,
      log,
      apiToken: cfg.apiToken,
      hub,
      apiRateLimit: cfg.apiRateLimit,
      allowedHosts: cfg.allowedHosts,
      allowedOrigins: cfg.allowedOrigins,
    });
  let app: FastifyInstance | null = await newApp();
  const httpUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const httpPort = Number(new URL(httpUrl).port);
  const tcp = collector.forward.streams.find((s) => s.name === 'forward-tcp');
  const stored = async (timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    while (collector.sink.status().waiting > 0 || collector.writer.depth > 0) {
      if (Date.now() > until)
        throw new Error(`spool not drained: ${JSON.stringify(collector.sink.status())}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  // What the listeners took is read back once the spool has drained it (acks come before).
  const rows = async (where = 'true') => {
    await stored();
    const table = await storedRows(pool);
    return (await pool.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY id`)).rows as Record<
      string,
      unknown
    >[];
  };
  return {
    cfg,
    db,
    pool,
    collector,
    get app() {
      if (!app) throw new Error('the API is stopped (stopApi)');
      return app;
    },
    hub,
    httpUrl,
    telemetry,
    forwardPort: tcp?.port ?? 0,
    port(listener: string) {
      const l = collector.listeners.find((x) => x.name === listener);
      if (!l) throw new Error(`no listener ${listener}`);
      return Number(l.address.slice(l.address.lastIndexOf(':') + 1));
    },
    rows,
    async waitForRows(count, where, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await rows(where);
        if (r.length >= count || Date.now() > until) return r;
        await new Promise((res) => setTimeout(res, 25));
      }
    },
    stored,
    async tailCaughtUp(timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      const r = await pool.query<{ m: string | null }>(
        `SELECT greatest((SELECT max(max_id) FROM log_packs), (SELECT max(id) FROM logs))::text AS m`,
      );
      const target = Number(r.rows[0]!.m ?? 0);
      while (hub.watermark < target) {
        if (Date.now() > until) throw new Error(`live tail stuck at ${hub.watermark} < ${target}`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    async stopApi() {
      const a = app;
      app = null;
      await a?.close();
    },
    async startApi() {
      if (app) throw new Error('the API is already running');
      const a = await newApp();
      await a.listen({ host: '127.0.0.1', port: httpPort });
      app = a;
    },
    async close() {
      await app?.close();
      await collector.close();
      await feed.close();
      await pool.end();
      await db.drop();
      if (!env.LOGHARBOR_SPOOL_DIR) rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

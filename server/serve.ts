/**
 * `logharbor serve` (collector + API in one process, the default), and the single
 * roles `collector` and `api` for scale-out. Prints where everything listens and a
 * ready-to-paste `docker run` line; SIGTERM/SIGINT shut down gracefully (stop
 * accepting, commit and ack what is held, close).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { exposureWarnings } from '../api/security/exposure.js';
import { CommitFeed } from '../api/tail/commit-feed.js';
import { TailHub } from '../api/tail/hub.js';
import { startCollector, type Collector } from '../collector/collector.js';
import { loadConfig } from '../core/config.js';
import { migrate } from '../core/db/migrate.js';
import { createPool } from '../core/db/pool.js';
import { createLogger } from '../core/log.js';
import { Telemetry } from '../core/telemetry.js';
import { openDatabase } from '../core/db/open.js';

export type Role = 'all' | 'collector' | 'api';

const SHUTDOWN_LIMIT_MS = 30_000;

export async function serve(role: Role): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger(cfg.logLevel);
  const db = await openDatabase(cfg, log);
  // Two pools: the writer's COPY must never hit the API's statement_timeout.
  const pool = createPool(db.url, { max: 8, applicationName: `logharbor-${role}-writer` });
  const apiPool = createPool(db.url, {
    max: 12,
    applicationName: `logharbor-${role}-api`,
    statementTimeoutMs: cfg.queryTimeoutMs,
  });
  // Searches on a streaming replica when one is given (it is read-only: no migrations,
  // no LISTEN); the live tail and the writer stay on the primary.
  const readPool = cfg.readDatabaseUrl
    ? createPool(cfg.readDatabaseUrl, {
        max: 12,
        applicationName: `logharbor-${role}-search`,
        statementTimeoutMs: cfg.queryTimeoutMs,
      })
    : undefined;
  const applied = await migrate(pool);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const telemetry = new Telemetry(true);

  let collector: Collector | null = null;
  let app: FastifyInstance | null = null;
  let feed: CommitFeed | null = null;
  if (role !== 'api') collector = await startCollector(cfg, pool, log, telemetry);
  if (role !== 'collector' && cfg.httpAddr) {
    // Live tail: every collector's commits, through LISTEN/NOTIFY on the primary; this
    // process's own records are taken from its writer rather than read back.
    const hub = new TailHub();
    feed = new CommitFeed({ url: db.url, pool: apiPool, hub, log, own: collector?.writer });
    await feed.start();
    app = await buildApp({
      pool: apiPool,
      telemetry,
      log,
      apiToken: cfg.apiToken,
      hub,
      readPool,
      apiRateLimit: cfg.apiRateLimit,
      allowedHosts: cfg.allowedHosts,
      allowedOrigins: cfg.allowedOrigins,
    });
    await app.listen({ host: cfg.httpAddr.host, port: cfg.httpAddr.port });
  }

  const lines = [`logharbor ${role === 'all' ? 'serve' : role} is running`];
  lines.push(
    `  database: ${db.embedded ? `embedded PostgreSQL in ${cfg.dataDir}` : 'DATABASE_URL'}`,
  );
  if (readPool) lines.push('  searches: LOGHARBOR_READ_DATABASE_URL (read replica)');
  if (app) {
    const a = app.server.address();
    const port = typeof a === 'object' && a ? a.port : cfg.httpAddr!.port;
    lines.push(`  web and API: http://${cfg.httpAddr!.host}:${port}/`);
    lines.push(
      ...exposureWarnings({
        host: cfg.httpAddr!.host,
        hasToken: cfg.apiToken !== null,
        allowedHosts: cfg.allowedHosts,
      }),
    );
  }
  for (const l of collector?.listeners ?? []) lines.push(`  ${l.name}: ${l.address}`);
  const tcp = collector?.forward.streams.find((s) => s.name === 'forward-tcp');
  if (tcp) {
    lines.push('', "Send a container's logs here:", '');
    lines.push(
      `  docker run --log-driver=fluentd --log-opt fluentd-address=${tcp.address} \\`,
      `    --log-opt fluentd-request-ack=true --log-opt fluentd-sub-second-precision=true \\`,
      `    --log-opt labels=com.docker.compose.project,com.docker.compose.service busybox echo hello`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: committing and acking what is held');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    await app?.close();
    await feed?.close();
    await collector?.close();
    await Promise.all([pool.end(), apiPool.end(), readPool?.end()]);
    await db.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

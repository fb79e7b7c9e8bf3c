/**
 * `logharbor serve` (collector + API in one process, the default), and the single
 * roles `collector` and `api` for scale-out. Prints where everything listens and a
 * ready-to-paste `docker run` line; SIGTERM/SIGINT shut down gracefully (stop
 * accepting, commit and ack what is held, close).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { AlertService } from '../api/alerts/service.js';
import { DockerState } from '../api/docker/state.js';
import { exposureWarnings } from '../api/security/exposure.js';
import { CommitFeed } from '../api/tail/commit-feed.js';
import { TailHub } from '../api/tail/hub.js';
import { startCollector, type Collector } from '../collector/collector.js';
import { loadConfig, type Config } from '../core/config.js';
import { dockerRunLines } from '../core/docker-advice.js';
import { migrate } from '../core/db/migrate.js';
import { createPool, type Pool } from '../core/db/pool.js';
import { createLogger, type Logger } from '../core/log.js';
import { Telemetry } from '../core/telemetry.js';
import { openDatabase } from '../core/db/open.js';

export type Role = 'all' | 'collector' | 'api';

const SHUTDOWN_LIMIT_MS = 30_000;
/** How long the banner waits for PostgreSQL before showing the listeners alone. */
const BANNER_WAIT_MS = 3000;

/** Applies migrations, retrying while PostgreSQL cannot be reached (logged now and then). */
async function migrateWhenReachable(
  pool: Pool,
  log: Logger,
  stopped: () => boolean,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const applied = await migrate(pool);
      if (applied.length) log.info({ applied }, 'migrations applied');
      return;
    } catch (e) {
      if (stopped()) throw e;
      const delay = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
      if (attempt % 12 === 0)
        log.warn(
          { err: (e as Error).message, retryInMs: delay },
          'PostgreSQL unreachable; retrying',
        );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function webUrl(app: FastifyInstance, cfg: Config): string {
  const a = app.server.address();
  const port = typeof a === 'object' && a ? a.port : cfg.httpAddr!.port;
  return `http://${cfg.httpAddr!.host}:${port}/`;
}

/** Where everything listens, and a ready-to-paste `docker run` line. */
function banner(
  role: Role,
  cfg: Config,
  embedded: boolean,
  replica: boolean,
  web: string | null,
  collector: Collector | null,
): string {
  const lines = [`logharbor ${role === 'all' ? 'serve' : role} is running`];
  lines.push(`  database: ${embedded ? `embedded PostgreSQL in ${cfg.dataDir}` : 'DATABASE_URL'}`);
  if (replica) lines.push('  searches: LOGHARBOR_READ_DATABASE_URL (read replica)');
  if (web) lines.push(`  web and API: ${web}`);
  else if (role !== 'collector' && cfg.httpAddr)
    lines.push('  web and API: starting once PostgreSQL answers');
  if (role !== 'collector' && cfg.httpAddr)
    lines.push(
      ...exposureWarnings({
        host: cfg.httpAddr.host,
        hasToken: cfg.apiToken !== null,
        allowedHosts: cfg.allowedHosts,
      }),
    );
  for (const l of collector?.listeners ?? []) lines.push(`  ${l.name}: ${l.address}`);
  if (collector) lines.push(`  spool: ${cfg.spoolDir} (sync ${cfg.spoolSync})`);
  const tcp = collector?.forward.streams.find((s) => s.name === 'forward-tcp');
  if (tcp) lines.push('', "Send a container's logs here:", '', ...dockerRunLines(tcp.address));
  return lines.join('\n');
}

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
  const telemetry = new Telemetry(true);
  // The schema, once PostgreSQL answers: a collector takes logs into its spool meanwhile.
  let stopping = false;
  const schema = migrateWhenReachable(pool, log, () => stopping);

  let collector: Collector | null = null;
  let app: FastifyInstance | null = null;
  let feed: CommitFeed | null = null;
  let alerts: AlertService | null = null;
  // Signals are handled from here on, PostgreSQL reachable or not.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: the spool keeps what is not yet stored');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    await app?.close();
    await alerts?.close();
    await feed?.close();
    await collector?.close();
    await Promise.all([pool.end(), apiPool.end(), readPool?.end()]);
    await db.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  if (role !== 'api') collector = await startCollector(cfg, pool, log, telemetry, schema);
  // The whole banner at once when PostgreSQL answers promptly; else the collector's part now
  // (it is already taking logs) and the web line once the API is up.
  const prompt = await Promise.race([
    schema.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), BANNER_WAIT_MS).unref()),
  ]);
  if (!prompt) {
    log.warn('PostgreSQL does not answer yet: listeners take logs into the spool meanwhile');
    process.stdout.write(
      `${banner(role, cfg, db.embedded, readPool !== undefined, null, collector)}\n`,
    );
  }
  await schema;
  if (role !== 'collector' && cfg.httpAddr) {
    // Live tail: every collector's commits, through LISTEN/NOTIFY on the primary; this
    // process's own records are taken from its writer rather than read back.
    const hub = new TailHub();
    feed = new CommitFeed({ url: db.url, pool: apiPool, hub, log, own: collector?.writer });
    await feed.start();
    // Alerts: one evaluator among the API processes (a lock), deliverers in each.
    alerts = new AlertService({
      url: db.url,
      pool: apiPool,
      hub,
      log,
      telemetry,
      webhookTimeoutMs: cfg.alertWebhookTimeoutMs,
      retryForMs: cfg.alertRetryForMs,
      keepMs: cfg.retentionMs,
    }).start();
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
      alerts,
      docker: cfg.dockerSocket
        ? new DockerState(cfg.dockerSocket, log.child({ role: 'api' }))
        : null,
    });
    await app.listen({ host: cfg.httpAddr.host, port: cfg.httpAddr.port });
  }

  const web = app ? webUrl(app, cfg) : null;
  if (prompt) {
    process.stdout.write(
      `${banner(role, cfg, db.embedded, readPool !== undefined, web, collector)}\n`,
    );
  } else if (web) process.stdout.write(`  web and API: ${web}\n`);
}

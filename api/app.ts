/**
 * The API is *built* here and *listened* elsewhere (cli/), so tests use `app.inject()`
 * with no network (STYLE.md, fastify).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Pool } from '../core/db/pool.js';
import type { Logger } from '../core/log.js';
import type { Telemetry } from '../core/telemetry.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { installAuth } from './auth.js';
import { installErrorHandler } from './errors.js';
import { installRateLimit } from './rate-limit.js';
import { installBrowserGuard } from './security/guard.js';
import type { DockerState } from './docker/state.js';
import { alertsRoutes } from './routes/alerts.js';
import { healthRoutes } from './routes/health.js';
import { logsRoutes } from './routes/logs.js';
import { containersRoutes } from './routes/containers.js';
import { contextRoutes } from './routes/context.js';
import { doctorRoutes } from './routes/doctor.js';
import { sourcesRoutes } from './routes/sources.js';
import { closeSockets, tailRoutes } from './routes/tail.js';
import { securityHeaders, webRoutes } from './routes/web.js';
import { TailHub } from './tail/hub.js';

export interface ApiOptions {
  pool: Pool;
  /** A streaming replica for searches, histograms, context and containers (optional). */
  readPool?: Pool;
  telemetry: Telemetry;
  log: Logger;
  apiToken: string | null;
  /** Live-tail fan-out, fed by the writer; without one the tail serves backlogs only. */
  hub?: TailHub;
  /** API requests per minute per client address (api/rate-limit.ts); 0 or absent: no limit. */
  apiRateLimit?: number;
  /** The Docker engine's container states for the container list (api/docker/); absent: none. */
  docker?: DockerState | null;
  /** LOGHARBOR_ALLOWED_HOSTS: names besides this server's addresses (api/security/host-check.ts). */
  allowedHosts?: readonly string[];
  /** LOGHARBOR_ALLOWED_ORIGINS: pages besides the page's own (api/security/origin-check.ts). */
  allowedOrigins?: readonly string[];
  /** This process's alert deliverer, kicked after a test fire (api/alerts/service.ts). */
  alerts?: { kick(): void };
}

export async function buildApp(o: ApiOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: o.log.child({ role: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'logharbor',
        version: '0.1.0',
        description: 'Search and tail logs stored by logharbor.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: o.apiToken ? [{ bearer: [] }] : [],
    },
  });
  await securityHeaders(app);
  // Host, Origin and CSRF checks on every request, before every route (registered below,
  // /docs included) and before the rate limit and the token check.
  installBrowserGuard(app, {
    allowedHosts: o.allowedHosts ?? [],
    allowedOrigins: o.allowedOrigins ?? [],
    telemetry: o.telemetry,
  });
  // staticCSP: the docs page gets a CSP with hashes for its own inline parts.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  const hub = o.hub ?? new TailHub();
  await app.register(websocket, {
    options: { maxPayload: hub.limits.maxClientMessageBytes },
    preClose: () => closeSockets(app.websocketServer, hub.limits.closeGraceMs),
  });
  installErrorHandler(app);
  // Before the token check: wrong-token guesses count against the limit too.
  await installRateLimit(app, o.apiRateLimit ?? 0);
  installAuth(app, o.apiToken);
  healthRoutes(app, o.pool, o.telemetry);
  // Searches may go to a read replica; the tail and readiness stay on the primary.
  const reads = o.readPool ?? o.pool;
  logsRoutes(app, reads, o.telemetry);
  contextRoutes(app, reads);
  containersRoutes(app, reads, o.docker ?? null);
  doctorRoutes(app, reads);
  sourcesRoutes(app, o.telemetry, o.pool);
  tailRoutes(app, { pool: o.pool, hub, telemetry: o.telemetry });
  // Alerts are written on the primary (the evaluator and deliverers meet there).
  alertsRoutes(app, { pool: o.pool, kick: () => o.alerts?.kick(), telemetry: o.telemetry });
  await webRoutes(app);
  return app;
}

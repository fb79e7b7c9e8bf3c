/**
 * LOGHARBOR_API_RATE_LIMIT: at most `perMinute` API requests per client address in a
 * one-minute window (@fastify/rate-limit, fixed window, IPv6 counted per /64 as the plugin
 * does). Counted: every `/api/...` request, websocket upgrades of /api/tail included (they
 * go through the router). Not counted: /healthz, /readyz, /metrics (monitoring polls them),
 * the page, its assets and /docs (static files that touch no PostgreSQL). Past the limit:
 * 429 `{"error": {"code": "LH_RATE_LIMITED", ...}}` with Retry-After (seconds until the
 * window ends), and one warn line per address per interval (peer-warnings.ts).
 *
 * It runs before the token check, so guessing tokens is throttled too. The address is the
 * TCP peer: behind a reverse proxy every client shares the proxy's address. The counters
 * live in this process, in an LRU of MAX_TRACKED_ADDRESSES: past it the address seen
 * longest ago is forgotten and starts a fresh window when it comes back.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { Errors, LogharborError } from '../core/errors.js';
import { PeerWarnings } from './peer-warnings.js';
import { isApiRoute, routeOf } from './route-of.js';

export const RATE_WINDOW_MS = 60_000;
export const MAX_TRACKED_ADDRESSES = 10_000;

/** The TCP peer; undefined once the client has gone, which must not throw in the hook. */
function peerOf(req: FastifyRequest): string {
  return req.ip ?? 'gone';
}

export async function installRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  const warnings = new PeerWarnings(app.log, 'API rate limit exceeded');
  await app.register(rateLimit, {
    // Not per route: one global hook (below), so that requests the router matched to no
    // route (404s under /api) are counted as well.
    global: false,
    max: perMinute,
    timeWindow: RATE_WINDOW_MS,
    cache: MAX_TRACKED_ADDRESSES,
    keyGenerator: (req) => normalizeIP(peerOf(req)),
    allowList: (req) => !isApiRoute(routeOf(req)),
    onExceeded: (req, key) =>
      warnings.note(key, {
        code: Errors.RATE_LIMITED.code,
        address: peerOf(req),
        method: req.method,
        route: routeOf(req),
        websocket: req.ws,
        limit_per_minute: perMinute,
      }),
    errorResponseBuilder: (_req, ctx) =>
      new LogharborError(
        Errors.RATE_LIMITED,
        `at most ${perMinute} API requests a minute from one address; retry in ${ctx.after}`,
      ),
  });
  app.addHook('onRequest', app.rateLimit());
}

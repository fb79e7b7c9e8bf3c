/**
 * The browser is a hostile client (issue 15): no page the user visits may read the logs
 * or change anything. One `onRequest` hook, installed before every route, so it covers
 * the API, the websocket upgrade (it goes through the router), the page, /docs, the
 * probes, /metrics, 404s, and every route added later without that route doing anything:
 *
 *   request ──► Host allowed? ──no──► 421 LH_HOST_NOT_ALLOWED      (host-check.ts)
 *                  │ yes
 *                  ▼
 *              Origin own/listed/absent? ──no──► 403 LH_ORIGIN_NOT_ALLOWED (origin-check.ts)
 *                  │ yes (absent: Sec-Fetch-Site not another site's, else 403 too)
 *                  ▼
 *              unsafe method? ──yes──► JSON body or none? ──no──► 415 LH_NOT_JSON
 *                  │                                              (unsafe-methods.ts)
 *                  ▼
 *              rate limit, token check, route
 *
 * It runs before the rate limit and the token check: a refused page learns nothing about
 * either. Every refusal is counted (`logharbor_http_refused_total{reason}`) and logged at
 * warn once a minute per peer (peer-warnings.ts) with the Host and Origin it gave (cut to
 * 100 characters), never the query string. The answer names the setting to change and
 * holds nothing but the error.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors, LogharborError, type ErrorDef } from '../../core/errors.js';
import type { Telemetry } from '../../core/telemetry.js';
import { errorBody } from '../errors.js';
import { PeerWarnings } from '../peer-warnings.js';
import { routeOf } from '../route-of.js';
import { checkHost, parseAllowedHosts } from './host-check.js';
import {
  ORIGIN_PASSES,
  checkOrigin,
  fromAnotherSite,
  parseAllowedOrigins,
} from './origin-check.js';
import { bodyTypeAllowed, isUnsafeMethod } from './unsafe-methods.js';

export interface BrowserGuardOptions {
  /** LOGHARBOR_ALLOWED_HOSTS, as core/config.ts checked them. */
  allowedHosts: readonly string[];
  /** LOGHARBOR_ALLOWED_ORIGINS, as core/config.ts checked them. */
  allowedOrigins: readonly string[];
  telemetry: Telemetry;
}

export type RefusalReason = 'host' | 'origin' | 'fetch_site' | 'content_type';

interface Refusal {
  reason: RefusalReason;
  error: LogharborError;
}

/** Attacker-chosen text, quoted and cut short, for a message or a log line. */
function quote(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v.join(', ') : (v ?? '');
  return JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}...` : s);
}

function refusal(reason: RefusalReason, def: ErrorDef, detail: string): Refusal {
  return { reason, error: new LogharborError(def, detail) };
}

export function installBrowserGuard(app: FastifyInstance, o: BrowserGuardOptions): void {
  const hosts = { allowed: parseAllowedHosts(o.allowedHosts) };
  const origins = parseAllowedOrigins(o.allowedOrigins);
  const warnings = new PeerWarnings(app.log, 'HTTP request refused: host or page not allowed');

  const judge = (req: FastifyRequest): Refusal | null => {
    const { host, origin } = req.headers;
    // The socket that accepted the request; undefined under app.inject() (no socket).
    if (checkHost(host, req.socket?.localAddress, hosts) !== 'allowed') {
      return refusal(
        'host',
        Errors.HOST_NOT_ALLOWED,
        `Host ${quote(host)} is neither an address of this server nor localhost; ` +
          'a name given by a reverse proxy must be listed in LOGHARBOR_ALLOWED_HOSTS',
      );
    }
    if (!ORIGIN_PASSES.has(checkOrigin(origin, host, origins))) {
      return refusal(
        'origin',
        Errors.ORIGIN_NOT_ALLOWED,
        `Origin ${quote(origin)} is not the page's own; ` +
          "another page's origin must be listed in LOGHARBOR_ALLOWED_ORIGINS",
      );
    }
    if (origin === undefined && fromAnotherSite(req.method, req.headers)) {
      return refusal(
        'fetch_site',
        Errors.ORIGIN_NOT_ALLOWED,
        `requests made by another site's page are refused (Sec-Fetch-Site: ${quote(req.headers['sec-fetch-site'])})`,
      );
    }
    if (isUnsafeMethod(req.method) && !bodyTypeAllowed(req.headers)) {
      return refusal(
        'content_type',
        Errors.NOT_JSON,
        `${req.method} takes Content-Type: application/json (got ${quote(req.headers['content-type'])})`,
      );
    }
    return null;
  };

  app.addHook('onRequest', async (req, reply) => {
    const r = judge(req);
    if (r === null) return;
    o.telemetry.httpRefused.inc({ reason: r.reason });
    const websocket = req.headers.upgrade?.toLowerCase() === 'websocket';
    warnings.note(req.ip ?? 'gone', {
      code: r.error.code,
      reason: r.reason,
      method: req.method,
      route: routeOf(req),
      websocket,
      host: quote(req.headers.host),
      origin: quote(req.headers.origin),
    });
    // A refused websocket upgrade: Node no longer manages that socket, and this hook runs
    // before @fastify/websocket's, whose onResponse would close it; closed here once the
    // answer is out, else every refused page would hold a socket open.
    if (websocket) reply.raw.once('finish', () => req.raw.socket.destroy());
    // Answered here rather than thrown: routes registered in plugins before the error
    // handler (/docs) would otherwise get fastify's default answer.
    return reply.status(r.error.status).send(errorBody(r.error.code, r.error.message));
  });
}

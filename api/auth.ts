/**
 * API token check: with LOGHARBOR_API_TOKEN set, the API (`/api/...`, websocket upgrades
 * included: they go through the router) and /metrics demand `Authorization: Bearer <token>`
 * (browsers, which cannot set headers on a websocket, may pass `?token=`); the probes,
 * the page and /docs stay open. Compared in constant time over SHA-256 digests, so neither
 * the content nor the length of the token leaks through timing.
 *
 * A refusal is logged at warn, once per peer per interval (peer-warnings.ts), naming the
 * peer address and the route, never a token: neither the one given nor the real one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Errors, LogharborError } from '../core/errors.js';
import { PeerWarnings } from './peer-warnings.js';
import { isApiRoute, routeOf } from './route-of.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/** The credentials scheme is case-insensitive (RFC 9110, section 11.1). */
const BEARER = /^bearer +/i;

export function installAuth(app: FastifyInstance, token: string | null): void {
  if (!token) return;
  const refusals = new PeerWarnings(app.log, 'API request refused: missing or wrong token');
  app.addHook('onRequest', async (req) => {
    const route = routeOf(req);
    if (!isApiRoute(route) && route !== '/metrics') return;
    const header = req.headers.authorization;
    const given: unknown =
      header !== undefined && BEARER.test(header)
        ? header.replace(BEARER, '')
        : (req.query as Record<string, unknown>).token;
    // `?token=a&token=b` parses to an array: a wrong token, not a crash.
    if (typeof given === 'string' && tokenMatches(token, given)) return;
    refusals.note(req.ip, {
      code: Errors.UNAUTHORIZED.code,
      method: req.method,
      route,
      websocket: req.ws,
      reason: given === undefined ? 'no token' : 'wrong token',
    });
    throw new LogharborError(Errors.UNAUTHORIZED);
  });
}

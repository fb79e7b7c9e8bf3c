/**
 * API token check: with LOGHARBOR_API_TOKEN set, every route but the probes demands
 * `Authorization: Bearer <token>` (browsers, which cannot set headers on a websocket,
 * may pass `?token=`). Compared in constant time over SHA-256 digests, so neither the
 * content nor the length of the token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Errors, LogharborError } from '../core/errors.js';

const OPEN_PATHS = new Set(['/healthz', '/readyz']);

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

export function installAuth(app: FastifyInstance, token: string | null): void {
  if (!token) return;
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (OPEN_PATHS.has(path) || (!path.startsWith('/api') && path !== '/metrics')) return;
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const query = (req.query as Record<string, string | undefined>).token;
    if (!tokenMatches(token, bearer ?? query)) throw new LogharborError(Errors.UNAUTHORIZED);
  });
}

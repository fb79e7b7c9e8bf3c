/**
 * Which route a request is for, as the router saw it. Checks keyed on the raw URL can be
 * walked around: find-my-way decodes the path, so `/%61pi/logs` is served by `/api/logs`
 * while its raw URL does not start with `/api`. The matched route's pattern is what the
 * token check and the rate limit must look at; it is also what gets logged (no record
 * ids, never the query string, which may carry `?token=`).
 */
import type { FastifyRequest } from 'fastify';

/** Longest raw path logged for a request that matched no route. */
const MAX_UNMATCHED_PATH = 100;

/** The matched route's pattern, else (no route: a 404) the raw path without its query. */
export function routeOf(req: FastifyRequest): string {
  const pattern = req.routeOptions.url;
  if (pattern !== undefined) return pattern;
  return req.url.split('?')[0]!.slice(0, MAX_UNMATCHED_PATH);
}

/** Routes of the JSON and websocket API (`/api/...`). */
export function isApiRoute(route: string): boolean {
  return route === '/api' || route.startsWith('/api/');
}

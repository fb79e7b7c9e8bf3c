/**
 * Which pages may talk to logharbor from a browser (issue 15: cross-site websocket
 * hijacking, CSRF, cross-site leaks). The browser names the page behind every request:
 *
 *   Origin          sent on every websocket handshake (RFC 6455, section 4.1), on every
 *                   request that is not a GET or HEAD, and on cross-origin fetches. It
 *                   must be the page's own origin, i.e. the Host the request was sent
 *                   to (already checked by host-check.ts) with `http` or `https` (behind
 *                   a TLS proxy), or one listed in LOGHARBOR_ALLOWED_ORIGINS. `null`
 *                   (sandboxed frames, `data:` and `file:` pages) and anything that is
 *                   not a bare `scheme://host[:port]` (a path, userinfo such as
 *                   `http://127.0.0.1:8080@evil.example`, two origins) are refused.
 *   Sec-Fetch-Site  (Fetch Metadata) sent by current browsers on every request, also the
 *                   `<img>` and `<script>` loads that carry no Origin. Without an Origin,
 *                   `cross-site` and `same-site` (another port of 127.0.0.1 is the same
 *                   site) are refused unless the request is a top-level navigation (a
 *                   link to the page): another site's page must not even time a search.
 *
 * No Origin and no Sec-Fetch-Site: not a browser page (the CLI, curl, Prometheus), or
 * the page's own GET. Those pass: what they may read is the token's business.
 */
import { parseHost, type HostName } from './host-check.js';

export interface OriginName {
  scheme: 'http' | 'https';
  /** As parseHost gives it, with the port always set (80 or 443 when the origin gives none). */
  host: HostName & { port: number };
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/** `scheme://authority` and nothing else: no path, query, fragment or userinfo. */
const ORIGIN = /^(https?):\/\/([^/?#@\\\s]+)$/i;

/** An Origin header value (or an allowed-origins entry) parsed, or null when it is not one. */
export function parseOrigin(value: string): OriginName | null {
  const m = ORIGIN.exec(value.trim());
  if (!m) return null;
  const host = parseHost(m[2]!);
  if (!host) return null;
  const scheme = m[1]!.toLowerCase() as 'http' | 'https';
  return { scheme, host: { ...host, port: host.port ?? DEFAULT_PORT[scheme] } };
}

/** LOGHARBOR_ALLOWED_ORIGINS entries (already checked by core/config.ts) parsed for matching. */
export function parseAllowedOrigins(entries: readonly string[]): OriginName[] {
  return entries.map((e) => {
    const o = parseOrigin(e);
    if (!o) throw new Error(`not an origin: ${JSON.stringify(e)}`);
    return o;
  });
}

export type OriginVerdict = 'none' | 'own' | 'listed' | 'null' | 'malformed' | 'foreign';

/** Verdicts that let a request through. */
export const ORIGIN_PASSES: ReadonlySet<OriginVerdict> = new Set(['none', 'own', 'listed']);

/**
 * The Origin header against the page's own origin (the Host header: the browser sends
 * the host and port the page's script addressed) and the allowed list.
 */
export function checkOrigin(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowed: readonly OriginName[],
): OriginVerdict {
  if (origin === undefined) return 'none';
  if (origin.trim().toLowerCase() === 'null') return 'null';
  const o = parseOrigin(origin);
  if (!o) return 'malformed';
  const own = hostHeader === undefined ? null : parseHost(hostHeader);
  if (
    own !== null &&
    own.name === o.host.name &&
    (own.port ?? DEFAULT_PORT[o.scheme]) === o.host.port
  ) {
    return 'own';
  }
  const listed = allowed.some(
    (a) => a.scheme === o.scheme && a.host.name === o.host.name && a.host.port === o.host.port,
  );
  return listed ? 'listed' : 'foreign';
}

/**
 * Fetch Metadata (W3C): whether a request that carries no Origin came from another
 * site's page and is not a top-level navigation (a link followed, a bookmark).
 */
export function fromAnotherSite(
  method: string,
  headers: Record<string, string | string[] | undefined>,
): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== 'cross-site' && site !== 'same-site') return false;
  const navigation =
    headers['sec-fetch-mode'] === 'navigate' &&
    (method === 'GET' || method === 'HEAD') &&
    (headers['sec-fetch-dest'] === undefined || headers['sec-fetch-dest'] === 'document');
  return !navigation;
}

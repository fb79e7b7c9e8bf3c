/**
 * Which `Host` headers logharbor answers (issue 15: DNS rebinding). A page on
 * `http://evil.example:8080/` whose name the attacker re-points at 127.0.0.1 is, to the
 * browser, same-origin with whatever answers there: its script could read the logs. What
 * gives it away is the `Host` header, which carries the page's own name. So a request is
 * answered only when its Host is a name DNS cannot have chosen, or one the operator
 * vouched for:
 *
 *   - `localhost` or a loopback address (127.0.0.0/8, `[::1]`);
 *   - the IP address of the socket that accepted the request (see below);
 *   - a name in LOGHARBOR_ALLOWED_HOSTS (a reverse proxy's name): `name` on any port,
 *     `name:port` on that port only (a Host without a port matches only entries without
 *     one: nginx's `$host` and Caddy pass the name alone on the default port);
 *   - no Host at all: that is not a browser (every browser sends one; Node itself answers
 *     400 to an HTTP/1.1 request without it), e.g. an HTTP/1.0 health probe.
 *
 * "The address logharbor serves on" is taken from the accepted socket's local address,
 * not from LOGHARBOR_HTTP_ADDR: bound to 0.0.0.0 or `::` the configured address names
 * no interface, while the socket knows which one the client reached (the LAN address, a
 * container's bridge address, loopback), for every listen() and for port 0 alike.
 * Loopback names are allowed whatever the socket says because of NAT: Docker's published
 * port 127.0.0.1:8080 reaches the container's socket on its bridge address, and the
 * browser still says `Host: 127.0.0.1:8080`.
 *
 * Ports are not compared for these built-in names. A browser always sends the host and
 * port it connected to, so a rebinding page gives itself away by its name whatever the
 * port; a Host whose port differs from the socket's comes from NAT or a proxy
 * (`-p 9000:8080`), which a port check would break while stopping no attack: a page
 * whose origin's host is an IP literal or localhost was served by whoever listens there.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface HostName {
  /** Lower case, without a trailing dot; an IPv6 address canonical and without brackets. */
  name: string;
  /** 4 or 6 for an IP literal, 0 for a name. */
  ip: 0 | 4 | 6;
  /** The explicit port, or null when the header gave none. */
  port: number | null;
}

/** `name`, `name:port`, `[v6]`, `[v6]:port`; no userinfo, path, spaces or second colon. */
const HOST = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+))(?::(\d{1,5}))?$/i;
const LABEL = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/** An IPv6 address as the URL standard writes it (compressed, lower case); v4-mapped as IPv4. */
function canonicalV6(addr: string): string {
  const v6 = new URL(`http://[${addr}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** A Host header (or an allowed-hosts entry) parsed, or null when it is not one. */
export function parseHost(value: string): HostName | null {
  const m = HOST.exec(value.trim());
  if (!m) return null;
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && port > 65535) return null;
  if (m[1] !== undefined) {
    if (!isIPv6(m[1])) return null;
    const name = canonicalV6(m[1]);
    return { name, ip: isIPv4(name) ? 4 : 6, port };
  }
  // `localhost.` is `localhost`: the trailing dot only says the name is absolute.
  const name = m[2]!.toLowerCase().replace(/\.$/, '');
  if (!LABEL.test(name)) return null;
  return { name, ip: isIPv4(name) ? 4 : 0, port };
}

/** The accepted socket's local address as a host name: `::ffff:a.b.c.d` as IPv4, no `%zone`. */
export function localHostName(address: string | undefined): string | null {
  if (address === undefined || address === '') return null;
  const a = address.replace(/%.*$/, '');
  if (isIPv4(a)) return a;
  return isIPv6(a) ? canonicalV6(a) : null;
}

export function isLoopback(h: HostName): boolean {
  if (h.ip === 4) return h.name.startsWith('127.');
  if (h.ip === 6) return h.name === '::1';
  return h.name === 'localhost';
}

export type HostVerdict = 'allowed' | 'malformed' | 'foreign';

export interface HostRule {
  /** LOGHARBOR_ALLOWED_HOSTS, parsed (parseAllowedHosts). */
  allowed: readonly HostName[];
}

/** LOGHARBOR_ALLOWED_HOSTS entries (already checked by core/config.ts) parsed for matching. */
export function parseAllowedHosts(entries: readonly string[]): HostName[] {
  return entries.map((e) => {
    const h = parseHost(e);
    if (!h) throw new Error(`not a host: ${JSON.stringify(e)}`);
    return h;
  });
}

/**
 * Whether a request with this Host header, accepted on a socket with this local address
 * (undefined under `app.inject()`, which has no socket), is answered.
 */
export function checkHost(
  header: string | undefined,
  localAddress: string | undefined,
  rule: HostRule,
): HostVerdict {
  if (header === undefined || header === '') return 'allowed';
  const h = parseHost(header);
  if (!h) return 'malformed';
  if (isLoopback(h)) return 'allowed';
  if (h.ip !== 0 && h.name === localHostName(localAddress)) return 'allowed';
  const listed = rule.allowed.some(
    (a) => a.name === h.name && (a.port === null || a.port === h.port),
  );
  return listed ? 'allowed' : 'foreign';
}

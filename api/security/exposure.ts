/**
 * What the start banner says about who can reach the API (issue 15). On loopback only
 * this machine's users can; on any other address (0.0.0.0 and `::` are every interface)
 * anyone who reaches the port reads every log unless LOGHARBOR_API_TOKEN is set, so the
 * README requires a token there and the banner warns when it is missing. Inside a
 * container logharbor binds 0.0.0.0 and the published port decides who reaches it; the
 * warning says so rather than guessing. Pure: server/serve.ts prints the lines.
 */
import { isIP } from 'node:net';

export interface Exposure {
  /** The configured listen host (LOGHARBOR_HTTP_ADDR). */
  host: string;
  hasToken: boolean;
  allowedHosts: readonly string[];
}

/** 127.0.0.0/8, ::1 (also v4-mapped), localhost. */
export function isLoopbackListen(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

function describe(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return `${host} (every interface)`;
  return host;
}

/** Banner lines (indented like the rest of the banner), none when there is nothing to say. */
export function exposureWarnings(e: Exposure): string[] {
  if (isLoopbackListen(e.host)) return [];
  const lines: string[] = [];
  if (!e.hasToken) {
    lines.push(
      `  WARNING: the API listens on ${describe(e.host)} without LOGHARBOR_API_TOKEN:`,
      '    whoever reaches its port reads every log. Set LOGHARBOR_API_TOKEN (or _FILE), or',
      '    listen on 127.0.0.1 (LOGHARBOR_HTTP_ADDR); in a container, publish the port on',
      "    the host's 127.0.0.1 only.",
    );
  }
  if (e.allowedHosts.length === 0) {
    lines.push(
      '  browsers must use an IP address of this server or localhost: other names get 421',
      '    until listed in LOGHARBOR_ALLOWED_HOSTS (a reverse proxy: docs/deployment.md)',
    );
  }
  return lines;
}

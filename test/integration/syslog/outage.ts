/**
 * A PostgreSQL outage for one harness: a cuttable TCP proxy between logharbor and the
 * run's PostgreSQL server (which other test files keep using), plus a bounded wait for a
 * condition, so tests wait for states instead of sleeping for guessed times.
 */
import { inject } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

export interface Outage {
  proxy: TcpProxy;
  /** For startHarness's `databaseUrl` option: the test database, reached through the proxy. */
  databaseUrl: (testDatabaseUrl: string) => string;
}

export async function startOutageProxy(): Promise<Outage> {
  const server = new URL(inject('adminDatabaseUrl'));
  const proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
  return {
    proxy,
    databaseUrl(testDatabaseUrl) {
      const u = new URL(testDatabaseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(proxy.port);
      return u.toString();
    },
  };
}

/** Resolves once `ok()` is true; throws `what` after `timeoutMs`. */
export async function until(
  what: string,
  ok: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

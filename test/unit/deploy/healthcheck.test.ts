/**
 * deploy/healthcheck.mjs, the image's HEALTHCHECK, run as Docker runs it (a node process
 * whose exit code is the verdict) against real local servers. It imports the address
 * parser from dist/, which `npm ci` builds.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../deploy/healthcheck.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../../../dist/core/config.js', import.meta.url));

function probe(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('LOGHARBOR_')),
    );
    const p = spawn(process.execPath, [script, ...args], { env: { ...clean, ...env } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

const servers: (http.Server | net.Server)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen<S extends http.Server | net.Server>(s: S, host = '127.0.0.1') {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, host, r));
  return (s.address() as net.AddressInfo).port;
}

const readyServer = (status: number) =>
  http.createServer((req, res) => {
    res.writeHead(req.url === '/readyz' ? status : 404).end();
  });

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  servers.splice(servers.indexOf(s), 1);
  await new Promise((r) => s.close(r));
  return port;
}

describe('deploy/healthcheck.mjs', () => {
  it('finds dist/ built (npm ci and npm run build make it)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('api: healthy when /readyz answers 200 (0.0.0.0 is probed on loopback)', async () => {
    const port = await listen(readyServer(200));
    const r = await probe(['api'], { LOGHARBOR_HTTP_ADDR: `0.0.0.0:${port}` });
    expect(r).toEqual({ code: 0, out: 'healthy (api)\n' });
  });

  it('api: unhealthy when /readyz answers 503 (PostgreSQL down) or nothing listens', async () => {
    const port = await listen(readyServer(503));
    const r = await probe(['api'], { LOGHARBOR_HTTP_ADDR: `127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.out).toContain('/readyz answered 503');
    const closed = await probe(['serve'], {
      LOGHARBOR_HTTP_ADDR: `127.0.0.1:${await closedPort()}`,
    });
    expect(closed.code).toBe(1);
    expect(closed.out).toContain('ECONNREFUSED');
  });

  it('collector: a TCP connect to the forward port, else the syslog TCP port', async () => {
    const port = await listen(net.createServer((c) => c.end()));
    expect((await probe(['collector'], { LOGHARBOR_FORWARD_ADDR: `0.0.0.0:${port}` })).code).toBe(
      0,
    );
    const bySyslog = await probe(['collector'], {
      LOGHARBOR_FORWARD_ADDR: 'off',
      LOGHARBOR_SYSLOG_TCP_ADDR: `127.0.0.1:${port}`,
    });
    expect(bySyslog.code).toBe(0);
    const down = await probe(['collector'], {
      LOGHARBOR_FORWARD_ADDR: `127.0.0.1:${await closedPort()}`,
    });
    expect(down.code).toBe(1);
  });

  it('collector ignores LOGHARBOR_HTTP_ADDR (it serves no HTTP)', async () => {
    const port = await listen(net.createServer((c) => c.end()));
    const r = await probe(['collector'], {
      LOGHARBOR_FORWARD_ADDR: `127.0.0.1:${port}`,
      LOGHARBOR_HTTP_ADDR: `127.0.0.1:${await closedPort()}`,
    });
    expect(r.code).toBe(0);
  });

  it('serve with HTTP off probes its collector; api with HTTP off is unhealthy', async () => {
    const port = await listen(net.createServer((c) => c.end()));
    const env = { LOGHARBOR_HTTP_ADDR: 'off', LOGHARBOR_FORWARD_ADDR: `127.0.0.1:${port}` };
    expect((await probe(['serve'], env)).code).toBe(0);
    expect((await probe(['api'], env)).code).toBe(1);
  });

  it('a bad address is unhealthy with the variable named; one-shot commands are healthy', async () => {
    const bad = await probe(['api'], { LOGHARBOR_HTTP_ADDR: 'nonsense' });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('LOGHARBOR_HTTP_ADDR');
    expect((await probe(['migrate'], {})).code).toBe(0);
  });
});

/**
 * Issue 15, "the browser is a hostile client", over real sockets: a real logharbor on
 * 127.0.0.1 with no token (the default), a line holding `password=hunter2` stored first.
 *
 *   - the live tail's websocket: a foreign and a `null` Origin get 403, the page's own
 *     origin (and a client with no Origin, like the CLI) gets 101 and the records;
 *   - every route the app has (read from fastify's own route list, so a route added
 *     later is in the table without anyone adding it) answers 421 to foreign Host
 *     headers, and its own names still work;
 *   - a cross-origin fetch is refused (and no CORS header would let a page read it);
 *   - a state-changing route (a dummy, registered here, as the alerts routes will be)
 *     refuses forms and foreign pages, and takes JSON from the page and the CLI;
 *   - the container health probes (HTTP/1.0 without Host, GET /readyz on 127.0.0.1) pass.
 *
 * No refused answer holds any record text. Chromium's view is in
 * test/integration/browser/hostile-pages.test.ts.
 */
import http from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { silentLogger } from '../../../core/log.js';
import { newRecord } from '../../../core/record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { openTail } from '../tail/tail-client.js';
import { upgrade } from './peer-client.js';

const SECRET = 'password=hunter2';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection, with exactly the Host (and other headers) given. */
function send(
  port: number,
  o: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: o.method ?? 'GET',
        path: o.path,
        headers: o.headers,
        setHost: o.headers?.host === undefined,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/**
 * Every route and method of the app, from `printRoutes()` (fastify's own tree):
 * `{method, url}` with `:param` and `*` filled in.
 */
function routeTable(app: FastifyInstance): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const path: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    path.length = m[1]!.length / 4;
    path.push(m[2]!);
    for (const method of m[3]?.split(', ') ?? []) {
      const url = path
        .join('')
        .replace(/:[a-z_]+/gi, '1')
        .replace(/\*/g, 'x');
      out.push({ method, url });
    }
  }
  return out;
}

describe('the browser is a hostile client (issue 15), over real sockets', () => {
  let h: Harness;
  let port: number;
  let own: string;

  beforeAll(async () => {
    h = await startHarness();
    port = Number(new URL(h.httpUrl).port);
    own = `http://127.0.0.1:${port}`;
    await h.collector.writer.submit({
      records: [newRecord('syslog', Math.floor(Date.now() / 1000), 0, `login ok ${SECRET}`)],
    });
    await h.waitForRows(1);
    await h.tailCaughtUp();
  });
  afterAll(async () => h?.close());

  it('the tail refuses a foreign and a null Origin (403) and serves its own page (101)', async () => {
    for (const origin of [
      'http://evil.example',
      'null',
      `${own}@evil.example`,
      `${own}.evil.example`,
    ]) {
      const r = await upgrade(`${h.httpUrl}/api/tail`, '127.0.0.1', { origin });
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'LH_ORIGIN_NOT_ALLOWED' } });
      expect(r.body).not.toContain('hunter2');
    }
    // A foreign Host on the upgrade (DNS rebinding): 421.
    const rebound = await upgrade(`${h.httpUrl}/api/tail`, '127.0.0.1', {
      host: `evil.example:${port}`,
      origin: `http://evil.example:${port}`,
    });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('hunter2');
    expect(h.hub.clients).toBe(0);
    // The server closes a refused upgrade's socket itself: a page opening sockets in a
    // loop holds none of them.
    const closedByServer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () =>
        s.write(
          'GET /api/tail HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
            'Origin: http://evil.example\r\n\r\n',
        ),
      );
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', reject);
      setTimeout(() => reject(new Error(`socket still open; got ${got}`)), 5000).unref();
    });
    expect(closedByServer).toMatch(/^HTTP\/1\.1 403 /);

    // The page's own origin, under both names of this machine, and the CLI (no Origin).
    const clients: Record<string, string>[] = [
      { origin: own },
      { origin: `http://localhost:${port}`, host: `localhost:${port}` },
      {},
    ];
    for (const headers of clients) {
      const t = await openTail(h.httpUrl, {}, headers);
      await t.waitFor(() => t.records().some((r) => r.message.includes(SECRET)), 'the records');
      await t.close();
    }
  });

  it('every route answers 421 to a foreign Host, with no record text', async () => {
    const routes = routeTable(h.app);
    const urls = routes.map((r) => r.url);
    for (const u of ['/', '/healthz', '/readyz', '/metrics', '/docs', '/api/logs', '/api/tail'])
      expect(urls).toContain(u);
    const foreign = [
      'evil.example',
      `evil.example:${port}`,
      `EVIL.Example.:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `192.0.2.1:${port}`, // an address, but not one this server was reached on
      `127.0.0.1:${port}@evil.example`,
    ];
    const before = await refusedHosts();
    for (const { method, url } of routes) {
      for (const host of foreign) {
        const r = await send(port, { method, path: `${url}?q=${SECRET}`, headers: { host } });
        expect(r.status, `${method} ${url} Host: ${host}`).toBe(421);
        expect(r.body).not.toContain('hunter2');
        if (method !== 'HEAD') {
          expect(JSON.parse(r.body)).toEqual({
            error: {
              code: 'LH_HOST_NOT_ALLOWED',
              message: expect.stringContaining('LOGHARBOR_ALLOWED_HOSTS'),
            },
          });
        }
      }
      // Its own names pass the check (whatever the route then answers).
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        const r = await send(port, { method, path: url, headers: { host } });
        expect(r.status, `${method} ${url} Host: ${host}`).not.toBe(421);
      }
    }
    expect((await refusedHosts()) - before).toBe(routes.length * foreign.length);
    const logs = await send(port, { path: '/api/logs', headers: { host: `localhost:${port}` } });
    expect(logs.body).toContain(SECRET);
  });

  async function refusedHosts(): Promise<number> {
    const m = await h.telemetry.httpRefused.get();
    return m.values.find((v) => v.labels.reason === 'host')?.value ?? 0;
  }

  it('refuses a cross-origin fetch and grants no CORS to anyone', async () => {
    const foreign = await send(port, {
      path: '/api/logs',
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).not.toContain('hunter2');
    const preflight = await send(port, {
      method: 'OPTIONS',
      path: '/api/logs',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(403);
    // Another port of 127.0.0.1 is another origin (a page from another local server).
    const sibling = await send(port, {
      path: '/api/logs',
      headers: { origin: 'http://127.0.0.1:1' },
    });
    expect(sibling.status).toBe(403);
    // The page's own read (Chromium sends no Origin on a same-origin GET; some send it).
    const ownRead = await send(port, { path: '/api/logs', headers: { origin: own } });
    expect(ownRead.status).toBe(200);
    expect(ownRead.body).toContain(SECRET);
    for (const r of [foreign, preflight, sibling, ownRead])
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    // An <img> or <script> of another site carries no Origin, but Sec-Fetch-Site.
    const img = await send(port, {
      path: `/api/logs?q=${SECRET}`,
      headers: {
        'sec-fetch-site': 'same-site',
        'sec-fetch-mode': 'no-cors',
        'sec-fetch-dest': 'image',
      },
    });
    expect(img.status).toBe(403);
    expect(img.body).not.toContain('hunter2');
    expect(
      (await h.app.inject({ url: '/metrics' })).body.match(/^logharbor_http_refused_total\{.*$/gm),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/reason="origin"\} [1-9]/)]));
  });

  it('keeps the container health probes working', async () => {
    // deploy/healthcheck.mjs: GET /readyz on 127.0.0.1 (from inside the container).
    expect((await send(port, { path: '/readyz' })).status).toBe(200);
    // An HTTP/1.0 probe without Host (HAProxy's default check).
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.0\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
  });

  describe('a state-changing route (a dummy registered here, as alerts will be)', () => {
    let app: FastifyInstance;
    let dport: number;
    const calls: unknown[] = [];
    const TOKEN = 'sesame';
    const auth = { authorization: `Bearer ${TOKEN}` };

    beforeAll(async () => {
      app = await buildApp({
        pool: h.pool,
        telemetry: new Telemetry(),
        log: silentLogger,
        apiToken: TOKEN,
        hub: h.hub,
      });
      app.post('/api/dummy', async (req) => {
        calls.push(req.body);
        return { ok: true };
      });
      dport = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
    });
    afterAll(async () => app?.close());

    it('refuses forms, simple requests and foreign pages; takes JSON from the page and the CLI', async () => {
      const post = (headers: Record<string, string>, body: string) =>
        send(dport, { method: 'POST', path: '/api/dummy', headers: { ...auth, ...headers }, body });
      const ownOrigin = `http://127.0.0.1:${dport}`;
      // What a cross-site <form> or a no-preflight fetch can send.
      for (const type of [
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=b',
        'text/plain',
      ]) {
        expect((await post({ 'content-type': type }, 'a=1')).status, type).toBe(415);
        expect(
          (await post({ 'content-type': type, origin: 'http://evil.example' }, 'a=1')).status,
        ).toBe(403);
      }
      for (const origin of ['http://evil.example', 'null']) {
        const r = await post({ 'content-type': 'application/json', origin }, '{}');
        expect(r.status, origin).toBe(403);
      }
      expect(calls).toEqual([]);
      expect(
        (await post({ 'content-type': 'application/json', origin: ownOrigin }, '{"a":1}')).status,
      ).toBe(200);
      expect((await post({ 'content-type': 'application/json' }, '{"b":2}')).status).toBe(200);
      expect(calls).toEqual([{ a: 1 }, { b: 2 }]);
      // The Host check comes before the token check: a rebinding page learns nothing of it.
      const rebound = await send(dport, { path: '/api/logs', headers: { host: 'evil.example' } });
      expect(rebound.status).toBe(421);
      expect((await send(dport, { path: '/api/logs' })).status).toBe(401);
    });
  });
});

/**
 * The guard hook (api/security/guard.ts) on a bare fastify app with dummy routes of
 * every method, as the alerts routes will be: the CSRF rule reaches a route that did
 * nothing to ask for it; refusals answer the error body, are counted by reason, and are
 * logged once per peer per minute. The real app, over real sockets and in Chromium, is
 * in test/integration/api/hostile-browser.test.ts and test/integration/browser/.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type InjectOptions } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installBrowserGuard } from '../../../../api/security/guard.js';
import { isJsonType } from '../../../../api/security/unsafe-methods.js';
import { Telemetry } from '../../../../core/telemetry.js';

const OWN = 'http://127.0.0.1:8080';
const HOST = '127.0.0.1:8080';
const JSON_TYPE = { 'content-type': 'application/json' };

describe('browser guard', () => {
  let app: FastifyInstance;
  let telemetry: Telemetry;
  let calls: string[];
  let logged: Record<string, unknown>[];

  beforeEach(async () => {
    logged = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => logged.push(JSON.parse(l)) });
    app = Fastify({ loggerInstance: log as FastifyBaseLogger });
    telemetry = new Telemetry();
    installBrowserGuard(app, {
      allowedHosts: ['logs.example.com'],
      allowedOrigins: ['https://ui.example'],
      telemetry,
    });
    calls = [];
    // Registered after the hook, with no option of their own: as any later route will be.
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      app.route({
        method,
        url: '/api/dummy',
        handler: async () => {
          calls.push(method);
          return { ok: true };
        },
      });
    }
    await app.ready();
  });
  afterEach(async () => app.close());

  const send = (o: InjectOptions) =>
    app.inject({ url: '/api/dummy', ...o, headers: { host: HOST, ...o.headers } });

  async function refused(reason: string): Promise<number> {
    const m = await telemetry.httpRefused.get();
    return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  }

  it('lets the page, its own origin and clients without Origin change things with JSON', async () => {
    const ok = [
      { method: 'POST', headers: { ...JSON_TYPE, origin: OWN }, payload: '{}' },
      { method: 'POST', headers: JSON_TYPE, payload: '{}' }, // the CLI: no Origin
      { method: 'POST', headers: { ...JSON_TYPE, origin: 'https://ui.example' }, payload: '{}' },
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json; charset=utf-8', origin: OWN },
        payload: '{}',
      },
      { method: 'PATCH', headers: { 'content-type': 'Application/JSON' }, payload: '{}' },
      { method: 'DELETE', headers: { origin: OWN } }, // no body, no type
      {
        method: 'POST',
        headers: { ...JSON_TYPE, host: 'logs.example.com', origin: 'https://logs.example.com' },
        payload: '{}',
      },
    ] as const;
    for (const o of ok) expect((await send(o)).statusCode, JSON.stringify(o)).toBe(200);
    expect(calls).toEqual(['POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'POST']);
  });

  it('takes every JSON media type, and nothing a form can send', () => {
    for (const t of [
      'application/json',
      'application/problem+json',
      'application/merge-patch+json; charset=utf-8',
    ])
      expect(isJsonType(t), t).toBe(true);
    for (const t of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'application/jsonp',
      'application/+json',
      '',
    ])
      expect(isJsonType(t), t).toBe(false);
  });

  it('refuses a foreign or null Origin (403) on every method, before the route runs', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      for (const origin of ['http://evil.example', 'null', `${OWN}@evil.example`]) {
        const r = await send({ method, headers: { ...JSON_TYPE, origin }, payload: '{}' });
        expect(r.statusCode).toBe(403);
        expect(r.json().error.code).toBe('LH_ORIGIN_NOT_ALLOWED');
        expect(r.json().error.message).toContain('LOGHARBOR_ALLOWED_ORIGINS');
      }
    }
    expect(calls).toEqual([]);
    expect(await refused('origin')).toBe(15);
  });

  it('refuses what a cross-site form or simple fetch can send: not JSON (415)', async () => {
    const bodies = [
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'text/plain; application/json' },
      { 'content-type': 'application/jsonp' },
      { 'content-type': 'application/json-patch' },
    ];
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      for (const headers of bodies) {
        const r = await send({ method, headers, payload: 'a=1' });
        expect(r.statusCode, `${method} ${headers['content-type']}`).toBe(415);
        expect(r.json().error.code).toBe('LH_NOT_JSON');
      }
    }
    // A body with no type at all (fetch with a Blob) is no better.
    const r = await send({ method: 'POST', payload: Buffer.from('{}') });
    expect(r.statusCode).toBe(415);
    expect(calls).toEqual([]);
    expect(await refused('content_type')).toBe(25);
  });

  it('refuses a foreign Host (421) before anything else, 404s included', async () => {
    for (const host of ['evil.example', 'evil.example:8080', 'localhost.evil.example']) {
      for (const url of ['/api/dummy', '/nothing-here']) {
        const r = await app.inject({ url, headers: { host } });
        expect(r.statusCode).toBe(421);
        expect(r.json()).toEqual({
          error: {
            code: 'LH_HOST_NOT_ALLOWED',
            message: expect.stringContaining('LOGHARBOR_ALLOWED_HOSTS'),
          },
        });
      }
    }
    // app.inject()'s own Host (localhost:80) is this machine.
    expect((await app.inject({ url: '/api/dummy' })).statusCode).toBe(200);
    expect(await refused('host')).toBe(6);
  });

  it("refuses another site's page's loads that carry no Origin (Fetch Metadata)", async () => {
    const img = {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-dest': 'image',
    };
    expect((await send({ headers: img })).statusCode).toBe(403);
    const link = {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    };
    expect((await send({ headers: link })).statusCode).toBe(200);
    expect(await refused('fetch_site')).toBe(1);
  });

  it('logs a refusing peer once a minute, with what it sent and never the query', async () => {
    for (let i = 0; i < 5; i++) {
      await app.inject({ url: '/api/dummy?q=secret', headers: { host: 'evil.example' } });
    }
    await app.inject({
      url: '/api/dummy',
      headers: { host: 'evil.example' },
      remoteAddress: '10.0.0.9',
    });
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      msg: 'HTTP request refused: host or page not allowed',
      code: 'LH_HOST_NOT_ALLOWED',
      reason: 'host',
      method: 'GET',
      route: '/api/dummy',
      host: '"evil.example"',
      peer: '127.0.0.1',
      suppressed: 0,
    });
    expect(logged[1]).toMatchObject({ peer: '10.0.0.9' });
    expect(JSON.stringify(logged)).not.toContain('secret');
  });
});

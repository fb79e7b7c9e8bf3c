/**
 * LOGHARBOR_API_RATE_LIMIT on a real logharbor: per client address (each test plays its
 * own loopback address), websocket upgrades counted, probes, metrics and the page never
 * refused, 429 in the API's error shape with Retry-After, 0 turns it off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { captureLog, type CapturedLog } from './captured-log.js';
import { closeWs, get, upgrade } from './peer-client.js';

const LIMIT = 20;

describe('API rate limit', () => {
  let h: Harness;
  let cap: CapturedLog;
  beforeAll(async () => {
    cap = captureLog('info');
    h = await startHarness({ LOGHARBOR_API_RATE_LIMIT: String(LIMIT) }, cap.log);
  });
  afterAll(async () => h.close());

  const api = (from: string, path = '/api/sources') => get(`${h.httpUrl}${path}`, from);

  it('answers the request past the limit with 429 LH_RATE_LIMITED and Retry-After', async () => {
    const from = '127.0.0.2';
    for (let i = 1; i <= LIMIT; i++) {
      const r = await api(from);
      expect(r.status).toBe(200);
      expect(r.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i));
    }
    const over = await api(from);
    expect(over.status).toBe(429);
    expect(over.json()).toEqual({
      error: { code: 'LH_RATE_LIMITED', message: expect.stringMatching(/too many requests/) },
    });
    const retryAfter = Number(over.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Any API route, a 404 under /api, and a websocket upgrade are refused alike.
    expect((await api(from, '/api/containers')).status).toBe(429);
    expect((await api(from, '/api/no-such-route')).status).toBe(429);
    const ws = await upgrade(`${h.httpUrl}/api/tail`, from);
    expect(ws.status).toBe(429);
    expect(JSON.parse(ws.body)).toMatchObject({ error: { code: 'LH_RATE_LIMITED' } });
    expect(Number(ws.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('never refuses probes, metrics or the page, even to a limited address', async () => {
    const from = '127.0.0.2';
    expect((await api(from)).status).toBe(429);
    for (const path of ['/healthz', '/readyz', '/metrics', '/']) {
      const r = await get(`${h.httpUrl}${path}`, from);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expect(r.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('counts each client address on its own', async () => {
    expect((await api('127.0.0.2')).status).toBe(429);
    const r = await api('127.0.0.3');
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('counts websocket upgrades', async () => {
    const from = '127.0.0.4';
    for (let i = 0; i < LIMIT; i++) {
      const r = await upgrade(`${h.httpUrl}/api/tail`, from);
      expect(r.status).toBe(101);
      await closeWs(r.ws!);
    }
    expect((await api(from)).status).toBe(429);
  });

  it('counts a route however its path is spelled (percent-encoded)', async () => {
    const from = '127.0.0.5';
    for (let i = 0; i < LIMIT; i++) expect((await api(from, '/%61pi/sources')).status).toBe(200);
    expect((await api(from, '/api/sources')).status).toBe(429);
  });

  it('warns once per address per interval, naming the address and the route', () => {
    const warned = cap
      .entries()
      .filter((e) => e.code === 'LH_RATE_LIMITED' && e.address === '127.0.0.2');
    // 127.0.0.2 was refused six times above: one line.
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, route: '/api/sources', limit_per_minute: LIMIT });
    const others = cap.entries().filter((e) => e.code === 'LH_RATE_LIMITED');
    expect(others.map((e) => e.address).sort()).toEqual(['127.0.0.2', '127.0.0.4', '127.0.0.5']);
  });
});

describe('API rate limit off (0)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_API_RATE_LIMIT: '0' });
  });
  afterAll(async () => h.close());

  it('never refuses and sends no rate-limit headers', async () => {
    for (let i = 0; i < 3 * LIMIT; i++) {
      const r = await get(`${h.httpUrl}/api/sources`, '127.0.0.2');
      expect(r.status).toBe(200);
      expect(r.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});

describe('API rate limit default', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('is on at 1200 a minute when not configured', async () => {
    const r = await get(`${h.httpUrl}/api/sources`, '127.0.0.2');
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-limit']).toBe('1200');
  });
});

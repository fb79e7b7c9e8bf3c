/**
 * The first read path on a real PostgreSQL: newest first with keyset pagination, context,
 * containers, sources, probes, auth and error shapes (fastify inject, no network).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { startHarness, type Harness } from '../../support/harness.js';

const T = 1_764_300_000;
const rec = (i: number, extra: Partial<LogRecord> = {}): LogRecord => ({
  ...newRecord('forward', T + i, 1_234_567, `line ${i}`),
  ...extra,
});

describe('read path', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_API_TOKEN: 'tok' });
    const recs: LogRecord[] = [];
    for (let i = 0; i < 25; i++)
      recs.push(
        rec(i, { containerName: i % 2 ? 'odd' : 'even', project: 'p', service: i % 2 ? 'o' : 'e' }),
      );
    // Two records with the same time: the id breaks the tie.
    recs.push(rec(30, { message: 'same a' }), rec(30, { message: 'same b' }));
    await h.collector.writer.submit({ records: recs });
  });
  afterAll(async () => h.close());

  const get = (url: string, token: string | null = 'tok') =>
    h.app.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('answers newest first, ties broken by id, with RFC 3339 nanosecond times', async () => {
    const r = await get('/api/logs?limit=3');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.records.map((x: { message: string }) => x.message)).toEqual([
      'same b',
      'same a',
      'line 24',
    ]);
    expect(body.records[2].ts).toBe(
      `${new Date((T + 24) * 1000).toISOString().slice(0, 19)}.001234567Z`,
    );
    expect(body.records[2]).toMatchObject({
      source: 'forward',
      container_name: 'even',
      project: 'p',
      service: 'e',
      attrs: null,
    });
    expect(typeof body.records[2].id).toBe('string');
  });

  it('orders equal times by numeric id, not by id text (regression: 100000 after 99999)', async () => {
    const t = '2031-01-01T00:00:00Z';
    await h.pool.query(
      `INSERT INTO logs (id, ts, received_at, source, message) VALUES (99999, $1, now(), 'syslog', 'id 99999'), (100000, $1, now(), 'syslog', 'id 100000')`,
      [t],
    );
    // Searches read rows through the blocks that cover them (the writer always writes
    // both); this block's filter has every bit set.
    await h.pool.query(
      `INSERT INTO log_blocks (block_id, min_id, max_id, min_ts, max_ts, rows, bloom)
       VALUES (99999, 99999, 100000, $1, $1, 2, decode(repeat('ff', 128), 'hex'))`,
      [t],
    );
    const r = (await get(`/api/logs?limit=2&from=2030-12-31T00:00:00Z`)).json();
    expect(r.records.map((x: { id: string }) => x.id)).toEqual(['100000', '99999']);
    await h.pool.query('DELETE FROM logs WHERE id IN (99999, 100000)');
    await h.pool.query('DELETE FROM log_blocks WHERE block_id = 99999');
  });

  it('pages with the cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/api/logs?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      const body = r.json();
      seen.push(...body.records.map((x: { message: string }) => x.message));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(27);
    expect(new Set(seen).size).toBe(27);
    expect(seen.slice(-2)).toEqual(['line 1', 'line 0']);
  });

  it('limits by time range, absolute and relative', async () => {
    const from = new Date((T + 20) * 1000).toISOString();
    const to = new Date((T + 23) * 1000).toISOString();
    const r = await get(`/api/logs?from=${from}&to=${to}`);
    expect(r.json().records.map((x: { message: string }) => x.message)).toEqual([
      'line 22',
      'line 21',
      'line 20',
    ]);
    expect((await get('/api/logs?from=15m')).json().records).toEqual([]);
  });

  it('refuses bad parameters with a coded JSON error', async () => {
    const r = await get('/api/logs?limit=100000');
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('LH_BAD_REQUEST');
    expect((await get('/api/logs?cursor=garbage')).json().error.code).toBe('LH_BAD_REQUEST');
    expect((await get('/api/logs?from=yesterday-ish')).json().error.message).toMatch(/from/);
  });

  it('shows the lines around a record from the same container', async () => {
    const all = (await get('/api/logs?limit=100')).json().records as {
      id: string;
      message: string;
    }[];
    const anchor = all.find((x) => x.message === 'line 10')!;
    const r = await get(`/api/logs/${anchor.id}/context?before=2&after=2`);
    expect(r.json().records.map((x: { message: string }) => x.message)).toEqual([
      'line 6',
      'line 8',
      'line 10',
      'line 12',
      'line 14',
    ]);
    expect((await get('/api/logs/999999999/context')).statusCode).toBe(404);
  });

  it('lists containers with counts and Compose names', async () => {
    const r = await get('/api/containers');
    expect(
      r
        .json()
        .containers.map((c: Record<string, unknown>) => [
          c.container_name,
          c.project,
          c.service,
          c.count,
        ]),
    ).toEqual([
      ['even', 'p', 'e', 13],
      ['odd', 'p', 'o', 12],
    ]);
  });

  it('reports every listener in /api/sources', async () => {
    const names = (await get('/api/sources'))
      .json()
      .listeners.map((l: { listener: string }) => l.listener);
    expect(names).toContain('forward-tcp');
  });

  it('demands the token on the API and metrics, not on the probes', async () => {
    expect((await get('/api/logs', null)).statusCode).toBe(401);
    expect((await get('/api/logs', 'wrong')).json().error.code).toBe('LH_UNAUTHORIZED');
    expect((await get('/metrics', null)).statusCode).toBe(401);
    expect((await get('/healthz', null)).json()).toEqual({ status: 'ok' });
    expect((await get('/readyz', null)).json()).toEqual({ status: 'ready' });
    const m = await get('/metrics');
    expect(m.body).toContain('logharbor_events_written_total 27');
  });

  it('serves the OpenAPI description and its page, and the viewer under a strict CSP', async () => {
    const spec = (await get('/docs/json', null)).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/logs',
        '/api/logs/histogram',
        '/api/containers',
        '/api/sources',
      ]),
    );
    expect([200, 302]).toContain((await get('/docs', null)).statusCode);
    const page = await get('/', null);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe/);
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const r = await get('/api/nope');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'LH_NOT_FOUND', message: 'not found' } });
  });
});

describe('search with a query and the histogram', () => {
  let h: Harness;
  const T0 = Date.parse('2026-11-20T10:00:00Z') / 1000;
  beforeAll(async () => {
    h = await startHarness();
    const recs: LogRecord[] = [];
    for (let i = 0; i < 60; i++) {
      recs.push({
        ...newRecord(
          'forward',
          T0 + i * 60,
          0,
          i % 10 === 0 ? `ERROR disk full ${i}` : `GET /item/${i} 200`,
        ),
        containerName: i % 2 ? 'api-1' : 'web',
        stream: i % 10 === 0 ? 'stderr' : 'stdout',
        severity: i % 10 === 0 ? 3 : 6,
        attrs: { status: i % 10 === 0 ? 500 : 200 },
      });
    }
    await h.collector.writer.submit({ records: recs });
  });
  afterAll(async () => h.close());

  const get = (url: string) => h.app.inject({ method: 'GET', url });
  const messages = async (q: string, extra = '') =>
    (await get(`/api/logs?q=${encodeURIComponent(q)}${extra}`))
      .json()
      .records.map((r: { message: string }) => r.message);

  it('filters with the query language, newest first', async () => {
    expect(await messages('disk')).toEqual([
      'ERROR disk full 50',
      'ERROR disk full 40',
      'ERROR disk full 30',
      'ERROR disk full 20',
      'ERROR disk full 10',
      'ERROR disk full 0',
    ]);
    expect(await messages('container:api-* level>=err')).toEqual([]);
    expect(await messages('container:web level:error -"full 0"', '&limit=2')).toEqual([
      'ERROR disk full 50',
      'ERROR disk full 40',
    ]);
    expect(await messages('attrs.status>=500 stream:stderr /full [1-2]0$/')).toEqual([
      'ERROR disk full 20',
      'ERROR disk full 10',
    ]);
  });

  it('answers a syntax error with its column', async () => {
    const r = await get(`/api/logs?q=${encodeURIComponent('disk AND (')}`);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'LH_QUERY_SYNTAX', column: expect.any(Number) });
  });

  it('counts matches per bucket over the range, empty buckets included', async () => {
    const from = new Date(T0 * 1000).toISOString();
    const to = new Date((T0 + 3600) * 1000).toISOString();
    const r = (await get(`/api/logs/histogram?q=disk&from=${from}&to=${to}&buckets=6`)).json();
    expect(r.interval_ms).toBe(600_000);
    expect(r.buckets.map((b: { count: number }) => b.count)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(r.buckets[0].start).toBe(from);
    const all = (await get(`/api/logs/histogram?from=${from}&to=${to}&buckets=4`)).json();
    expect(all.interval_ms).toBe(900_000);
    expect(all.buckets.map((b: { count: number }) => b.count)).toEqual([15, 15, 15, 15]);
    expect((await get(`/api/logs/histogram?from=${to}&to=${from}`)).statusCode).toBe(400);
  });
});

/**
 * Alerts end to end in one process (issue 19): a real logharbor (collector, commit feed,
 * hub, API) with the alert service on it, lines sent by npm `fluent-logger`, and a real
 * HTTP receiver (receiver.ts). The rules' clock is injected (`offset` moves it), so
 * windows and silences pass without waiting for them; every wait is on a condition (a
 * request received, a row written, an answer of the API).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService, type AlertsOptions } from '../../../api/alerts/service.js';
import { parseAlertList, parseNotifications, type AlertInput } from '../../../core/alerts/wire.js';
import { silentLogger } from '../../../core/log.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { openTail } from '../tail/tail-client.js';
import { Container } from './lines.js';
import { Receiver } from './receiver.js';

let h: Harness;
let rx: Receiver;
let service: AlertService;
/** The rules' clock: real time plus this. */
let offset = 0;
/** Readings of the rules' clock: the evaluator reads it on every tick. */
let clockReads = 0;
const containers: Container[] = [];

const options = (): AlertsOptions => ({
  url: h.db.url,
  pool: h.pool,
  hub: h.hub,
  log: silentLogger,
  telemetry: h.telemetry,
  webhookTimeoutMs: 500,
  retryForMs: 60_000,
  keepMs: 86_400_000,
  retryMs: 100,
  evaluator: {
    now: () => {
      clockReads++;
      return Date.now() + offset;
    },
    tickMs: 50,
    checkpointMs: 100,
    absencePollMs: 100,
  },
  deliverer: { pollMs: 100, backoffMs: 200, backoffMaxMs: 2000 },
});

beforeAll(async () => {
  [h, rx] = await Promise.all([startHarness({ LOGHARBOR_API_RATE_LIMIT: '0' }), Receiver.start()]);
  service = new AlertService(options()).start();
});

afterAll(async () => {
  for (const c of containers) c.close();
  await service?.close();
  await rx?.close();
  await h?.close();
});

function container(name: string): Container {
  const c = new Container(h.forwardPort, name);
  containers.push(c);
  return c;
}

// The answers are checked by the wire guards (core/alerts/wire.ts) where it matters.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(h.httpUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json: unknown = text === '' ? null : JSON.parse(text);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return json;
}

/** Creates an alert and waits until the evaluator follows it (its state is checkpointed). */
async function create(input: AlertInput): Promise<string> {
  const { alert } = await api('POST', '/api/alerts', input);
  await expect
    .poll(
      async () =>
        (await h.pool.query('SELECT 1 FROM alert_state WHERE alert_id = $1', [alert.id])).rowCount,
      { timeout: 60_000, interval: 50 },
    )
    .toBe(1);
  return alert.id as string;
}

async function alertState(id: string) {
  const alerts = parseAlertList(await api('GET', '/api/alerts'));
  expect(alerts).not.toBeNull();
  return alerts!.find((a) => a.id === id)!;
}

async function notificationsOf(id: string) {
  const list = parseNotifications(await api('GET', `/api/alerts/notifications?alert=${id}`));
  expect(list).not.toBeNull();
  return list!;
}

const kinds = (path: string, alertId: string) =>
  rx
    .bodies(path)
    .filter((b) => (b.alert as { id: string }).id === alertId)
    .map((b) => b.kind);

// Generous bounds: on a loaded 2-core machine the live stream itself can lag seconds.
describe('alerts in one process', { timeout: 180_000 }, () => {
  it('an "any" alert posts the match to a JSON and a Slack webhook, with a count and samples', async () => {
    const id = await create({
      name: 'api errors',
      query: 'container:api-1 error',
      rule: { kind: 'any' },
      min_interval: '0s',
      webhooks: [{ url: rx.url('/json') }, { url: rx.url('/slack'), format: 'slack' }],
    });
    await container('api-1').send(['all fine', 'error: <!channel> & <b>x</b>']);
    await rx.until(() => rx.bodies('/json').length > 0 && rx.bodies('/slack').length > 0, 'both');
    const json = rx.bodies('/json')[0]!;
    expect(json).toMatchObject({
      kind: 'firing',
      alert: { id, name: 'api errors', query: 'container:api-1 error', rule: { kind: 'any' } },
      count: 1,
      text: 'logharbor alert "api errors" 1 match of container:api-1 error',
      suppressed: 0,
    });
    expect((json.samples as { message: string }[]).map((s) => s.message)).toEqual([
      'error: <!channel> & <b>x</b>',
    ]);
    expect(typeof json.notification_id).toBe('string');
    const hit = rx.hits.find((x) => x.path === '/json')!;
    expect(hit.headers['x-logharbor-notification']).toBe(json.notification_id);
    expect(hit.headers['content-type']).toBe('application/json');
    // Slack: text only, the log line escaped so it cannot ping a channel.
    const slack = rx.bodies('/slack')[0]!;
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toContain('error: &lt;!channel&gt; &amp; &lt;b&gt;x&lt;/b&gt;');
    expect(slack.text).not.toContain('<!channel>');
    const [n] = await notificationsOf(id);
    expect(n!.deliveries.map((d) => [d.format, d.state, d.attempts])).toEqual([
      ['json', 'delivered', 1],
      ['slack', 'delivered', 1],
    ]);
  });

  it('a threshold fires once per episode and resolves; queued while the receiver is down, delivered in order', async () => {
    const id = await create({
      name: 'burst',
      query: 'container:burst-1 level>=error',
      // A window longer than the live stream may lag on a loaded machine: matches are
      // counted by when they were received.
      rule: { kind: 'threshold', more_than: 2, within: '60s' },
      min_interval: '0s',
      webhooks: [{ url: rx.url('/threshold') }],
    });
    await rx.down();
    const c = container('burst-1');
    await c.send(['{"level":"error","msg":"a"}', '{"level":"error","msg":"b"}']);
    await c.send(['{"level":"error","msg":"c"}', '{"level":"info","msg":"not counted"}']);
    await expect.poll(async () => (await alertState(id)).state, { timeout: 60_000 }).toBe('firing');
    // The window passes (the rules' clock moves): resolved.
    offset += 61_000;
    await expect.poll(async () => (await alertState(id)).state, { timeout: 60_000 }).toBe('ok');
    // Both wait for the receiver, which gets them in order once back.
    const pending = await notificationsOf(id);
    expect(pending.map((n) => [n.kind, n.deliveries[0]!.state])).toEqual([
      ['resolved', 'pending'],
      ['firing', 'pending'],
    ]);
    await rx.up();
    await rx.until(() => kinds('/threshold', id).length === 2, 'firing and resolved');
    expect(kinds('/threshold', id)).toEqual(['firing', 'resolved']);
    const [firing, resolved] = rx.bodies('/threshold');
    expect(firing).toMatchObject({ count: 3, since: expect.any(String) });
    expect(resolved).toMatchObject({ count: 3, text: expect.stringContaining('RESOLVED') });
  });

  it('a failing receiver is retried with backoff, its failures shown, and delivered once it answers', async () => {
    rx.answers.set('/flaky', 500);
    const id = await create({
      name: 'flaky',
      query: 'never-matches-anything',
      rule: { kind: 'any' },
      webhooks: [{ url: rx.url('/flaky') }],
    });
    const { notification_id } = await api('POST', `/api/alerts/${id}/test`);
    await rx.until(() => rx.bodies('/flaky').length >= 3, 'three attempts');
    const at = rx.hits.filter((x) => x.path === '/flaky').map((x) => x.at);
    // 200 ms, then 400 ms (doubling), give or take the poll.
    expect(at[2]! - at[1]!).toBeGreaterThan((at[1]! - at[0]!) * 1.4);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(150);
    const hook = (await alertState(id)).webhooks[0]!;
    expect(hook).toMatchObject({ last_error: 'HTTP 500', pending: 1, failed: 0 });

    // Down: connections refused, and said so.
    await rx.down();
    await expect
      .poll(async () => (await notificationsOf(id))[0]!.deliveries[0]!.last_error, {
        timeout: 60_000,
      })
      .toBe('ECONNREFUSED');
    rx.answers.set('/flaky', 200);
    await rx.up();
    await expect
      .poll(async () => (await notificationsOf(id))[0]!.deliveries[0]!.state, { timeout: 60_000 })
      .toBe('delivered');
    const [n] = await notificationsOf(id);
    expect(n!.id).toBe(notification_id);
    expect(n!.kind).toBe('test');
    expect(n!.deliveries[0]!.attempts).toBeGreaterThanOrEqual(4);
    const after = (await alertState(id)).webhooks[0]!;
    expect(after).toMatchObject({ last_error: null, pending: 0 });
    expect(after.last_delivered_at).not.toBeNull();
    expect(rx.bodies('/flaky').at(-1)).toMatchObject({ kind: 'test', notification_id });
  });

  it('a receiver that never answers slows neither the tail nor the other webhooks', async () => {
    rx.answers.set('/slow', 'hang');
    await create({
      name: 'slow',
      query: 'slowpoke',
      rule: { kind: 'any' },
      min_interval: '0s',
      webhooks: [{ url: rx.url('/slow') }],
    });
    const fastId = await create({
      name: 'fast',
      query: 'slowpoke',
      rule: { kind: 'any' },
      min_interval: '0s',
      webhooks: [{ url: rx.url('/fast') }],
    });
    const tail = await openTail(h.httpUrl, { q: 'slowpoke' });
    try {
      const c = container('slow-1');
      await c.send(['slowpoke 1']);
      await rx.until(
        () => rx.bodies('/slow').length >= 1 && rx.bodies('/fast').length >= 1,
        'both',
      );
      // /slow holds its request open; lines keep arriving, the tail and /fast keep up.
      const more = Array.from({ length: 20 }, (_, i) => `slowpoke ${i + 2}`);
      await c.send(more);
      await tail.waitFor(() => tail.records().length >= 21, 'the tail', 60_000);
      await rx.until(
        () =>
          rx
            .bodies('/fast')
            .reduce(
              (n, b) => n + ((b.alert as { id: string }).id === fastId ? Number(b.count) : 0),
              0,
            ) >= 21,
        'every line at /fast',
      );
      // The hung request is cut off at the timeout and counted as a failed attempt.
      const slowId = String((rx.bodies('/slow')[0]!.alert as { id: string }).id);
      await expect
        .poll(async () => (await alertState(slowId)).webhooks[0]!.last_error, { timeout: 60_000 })
        .toBe('timed out');
    } finally {
      await tail.close();
    }
  });

  it('no line from a container: fires after the silence, survives a restart mid-episode, resolves at the next line', async () => {
    offset = 0; // the rules' clock back on the collector's (see below)
    const c = container('quiet-1');
    await c.send(['still here']);
    await h.stored();
    const id = await create({
      name: 'quiet',
      rule: { kind: 'absence', container: 'quiet-1', for: '30s' },
      min_interval: '0s',
      webhooks: [{ url: rx.url('/absence') }],
    });
    offset += 31_000;
    await rx.until(() => kinds('/absence', id).length === 1, 'the firing');
    expect(rx.bodies('/absence')[0]!.text).toContain('no line from container quiet-1 for 30s');

    // The process's alert service stops (a last checkpoint) and a new one takes over while
    // the silence goes on: it carries the episode on rather than firing it again.
    await service.close();
    service = new AlertService(options()).start();
    await expect.poll(() => service.leading, { timeout: 60_000 }).toBe(true);
    const reads = clockReads;
    await expect.poll(() => clockReads - reads, { timeout: 60_000 }).toBeGreaterThan(20);
    expect(kinds('/absence', id)).toEqual(['firing']);
    // Lines are stamped by the collector's real clock: the rules' clock comes back to it,
    // or a line sent now would already look 30 s old.
    offset = 0;
    await c.send(['back again']);
    await rx.until(() => kinds('/absence', id).length === 2, 'the resolved');
    // Not fired again by the new evaluator: firing, then resolved, nothing else.
    expect(kinds('/absence', id)).toEqual(['firing', 'resolved']);
    expect(rx.bodies('/absence')[1]!.text).toContain('container quiet-1 logs again');
    expect((await alertState(id)).state).toBe('ok');
  });
});

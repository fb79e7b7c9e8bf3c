/**
 * UDP cannot be slowed down (docs/architecture.md, "The spool"): what arrives while the
 * spool is full (LOGHARBOR_SPOOL_MAX_BYTES) is dropped and counted, in /metrics
 * (logharbor_events_dropped_total{listener="syslog-udp",reason="spool_full"}) and in
 * GET /api/sources. The full spool is made certain, not raced: with a tiny spool and
 * PostgreSQL unreachable (a cut proxy), nothing spooled can be stored, so the spool stays
 * full for as long as the test wants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/log.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { startOutageProxy, until, type Outage } from './outage.js';
import { metric, row, sendUdp, source, storedRows } from './wire.js';

const DROPPED = 'logharbor_events_dropped_total';
const FLOOD = 50;

const line = (text: string): Buffer =>
  Buffer.from(`<14>1 2026-11-28T06:00:00.5Z h flood - - - ${text}`);

describe('UDP drops while the writer is overloaded', () => {
  let h: Harness;
  let outage: Outage;
  beforeAll(async () => {
    outage = await startOutageProxy();
    h = await startHarness({ LOGHARBOR_SPOOL_MAX_BYTES: '2KB' }, silentLogger, {
      databaseUrl: outage.databaseUrl,
    });
  });
  afterAll(async () => {
    outage.proxy.restore();
    await h?.close();
    await outage?.proxy.close();
  });

  const dropped = async () => ({
    api: Number((await source(h, 'syslog-udp')).dropped),
    metric: await metric(h, DROPPED, { listener: 'syslog-udp', reason: 'spool_full' }),
  });

  it('exposes the drop counters before anything is dropped', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain(`# TYPE ${DROPPED} counter`);
    expect(await source(h, 'syslog-udp')).toMatchObject({ transport: 'udp', dropped: 0 });
    expect(await dropped()).toEqual({ api: 0, metric: 0 });
  });

  it('counts every datagram of a flood that arrives while PostgreSQL is away and the spool is full', async () => {
    const port = h.port('syslog-udp');
    const received = async () => Number((await source(h, 'syslog-udp')).received);
    outage.proxy.cut();
    // Fill the spool one datagram at a time until it refuses one. Every datagram read so
    // far is kept: the one that found the spool full waits in memory for room (its
    // listener reads nothing more until then, and a datagram listener drops instead).
    const kept: string[] = [];
    while (!h.collector.sink.overloaded) {
      const text = `fill ${kept.length}: spooled, cannot be stored yet`;
      const before = await received();
      await sendUdp(port, [line(text)]);
      await until('the datagram to be read', async () => (await received()) > before);
      kept.push(text);
    }
    const dropsBefore = (await dropped()).api;
    expect(dropsBefore).toBe(0);

    await sendUdp(
      port,
      Array.from({ length: FLOOD }, (_, i) => line(`flood ${i}`)),
    );
    const total = FLOOD + dropsBefore;
    await until(`${total} drops`, async () => (await dropped()).api >= total);
    expect(await dropped()).toEqual({ api: total, metric: total });
    expect(await received()).toBe(kept.length);

    outage.proxy.restore();
    await until('the spool to drain', () => !h.collector.sink.overloaded);
    await sendUdp(port, [line('after: stored')]);
    const rows = await storedRows(h, `app = 'flood'`, kept.length + 1);
    const at = {
      ts: '2026-11-28T06:00:00.500000Z',
      host: 'h',
      app: 'flood',
      tag: 'flood',
      severity: 6,
      facility: 1,
    };
    expect(rows).toEqual([
      ...kept.map((message) => row({ ...at, message })),
      row({ ...at, message: 'after: stored' }),
    ]);
    expect(await dropped()).toEqual({ api: total, metric: total });
  });
});

/**
 * UDP cannot be slowed down (docs/architecture.md, "The writer"): what arrives while the writer is
 * past LOGHARBOR_QUEUE_MAX is dropped and counted, in /metrics
 * (logharbor_events_dropped_total{listener="syslog-udp",reason="writer_overloaded"}) and in
 * GET /api/sources. The overload is made certain, not raced: with a queue of one record
 * and PostgreSQL unreachable (a cut proxy), the first record can never be committed, so
 * the writer stays overloaded for as long as the test wants.
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
    h = await startHarness({ LOGHARBOR_QUEUE_MAX: '1' }, silentLogger, {
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
    metric: await metric(h, DROPPED, { listener: 'syslog-udp', reason: 'writer_overloaded' }),
  });

  it('exposes the drop counters before anything is dropped', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain(`# TYPE ${DROPPED} counter`);
    expect(await source(h, 'syslog-udp')).toMatchObject({ transport: 'udp', dropped: 0 });
    expect(await dropped()).toEqual({ api: 0, metric: 0 });
  });

  it('counts every datagram of a flood that arrives while PostgreSQL is away and the queue is full', async () => {
    const port = h.port('syslog-udp');
    const received = async () => Number((await source(h, 'syslog-udp')).received);
    outage.proxy.cut();
    await sendUdp(port, [line('first: queued, cannot be committed')]);
    await until('the writer to report overload', () => h.collector.writer.overloaded);

    await sendUdp(
      port,
      Array.from({ length: FLOOD }, (_, i) => line(`flood ${i}`)),
    );
    await until(`${FLOOD} drops`, async () => (await dropped()).api >= FLOOD);
    expect(await dropped()).toEqual({ api: FLOOD, metric: FLOOD });
    expect(await received()).toBe(1);

    outage.proxy.restore();
    await until('the writer to catch up', () => !h.collector.writer.overloaded);
    await sendUdp(port, [line('after: stored')]);
    const rows = await storedRows(h, `app = 'flood'`, 2);
    const at = {
      ts: '2026-11-28T06:00:00.500000Z',
      host: 'h',
      app: 'flood',
      tag: 'flood',
      severity: 6,
      facility: 1,
    };
    expect(rows).toEqual([
      row({ ...at, message: 'first: queued, cannot be committed' }),
      row({ ...at, message: 'after: stored' }),
    ]);
    expect(await dropped()).toEqual({ api: FLOOD, metric: FLOOD });
  });
});

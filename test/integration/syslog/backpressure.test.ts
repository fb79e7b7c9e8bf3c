/**
 * Backpressure (docs/architecture.md, "The spool"): while PostgreSQL is away the spool
 * takes what the senders write; once it holds LOGHARBOR_SPOOL_MAX_BYTES, logharbor stops
 * reading its syslog TCP connections (LOGHARBOR_SPOOL_WHEN_FULL=pause), so the kernel's
 * buffers fill and the sender's own writes back up (TCP flow control) instead of
 * logharbor's memory or disk growing or lines being dropped. When PostgreSQL is back the
 * spool drains, reading resumes, and every line lands, once.
 *
 * Nothing here races a clock: the outage is a cut proxy, and the checks made during it
 * hold from the moment the spool is full until the proxy is restored.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/log.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { startOutageProxy, until, type Outage } from './outage.js';
import { source } from './wire.js';
import { storedRows } from '../../../dev/stored-rows.js';

const SPOOL_MAX = 1 << 20;
/** 12 MB of lines: well past what loopback's kernel buffers hold for a reader that stopped. */
const LINES = 12_000;
const PAD = 'p'.repeat(960);

const line = (i: number): string =>
  `<14>1 2026-11-28T06:00:00Z h bp - - - line ${String(i).padStart(5, '0')} ${PAD}\n`;

describe('TCP backpressure while PostgreSQL is away', () => {
  let h: Harness;
  let outage: Outage;
  beforeAll(async () => {
    outage = await startOutageProxy();
    h = await startHarness({ LOGHARBOR_SPOOL_MAX_BYTES: String(SPOOL_MAX) }, silentLogger, {
      databaseUrl: outage.databaseUrl,
    });
  });
  afterAll(async () => {
    outage.proxy.restore();
    await h?.close();
    await outage?.proxy.close();
  });

  it('pauses the sender once the spool is full, keeps it bounded, then stores every line once', async () => {
    const received = async () => Number((await source(h, 'syslog-tcp')).received);
    outage.proxy.cut();
    const socket = net.connect(h.port('syslog-tcp'), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // Everything is handed to the socket at once; what the kernel will not take waits in
    // the socket's own buffer (writableLength).
    for (let i = 0; i < LINES; i += 100) {
      socket.write(Array.from({ length: 100 }, (_, k) => line(i + k)).join(''));
    }

    await until('the spool to report full', () => h.collector.sink.status().full);
    // Once logharbor stops reading, what it has received stops growing; sample until it has.
    let seen = -1;
    await until('logharbor to stop reading', async () => {
      const now = await received();
      const still = now === seen;
      seen = now;
      if (!still) await new Promise((r) => setTimeout(r, 200));
      return still;
    });

    // Paused: what was read is the spool's worth plus at most a read or two, not the 12 MB.
    expect(seen).toBeLessThan(SPOOL_MAX / 1000 + 1000);
    expect(h.collector.sink.status().spool_bytes).toBeLessThanOrEqual(SPOOL_MAX);
    expect(h.collector.sink.status().full).toBe(true);
    // The sender is held back by TCP itself, and its connection stays open.
    expect(socket.writableLength).toBeGreaterThan(0);
    expect((await source(h, 'syslog-tcp')).connections).toBe(1);
    expect(Number((await source(h, 'syslog-tcp')).dropped)).toBe(0);

    outage.proxy.restore();
    await new Promise<void>((resolve) => socket.end(resolve));
    const count = async () =>
      (
        await h.pool.query<{ n: string; d: string }>(
          `SELECT count(*) AS n, count(DISTINCT message) AS d FROM ${await storedRows(h.pool)} WHERE app = 'bp'`,
        )
      ).rows[0]!;
    await until(`${LINES} rows`, async () => Number((await count()).n) >= LINES, 60_000);
    expect(await count()).toEqual({ n: String(LINES), d: String(LINES) });
    const ends = await h.pool.query<{ message: string }>(
      `SELECT message FROM ${await storedRows(h.pool)} WHERE app = 'bp' ORDER BY id LIMIT 1`,
    );
    expect(ends.rows[0]!.message).toBe(line(0).slice(line(0).indexOf('line'), -1));
    expect(await received()).toBe(LINES);
  });
});

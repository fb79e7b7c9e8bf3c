/**
 * Issues 6 and 16, "PostgreSQL outages": PostgreSQL is stopped (fast shutdown) or its
 * postmaster killed with SIGKILL (crash recovery on restart) under a running logharbor
 * while a forward client with acks and a syslog TCP sender keep sending, then started
 * again on the same data directory and port. The spool keeps acking through the outage
 * (PostgreSQL's availability is not the senders'), and once PostgreSQL is back every
 * acked forward event is in `logs` exactly once and every syslog line written lands once:
 * logharbor never went away, so nothing may drop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { startServer, type BenchServer } from '../../../dev/server.js';
import { startEmbedded, type EmbeddedServer } from '../../../core/db/embedded.js';
import { ResendingForwardClient } from './forward-client.js';
import { killPostmaster, restartEmbedded } from './postgres-process.js';
import { SyslogTcpSender } from './syslog-sender.js';
import { lostOf, printRow, storedMessages, waitFor } from './tally.js';

// synchronous_commit stays on: a killed postmaster must not take acked commits with it.
const settings = { fsync: 'off', shared_buffers: '32MB' };
const dirs: string[] = [];
let db: EmbeddedServer | undefined;
let server: BenchServer | undefined;
let client: ResendingForwardClient | undefined;

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

afterEach(async () => {
  client?.close();
  await server?.stop();
  await db?.stop();
  [client, server, db] = [undefined, undefined, undefined];
});

it.each(['stopped', 'SIGKILLed'] as const)(
  'stores every acked event once when PostgreSQL is %s and restarted',
  { timeout: 180_000 },
  async (how) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-rel-pg-'));
    dirs.push(dataDir);
    db = await startEmbedded({ dataDir, settings });
    const { url, port: pgPort } = db;
    const srv = await startServer({ DATABASE_URL: url, LOGHARBOR_LOG_LEVEL: 'fatal' });
    server = srv;
    const fwd = new ResendingForwardClient({
      port: () => srv.ports['forward-tcp']!,
      tag: 'relpg',
      perChunk: 20,
      inFlight: 4,
      ackTimeoutMs: 2000,
    });
    client = fwd;
    const syslog = new SyslogTcpSender(() => srv.ports['syslog-tcp']!, 'relpgsys');
    fwd.start();
    syslog.start();
    await waitFor('acks before the outage', () => fwd.acked.size >= 20, 60_000);

    if (how === 'stopped') await db.stop();
    else await killPostmaster(dataDir);
    db = undefined;
    const downAt = Date.now();
    const ackedSince = (t: number) => fwd.ackTimes.filter((a) => a >= t).length;
    // The spool acks through the outage: the sender is not held while PostgreSQL is away.
    await waitFor('acks during the outage', () => ackedSince(downAt) >= 40, 30_000);
    // Then 2 s more of outage: its length is the fault under test ("~2 s"), not a wait.
    await new Promise((r) => setTimeout(r, 2000));
    const ackedDuringOutage = ackedSince(downAt);

    db = await restartEmbedded(dataDir, pgPort, settings);
    const upAt = Date.now();
    const ackedBeforeUp = fwd.ackedEvents();
    await waitFor(
      'what was acked during the outage to be stored',
      async () => lostOf(ackedBeforeUp, await storedMessages(url, 'relpg %')) === 0,
      60_000,
    ).catch(async (e: Error) => {
      // Seen once on CI under load: say where the drain stood.
      const metrics = await (await fetch(`${srv.http}/metrics`)).text();
      const spool = metrics.split('\n').filter((l) => /^logharbor_(spool|postgres|writer)/.test(l));
      const lost = lostOf(ackedBeforeUp, await storedMessages(url, 'relpg %'));
      throw new Error(`${e.message}: ${lost} not stored; ${spool.join('; ')}`);
    });
    const recoveryMs = Date.now() - upAt;

    await fwd.finish(60_000);
    await syslog.stop();
    let logs = await storedMessages(url, 'relpgsys %');
    await waitFor(
      'every syslog line',
      async () => (logs = await storedMessages(url, 'relpgsys %')).distinct.size >= syslog.sent,
      60_000,
    );
    const events = await storedMessages(url, 'relpg %');
    const acked = fwd.ackedEvents();
    const lost = lostOf(acked, events);
    printRow({
      fault: `PostgreSQL ${how} ~2 s, restarted (forward)`,
      load: 'forward 4 chunks x 20 in flight, resend after 2 s',
      sent: fwd.sentEvents,
      acked: acked.length,
      stored: events.distinct.size,
      duplicates: events.duplicates,
      lost,
      recovery: `${ackedDuringOutage} events acked during the outage; stored ${recoveryMs} ms after PostgreSQL was back; ${fwd.resentChunks} chunks resent`,
    });
    printRow({
      fault: `PostgreSQL ${how} ~2 s, restarted (syslog tcp)`,
      load: 'syslog tcp ~500 lines/s',
      sent: syslog.sent,
      acked: 'n/a',
      stored: logs.distinct.size,
      duplicates: logs.duplicates,
      lost: syslog.sent - logs.distinct.size,
      recovery: '-',
    });
    expect(ackedDuringOutage).toBeGreaterThanOrEqual(40);
    expect(acked.length).toBe(fwd.sentEvents); // the client finished: everything acked
    expect(lost).toBe(0);
    expect(events.duplicates).toBe(0);
    expect(events.distinct.size).toBe(fwd.sentEvents);
    expect(logs.duplicates).toBe(0);
    expect(logs.distinct.size).toBe(syslog.sent);
  },
);

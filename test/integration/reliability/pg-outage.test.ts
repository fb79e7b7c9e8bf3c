/**
 * Issue 6, "PostgreSQL outages": PostgreSQL is stopped (fast shutdown) or its postmaster
 * killed with SIGKILL (crash recovery on restart) under a running logharbor while a
 * forward client with acks and a syslog TCP sender keep sending, then started again on
 * the same data directory and port. Every acked forward event must be in `logs` exactly
 * once (the client resent unacked chunks with the same ids during the outage), and every
 * syslog line written must land once: logharbor never went away, so nothing may drop.
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
    // Hold the outage until the client has given up on at least one ack and resent.
    const resentBefore = fwd.resentChunks;
    await waitFor('a resend during the outage', () => fwd.resentChunks > resentBefore, 30_000);
    // Then 2 s more of outage: its length is the fault under test ("~2 s"), not a wait.
    await new Promise((r) => setTimeout(r, 2000));

    db = await restartEmbedded(dataDir, pgPort, settings);
    const upAt = Date.now();
    await waitFor('an ack after the restart', () => fwd.ackTimes.some((t) => t >= upAt), 60_000);
    const recoveryMs = fwd.ackTimes.find((t) => t >= upAt)! - upAt;
    const ackedAtRecovery = fwd.acked.size;
    await waitFor('more acks', () => fwd.acked.size >= ackedAtRecovery + 20, 60_000);

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
      recovery: `${recoveryMs} ms to first ack; ${fwd.resentChunks} chunks resent`,
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
    expect(fwd.resentChunks).toBeGreaterThan(0);
    expect(acked.length).toBe(fwd.sentEvents); // the client finished: everything acked
    expect(lost).toBe(0);
    expect(events.duplicates).toBe(0);
    expect(events.distinct.size).toBe(fwd.sentEvents);
    expect(logs.duplicates).toBe(0);
    expect(logs.distinct.size).toBe(syslog.sent);
  },
);

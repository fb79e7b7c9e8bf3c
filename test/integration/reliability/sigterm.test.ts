/**
 * Issue 6, "Graceful shutdown": SIGTERM while a forward client with acks and a syslog
 * TCP sender keep sending. logharbor must commit and ack what it holds and exit within a
 * bound; every event it acked must be in `logs` once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../../../dev/server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { ResendingForwardClient } from './forward-client.js';
import { SyslogTcpSender } from './syslog-sender.js';
import { lostOf, printRow, storedMessages, waitFor } from './tally.js';

/** The bound on a graceful exit this test holds logharbor to. */
const EXIT_BOUND_MS = 30_000;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('rel_term');
});
afterAll(async () => {
  await db?.drop();
});

it('acks only what it stored and exits within the bound', { timeout: 180_000 }, async () => {
  const srv = await startServer({ DATABASE_URL: db.url, LOGHARBOR_LOG_LEVEL: 'fatal' });
  const fwd = new ResendingForwardClient({
    port: () => srv.ports['forward-tcp']!,
    tag: 'relterm',
    perChunk: 20,
    inFlight: 8,
    ackTimeoutMs: 5000,
  });
  const syslog = new SyslogTcpSender(() => srv.ports['syslog-tcp']!, 'reltermsys');
  try {
    fwd.start();
    syslog.start();
    await waitFor('acks before SIGTERM', () => fwd.acked.size >= 30, 60_000);

    const exited = new Promise<number | null>((r) => srv.proc.once('exit', r));
    const termAt = Date.now();
    srv.proc.kill('SIGTERM');
    const code = await exited;
    const exitMs = Date.now() - termAt;
    // Acks written before the exit are read before the connection's close is seen.
    const closesAtExit = fwd.closes;
    await waitFor('the client to see the close', () => fwd.closes > closesAtExit, 10_000);
    fwd.close();
    await syslog.stop();

    const events = await storedMessages(db.url, 'relterm %');
    const logs = await storedMessages(db.url, 'reltermsys %');
    const acked = fwd.ackedEvents();
    const lost = lostOf(acked, events);
    printRow({
      fault: 'SIGTERM mid-ingest (forward)',
      load: 'forward 8 chunks x 20 in flight + syslog tcp',
      sent: fwd.sentEvents,
      acked: acked.length,
      stored: events.distinct.size,
      duplicates: events.duplicates,
      lost,
      recovery: `exit ${code} after ${exitMs} ms`,
    });
    printRow({
      fault: 'SIGTERM mid-ingest (syslog tcp)',
      load: 'syslog tcp ~500 lines/s',
      sent: syslog.sent,
      acked: 'n/a',
      stored: logs.distinct.size,
      duplicates: logs.duplicates,
      lost: `${syslog.sent - logs.distinct.size} (unacked protocol)`,
      recovery: '-',
    });
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
    expect(lost).toBe(0);
    // What was committed was also acked before the connections closed.
    expect(acked.length).toBe(events.distinct.size);
    expect(events.duplicates).toBe(0);
    expect(logs.duplicates).toBe(0);
  } finally {
    fwd.close();
    await syslog.stop();
    if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.stop();
  }
});

/**
 * Issue 6, "Graceful shutdown", with the spool (issue 16, "Stop and start"): SIGTERM while
 * a forward client with acks and a syslog TCP sender keep sending. logharbor acks what
 * its spool holds and exits within a bound, leaving what PostgreSQL does not have yet in
 * the spool; the next start on the same data directory stores it: every event it acked
 * is in `logs` once, and nothing read is stored twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

it(
  'acks what its spool holds, exits within the bound, and the next start stores the rest',
  { timeout: 180_000 },
  async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-rel-term-'));
    const env = { DATABASE_URL: db.url, LOGHARBOR_DATA_DIR: dataDir, LOGHARBOR_LOG_LEVEL: 'fatal' };
    let srv = await startServer(env);
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
      const acked = fwd.ackedEvents();

      // The next start drains what the spool kept.
      srv = await startServer(env);
      await waitFor(
        'every acked event stored after the restart',
        async () => lostOf(acked, await storedMessages(db.url, 'relterm %')) === 0,
        60_000,
      );
      const events = await storedMessages(db.url, 'relterm %');
      const logs = await storedMessages(db.url, 'reltermsys %');
      const lost = lostOf(acked, events);
      printRow({
        fault: 'SIGTERM mid-ingest (forward)',
        load: 'forward 8 chunks x 20 in flight + syslog tcp',
        sent: fwd.sentEvents,
        acked: acked.length,
        stored: events.distinct.size,
        duplicates: events.duplicates,
        lost,
        recovery: `exit ${code} after ${exitMs} ms; the rest stored by the next start`,
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
      // Nothing is stored that was not sent (the client resends what it had no ack for).
      expect(events.distinct.size).toBeLessThanOrEqual(fwd.sentEvents);
      expect(events.duplicates).toBe(0);
      expect(logs.duplicates).toBe(0);
    } finally {
      fwd.close();
      await syslog.stop();
      if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

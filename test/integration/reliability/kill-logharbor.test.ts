/**
 * Issue 6, "SIGKILL loses nothing that was acked": logharbor (with its embedded
 * PostgreSQL) is killed with SIGKILL mid-ingest and started again on the same data
 * directory; the next start stops the orphaned postmaster itself (core/db/embedded.ts
 * stopOrphan). The forward client reconnects and resends every unacked chunk with the
 * same id: every acked event must be stored once, and resent chunks add no duplicates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startServer, type BenchServer } from '../../../dev/server.js';
import { ResendingForwardClient } from './forward-client.js';
import { embeddedUrl } from './postgres-process.js';
import { lostOf, printRow, storedMessages, waitFor } from './tally.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-rel-kill-'));
const env = { LOGHARBOR_DATA_DIR: dataDir, LOGHARBOR_LOG_LEVEL: 'fatal' };
let server: BenchServer | undefined;
let client: ResendingForwardClient | undefined;

afterAll(async () => {
  client?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('stores every acked event once after kill -9 and restart', { timeout: 180_000 }, async () => {
  let srv = await startServer(env);
  server = srv;
  const fwd = new ResendingForwardClient({
    port: () => srv.ports['forward-tcp']!,
    tag: 'relkill',
    perChunk: 20,
    inFlight: 8,
    ackTimeoutMs: 2000,
  });
  client = fwd;
  fwd.start();
  await waitFor('acks before the kill', () => fwd.acked.size >= 30, 60_000);

  const exited = new Promise((r) => srv.proc.once('exit', r));
  srv.proc.kill('SIGKILL');
  await exited;
  const killedAt = Date.now();
  const ackedAtKill = fwd.acked.size;
  srv = await startServer(env);
  server = srv;
  await waitFor('an ack after the restart', () => fwd.ackTimes.some((t) => t >= killedAt), 60_000);
  const recoveryMs = fwd.ackTimes.find((t) => t >= killedAt)! - killedAt;
  await waitFor('more acks', () => fwd.acked.size >= ackedAtKill + 30, 60_000);
  await fwd.finish(60_000);
  // Acks follow the spool write: the last ones may still be on their way to PostgreSQL.
  const acked = fwd.ackedEvents();
  await waitFor(
    'every acked event stored',
    async () => lostOf(acked, await storedMessages(embeddedUrl(dataDir), 'relkill %')) === 0,
    60_000,
  );

  const events = await storedMessages(embeddedUrl(dataDir), 'relkill %');
  const lost = lostOf(acked, events);
  printRow({
    fault: 'logharbor SIGKILL, restarted on same data dir (embedded PG orphan stopped)',
    load: 'forward 8 chunks x 20 in flight, resend on reconnect',
    sent: fwd.sentEvents,
    acked: acked.length,
    stored: events.distinct.size,
    duplicates: events.duplicates,
    lost,
    recovery: `${recoveryMs} ms kill to first ack; ${fwd.resentChunks} chunks resent`,
  });
  expect(fwd.resentChunks).toBeGreaterThan(0);
  expect(acked.length).toBe(fwd.sentEvents);
  expect(lost).toBe(0);
  expect(events.duplicates).toBe(0);
  expect(events.distinct.size).toBe(fwd.sentEvents);
});

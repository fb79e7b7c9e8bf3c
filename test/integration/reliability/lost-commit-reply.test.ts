/**
 * The worst instant of a PostgreSQL outage: a batch's COMMIT ran and the connection died
 * before its reply came back. The writer cannot tell that from a batch that failed, and
 * writes it again; it must look up what is stored first (collector/writer/
 * spool-drained.ts), or every unit of the batch but the first is stored twice and the
 * first is taken for refused (the CI run of 81d51de: one line of the real-container
 * outage test stored twice).
 *
 * The fault is real: a proxy between logharbor and PostgreSQL lets a closing query of
 * several spooled units through, waits for PostgreSQL's answer that it committed, and
 * closes the connection instead of passing the answer on (test/support/tcp-proxy.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startHarness } from '../../support/harness.js';
import { createFluentSender } from '../../support/fluent-logger.js';
import { captureLog } from '../api/captured-log.js';
import { startOutageProxy } from '../syslog/outage.js';

const EVENTS = 400;
const outage = await startOutageProxy();
const captured = captureLog('info');
const h = await startHarness({}, captured.log, { databaseUrl: outage.databaseUrl });

afterAll(async () => {
  await h.close();
  await outage.proxy.close();
});

/** Spooled units a writer's closing query records: its spool_drained ranges, summed. */
function unitsRecorded(sent: Buffer): number {
  const text = sent.toString('latin1');
  const at = text.indexOf('INSERT INTO spool_drained');
  if (at < 0 || !text.includes('COMMIT')) return 0;
  let n = 0;
  for (const m of text.slice(at).matchAll(/\('[^']*', (\d+), (\d+)\)/g))
    n += Number(m[2]) - Number(m[1]) + 1;
  return n;
}

it(
  'stores every line of a batch whose commit reply was lost once, and refuses none',
  { timeout: 60_000 },
  async () => {
    let lostUnits = 0;
    const sprung = outage.proxy.loseReply((d) => {
      lostUnits = unitsRecorded(d);
      return lostUnits >= 2;
    });
    const sender = createFluentSender('lost', {
      host: '127.0.0.1',
      port: h.forwardPort,
      timeout: 10,
    });
    sender.on('error', () => undefined);
    // One emit, one Message-mode request, one spooled unit: batches gather several.
    const sent = Array.from(
      { length: EVENTS },
      (_, i) =>
        new Promise<void>((resolve, reject) =>
          sender.emit('reply', { log: `line ${i}` }, (e) => (e ? reject(e) : resolve())),
        ),
    );
    await Promise.all(sent);
    await Promise.race([
      sprung,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error('no closing query of several units passed')),
          30_000,
        ).unref(),
      ),
    ]);
    expect(lostUnits).toBeGreaterThanOrEqual(2);

    const rows = await h.waitForRows(EVENTS, `tag = 'lost.reply'`, 30_000);
    sender.end();
    const messages = rows.map((r) => r.message as string);
    expect(new Set(messages).size).toBe(messages.length); // nothing doubled
    expect(messages.sort()).toEqual(Array.from({ length: EVENTS }, (_, i) => `line ${i}`).sort()); // nothing lost
    // Nothing taken for refused: the stored units are not in refused.ndjson nor counted dropped.
    expect(existsSync(path.join(h.cfg.spoolDir, 'refused.ndjson'))).toBe(false);
    const dropped = (await h.telemetry.dropped.get()).values.reduce((n, v) => n + v.value, 0);
    expect(dropped).toBe(0);
    // The writer saw the reply lost and found the batch stored.
    const restored = captured
      .entries()
      .filter((e) => String(e.msg).startsWith('an earlier attempt'));
    expect(restored.map((e) => e.units)).toEqual([lostUnits]);
  },
);

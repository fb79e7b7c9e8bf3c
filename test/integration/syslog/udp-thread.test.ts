/**
 * Syslog over UDP is read on a thread of its own (collector/listen/threaded-udp.ts): while
 * logharbor's main thread is busy, datagrams still leave the kernel's receive buffer,
 * which otherwise drops what does not fit. The fault: util-linux `logger` sends more
 * datagram bytes than the socket's receive buffer can hold at all (twice
 * net.core.rmem_max, what the kernel grants at most) while the main thread is held by a
 * synchronous spawn of that very `logger` until it has sent the last one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireProgram } from '../../../dev/programs.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { absent } from '../../support/skip.js';

const LINE_BYTES = 1200;

describe.skipIf(absent('logger'))('UDP read while the main thread is held', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lh-udp-thread-'));
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'stores every datagram sent while the main thread could not run',
    { timeout: 120_000 },
    async () => {
      const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
      // More message bytes than the largest receive buffer holds, before any per-datagram overhead.
      const count = Math.ceil((2 * Math.min(rmemMax, 8 << 20)) / LINE_BYTES) + 1000;
      const pad = 'x'.repeat(LINE_BYTES);
      const file = path.join(dir, 'lines');
      writeFileSync(
        file,
        Array.from({ length: count }, (_, i) => `u-${i} ${pad}`).join('\n') + '\n',
      );
      const port = String(h.port('syslog-udp'));
      const r = spawnSync(
        requireProgram('logger'),
        [
          '-d',
          '-n',
          '127.0.0.1',
          '-P',
          port,
          '--rfc5424',
          '--size',
          '4096',
          '-t',
          'udpthread',
          '-f',
          file,
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);

      const rows = await h.waitForRows(count, `message LIKE 'u-%'`, 60_000);
      const ids = new Set(rows.map((x) => String(x.message).split(' ')[0]));
      expect(ids.size).toBe(count);
      expect(rows).toHaveLength(count);
      const dropped = (await h.telemetry.dropped.get()).values.reduce((n, v) => n + v.value, 0);
      expect(dropped).toBe(0);
    },
  );
});

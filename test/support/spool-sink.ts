/**
 * A SpoolSink as the spool tests open it (fsync on, small segments, the drain started),
 * and a wait until it has stored everything it took.
 */
import type { Pool } from '../../core/db/pool.js';
import { silentLogger } from '../../core/log.js';
import { Telemetry } from '../../core/telemetry.js';
import { SpoolSink, type SpoolSinkOptions } from '../../collector/sink/spool-sink.js';

export async function openTestSink(
  pool: Pool,
  dir: string,
  opts: Partial<SpoolSinkOptions> = {},
): Promise<SpoolSink> {
  const sink = await SpoolSink.open(
    pool,
    {
      dir,
      sync: 'always',
      syncIntervalMs: 500,
      maxBytes: 64 << 20,
      whenFull: 'pause',
      ackAfter: 'spool',
      batchSize: 200,
      flushMs: 0,
      window: 500,
      segmentBytes: 256 << 10,
      ...opts,
    },
    silentLogger,
    new Telemetry(),
  );
  await sink.startDrain();
  return sink;
}

/** Resolves once nothing waits in the spool or the writer; throws after `timeoutMs`. */
export async function drained(sink: SpoolSink, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sink.status().waiting > 0 || sink.writer.depth > 0) {
    if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(sink.status())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A UDP listener whose socket is read on a worker thread (udp-thread.ts), for syslog over
 * UDP: a datagram sender cannot be slowed, and the kernel drops what arrives while its
 * receive buffer is full. Read on the main thread, the buffer (4 MiB at most here, about
 * 4,000 small datagrams with the kernel's overhead) filled whenever the main thread was
 * busy for half a second: 41% of 10,000 lines/s were lost through and after a
 * PostgreSQL outage (BENCHMARKS.md of 2026-12-07), most of them while the spool drained.
 *
 * The main thread gets the datagrams in batches (`onBatch`), so a burst becomes one spool
 * unit rather than one unit per datagram.
 */
import type { ListenerHealth } from '../../core/telemetry.js';
import { startWorker } from '../../core/worker-thread.js';
import { UDP_RECV_BUFFER_BYTES, type UdpBind, type UdpListener } from './udp-listener.js';
import type { UdpThreadInput, UdpThreadMessage } from './udp-thread.js';

export interface ThreadedUdpOptions extends UdpBind {
  /** The datagrams the thread read since the last batch, in arrival order. */
  onBatch: (datagrams: Buffer[], health: ListenerHealth) => void;
}

/** Datagram bytes read and not yet taken by the main thread, at most. */
const MAX_BACKLOG_BYTES = 64 << 20;

export async function listenUdpThreaded(o: ThreadedUdpOptions): Promise<UdpListener> {
  const health = o.telemetry.addListener(o.name, o.protocol, 'udp', `${o.host}:${o.port}`);
  const backlog = new SharedArrayBuffer(4);
  const pending = new Int32Array(backlog);
  const input: UdpThreadInput = {
    host: o.host,
    port: o.port,
    recvBufferBytes: UDP_RECV_BUFFER_BYTES,
    maxBacklogBytes: MAX_BACKLOG_BYTES,
    backlog,
  };
  const worker = startWorker(import.meta.url, 'udp-thread', input);
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  let ready = false;
  const port = await new Promise<number>((resolve, reject) => {
    worker.on('error', (e) => {
      if (!ready) reject(e);
      else o.log.error({ listener: o.name, err: e.message }, 'udp reader thread failed');
    });
    worker.on('message', (m: UdpThreadMessage) => {
      switch (m.kind) {
        case 'ready':
          ready = true;
          resolve(m.port);
          return;
        case 'error':
          if (!ready) reject(new Error(m.message));
          else o.log.error({ listener: o.name, err: m.message }, 'udp socket error');
          return;
        case 'batch': {
          Atomics.sub(pending, 0, m.data.byteLength);
          if (m.dropped > 0) o.telemetry.onDropped(health, m.dropped, 'reader_backlog_full');
          const datagrams: Buffer[] = [];
          let at = 0;
          for (const n of m.lengths) {
            datagrams.push(Buffer.from(m.data, at, n));
            at += n;
          }
          if (datagrams.length > 0) o.onBatch(datagrams, health);
        }
      }
    });
  }).catch(async (e: Error) => {
    await worker.terminate();
    throw e;
  });
  health.address = `${o.host}:${port}`;
  return {
    name: o.name,
    address: health.address,
    port,
    health,
    async close() {
      worker.postMessage({ kind: 'close' });
      await exited;
    },
  };
}

/**
 * The worker thread of threaded-udp.ts: binds the UDP socket and does nothing but read
 * it, so datagrams leave the kernel's receive buffer however busy the main thread is (a
 * drain after a PostgreSQL outage, a compaction, a GC). What it reads goes to the main
 * thread in batches, one per turn of this thread's event loop (libuv reads up to 32
 * datagrams a turn), as one transferred buffer: no copy per datagram across threads.
 *
 * What waits for the main thread is bounded (`maxBacklogBytes`, counted in a shared
 * counter the main thread lowers as it takes batches); past it datagrams are dropped here
 * and counted, as the kernel would drop them, but visibly.
 */
import dgram from 'node:dgram';
import { parentPort } from 'node:worker_threads';
import { workerInput } from '../../core/worker-thread.js';

export interface UdpThreadInput {
  host: string;
  port: number;
  recvBufferBytes: number;
  maxBacklogBytes: number;
  /** Int32 slot 0: bytes posted and not yet taken by the main thread. */
  backlog: SharedArrayBuffer;
}

export type UdpThreadMessage =
  | { kind: 'ready'; port: number }
  | { kind: 'error'; message: string }
  | { kind: 'batch'; data: ArrayBuffer; lengths: Uint32Array; dropped: number };

const input = workerInput<UdpThreadInput>();
const port = parentPort!;
const backlog = new Int32Array(input.backlog);
const socket = dgram.createSocket({ type: input.host.includes(':') ? 'udp6' : 'udp4' });

let held: Buffer[] = [];
let heldBytes = 0;
let dropped = 0;
let flushing = false;

const post = (m: UdpThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function flush(): void {
  flushing = false;
  if (held.length === 0 && dropped === 0) return;
  const data = new ArrayBuffer(heldBytes);
  const bytes = new Uint8Array(data);
  const lengths = new Uint32Array(held.length);
  let at = 0;
  held.forEach((b, i) => {
    bytes.set(b, at);
    lengths[i] = b.length;
    at += b.length;
  });
  Atomics.add(backlog, 0, heldBytes);
  post({ kind: 'batch', data, lengths, dropped }, [data]);
  held = [];
  heldBytes = 0;
  dropped = 0;
}

socket.on('message', (msg) => {
  if (Atomics.load(backlog, 0) + heldBytes + msg.length > input.maxBacklogBytes) dropped++;
  else {
    held.push(msg);
    heldBytes += msg.length;
  }
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
});
// Before 'ready' an error means the bind failed (the main thread rejects the start).
socket.on('error', (e) => post({ kind: 'error', message: e.message }));
socket.bind(input.port, input.host, () => {
  try {
    socket.setRecvBufferSize(input.recvBufferBytes);
  } catch {
    // The kernel caps it (net.core.rmem_max); the default still works.
  }
  post({ kind: 'ready', port: socket.address().port });
});

port.on('message', (m: { kind: 'close' }) => {
  if (m.kind !== 'close') return;
  socket.close(() => {
    flush();
    port.close();
  });
});

/**
 * A plain TCP client for protocol tests: writes exact bytes (optionally in pieces),
 * collects what the server sends back, and tells when the server closed the connection.
 */
import net from 'node:net';

export interface RawClient {
  socket: net.Socket;
  received(): Buffer;
  closed: Promise<void>;
  isClosed(): boolean;
  /** Writes the bytes in pieces cut at the given offsets, each piece its own write. */
  write(bytes: Buffer, cuts?: number[]): Promise<void>;
  /** Resolves once `predicate(received)` holds, or rejects after `timeoutMs`. */
  until(predicate: (received: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  end(): void;
}

export async function rawClient(port: number, host = '127.0.0.1'): Promise<RawClient> {
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) =>
    socket.once('connect', resolve).once('error', reject),
  );
  const chunks: Buffer[] = [];
  let isClosed = false;
  const waiters = new Set<() => void>();
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    for (const w of waiters) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      for (const w of waiters) w();
      resolve();
    }),
  );
  const received = () => Buffer.concat(chunks);
  return {
    socket,
    received,
    closed,
    isClosed: () => isClosed,
    async write(bytes, cuts = []) {
      let at = 0;
      for (const cut of [...cuts, bytes.length]) {
        if (cut <= at) continue;
        await new Promise<void>((r) => socket.write(bytes.subarray(at, cut), () => r()));
        // A pause lets each piece arrive as its own read on the server.
        await new Promise((r) => setImmediate(r));
        at = cut;
      }
    },
    until(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const r = received();
          if (predicate(r)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(r);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; received ${received().length} bytes, closed=${isClosed}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    end: () => socket.end(),
  };
}

/**
 * A TCP proxy in front of PostgreSQL that a test can cut and restore, to play a
 * database outage without stopping the server the other tests share; and that can lose
 * one reply, to play the worst instant of an outage: PostgreSQL ran a COMMIT and the
 * connection died before its answer came back.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Closes every proxied connection and refuses new ones. */
  cut(): void;
  restore(): void;
  /**
   * Arms a trap: the next client message for which `match` is true goes to PostgreSQL,
   * and once PostgreSQL has answered it whole (ReadyForQuery), that connection is closed
   * instead of the answer being passed on. Resolves when it has done so.
   */
  loseReply(match: (sent: Buffer) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** ReadyForQuery, idle (PostgreSQL protocol, "Message Formats"): the statement ended, committed. */
const READY_IDLE = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

interface Trap {
  match: (sent: Buffer) => boolean;
  on: net.Socket | null;
  reply: Buffer;
  sprung: () => void;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let up = true;
  let trap: Trap | null = null;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    forward(client, upstream, (d) => {
      if (trap && !trap.on && trap.match(d)) trap.on = client;
      return true;
    });
    forward(upstream, client, (d) => {
      if (!trap || trap.on !== client) return true;
      trap.reply = Buffer.concat([trap.reply, d]);
      if (trap.reply.includes(READY_IDLE)) {
        const t = trap;
        trap = null;
        drop();
        t.sprung();
      }
      return false;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      up = false;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      up = true;
    },
    loseReply(match) {
      return new Promise((sprung) => {
        trap = { match, on: null, reply: Buffer.alloc(0), sprung };
      });
    },
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Copies `from` to `to` (with backpressure) what `pass` lets through. */
function forward(from: net.Socket, to: net.Socket, pass: (d: Buffer) => boolean): void {
  from.on('data', (d: Buffer) => {
    if (!pass(d) || to.destroyed) return;
    if (!to.write(d)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
}

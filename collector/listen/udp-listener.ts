/**
 * A UDP listener shared by the syslog source and the forward heartbeat. Datagrams that
 * arrive faster than they can be handled are dropped by the kernel; Node cannot see
 * those, so the receive buffer is made large and what the handler itself must drop is
 * counted by the caller.
 */
import dgram from 'node:dgram';
import type { Logger } from '../../core/log.js';
import type { ListenerHealth, Telemetry } from '../../core/telemetry.js';

/** Where and as what a UDP listener binds (also threaded-udp.ts's). */
export interface UdpBind {
  name: string;
  protocol: string;
  host: string;
  port: number;
  log: Logger;
  telemetry: Telemetry;
}

/** The receive buffer asked of the kernel (net.core.rmem_max caps it). */
export const UDP_RECV_BUFFER_BYTES = 8 << 20;

export interface UdpListenerOptions extends UdpBind {
  onMessage: (
    msg: Buffer,
    rinfo: dgram.RemoteInfo,
    socket: dgram.Socket,
    health: ListenerHealth,
  ) => void;
}

export interface UdpListener {
  name: string;
  address: string;
  port: number;
  health: ListenerHealth;
  close(): Promise<void>;
}

export async function listenUdp(o: UdpListenerOptions): Promise<UdpListener> {
  const socket = dgram.createSocket({
    type: o.host.includes(':') ? 'udp6' : 'udp4',
    reuseAddr: false,
  });
  const health = o.telemetry.addListener(o.name, o.protocol, 'udp', `${o.host}:${o.port}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port, o.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  try {
    socket.setRecvBufferSize(UDP_RECV_BUFFER_BYTES);
  } catch {
    // The kernel caps it (net.core.rmem_max); the default still works.
  }
  socket.on('error', (e) => o.log.error({ listener: o.name, err: e.message }, 'udp socket error'));
  socket.on('message', (msg, rinfo) => o.onMessage(msg, rinfo, socket, health));
  const port = socket.address().port;
  health.address = `${o.host}:${port}`;
  return {
    name: o.name,
    address: health.address,
    port,
    health,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/**
 * A unix datagram socket (like /dev/log): one syslog message per datagram. Node has no
 * AF_UNIX SOCK_DGRAM support, so this uses the native `unix-dgram` module, an optional
 * dependency: where it could not be built (no compiler at install), asking for this
 * listener stops start-up with a message saying so.
 */
import { createRequire } from 'node:module';
import { chmodSync, rmSync } from 'node:fs';
import type { ListenerHealth, Telemetry } from '../../core/telemetry.js';
import { Errors, LogharborError } from '../../core/errors.js';

interface UnixDgramSocket {
  bind(path: string): void;
  close(): void;
  on(ev: 'error', cb: (e: Error) => void): void;
  on(ev: 'listening', cb: () => void): void;
}
interface UnixDgramModule {
  createSocket(type: 'unix_dgram', onMessage: (msg: Buffer) => void): UnixDgramSocket;
}

export interface UnixDgramListener {
  name: string;
  address: string;
  health: ListenerHealth;
  close(): Promise<void>;
}

function loadModule(): UnixDgramModule {
  try {
    return createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  } catch (e) {
    throw new LogharborError(
      Errors.CONFIG_INVALID,
      `LOGHARBOR_SYSLOG_DGRAM_SOCKET: unix datagram sockets need the optional native module unix-dgram, which is not installed (${(e as Error).message}); install a C++ compiler and run npm ci again, or use LOGHARBOR_SYSLOG_SOCKET (stream) or UDP`,
    );
  }
}

export async function listenUnixDgram(o: {
  name: string;
  protocol: string;
  path: string;
  telemetry: Telemetry;
  onMessage: (msg: Buffer, health: ListenerHealth) => void;
}): Promise<UnixDgramListener> {
  const mod = loadModule();
  const health = o.telemetry.addListener(o.name, o.protocol, 'unix-dgram', o.path);
  rmSync(o.path, { force: true });
  const socket = mod.createSocket('unix_dgram', (msg) => o.onMessage(msg, health));
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('listening', resolve);
    socket.bind(o.path);
  });
  // Any local program may log here, as with /dev/log.
  chmodSync(o.path, 0o666);
  return {
    name: o.name,
    address: o.path,
    health,
    close: async () => {
      socket.close();
      rmSync(o.path, { force: true });
    },
  };
}

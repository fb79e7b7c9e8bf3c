/**
 * The fastest a forward server can ack (issue 16, item 1): a TCP server in a process of
 * its own that decodes Message mode `[tag, time, record, option]` (Forward Protocol v1)
 * with msgpackr and answers `{"ack": option.chunk}` at once, storing nothing. Run beside
 * logharbor with the same sender, its rate is the ceiling an ack-per-event client can
 * reach on this machine in this run: logharbor's rate is judged as a ratio of it.
 *
 * A process of its own, as logharbor is one, so both are measured with the sender in the
 * benchmark process and the receiver elsewhere. Parent -> child: 'stop'; child ->
 * parent: the port once listening, then the requests acked when stopped.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Packr, Unpackr } from 'msgpackr';
import { cpuSecondsOf } from '../../dev/proc.js';

export interface AckSink {
  port: number;
  /** CPU seconds the sink process has used. */
  cpuSeconds(): number;
  /** Stops it; resolves with the requests it acked. */
  stop(): Promise<number>;
}

export async function startAckSink(): Promise<AckSink> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => void child.kill('SIGKILL');
  process.once('exit', kill);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', (code) => reject(new Error(`ack sink exited (${code})`)));
  });
  const pid = child.pid!;
  return {
    port,
    cpuSeconds: () => cpuSecondsOf(pid),
    async stop() {
      const acked = new Promise<number>((resolve) =>
        child.once('message', (m) => resolve(Number(m))),
      );
      child.send('stop');
      const n = await acked;
      process.off('exit', kill);
      child.kill('SIGTERM');
      return n;
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

function serve(): void {
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  const packr = new Packr({ useRecords: false });
  let acked = 0;
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, d]) : d;
      let used = 0;
      const acks: Buffer[] = [];
      try {
        unpackr.unpackMultiple(pending, (request: unknown, _start?: number, end?: number) => {
          used = end ?? used;
          // Message mode: the option is the 4th element; a chunk asks for an ack.
          const option = Array.isArray(request) ? (request[3] as unknown) : undefined;
          if (isObject(option) && option.chunk !== undefined) {
            acks.push(packr.pack({ ack: option.chunk }));
            acked++;
          }
        });
        pending = Buffer.alloc(0);
      } catch (e) {
        if (!(e as { incomplete?: boolean }).incomplete) return void sock.destroy();
        pending = pending.subarray(used); // a request cut across reads: wait for the rest
      }
      if (acks.length) sock.write(acks.length === 1 ? acks[0]! : Buffer.concat(acks));
    });
    sock.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as net.AddressInfo).port));
  process.on('message', (m) => {
    if (m === 'stop') process.send!(acked);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) serve();

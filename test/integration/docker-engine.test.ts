/**
 * Smoke tests of the test harness itself: a private Docker Engine whose log drivers
 * reach a listener on the host's loopback, util-linux logger, and a private rsyslogd
 * forwarding with both RFC 6587 framings. The listeners here only collect bytes; the
 * real collectors are tested elsewhere. Skipped loudly when a program is missing, and
 * failed instead on CI (test/support/skip.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { unpackMultiple } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { startDocker, type DockerEngine } from '../support/docker.js';
import { runLogger, startRsyslog } from '../../dev/programs.js';
import { absent } from '../support/skip.js';

interface Collector {
  port: number;
  /** Every byte received so far, connections concatenated in arrival order. */
  bytes(): Buffer;
  /** What arrived, one Buffer per read (UDP: per datagram). */
  chunks(): Buffer[];
  /** Resolves once `done(bytes)` holds; rejects with what arrived after `timeoutMs`. */
  until(done: (bytes: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  close(): Promise<void>;
}

function collector(received: Buffer[], close: () => Promise<void>, port: number): Collector {
  const bytes = (): Buffer => Buffer.concat(received);
  const until = async (done: (b: Buffer) => boolean, timeoutMs = 15_000): Promise<Buffer> => {
    const deadline = Date.now() + timeoutMs;
    while (!done(bytes())) {
      if (Date.now() > deadline) {
        throw new Error(`timed out; received ${JSON.stringify(bytes().toString('latin1'))}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return bytes();
  };
  return { port, bytes, chunks: () => [...received], until, close };
}

async function tcpCollector(): Promise<Collector> {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('data', (b: Buffer) => received.push(b));
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return collector(received, close, addr.port);
}

async function udpCollector(): Promise<Collector> {
  const received: Buffer[] = [];
  const sock: UdpSocket = createSocket('udp4');
  sock.on('message', (b) => received.push(b));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const close = (): Promise<void> => new Promise((resolve) => sock.close(() => resolve()));
  return collector(received, close, sock.address().port);
}

/** How many complete msgpack objects `b` holds; a partial tail counts as not yet. */
function decodedCount(b: Buffer): number {
  try {
    return unpackMultiple(b).length;
  } catch {
    return -1;
  }
}

const engine = await startDocker();
if (engine) console.info(`[docker] private engine ready: ${JSON.stringify(engine.timings)} ms`);
afterAll(() => engine?.stop());

/** The engine inside `describe.runIf(engine)`, where it cannot be null. */
function docker(): DockerEngine {
  if (engine === null) throw new Error('no engine (the describe block should have been skipped)');
  return engine;
}

describe.runIf(engine)('a private Docker engine', () => {
  it('runs the registry-free busybox image with no network', async () => {
    const r = await docker().run([
      '--rm',
      '--network',
      'none',
      docker().image,
      'sh',
      '-c',
      'seq 3; echo err >&2',
    ]);
    expect(r).toMatchObject({ code: 0, stdout: '1\n2\n3\n', stderr: 'err\n' });
  });

  it('the fluentd driver connects to the host loopback and sends each line', async () => {
    const sink = await tcpCollector();
    try {
      const r = await docker().run([
        '--rm',
        '--network',
        'none',
        '--name',
        'web1',
        '--log-driver=fluentd',
        '--log-opt',
        `fluentd-address=127.0.0.1:${sink.port}`,
        docker().image,
        'sh',
        '-c',
        'echo hi; echo there >&2',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const bytes = await sink.until((b) => decodedCount(b) === 2);
      const messages: unknown[] = unpackMultiple(bytes);
      // Forward Protocol v1, Message mode: [tag, time, record, option]
      expect(messages).toHaveLength(2);
      for (const m of messages) {
        expect(m).toEqual([
          expect.stringMatching(/^[0-9a-f]{12}$/),
          expect.any(Number),
          expect.objectContaining({
            container_name: '/web1',
            container_id: expect.stringMatching(/^[0-9a-f]{64}$/),
          }),
          {},
        ]);
      }
      // stdout and stderr are copied by separate goroutines: their order is not kept.
      expect(messages.map((m) => (Array.isArray(m) ? m[2] : null))).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ source: 'stdout', log: 'hi' }),
          expect.objectContaining({ source: 'stderr', log: 'there' }),
        ]),
      );
    } finally {
      await sink.close();
    }
  });

  it('the fluentd driver refuses to start a container when nothing listens, unless fluentd-async', async () => {
    const port = await (async () => {
      const s = await tcpCollector();
      await s.close();
      return s.port;
    })();
    const args = [
      '--rm',
      '--network',
      'none',
      '--log-driver=fluentd',
      '--log-opt',
      `fluentd-address=127.0.0.1:${port}`,
    ];
    const refused = await docker().run([...args, docker().image, 'echo', 'hi']);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/connection refused/);
    const async = await docker().run([
      ...args,
      '--log-opt',
      'fluentd-async=true',
      docker().image,
      'echo',
      'hi',
    ]);
    expect(async.code, async.stderr).toBe(0);
  });

  it('the syslog driver sends newline-terminated datagrams to the host loopback', async () => {
    const sink = await udpCollector();
    try {
      const r = await docker().run([
        '--rm',
        '--network',
        'none',
        '--log-driver=syslog',
        '--log-opt',
        `syslog-address=udp://127.0.0.1:${sink.port}`,
        docker().image,
        'sh',
        '-c',
        'echo hi; echo there >&2',
      ]);
      expect(r.code, r.stderr).toBe(0);
      await sink.until(() => sink.chunks().length === 2);
      // Default format: <PRI>Mmm _d hh:mm:ss TAG[PID]: MSG, daemon facility (30 stdout,
      // 27 stderr), one datagram per line; the two streams may arrive in either order.
      const datagrams = sink.chunks().map((d) => d.toString('utf8'));
      expect(datagrams.sort()).toEqual([
        expect.stringMatching(/^<27>\w{3} [ \d]\d \d\d:\d\d:\d\d [0-9a-f]{12}\[\d+\]: there\n$/),
        expect.stringMatching(/^<30>\w{3} [ \d]\d \d\d:\d\d:\d\d [0-9a-f]{12}\[\d+\]: hi\n$/),
      ]);
    } finally {
      await sink.close();
    }
  });

  it('a second engine runs beside the first without either noticing', async () => {
    const other = await startDocker({ throwIfUnavailable: true });
    try {
      const [a, b] = await Promise.all([
        docker().run(['--rm', '--network', 'none', docker().image, 'echo', 'first']),
        other.run(['--rm', '--network', 'none', other.image, 'echo', 'second']),
      ]);
      expect([a.stdout, b.stdout]).toEqual(['first\n', 'second\n']);
      const detached = await other.run(['-d', '--network', 'none', other.image, 'sleep', '60']);
      expect(detached.code, detached.stderr).toBe(0);
    } finally {
      // stop() removes the still-running container too.
      await other.stop();
    }
    const after = await docker().run([
      '--rm',
      '--network',
      'none',
      docker().image,
      'echo',
      'still here',
    ]);
    expect(after.stdout).toBe('still here\n');
    expect((await docker().docker(['ps', '-aq'])).stdout).toBe('');
  });
});

describe.skipIf(absent('logger'))('util-linux logger', () => {
  it('sends an octet-counted RFC 5424 frame over TCP (count excludes the absent newline)', async () => {
    const sink = await tcpCollector();
    try {
      const r = await runLogger(
        [
          '--rfc5424',
          '--octet-count',
          '-n',
          '127.0.0.1',
          '-P',
          String(sink.port),
          '-T',
          '-t',
          'myapp',
        ],
        'from stdin\n',
      );
      expect(r.code, r.stderr).toBe(0);
      const text = (await sink.until((b) => b.includes('from stdin'))).toString('utf8');
      const m = /^(\d+) (<13>1 .* myapp .*from stdin)$/.exec(text);
      expect(m, text).not.toBeNull();
      expect(Number(m![1])).toBe(Buffer.byteLength(m![2]!));
    } finally {
      await sink.close();
    }
  });
});

const noRsyslog = absent('rsyslogd', 'logger');
describe.skipIf(noRsyslog)('a private rsyslogd forwarding what logger sends it', () => {
  it.each([
    { framing: 'octet-counted' as const, input: 'udp' as const },
    { framing: 'traditional' as const, input: 'tcp' as const },
  ])('forwards over TCP with $framing framing (input $input)', async ({ framing, input }) => {
    const sink = await tcpCollector();
    const rs = await startRsyslog({
      target: { host: '127.0.0.1', port: sink.port },
      protocol: 'tcp',
      framing,
      input,
    });
    try {
      const transport = input === 'udp' ? '-d' : '-T';
      const r = await runLogger([
        transport,
        '--rfc5424',
        '-n',
        '127.0.0.1',
        '-P',
        String(rs.inputPort),
        '-t',
        'myapp',
        'hello rsyslog',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const text = (await sink.until((b) => b.includes('hello rsyslog'))).toString('utf8');
      if (framing === 'octet-counted') {
        // rsyslog's count includes the template's trailing LF (logger's does not).
        const m = /^(\d+) (<13>1 \S+ \S+ myapp .*hello rsyslog\n)$/s.exec(text);
        expect(m, text).not.toBeNull();
        expect(Number(m![1])).toBe(Buffer.byteLength(m![2]!));
      } else {
        expect(text).toMatch(/^<13>1 \S+ \S+ myapp .*hello rsyslog\n$/);
      }
    } catch (err) {
      console.warn(await rs.log());
      throw err;
    } finally {
      await rs.stop();
      await sink.close();
    }
  });

  it('forwards over UDP, one datagram per line', async () => {
    const sink = await udpCollector();
    const rs = await startRsyslog({
      target: { host: '127.0.0.1', port: sink.port },
      protocol: 'udp',
      framing: 'traditional',
    });
    try {
      await runLogger([
        '-d',
        '--rfc5424',
        '-n',
        '127.0.0.1',
        '-P',
        String(rs.inputPort),
        '-t',
        'myapp',
        'over udp',
      ]);
      const text = (await sink.until((b) => b.includes('over udp'))).toString('utf8');
      expect(text).toMatch(/^<13>1 \S+ \S+ myapp .*over udp\n?$/);
    } finally {
      await rs.stop();
      await sink.close();
    }
  });

  it('says why it cannot start (here: the input port is taken)', async () => {
    const taken = await tcpCollector();
    try {
      await expect(
        startRsyslog({
          target: { host: '127.0.0.1', port: taken.port },
          protocol: 'tcp',
          framing: 'traditional',
          input: 'tcp',
          inputPort: taken.port,
          startTimeoutMs: 1_000,
        }),
      ).rejects.toThrow(/rsyslogd did not listen in time[^]*Address already in use/);
    } finally {
      await taken.close();
    }
  });
});

/**
 * Docker's syslog driver, byte for byte (docker-format.ts writes what srslog writes), in
 * every syslog-format over udp, tcp and tcp+tls, to a running logharbor: container id and
 * name from the tag, stream from the severity, dockerd's local time (here Europe/Berlin,
 * which the harness is told) to the second or microsecond, and lines over 16 KiB that
 * arrive as separate unmarked pieces of 16384 bytes joined back into one record, also
 * when the line ends exactly at a piece boundary and nothing follows (partial timeout).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { makeTestCerts, type TestCerts } from '../../support/tls-cert.js';
import {
  DOCKER_FORMATS,
  DOCKER_SPLIT,
  dockerFrame,
  dockerMessage,
  dockerSplit,
  type DockerFormat,
  type DockerSender,
  type DockerTransport,
} from './docker-format.js';
import { row, sendTcp, sendTls, sendUdp, storedRows, type Row } from './wire.js';

const ZONE = 'Europe/Berlin';
const HOST = 'dockerhost';
const PID = 4321;
const TRANSPORTS: DockerTransport[] = ['udp', 'tcp', 'tls'];

const hex = (n: number): string => randomBytes(n / 2).toString('hex');

/**
 * A container line of `n` bytes whose pieces can be told apart (a letter pattern that
 * does not repeat at piece boundaries) with a two-byte "é" cut by the first boundary,
 * so only a join of the received bytes, in order, gives back valid text.
 */
function longLine(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 0x61 + ((i * 7) % 26);
  b[DOCKER_SPLIT - 1] = 0xc3;
  b[DOCKER_SPLIT] = 0xa9;
  return b;
}

/** Stored text of a time written to the second (`micros` null) or to the microsecond. */
function tsText(ms: number, micros: number | null): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros ?? 0).padStart(6, '0')}Z`;
}

describe('Docker syslog lines byte for byte', () => {
  let h: Harness;
  let certs: TestCerts;
  beforeAll(async () => {
    certs = makeTestCerts();
    h = await startHarness({
      LOGHARBOR_SYSLOG_TIMEZONE: ZONE,
      LOGHARBOR_PARTIAL_TIMEOUT: '1s',
      LOGHARBOR_TLS_CERT_FILE: certs.certFile,
      LOGHARBOR_TLS_KEY_FILE: certs.keyFile,
      LOGHARBOR_SYSLOG_TLS_ADDR: '127.0.0.1:0',
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  /** Sends Docker's messages the way Docker does over `transport` (one connection for a stream). */
  async function send(
    format: DockerFormat,
    transport: DockerTransport,
    messages: Buffer[],
  ): Promise<void> {
    if (transport === 'udp') return sendUdp(h.port('syslog-udp'), messages);
    const frames = messages.map((m) => dockerFrame(format, transport, m));
    if (transport === 'tcp') return sendTcp(h.port('syslog-tcp'), frames);
    return sendTls(h.port('syslog-tls'), certs.ca, frames);
  }

  /** The row every Docker message of `s` maps to, with the fields that vary given. */
  function expected(
    s: DockerSender,
    f: {
      stream: 'stdout' | 'stderr';
      ts: string;
      message: string;
      attrs?: Record<string, unknown>;
    },
  ): Row {
    return row({
      ts: f.ts,
      host: s.format === 'unset' ? null : s.host,
      app: s.tag,
      tag: s.tag,
      container_id: s.tag,
      stream: f.stream,
      // The severity (info/err) is the stream; these lines name no level (issue 18).
      severity: null,
      facility: 3,
      message: f.message,
      attrs: {
        pid: String(s.pid),
        ...(s.format.startsWith('rfc5424') ? { msgid: s.tag } : {}),
        ...f.attrs,
      },
    });
  }

  for (const format of DOCKER_FORMATS) {
    for (const transport of TRANSPORTS) {
      it(`${format} over ${transport}: stdout, stderr, and a 40000-byte line in 16384+16384+7232 joined`, async () => {
        const s: DockerSender = { zone: ZONE, host: HOST, pid: PID, tag: hex(12), format };
        const micro = format === 'rfc5424micro';
        const t0 = Math.floor(Date.now() / 1000) * 1000 - 5000;
        const line = longLine(40_000);
        const pieces = dockerSplit(line);
        expect(pieces.map((p) => p.length)).toEqual([16384, 16384, 7232]);
        // stdout and stderr have separate copiers: a stderr line can come between the pieces.
        await send(format, transport, [
          dockerMessage(s, 'stdout', t0, 123456, pieces[0]!),
          dockerMessage(s, 'stderr', t0 + 1000, 234567, Buffer.from(`err ${format} ${transport}`)),
          dockerMessage(s, 'stdout', t0 + 1000, 345678, pieces[1]!),
          dockerMessage(s, 'stdout', t0 + 2000, 456789, pieces[2]!),
          dockerMessage(s, 'stdout', t0 + 2000, 567890, Buffer.from(`out ${format} ${transport}`)),
        ]);
        const rows = await storedRows(h, `container_id = '${s.tag}'`, 3);
        expect(rows).toEqual([
          expected(s, {
            stream: 'stderr',
            ts: tsText(t0 + 1000, micro ? 234567 : null),
            message: `err ${format} ${transport}`,
          }),
          // The first piece's header stands for the whole line.
          expected(s, {
            stream: 'stdout',
            ts: tsText(t0, micro ? 123456 : null),
            message: line.toString('utf8'),
            attrs: { partial_parts: 3 },
          }),
          expected(s, {
            stream: 'stdout',
            ts: tsText(t0 + 2000, micro ? 567890 : null),
            message: `out ${format} ${transport}`,
          }),
        ]);
        expect(Buffer.byteLength(rows[1]!.message)).toBe(40_000);
      });
    }
  }

  const TIMEOUT_CASES: [DockerTransport, DockerFormat][] = [
    ['udp', 'unset'],
    ['tcp', 'rfc3164'],
    ['tls', 'rfc5424micro'],
  ];
  for (const [transport, format] of TIMEOUT_CASES) {
    it(`${format} over ${transport}: lines of exactly 16384 and 32768 bytes, nothing after, stored after the partial timeout`, async () => {
      const s: DockerSender = { zone: ZONE, host: HOST, pid: PID, tag: hex(12), format };
      const t0 = Math.floor(Date.now() / 1000) * 1000 - 3000;
      const exact = Buffer.alloc(DOCKER_SPLIT, 'e');
      const double = longLine(2 * DOCKER_SPLIT);
      const [a, b] = dockerSplit(double);
      // Docker sends no empty remainder: nothing tells these lines are complete but time.
      await send(format, transport, [
        dockerMessage(s, 'stderr', t0, 111111, exact),
        dockerMessage(s, 'stdout', t0 + 1000, 222222, a!),
        dockerMessage(s, 'stdout', t0 + 1000, 333333, b!),
      ]);
      const rows = await storedRows(h, `container_id = '${s.tag}'`, 2);
      const micro = format === 'rfc5424micro';
      expect(rows.sort((x, y) => x.ts.localeCompare(y.ts))).toEqual([
        expected(s, {
          stream: 'stderr',
          ts: tsText(t0, micro ? 111111 : null),
          message: exact.toString(),
        }),
        expected(s, {
          stream: 'stdout',
          ts: tsText(t0 + 1000, micro ? 222222 : null),
          message: double.toString('utf8'),
          attrs: { partial_parts: 2 },
        }),
      ]);
    });
  }

  // Tag templates (--log-opt tag=...): the ID segment is the container id, the segment
  // before it the container name; without an ID the stream is still known in rfc5424.
  const TAGS: {
    template: string;
    tag: (id: string) => string;
    id: (id: string) => string | null;
    name: string | null;
  }[] = [
    {
      template: '{{.Name}}/{{.ID}}',
      tag: (id) => `web-1/${id.slice(0, 12)}`,
      id: (id) => id.slice(0, 12),
      name: 'web-1',
    },
    {
      template: '{{.ImageName}}/{{.Name}}/{{.ID}}',
      tag: (id) => `nginx:1.25/web_2/${id.slice(0, 12)}`,
      id: (id) => id.slice(0, 12),
      name: 'web_2',
    },
    { template: '{{.FullID}}', tag: (id) => id, id: (id) => id, name: null },
    { template: '{{.Name}}', tag: () => 'web.3', id: () => null, name: null },
  ];
  for (const t of TAGS) {
    for (const format of ['unset', 'rfc5424'] as const) {
      it(`tag=${t.template} in ${format} over udp`, async () => {
        const full = hex(64);
        const s: DockerSender = { zone: ZONE, host: HOST, pid: PID, tag: t.tag(full), format };
        const t0 = Math.floor(Date.now() / 1000) * 1000;
        const text = `tag ${t.template} ${format} ${full}`;
        await sendUdp(h.port('syslog-udp'), [dockerMessage(s, 'stderr', t0, 0, Buffer.from(text))]);
        const [got] = await storedRows(h, `message = '${text}'`, 1);
        // {{.Name}} alone in RFC 3164 is any program's tag: not recognizably Docker's.
        const docker = t.id(full) !== null || format === 'rfc5424';
        expect(got).toEqual({
          ...expected(s, { stream: 'stderr', ts: tsText(t0, null), message: text }),
          container_id: t.id(full),
          container_name: t.name,
          stream: docker ? 'stderr' : null,
          // Not Docker's: its err (3) is a level like any sender's.
          severity: docker ? null : 3,
        });
      });
    }
  }

  // Issue 18: the level of a Docker record is the one its line names, whatever the stream.
  for (const format of DOCKER_FORMATS) {
    it(`${format} over udp: a JSON or logfmt level is the severity, on stderr and stdout`, async () => {
      const s: DockerSender = { zone: ZONE, host: HOST, pid: PID, tag: hex(12), format };
      const t0 = Math.floor(Date.now() / 1000) * 1000;
      await sendUdp(h.port('syslog-udp'), [
        dockerMessage(s, 'stderr', t0, 0, Buffer.from('{"level":"info","msg":"ready"}')),
        dockerMessage(s, 'stdout', t0 + 1000, 0, Buffer.from('level=error msg=boom')),
      ]);
      const rows = await storedRows(h, `container_id = '${s.tag}'`, 2);
      expect(rows.sort((x, y) => x.ts.localeCompare(y.ts))).toEqual([
        {
          ...expected(s, {
            stream: 'stderr',
            ts: tsText(t0, null),
            message: '{"level":"info","msg":"ready"}',
            attrs: { level: 'info', msg: 'ready' },
          }),
          severity: 6,
        },
        {
          ...expected(s, {
            stream: 'stdout',
            ts: tsText(t0 + 1000, null),
            message: 'level=error msg=boom',
            attrs: { level: 'error', msg: 'boom' },
          }),
          severity: 3,
        },
      ]);
    });
  }
});

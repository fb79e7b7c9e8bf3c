/**
 * The wire captures from a real Docker Engine 20.10 syslog driver and util-linux logger
 * (test/fixtures, see its README), replayed byte for byte to a running logharbor
 * over the transport they were captured on: UDP captures one datagram per message, TCP
 * captures over one connection, the tcp+tls capture over TLS (RFC 5425). Each lands as
 * exactly the records written out here.
 *
 * Docker's default and rfc3164 formats carry no year and no zone: the harness reads them
 * as UTC (the capture machine's zone) and the year is the one a person would give a
 * "Nov 28" line received now.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { makeTestCerts, type TestCerts } from '../../support/tls-cert.js';
import {
  fromBsd,
  fromRfc3339,
  row,
  sendTcp,
  sendTls,
  sendUdp,
  splitAfterLf,
  storedRows,
  type Row,
} from './wire.js';
import { FIXTURES_DIR } from '../../../dev/fixtures.js';

const FIXTURES = FIXTURES_DIR;
const capture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

/** Docker's syslog driver: dockerd's pid 29811 in every capture; facility daemon. */
const DOCKERD_PID = '29811';

type Line = `${'stdout' | 'stderr'} ${1 | 2 | 3}`;

interface DockerCapture {
  file: string;
  id: string;
  /** null: the default format has no HOSTNAME. */
  host: string | null;
  format: 'default' | 'rfc3164' | 'rfc5424';
  /** The lines in capture order, each with its stamp as written in the capture. */
  lines: [Line, string][];
}

const same = (stamp: string, lines: Line[]): [Line, string][] => lines.map((l) => [l, stamp]);

const DOCKER: DockerCapture[] = [
  {
    file: 'syslog-udp-default.bin',
    id: '4a638af11575',
    host: null,
    format: 'default',
    lines: same('Nov 28 06:23:47', [
      'stderr 1',
      'stderr 2',
      'stderr 3',
      'stdout 1',
      'stdout 2',
      'stdout 3',
    ]),
  },
  {
    file: 'syslog-tcp-default.bin',
    id: '599aea6725e3',
    host: null,
    format: 'default',
    lines: same('Nov 28 06:23:48', [
      'stdout 1',
      'stderr 1',
      'stderr 2',
      'stderr 3',
      'stdout 2',
      'stdout 3',
    ]),
  },
  {
    file: 'syslog-udp-rfc3164.bin',
    id: '957eabe35d27',
    host: 'vm',
    format: 'rfc3164',
    lines: same('Nov 28 06:23:47', [
      'stdout 1',
      'stdout 2',
      'stdout 3',
      'stderr 1',
      'stderr 2',
      'stderr 3',
    ]),
  },
  {
    file: 'syslog-tcp-rfc3164.bin',
    id: 'b7197e388310',
    host: 'vm',
    format: 'rfc3164',
    lines: same('Nov 28 06:23:49', [
      'stdout 1',
      'stdout 2',
      'stdout 3',
      'stderr 1',
      'stderr 2',
      'stderr 3',
    ]),
  },
  {
    file: 'syslog-udp-rfc5424.bin',
    id: 'ec1b05c07ebc',
    host: 'vm',
    format: 'rfc5424',
    lines: same('2026-11-28T06:23:47Z', [
      'stdout 1',
      'stdout 2',
      'stderr 1',
      'stderr 2',
      'stderr 3',
      'stdout 3',
    ]),
  },
  {
    file: 'syslog-tcp-rfc5424.bin',
    id: '2f6182904d20',
    host: 'vm',
    format: 'rfc5424',
    lines: same('2026-11-28T06:23:49Z', [
      'stderr 1',
      'stderr 2',
      'stderr 3',
      'stdout 1',
      'stdout 2',
      'stdout 3',
    ]),
  },
  {
    file: 'syslog-udp-rfc5424micro.bin',
    id: 'f3a8176ff2b9',
    host: 'vm',
    format: 'rfc5424',
    lines: [
      ['stdout 1', '2026-11-28T06:23:48.337553Z'],
      ['stdout 2', '2026-11-28T06:23:48.337596Z'],
      ['stdout 3', '2026-11-28T06:23:48.337601Z'],
      ['stderr 1', '2026-11-28T06:23:48.337642Z'],
      ['stderr 2', '2026-11-28T06:23:48.337647Z'],
      ['stderr 3', '2026-11-28T06:23:48.337650Z'],
    ],
  },
  {
    file: 'syslog-tcp-rfc5424micro.bin',
    id: '157244bf82aa',
    host: 'vm',
    format: 'rfc5424',
    lines: [
      ['stdout 1', '2026-11-28T06:23:49.935570Z'],
      ['stdout 2', '2026-11-28T06:23:49.935638Z'],
      ['stdout 3', '2026-11-28T06:23:49.935648Z'],
      ['stderr 1', '2026-11-28T06:23:49.935580Z'],
      ['stderr 2', '2026-11-28T06:23:49.935815Z'],
      ['stderr 3', '2026-11-28T06:23:49.935844Z'],
    ],
  },
  {
    file: 'syslog-tls-rfc5424.bin',
    id: '7b4d0753bf43',
    host: 'vm',
    format: 'rfc5424',
    lines: same('2026-11-28T06:23:50Z', [
      'stdout 1',
      'stdout 2',
      'stdout 3',
      'stderr 1',
      'stderr 2',
      'stderr 3',
    ]),
  },
];

function dockerRows(c: DockerCapture): Row[] {
  return c.lines.map(([line, stamp]) => {
    const stream = line.startsWith('stdout') ? 'stdout' : 'stderr';
    const time = c.format === 'rfc5424' ? fromRfc3339(stamp) : fromBsd(stamp, 'UTC', Date.now());
    return row({
      ...time,
      host: c.host,
      app: c.id,
      tag: c.id,
      container_id: c.id,
      stream,
      // Docker: info (6) for stdout, err (3) for stderr, facility daemon (3). The severity
      // is the stream, not a level, and "hello stderr 1" names none (issue 18).
      severity: null,
      facility: 3,
      message: `hello ${line}`,
      // rfc5424 puts the tag in APP-NAME and MSGID alike; PROCID is dockerd's pid.
      attrs: c.format === 'rfc5424' ? { pid: DOCKERD_PID, msgid: c.id } : { pid: DOCKERD_PID },
    });
  });
}

const SD_TIME_QUALITY = { timeQuality: { tzKnown: '1', isSynced: '0' } };
const logger = (fields: Partial<Row> & Pick<Row, 'ts' | 'message'>): Row =>
  row({ host: 'vm', app: 'myapp', tag: 'myapp', severity: 5, facility: 1, ...fields });

/** logger/ captures (util-linux 2.38, commands in the fixtures README) and their records. */
const LOGGER: { file: string; transport: 'udp' | 'tcp'; rows: () => Row[] }[] = [
  {
    file: 'tcp-rfc5424-octet.bin',
    transport: 'tcp',
    rows: () => [
      logger({
        ...fromRfc3339('2026-11-28T06:23:02.683789+00:00'),
        severity: 6,
        facility: 16,
        message: 'hello from logger 1 second arg same message',
        attrs: { msgid: 'MSG1', sd: { ...SD_TIME_QUALITY, 'test@32473': { k: 'v' } } },
      }),
    ],
  },
  {
    file: 'tcp-rfc5424-octet-stdin.bin',
    transport: 'tcp',
    rows: () => [
      logger({
        ...fromRfc3339('2026-11-28T06:23:03.821885+00:00'),
        message: 'line one',
        attrs: { sd: SD_TIME_QUALITY },
      }),
      logger({
        ...fromRfc3339('2026-11-28T06:23:03.821933+00:00'),
        message: 'line two',
        attrs: { sd: SD_TIME_QUALITY },
      }),
    ],
  },
  {
    file: 'tcp-rfc5424-lf.bin',
    transport: 'tcp',
    rows: () => [
      logger({
        ...fromRfc3339('2026-11-28T06:23:02.915574+00:00'),
        message: 'hello LF-framed',
        attrs: { sd: SD_TIME_QUALITY },
      }),
    ],
  },
  {
    file: 'tcp-rfc3164-octet.bin',
    transport: 'tcp',
    rows: () => [
      logger({ ...fromBsd('Nov 28 06:23:03', 'UTC', Date.now()), message: 'hello rfc3164 octet' }),
    ],
  },
  {
    file: 'udp-rfc5424.bin',
    transport: 'udp',
    rows: () => [
      logger({
        ...fromRfc3339('2026-11-28T06:23:03.373213+00:00'),
        message: 'hello udp 5424',
        attrs: { sd: SD_TIME_QUALITY },
      }),
    ],
  },
  {
    file: 'udp-rfc3164.bin',
    transport: 'udp',
    rows: () => [
      logger({ ...fromBsd('Nov 28 06:23:03', 'UTC', Date.now()), message: 'hello udp 3164' }),
    ],
  },
];

describe('captures replayed byte for byte', () => {
  let h: Harness;
  let certs: TestCerts;
  beforeAll(async () => {
    certs = makeTestCerts();
    h = await startHarness({
      LOGHARBOR_SYSLOG_TIMEZONE: 'UTC',
      LOGHARBOR_TLS_CERT_FILE: certs.certFile,
      LOGHARBOR_TLS_KEY_FILE: certs.keyFile,
      LOGHARBOR_SYSLOG_TLS_ADDR: '127.0.0.1:0',
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  for (const c of DOCKER) {
    it(`docker-20.10/${c.file}`, async () => {
      const bytes = capture(path.join('docker-20.10', c.file));
      if (c.file.startsWith('syslog-udp-')) {
        const datagrams = splitAfterLf(bytes);
        expect(datagrams).toHaveLength(6);
        await sendUdp(h.port('syslog-udp'), datagrams);
      } else if (c.file.startsWith('syslog-tls-')) {
        await sendTls(h.port('syslog-tls'), certs.ca, [bytes]);
      } else {
        await sendTcp(h.port('syslog-tcp'), [bytes]);
      }
      expect(await storedRows(h, `container_id = '${c.id}'`, 6)).toEqual(dockerRows(c));
    });
  }

  it('docker-20.10/syslog-tls-rfc5424.bin written one byte per TLS record', async () => {
    const bytes = capture('docker-20.10/syslog-tls-rfc5424.bin');
    const oneByOne = [...bytes].map((b) => Buffer.from([b]));
    const before = (await h.rows(`container_id = '7b4d0753bf43'`)).length;
    await sendTls(h.port('syslog-tls'), certs.ca, oneByOne);
    const rows = await storedRows(h, `container_id = '7b4d0753bf43'`, before + 6);
    expect(rows.slice(before)).toEqual(dockerRows(DOCKER.find((c) => c.id === '7b4d0753bf43')!));
  });

  for (const c of LOGGER) {
    it(`logger/${c.file}`, async () => {
      const bytes = capture(path.join('logger', c.file));
      if (c.transport === 'udp') await sendUdp(h.port('syslog-udp'), [bytes]);
      else await sendTcp(h.port('syslog-tcp'), [bytes]);
      const expected = c.rows();
      const messages = expected.map((r) => `'${r.message}'`).join(', ');
      expect(
        await storedRows(h, `app = 'myapp' AND message IN (${messages})`, expected.length),
      ).toEqual(expected);
    });
  }
});

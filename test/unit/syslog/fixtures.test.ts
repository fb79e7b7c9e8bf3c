/**
 * The captures from a real Docker 20.10 engine and util-linux logger 2.38
 * (test/fixtures, README there) decoded to the messages they carry.
 * Docker's UDP files hold the datagrams back to back, each ending in LF: each datagram is
 * parsed as the UDP listener gets it (LF included); logger's hold one datagram without
 * LF. Stream files go through the framer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerFields } from '../../../collector/syslog/docker.js';
import { SyslogFramer } from '../../../collector/syslog/framing.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { syslogToRecord } from '../../../collector/syslog/record.js';
import { RECEIVED_AT, isoNano, fixtureDatagrams } from '../../../dev/syslog-vectors.js';
import { FIXTURES_DIR } from '../../../dev/fixtures.js';

const FIXTURES = FIXTURES_DIR;
const ctx = { receivedAt: RECEIVED_AT, timezone: 'UTC' };

function frames(file: string): Buffer[] {
  const framer = new SyslogFramer(64 * 1024);
  const out = [...framer.push(readFileSync(path.join(FIXTURES, file))), ...framer.flush()];
  expect(framer.errors).toBe(0);
  return out;
}

type Line = [stream: 'stdout' | 'stderr', n: number, time?: string];

interface DockerCase {
  file: string;
  format: 'rfc3164' | 'rfc5424';
  hostname: string | null;
  id: string;
  time: string;
  lines: Line[];
}

const O = (n: number, time?: string): Line => ['stdout', n, time];
const E = (n: number, time?: string): Line => ['stderr', n, time];

const DOCKER: DockerCase[] = [
  {
    file: 'syslog-udp-default.bin',
    format: 'rfc3164',
    hostname: null,
    id: '4a638af11575',
    time: '06:23:47',
    lines: [E(1), E(2), E(3), O(1), O(2), O(3)],
  },
  {
    file: 'syslog-tcp-default.bin',
    format: 'rfc3164',
    hostname: null,
    id: '599aea6725e3',
    time: '06:23:48',
    lines: [O(1), E(1), E(2), E(3), O(2), O(3)],
  },
  {
    file: 'syslog-udp-rfc3164.bin',
    format: 'rfc3164',
    hostname: 'vm',
    id: '957eabe35d27',
    time: '06:23:47',
    lines: [O(1), O(2), O(3), E(1), E(2), E(3)],
  },
  {
    file: 'syslog-tcp-rfc3164.bin',
    format: 'rfc3164',
    hostname: 'vm',
    id: 'b7197e388310',
    time: '06:23:49',
    lines: [O(1), O(2), O(3), E(1), E(2), E(3)],
  },
  {
    file: 'syslog-udp-rfc5424.bin',
    format: 'rfc5424',
    hostname: 'vm',
    id: 'ec1b05c07ebc',
    time: '06:23:47',
    lines: [O(1), O(2), E(1), E(2), E(3), O(3)],
  },
  {
    file: 'syslog-tcp-rfc5424.bin',
    format: 'rfc5424',
    hostname: 'vm',
    id: '2f6182904d20',
    time: '06:23:49',
    lines: [E(1), E(2), E(3), O(1), O(2), O(3)],
  },
  {
    file: 'syslog-tls-rfc5424.bin',
    format: 'rfc5424',
    hostname: 'vm',
    id: '7b4d0753bf43',
    time: '06:23:50',
    lines: [O(1), O(2), O(3), E(1), E(2), E(3)],
  },
  {
    file: 'syslog-udp-rfc5424micro.bin',
    format: 'rfc5424',
    hostname: 'vm',
    id: 'f3a8176ff2b9',
    time: '06:23:48',
    lines: [
      O(1, '337553'),
      O(2, '337596'),
      O(3, '337601'),
      E(1, '337642'),
      E(2, '337647'),
      E(3, '337650'),
    ],
  },
  {
    file: 'syslog-tcp-rfc5424micro.bin',
    format: 'rfc5424',
    hostname: 'vm',
    id: '157244bf82aa',
    time: '06:23:49',
    lines: [
      O(1, '935570'),
      O(2, '935638'),
      O(3, '935648'),
      E(1, '935580'),
      E(2, '935815'),
      E(3, '935844'),
    ],
  },
];

describe('Docker 20.10 syslog driver captures', () => {
  it.each(DOCKER.map((c) => [c.file, c] as const))('%s', (file, c) => {
    const raw = file.startsWith('syslog-udp')
      ? fixtureDatagrams(`docker-20.10/${file}`)
      : frames(`docker-20.10/${file}`);
    const got = raw.map((b) => parseSyslog(b, ctx));
    expect(got).toHaveLength(c.lines.length);
    got.forEach((m, i) => {
      const [stream, n, micros] = c.lines[i] ?? ['stdout', 0];
      expect({
        pri: m.pri,
        format: m.format,
        time: isoNano(m.tsSec, m.tsNano),
        hostname: m.hostname,
        appName: m.appName,
        procId: m.procId,
        msgId: m.msgId,
        structuredData: m.structuredData,
        message: m.message,
        docker: dockerFields(m),
        severity: syslogToRecord(m, RECEIVED_AT).severity,
      }).toEqual({
        pri: stream === 'stdout' ? 30 : 27,
        format: c.format,
        time: `2026-11-28T${c.time}.${(micros ?? '').padEnd(9, '0')}Z`,
        hostname: c.hostname,
        appName: c.id,
        procId: '29811',
        msgId: c.format === 'rfc5424' ? c.id : null,
        structuredData: null,
        message: `hello ${stream} ${n}`,
        docker: { tag: c.id, containerId: c.id, containerName: null, stream },
        // The PRI (30 or 27) is the stream; "hello stderr 1" names no level (issue 18).
        severity: null,
      });
    });
  });
});

const timeQuality = { tzKnown: '1', isSynced: '0' };

describe('util-linux logger captures', () => {
  it('tcp-rfc3164-octet.bin (octet count without LF)', () => {
    const [m, ...rest] = frames('logger/tcp-rfc3164-octet.bin').map((b) => parseSyslog(b, ctx));
    expect(rest).toEqual([]);
    expect(
      m && [
        m.pri,
        m.format,
        isoNano(m.tsSec, m.tsNano),
        m.hostname,
        m.appName,
        m.procId,
        m.message,
      ],
    ).toEqual([
      13,
      'rfc3164',
      '2026-11-28T06:23:03.000000000Z',
      'vm',
      'myapp',
      null,
      'hello rfc3164 octet',
    ]);
  });

  it('udp-rfc3164.bin', () => {
    const [m, ...rest] = fixtureDatagrams('logger/udp-rfc3164.bin').map((b) => parseSyslog(b, ctx));
    expect(rest).toEqual([]);
    expect(
      m && [
        m.pri,
        m.format,
        isoNano(m.tsSec, m.tsNano),
        m.hostname,
        m.appName,
        m.procId,
        m.message,
      ],
    ).toEqual([
      13,
      'rfc3164',
      '2026-11-28T06:23:03.000000000Z',
      'vm',
      'myapp',
      null,
      'hello udp 3164',
    ]);
  });

  const rfc5424 = (file: string, split: (f: string) => Buffer[]) =>
    split(file).map((b) => {
      const m = parseSyslog(b, ctx);
      expect(dockerFields(m)).toBe(null);
      // Not Docker: the severity logger was given (-p) stays the record's.
      expect(syslogToRecord(m, RECEIVED_AT).severity).toBe((m.pri ?? -1) & 7);
      return [
        m.pri,
        m.format,
        isoNano(m.tsSec, m.tsNano),
        m.hostname,
        m.appName,
        m.procId,
        m.msgId,
        m.structuredData,
        m.message,
      ];
    });

  it('tcp-rfc5424-octet.bin (--msgid --sd-id --sd-param)', () => {
    expect(rfc5424('logger/tcp-rfc5424-octet.bin', frames)).toEqual([
      [
        134,
        'rfc5424',
        '2026-11-28T06:23:02.683789000Z',
        'vm',
        'myapp',
        null,
        'MSG1',
        { timeQuality, 'test@32473': { k: 'v' } },
        'hello from logger 1 second arg same message',
      ],
    ]);
  });

  it('tcp-rfc5424-octet-stdin.bin (two frames, no LF between them)', () => {
    expect(rfc5424('logger/tcp-rfc5424-octet-stdin.bin', frames)).toEqual([
      [
        13,
        'rfc5424',
        '2026-11-28T06:23:03.821885000Z',
        'vm',
        'myapp',
        null,
        null,
        { timeQuality },
        'line one',
      ],
      [
        13,
        'rfc5424',
        '2026-11-28T06:23:03.821933000Z',
        'vm',
        'myapp',
        null,
        null,
        { timeQuality },
        'line two',
      ],
    ]);
  });

  it('tcp-rfc5424-lf.bin', () => {
    expect(rfc5424('logger/tcp-rfc5424-lf.bin', frames)).toEqual([
      [
        13,
        'rfc5424',
        '2026-11-28T06:23:02.915574000Z',
        'vm',
        'myapp',
        null,
        null,
        { timeQuality },
        'hello LF-framed',
      ],
    ]);
  });

  it('udp-rfc5424.bin', () => {
    expect(rfc5424('logger/udp-rfc5424.bin', fixtureDatagrams)).toEqual([
      [
        13,
        'rfc5424',
        '2026-11-28T06:23:03.373213000Z',
        'vm',
        'myapp',
        null,
        null,
        { timeQuality },
        'hello udp 5424',
      ],
    ]);
  });
});

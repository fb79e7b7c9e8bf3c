/**
 * util-linux `logger` (a sender we did not write) in each of its modes against a running
 * logharbor and PostgreSQL: RFC 3164 and RFC 5424, UDP, TCP and a unix stream socket,
 * LF-framed and octet-counted (RFC 6587), --msgid, --sd-id/--sd-param, --id, -p, and
 * several lines from stdin.
 *
 * `logger -s` echoes to stderr exactly the message it sends, one per line, so each test
 * knows the time logger put on the wire and reads the expected row from that header.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { runLogger } from '../../../dev/programs.js';
import { absent } from '../../support/skip.js';
import { fromBsd, fromRfc3339, row, storedRows, type Row } from './wire.js';

/** logger's RFC 5424 host is gethostname(); its RFC 3164 host stops at the first dot. */
const HOST5424 = hostname();
const HOST3164 = hostname().split('.')[0]!;

/** Runs logger with `-s` and returns the lines it sent. */
async function log(
  h: Harness,
  transport: 'udp' | 'tcp' | 'unix' | 'unix-dgram',
  args: string[],
  stdin?: string,
): Promise<string[]> {
  const to =
    transport === 'unix'
      ? ['-T', '-u', h.cfg.syslogSocket!]
      : transport === 'unix-dgram'
        ? ['-d', '-u', h.cfg.syslogDgramSocket!]
        : transport === 'udp'
          ? ['-d', '-n', '127.0.0.1', '-P', String(h.port('syslog-udp'))]
          : ['-T', '-n', '127.0.0.1', '-P', String(h.port('syslog-tcp'))];
  const r = await runLogger(['-s', ...to, ...args], stdin);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr.split('\n').filter((l) => l !== '');
}

/**
 * A line `-s` echoed without the RFC 6587 octet count that --octet-count puts before it
 * (checked: logger's count is the message's length, no LF).
 */
function unframed(line: string): string {
  const m = /^(\d+) (<.*)$/.exec(line);
  if (!m) return line;
  expect(Buffer.byteLength(m[2]!)).toBe(Number(m[1]));
  return m[2]!;
}

/** The parts of a line logger sent in RFC 5424 that a row is expected from. */
function sent5424(line: string): {
  pri: number;
  time: { ts: string; ts_ns: number };
  synced: string;
} {
  const m = /^<(\d+)>1 (\S+) /.exec(unframed(line));
  const synced = /isSynced="([01])"/.exec(line);
  if (!m || !synced) throw new Error(`logger sent no RFC 5424 header: ${line}`);
  return { pri: Number(m[1]), time: fromRfc3339(m[2]!), synced: synced[1]! };
}

function sent3164(line: string, now: number): { pri: number; time: { ts: string; ts_ns: number } } {
  const m = /^<(\d+)>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) /.exec(unframed(line));
  if (!m) throw new Error(`logger sent no RFC 3164 header: ${line}`);
  // logger writes local time; the harness reads zone-less times as local (the default).
  return { pri: Number(m[1]), time: fromBsd(m[2]!, 'local', now) };
}

describe.skipIf(absent('logger'))('util-linux logger against logharbor', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lh-logger-'));
    h = await startHarness({
      LOGHARBOR_SYSLOG_TIMEZONE: 'local',
      LOGHARBOR_SYSLOG_SOCKET: path.join(dir, 'syslog.sock'),
      LOGHARBOR_SYSLOG_DGRAM_SOCKET: path.join(dir, 'log.sock'),
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const byApp = (app: string, n: number): Promise<Row[]> => storedRows(h, `app = '${app}'`, n);

  for (const transport of ['udp', 'tcp'] as const) {
    it(`--rfc3164 over ${transport}: host, tag, user.notice, local time with the inferred year`, async () => {
      const app = `l3164${transport}`;
      const [line] = await log(h, transport, ['--rfc3164', '-t', app, 'hello', 'rfc3164']);
      const sent = sent3164(line!, Date.now());
      expect(sent.pri).toBe(13);
      expect(await byApp(app, 1)).toEqual([
        row({
          ...sent.time,
          host: HOST3164,
          app,
          tag: app,
          severity: 5,
          facility: 1,
          message: 'hello rfc3164',
        }),
      ]);
    });

    it(`--rfc5424 over ${transport}: microseconds and zone, timeQuality structured data`, async () => {
      const app = `l5424${transport}`;
      const [line] = await log(h, transport, ['--rfc5424', '-t', app, 'hello rfc5424']);
      const sent = sent5424(line!);
      expect(await byApp(app, 1)).toEqual([
        row({
          ...sent.time,
          host: HOST5424,
          app,
          tag: app,
          severity: 5,
          facility: 1,
          message: 'hello rfc5424',
          attrs: { sd: { timeQuality: { tzKnown: '1', isSynced: sent.synced } } },
        }),
      ]);
    });
  }

  for (const format of ['--rfc5424', '--rfc3164'] as const) {
    it(`-T --octet-count ${format}: octet-counted frames without LF`, async () => {
      const app = `loct${format.slice(6)}`;
      const [line] = await log(h, 'tcp', ['--octet-count', format, '-t', app, 'hello octet']);
      const common = {
        host: format === '--rfc5424' ? HOST5424 : HOST3164,
        app,
        tag: app,
        severity: 5,
        facility: 1,
        message: 'hello octet',
      };
      if (format === '--rfc5424') {
        const sent = sent5424(line!);
        const attrs = { sd: { timeQuality: { tzKnown: '1', isSynced: sent.synced } } };
        expect(await byApp(app, 1)).toEqual([row({ ...sent.time, ...common, attrs })]);
      } else {
        expect(await byApp(app, 1)).toEqual([
          row({ ...sent3164(line!, Date.now()).time, ...common }),
        ]);
      }
    });
  }

  it('--msgid, --sd-id/--sd-param (with escapes), --id and -p local0.warning', async () => {
    const app = 'lsd';
    const [line] = await log(h, 'tcp', [
      '--octet-count',
      '--rfc5424',
      '-t',
      app,
      '-p',
      'local0.warning',
      '--id=4242',
      '--msgid',
      'MSG1',
      '--sd-id',
      'test@32473',
      '--sd-param',
      'k="v"',
      // RFC 5424 section 6.3.3: '"', '\' and ']' are escaped inside PARAM-VALUE.
      '--sd-param',
      'q="a\\"b\\]c\\\\d"',
      'hello from logger',
    ]);
    const sent = sent5424(line!);
    expect(sent.pri).toBe(16 * 8 + 4);
    expect(await byApp(app, 1)).toEqual([
      row({
        ...sent.time,
        host: HOST5424,
        app,
        tag: app,
        severity: 4,
        facility: 16,
        message: 'hello from logger',
        attrs: {
          pid: '4242',
          msgid: 'MSG1',
          sd: {
            timeQuality: { tzKnown: '1', isSynced: sent.synced },
            'test@32473': { k: 'v', q: 'a"b]c\\d' },
          },
        },
      }),
    ]);
  });

  it('--rfc3164 --id with a tag[pid]: header', async () => {
    const app = 'lpid';
    const [line] = await log(h, 'udp', ['--rfc3164', '--id=77', '-t', app, 'with pid']);
    expect(line).toContain(`${app}[77]: `);
    expect(await byApp(app, 1)).toEqual([
      row({
        ...sent3164(line!, Date.now()).time,
        host: HOST3164,
        app,
        tag: app,
        severity: 5,
        facility: 1,
        message: 'with pid',
        attrs: { pid: '77' },
      }),
    ]);
  });

  for (const [transport, extra] of [
    ['tcp', ['--octet-count', '--rfc5424']],
    ['tcp', ['--rfc5424']],
    ['udp', ['--rfc5424']],
  ] as const) {
    it(`stdin, several lines (and an empty one) ${extra.join(' ')} over ${transport}: one row each, in order`, async () => {
      const app = `lstdin${transport}${extra.length}`;
      const lines = await log(
        h,
        transport,
        [...extra, '-t', app],
        'line one\nline two\n\nline four\n',
      );
      expect(lines).toHaveLength(4);
      const rows = await byApp(app, 4);
      expect(rows).toEqual(
        ['line one', 'line two', '', 'line four'].map((message, i) => {
          const sent = sent5424(lines[i]!);
          return row({
            ...sent.time,
            host: HOST5424,
            app,
            tag: app,
            severity: 5,
            facility: 1,
            message,
            attrs: { sd: { timeQuality: { tzKnown: '1', isSynced: sent.synced } } },
          });
        }),
      );
    });
  }

  // A local socket gets logger's local format: "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG", no host.
  for (const extra of [[], ['--octet-count']]) {
    it(`-u <unix stream socket> -T ${extra.join(' ')}: the local format without a hostname`, async () => {
      const app = `lunix${extra.length}`;
      const [line] = await log(h, 'unix', [...extra, '-t', app, '--id=9', 'over a unix socket']);
      expect(unframed(line!)).toMatch(
        new RegExp(`^<13>\\w{3} [ \\d]\\d [\\d:]{8} ${app}\\[9\\]: `),
      );
      expect(await byApp(app, 1)).toEqual([
        row({
          ...sent3164(line!, Date.now()).time,
          app,
          tag: app,
          severity: 5,
          facility: 1,
          message: 'over a unix socket',
          attrs: { pid: '9' },
        }),
      ]);
    });
  }

  it('-u <unix stream socket> --rfc5424', async () => {
    const app = 'lunix5424';
    const [line] = await log(h, 'unix', ['--rfc5424', '-t', app, 'unix 5424']);
    const sent = sent5424(line!);
    expect(await byApp(app, 1)).toEqual([
      row({
        ...sent.time,
        host: HOST5424,
        app,
        tag: app,
        severity: 5,
        facility: 1,
        message: 'unix 5424',
        attrs: { sd: { timeQuality: { tzKnown: '1', isSynced: sent.synced } } },
      }),
    ]);
  });

  it('-u <unix datagram socket> -d: like /dev/log', async () => {
    const app = 'ldgram';
    const [line] = await log(h, 'unix-dgram', ['-t', app, '--id=7', 'over a datagram socket']);
    expect(await byApp(app, 1)).toEqual([
      row({
        ...sent3164(line!, Date.now()).time,
        app,
        tag: app,
        severity: 5,
        facility: 1,
        message: 'over a datagram socket',
        attrs: { pid: '7' },
      }),
    ]);
  });
});

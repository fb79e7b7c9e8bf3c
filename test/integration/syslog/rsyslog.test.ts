/**
 * Debian's rsyslog forwarding to a running logharbor (omfwd): over TCP with octet counting
 * (RFC 6587 section 3.4.1, rsyslog counts its template's trailing LF) and with newlines
 * (section 3.4.2, "traditional"), and over UDP; in RFC 5424 (RSYSLOG_SyslogProtocol23Format)
 * and RFC 3164 (RSYSLOG_TraditionalForwardFormat). Lines go into rsyslog from util-linux
 * logger; `logger -s` tells the test the header it sent, which rsyslog passes on.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { runLogger, startRsyslog, type RsyslogOptions } from '../../../dev/programs.js';
import { absent } from '../../support/skip.js';
import { fromBsd, fromRfc3339, row, sendUdp, storedRows } from './wire.js';

const HOST = hostname().split('.')[0]!;

type Case = Pick<RsyslogOptions, 'protocol' | 'framing' | 'format'>;

const CASES: Case[] = [
  { protocol: 'tcp', framing: 'octet-counted', format: 'rfc5424' },
  { protocol: 'tcp', framing: 'traditional', format: 'rfc5424' },
  { protocol: 'udp', framing: 'traditional', format: 'rfc5424' },
  { protocol: 'tcp', framing: 'octet-counted', format: 'rfc3164' },
  { protocol: 'tcp', framing: 'traditional', format: 'rfc3164' },
  { protocol: 'udp', framing: 'traditional', format: 'rfc3164' },
];

let h: Harness;
beforeAll(async () => {
  // logger stamps local time and rsyslog forwards it as it came; zone-less times are
  // local here too.
  h = await startHarness({ LOGHARBOR_SYSLOG_TIMEZONE: 'local' });
});
afterAll(async () => h?.close());

// What rsyslog 8.2302 (Debian 12) sent in this file's runs, kept byte for byte so the
// shapes stay covered where rsyslogd is not installed.
describe('rsyslog output shapes, byte for byte', () => {
  it('RFC 3164 of a line received as RFC 5424: "HOST APP[PROCID] MSG", no colon', async () => {
    const text = 'rsyslog 3164 of 5424';
    await sendUdp(h.port('syslog-udp'), [
      Buffer.from(`<155>Nov 28 08:15:32 vm rsbytes[321] ${text}`),
    ]);
    expect(await storedRows(h, `message = '${text}'`, 1)).toEqual([
      row({
        ...fromBsd('Nov 28 08:15:32', 'local', Date.now()),
        host: 'vm',
        app: 'rsbytes',
        tag: 'rsbytes',
        severity: 3,
        facility: 19,
        message: text,
        attrs: { pid: '321' },
      }),
    ]);
  });
});

describe.skipIf(absent('rsyslogd', 'logger'))('rsyslog forwarding to logharbor', () => {
  for (const c of CASES) {
    it(`${c.protocol} ${c.protocol === 'tcp' ? c.framing : ''} ${c.format}: host, app, pid, msgid, time and text survive`, async () => {
      const app = `rs${c.protocol}${c.framing.slice(0, 3)}${c.format!.slice(3)}`;
      const port = h.port(c.protocol === 'tcp' ? 'syslog-tcp' : 'syslog-udp');
      const rs = await startRsyslog({ target: { host: '127.0.0.1', port }, ...c });
      try {
        const base = [
          '-s',
          '-d',
          '-n',
          '127.0.0.1',
          '-P',
          String(rs.inputPort),
          '-t',
          app,
          '--id=321',
          '-p',
          'local3.err',
        ];
        // Two RFC 5424 lines (microseconds, msgid and SD for rsyslog to pass on or drop) and
        // one RFC 3164 line (whose MSG keeps the space after "TAG[PID]:", see below).
        const inputs = [
          { format: '--rfc5424', text: 'first line' },
          { format: '--rfc5424', text: 'second: with a colon' },
          { format: '--rfc3164', text: 'third  with  spaces' },
        ];
        const sent: string[] = [];
        for (const { format, text } of inputs) {
          const extra = format === '--rfc5424' ? ['--msgid', 'M7'] : [];
          const r = await runLogger([...base, format, ...extra, text]);
          expect(r.code, r.stderr).toBe(0);
          sent.push(r.stderr.trim());
        }
        const rows = await storedRows(h, `app = '${app}'`, inputs.length).catch(
          async (e: Error) => {
            throw new Error(`${e.message}\n${await rs.log()}`);
          },
        );
        const common = { host: HOST, app, tag: app, severity: 3, facility: 19 };
        const expected = inputs.map(({ format, text }, i) => {
          const line = sent[i]!;
          if (format === '--rfc3164') {
            const stamp = /^<\d+>(\w{3} [ \d]\d \d\d:\d\d:\d\d) /.exec(line)?.[1] ?? line;
            const time = fromBsd(stamp, 'local', Date.now());
            // RFC 5424 output carries rsyslog's %msg% of a 3164 line, which begins with the
            // space after "TAG[PID]:": MSG is " third..." and is stored as sent.
            const message = c.format === 'rfc5424' ? ` ${text}` : text;
            return row({ ...time, ...common, message, attrs: { pid: '321' } });
          }
          const stamp = /^<\d+>1 (\S+) /.exec(line)?.[1] ?? line;
          if (c.format === 'rfc5424') {
            const synced = /isSynced="([01])"/.exec(line)?.[1];
            const sd = { timeQuality: { tzKnown: '1', isSynced: synced } };
            return row({
              ...fromRfc3339(stamp),
              ...common,
              message: text,
              attrs: { pid: '321', msgid: 'M7', sd },
            });
          }
          // RFC 3164 output of an RFC 5424 line: "Mmm dd hh:mm:ss HOST APP[PROCID] MSG" (no
          // colon), in the stamp's own wall clock (local here): the same second; no msgid, no SD.
          const ts = `${fromRfc3339(stamp).ts.slice(0, 19)}.000000Z`;
          return row({ ts, ...common, message: text, attrs: { pid: '321' } });
        });
        expect(rows).toEqual(expected);
      } finally {
        await rs.stop();
      }
    });
  }
});

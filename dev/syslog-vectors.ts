/**
 * Syslog test vectors: input line and the fields a correct parser reads from it.
 * Shared by the parser tests and bench/syslog-parsers.ts (the parser comparison).
 *
 * Sources: RFC 5424 section 6.5 examples 1-4 ("BOM" written as U+FEFF), RFC 3164 section
 * 5.4 examples, the Docker 20.10 and util-linux logger captures in test/fixtures, and
 * the shapes rsyslog, glibc syslog(3), Go's log/syslog and network gear send.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SyslogFormat, SyslogMessage, StructuredData } from '../collector/syslog/message.js';
import { FIXTURES_DIR } from './fixtures.js';

/** Arrival time of every vector unless it says otherwise: just after the Docker captures. */
export const RECEIVED_AT = Date.UTC(2026, 10, 28, 6, 24, 0);

const FIXTURES = FIXTURES_DIR;

/** The datagrams of a UDP capture in test/fixtures (each ends in LF; logger's single one has none). */
export function fixtureDatagrams(file: string): Buffer[] {
  const bytes = readFileSync(path.join(FIXTURES, file));
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

export interface Expected {
  pri: number | null;
  format: SyslogFormat;
  /** RFC 3339 UTC with 9 fraction digits; null when the arrival time must be used. */
  time: string | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  structuredData: StructuredData | null;
  message: string;
  /** The TIMESTAMP text of a time that names no instant (then `time` is null). */
  invalidTimeText?: string;
}

export interface Vector {
  name: string;
  line: string | Buffer;
  receivedAt?: number;
  timezone?: string;
  expect: Expected;
}

const none = {
  hostname: null,
  appName: null,
  procId: null,
  msgId: null,
  structuredData: null,
} as const;

function v5424(
  name: string,
  line: string | Buffer,
  e: Omit<Expected, 'format' | 'structuredData'> & { structuredData?: StructuredData | null },
  extra: Partial<Vector> = {},
): Vector {
  return { name, line, expect: { structuredData: null, ...e, format: 'rfc5424' }, ...extra };
}

function v3164(
  name: string,
  line: string | Buffer,
  e: Pick<Expected, 'pri' | 'time' | 'hostname' | 'appName' | 'procId' | 'message'> &
    Pick<Partial<Expected>, 'invalidTimeText'>,
  extra: Partial<Vector> = {},
): Vector {
  return {
    name,
    line,
    expect: { ...e, format: 'rfc3164', msgId: null, structuredData: null },
    ...extra,
  };
}

function unknown(name: string, line: string | Buffer, pri: number | null, message: string): Vector {
  return { name, line, expect: { ...none, pri, format: 'unknown', time: null, message } };
}

const DONUTS =
  "%% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%";
const FOLKS =
  "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!";
const EXAMPLE_SD = '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]';
const exampleSd = { iut: '3', eventSource: 'Application', eventID: '1011' };

export const VECTORS: Vector[] = [
  // RFC 5424 section 6.5
  v5424(
    'rfc5424 example 1: no structured data, BOM',
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
    {
      pri: 34,
      time: '2003-10-11T22:14:15.003000000Z',
      hostname: 'mymachine.example.com',
      appName: 'su',
      procId: null,
      msgId: 'ID47',
      message: "'su root' failed for lonvick on /dev/pts/8",
    },
  ),
  v5424(
    'rfc5424 example 2: microseconds, -07:00, nil MSGID',
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    {
      pri: 165,
      time: '2003-08-24T12:14:15.000003000Z',
      hostname: '192.0.2.1',
      appName: 'myproc',
      procId: '8710',
      msgId: null,
      message: "%% It's time to make the do-nuts.",
    },
  ),
  v5424(
    'rfc5424 example 3: structured data and BOM message',
    `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${EXAMPLE_SD} \ufeffAn application event log entry...`,
    {
      pri: 165,
      time: '2003-10-11T22:14:15.003000000Z',
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      procId: null,
      msgId: 'ID47',
      structuredData: { 'exampleSDID@32473': exampleSd },
      message: 'An application event log entry...',
    },
  ),
  v5424(
    'rfc5424 example 4: structured data only',
    `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${EXAMPLE_SD}[examplePriority@32473 class="high"]`,
    {
      pri: 165,
      time: '2003-10-11T22:14:15.003000000Z',
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      procId: null,
      msgId: 'ID47',
      structuredData: {
        'exampleSDID@32473': exampleSd,
        'examplePriority@32473': { class: 'high' },
      },
      message: '',
    },
  ),
  // Docker 20.10 (fixtures)
  v5424(
    'docker rfc5424',
    '<27>1 2026-11-28T06:23:49Z vm 2f6182904d20 29811 2f6182904d20 - hello stderr 1',
    {
      pri: 27,
      time: '2026-11-28T06:23:49.000000000Z',
      hostname: 'vm',
      appName: '2f6182904d20',
      procId: '29811',
      msgId: '2f6182904d20',
      message: 'hello stderr 1',
    },
  ),
  v5424(
    'docker rfc5424micro',
    '<30>1 2026-11-28T06:23:49.935570Z vm 157244bf82aa 29811 157244bf82aa - hello stdout 1',
    {
      pri: 30,
      time: '2026-11-28T06:23:49.935570000Z',
      hostname: 'vm',
      appName: '157244bf82aa',
      procId: '29811',
      msgId: '157244bf82aa',
      message: 'hello stdout 1',
    },
  ),
  v5424(
    'docker rfc5424micro, dockerd in +01:00, tag {{.Name}}/{{.ID}}',
    '<27>1 2026-11-28T07:23:49.000001+01:00 vm web1/157244bf82aa 29811 web1/157244bf82aa - oops',
    {
      pri: 27,
      time: '2026-11-28T06:23:49.000001000Z',
      hostname: 'vm',
      appName: 'web1/157244bf82aa',
      procId: '29811',
      msgId: 'web1/157244bf82aa',
      message: 'oops',
    },
  ),
  // util-linux logger (fixtures)
  v5424(
    'logger --rfc5424 --sd-param',
    '<134>1 2026-11-28T06:23:02.683789+00:00 vm myapp - MSG1 [timeQuality tzKnown="1" isSynced="0"][test@32473 k="v"] hello from logger 1 second arg same message',
    {
      pri: 134,
      time: '2026-11-28T06:23:02.683789000Z',
      hostname: 'vm',
      appName: 'myapp',
      procId: null,
      msgId: 'MSG1',
      structuredData: { timeQuality: { tzKnown: '1', isSynced: '0' }, 'test@32473': { k: 'v' } },
      message: 'hello from logger 1 second arg same message',
    },
  ),
  // RFC 5424 edges
  v5424('rfc5424 all nil, no MSG', '<14>1 - - - - - -', {
    pri: 14,
    time: null,
    ...none,
    message: '',
  }),
  v5424('rfc5424 nanoseconds kept', '<14>1 2026-11-28T06:23:49.123456789+01:00 h a p m - x', {
    pri: 14,
    time: '2026-11-28T05:23:49.123456789Z',
    hostname: 'h',
    appName: 'a',
    procId: 'p',
    msgId: 'm',
    message: 'x',
  }),
  v5424(
    'rfc5424 fraction past 9 digits truncated',
    '<14>1 2026-11-28T06:23:49.1234567891234Z h a p m - x',
    {
      pri: 14,
      time: '2026-11-28T06:23:49.123456789Z',
      hostname: 'h',
      appName: 'a',
      procId: 'p',
      msgId: 'm',
      message: 'x',
    },
  ),
  v5424(
    'rfc5424 param escapes \\" \\\\ \\] and an invalid escape kept',
    '<14>1 2026-11-28T06:23:49Z h a - - [ex@1 q="say \\"hi\\"" b="C:\\\\dir" c="[x\\]" d="a\\nb" e=""] m',
    {
      pri: 14,
      time: '2026-11-28T06:23:49.000000000Z',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      structuredData: { 'ex@1': { q: 'say "hi"', b: 'C:\\dir', c: '[x]', d: 'a\\nb', e: '' } },
      message: 'm',
    },
  ),
  v5424(
    'rfc5424 repeated PARAM-NAME and repeated SD-ID',
    '<14>1 2026-11-28T06:23:49Z h a - - [origin ip="192.0.2.1" ip="192.0.2.129"][origin software="x"][meta sequenceId="7"] m',
    {
      pri: 14,
      time: '2026-11-28T06:23:49.000000000Z',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      structuredData: {
        origin: { ip: ['192.0.2.1', '192.0.2.129'], software: 'x' },
        meta: { sequenceId: '7' },
      },
      message: 'm',
    },
  ),
  v5424(
    'rfc5424 UTF-8 in PARAM-VALUE and MSG',
    '<14>1 2026-11-28T06:23:49Z h a - - [ex@1 city="München"] \ufeffgrüße 🚀',
    {
      pri: 14,
      time: '2026-11-28T06:23:49.000000000Z',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      structuredData: { 'ex@1': { city: 'München' } },
      message: 'grüße 🚀',
    },
  ),
  v5424(
    'rfc5424 malformed structured data stays in MSG',
    '<14>1 2026-11-28T06:23:49Z h a - - [bad sd hello',
    {
      pri: 14,
      time: '2026-11-28T06:23:49.000000000Z',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      message: '[bad sd hello',
    },
  ),
  v5424(
    'rfc5424 invalid UTF-8 after BOM becomes U+FFFD',
    Buffer.concat([
      Buffer.from('<14>1 2026-11-28T06:23:49Z h a - - - '),
      Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62]),
    ]),
    {
      pri: 14,
      time: '2026-11-28T06:23:49.000000000Z',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      message: 'a\ufffdb',
    },
  ),
  v5424('rfc5424 header cut short', '<14>1 2026-11-28T06:23:49Z host', {
    pri: 14,
    time: '2026-11-28T06:23:49.000000000Z',
    ...none,
    hostname: 'host',
    message: '',
  }),
  v5424(
    'rfc5424 impossible date: arrival time, fields kept, time text kept',
    '<14>1 2026-02-30T06:23:49Z h a - - - m',
    {
      pri: 14,
      time: null,
      invalidTimeText: '2026-02-30T06:23:49Z',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      message: 'm',
    },
  ),
  v5424(
    'rfc5424 hour 25 with a fraction and zone: time text kept as sent',
    '<14>1 2026-11-28T25:00:00.5+01:00 h a - - - m',
    {
      pri: 14,
      time: null,
      invalidTimeText: '2026-11-28T25:00:00.5+01:00',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      message: 'm',
    },
  ),
  v5424(
    'rfc5424 TIMESTAMP that is no date-time (date only): kept, not taken for HOSTNAME',
    '<14>1 2026-11-28 h a - - - m',
    {
      pri: 14,
      time: null,
      invalidTimeText: '2026-11-28',
      hostname: 'h',
      appName: 'a',
      procId: null,
      msgId: null,
      message: 'm',
    },
  ),
  // RFC 3164 section 5.4
  v3164(
    'rfc3164 example 1',
    "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
    {
      pri: 34,
      time: '2026-10-11T22:14:15.000000000Z',
      hostname: 'mymachine',
      appName: 'su',
      procId: null,
      message: "'su root' failed for lonvick on /dev/pts/8",
    },
  ),
  unknown('rfc3164 example 2 as sent: no PRI', 'Use the BFG!', null, 'Use the BFG!'),
  v3164('rfc3164 example 2 as relayed: no TAG', '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!', {
    pri: 13,
    time: '2026-02-05T17:32:18.000000000Z',
    hostname: '10.0.0.99',
    appName: null,
    procId: null,
    message: 'Use the BFG!',
  }),
  v3164(
    'rfc3164 example 3: "CST" read as HOSTNAME, as the RFC says a relay would',
    `<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: ${DONUTS}`,
    {
      pri: 165,
      time: '2026-08-24T05:34:00.000000000Z',
      hostname: 'CST',
      appName: null,
      procId: null,
      message: `1987 mymachine myproc[10]: ${DONUTS}`,
    },
  ),
  unknown('rfc3164 example 4: no valid TIMESTAMP', `<0>${FOLKS}`, 0, FOLKS),
  v3164('rfc3164 example 5: example 4 relayed', `<0>Oct 22 10:52:12 scapegoat ${FOLKS}`, {
    pri: 0,
    time: '2026-10-22T10:52:12.000000000Z',
    hostname: 'scapegoat',
    appName: null,
    procId: null,
    message: FOLKS,
  }),
  // Docker default format (no HOSTNAME) and rfc3164
  v3164('docker default', '<30>Nov 28 06:23:48 599aea6725e3[29811]: hello stdout 1', {
    pri: 30,
    time: '2026-11-28T06:23:48.000000000Z',
    hostname: null,
    appName: '599aea6725e3',
    procId: '29811',
    message: 'hello stdout 1',
  }),
  v3164(
    'docker default, day padded with a space',
    '<27>Nov  2 06:23:48 web1/599aea6725e3[29811]: err',
    {
      pri: 27,
      time: '2026-11-02T06:23:48.000000000Z',
      hostname: null,
      appName: 'web1/599aea6725e3',
      procId: '29811',
      message: 'err',
    },
  ),
  v3164(
    'docker default, tag with image:tag, message with colons',
    '<30>Nov 28 06:23:48 nginx:1.25/web1/599aea6725e3[29811]: GET /: 200',
    {
      pri: 30,
      time: '2026-11-28T06:23:48.000000000Z',
      hostname: null,
      appName: 'nginx:1.25/web1/599aea6725e3',
      procId: '29811',
      message: 'GET /: 200',
    },
  ),
  v3164('docker rfc3164', '<30>Nov 28 06:23:49 vm b7197e388310[29811]: hello stdout 1', {
    pri: 30,
    time: '2026-11-28T06:23:49.000000000Z',
    hostname: 'vm',
    appName: 'b7197e388310',
    procId: '29811',
    message: 'hello stdout 1',
  }),
  // Other senders
  v3164('logger --rfc3164', '<13>Nov 28 06:23:03 vm myapp: hello udp 3164', {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: 'vm',
    appName: 'myapp',
    procId: null,
    message: 'hello udp 3164',
  }),
  v3164(
    'glibc syslog(3) on /dev/log: no HOSTNAME, tag[pid]',
    '<13>Nov 28 06:23:03 myapp[123]: local',
    {
      pri: 13,
      time: '2026-11-28T06:23:03.000000000Z',
      hostname: null,
      appName: 'myapp',
      procId: '123',
      message: 'local',
    },
  ),
  v3164(
    "rsyslog's traditional format of a line it got as RFC 5424: HOST APP[PID] with no colon",
    '<13>Nov 28 06:23:03 vm app[321] first line',
    {
      pri: 13,
      time: '2026-11-28T06:23:03.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: '321',
      message: 'first line',
    },
  ),
  v3164('no HOSTNAME, tag without pid', '<13>Nov 28 06:23:03 myapp: no pid', {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: null,
    appName: 'myapp',
    procId: null,
    message: 'no pid',
  }),
  v3164(
    'rsyslog RFC 3339 stamp with zone',
    '<13>2026-11-28T06:23:03.123456+01:00 vm myapp[77]: rsyslog',
    {
      pri: 13,
      time: '2026-11-28T05:23:03.123456000Z',
      hostname: 'vm',
      appName: 'myapp',
      procId: '77',
      message: 'rsyslog',
    },
  ),
  v3164('RFC 3339 stamp without zone (context zone)', '<13>2026-11-28T06:23:03 vm myapp: x', {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: 'vm',
    appName: 'myapp',
    procId: null,
    message: 'x',
  }),
  v3164('Go log/syslog: space after PRI', '<30> 2026-11-28T06:23:03Z vm app[1]: go', {
    pri: 30,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: 'vm',
    appName: 'app',
    procId: '1',
    message: 'go',
  }),
  v3164('HOSTNAME, no TAG', '<13>Nov 28 06:23:03 vm just text here', {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: 'vm',
    appName: null,
    procId: null,
    message: 'just text here',
  }),
  v3164(
    'Cisco: year in timestamp, %FACILITY tag',
    '<189>Nov 28 2026 06:23:03 router1 %SYS-5-CONFIG_I: Configured from console',
    {
      pri: 189,
      time: '2026-11-28T06:23:03.000000000Z',
      hostname: 'router1',
      appName: '%SYS-5-CONFIG_I',
      procId: null,
      message: 'Configured from console',
    },
  ),
  v3164('IPv6 HOSTNAME', '<13>Nov 28 06:23:03 fe80::1 app: v6', {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: 'fe80::1',
    appName: 'app',
    procId: null,
    message: 'v6',
  }),
  v3164('zero-padded day and fraction', '<13>Nov 02 06:23:03.25 vm app: frac', {
    pri: 13,
    time: '2026-11-02T06:23:03.250000000Z',
    hostname: 'vm',
    appName: 'app',
    procId: null,
    message: 'frac',
  }),
  v3164('no HOSTNAME, no TAG', "<13>Nov 28 06:23:03 'quoted' words", {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: null,
    appName: null,
    procId: null,
    message: "'quoted' words",
  }),
  v3164('CRLF and NUL at the end', '<13>Nov 28 06:23:03 vm app: crlf\r\n\u0000', {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: 'vm',
    appName: 'app',
    procId: null,
    message: 'crlf',
  }),
  // Year inference and zones
  v3164(
    'December line received in January is last year',
    '<13>Dec 31 23:59:59 vm app: old year',
    {
      pri: 13,
      time: '2026-12-31T23:59:59.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: null,
      message: 'old year',
    },
    { receivedAt: Date.UTC(2027, 0, 1, 0, 0, 30) },
  ),
  v3164(
    'January line received in December is next year',
    '<13>Jan  1 00:00:10 vm app: new year',
    {
      pri: 13,
      time: '2027-01-01T00:00:10.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: null,
      message: 'new year',
    },
    { receivedAt: Date.UTC(2026, 11, 31, 23, 59, 50) },
  ),
  v3164(
    'Europe/Berlin in winter (+01:00)',
    '<13>Nov 28 07:23:03 vm app: berlin',
    {
      pri: 13,
      time: '2026-11-28T06:23:03.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: null,
      message: 'berlin',
    },
    { timezone: 'Europe/Berlin' },
  ),
  v3164(
    'Europe/Berlin in summer (+02:00)',
    '<13>Jul 15 08:00:00 vm app: summer',
    {
      pri: 13,
      time: '2026-07-15T06:00:00.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: null,
      message: 'summer',
    },
    { timezone: 'Europe/Berlin', receivedAt: Date.UTC(2026, 6, 15, 6, 0, 30) },
  ),
  // Issue 14: shapes seen in the wild
  v3164(
    'space after PRI, two spaces between HOSTNAME and TAG (issue 14)',
    '<132> Apr  4 19:32:33 host  TAG[015]: text',
    {
      pri: 132,
      time: '2026-04-04T19:32:33.000000000Z',
      hostname: 'host',
      appName: 'TAG',
      procId: '015',
      message: 'text',
    },
  ),
  v3164(
    'runs of spaces after PRI, TIMESTAMP and HOSTNAME',
    '<13>   Nov 28 06:23:03    vm   app[7]: text  with  spaces',
    {
      pri: 13,
      time: '2026-11-28T06:23:03.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: '7',
      message: 'text  with  spaces',
    },
  ),
  v3164('tabs between header fields', '<13>	Nov 28 06:23:03	vm		app[7]:	text	x', {
    pri: 13,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: 'vm',
    appName: 'app',
    procId: '7',
    message: 'text	x',
  }),
  v3164(
    'two spaces between HOSTNAME and a text that is no TAG: not in MSG',
    '<13>Nov 28 06:23:03 vm  just text',
    {
      pri: 13,
      time: '2026-11-28T06:23:03.000000000Z',
      hostname: 'vm',
      appName: null,
      procId: null,
      message: 'just text',
    },
  ),
  v3164(
    'spaces after TAG past the first are CONTENT (indentation kept)',
    '<13>Nov 28 06:23:03 vm app:    at Foo.bar(Foo.java:1)',
    {
      pri: 13,
      time: '2026-11-28T06:23:03.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: null,
      message: '   at Foo.bar(Foo.java:1)',
    },
  ),
  v3164('no PRI (issue 14): header read, no severity', 'Oct 11 22:14:15 host su: text', {
    pri: null,
    time: '2026-10-11T22:14:15.000000000Z',
    hostname: 'host',
    appName: 'su',
    procId: null,
    message: 'text',
  }),
  v3164('no PRI, no HOSTNAME', 'Oct 11 22:14:15 su: text', {
    pri: null,
    time: '2026-10-11T22:14:15.000000000Z',
    hostname: null,
    appName: 'su',
    procId: null,
    message: 'text',
  }),
  v3164('no PRI, no HOSTNAME, tag[pid]', 'Nov 28 06:23:03 myapp[123]: local', {
    pri: null,
    time: '2026-11-28T06:23:03.000000000Z',
    hostname: null,
    appName: 'myapp',
    procId: '123',
    message: 'local',
  }),
  v3164(
    'no PRI, RFC 3339 stamp (rsyslog file format)',
    '2026-11-28T06:23:03.123456+01:00 vm myapp[77]: rsyslog',
    {
      pri: null,
      time: '2026-11-28T05:23:03.123456000Z',
      hostname: 'vm',
      appName: 'myapp',
      procId: '77',
      message: 'rsyslog',
    },
  ),
  v5424(
    'no PRI, RFC 5424 shape with a date-time: read, no severity',
    '1 2026-11-28T06:23:49Z vm app 123 ID1 - text',
    {
      pri: null,
      time: '2026-11-28T06:23:49.000000000Z',
      hostname: 'vm',
      appName: 'app',
      procId: '123',
      msgId: 'ID1',
      message: 'text',
    },
  ),
  v5424(
    'no PRI, RFC 5424 shape with an impossible date-time: read, time text kept',
    '1 2026-02-30T06:23:49Z vm app - - - text',
    {
      pri: null,
      time: null,
      invalidTimeText: '2026-02-30T06:23:49Z',
      hostname: 'vm',
      appName: 'app',
      procId: null,
      msgId: null,
      message: 'text',
    },
  ),
  unknown(
    'no PRI, "1 -": too little for RFC 5424',
    '1 - vm app - - - text',
    null,
    '1 - vm app - - - text',
  ),
  unknown(
    'no PRI, "1 " and a date without time is text',
    '1 2026-01-02 rows updated',
    null,
    '1 2026-01-02 rows updated',
  ),
  unknown(
    'no PRI, VERSION 2 is not RFC 5424 as any sender writes it',
    '2 2026-11-28T06:23:49Z vm app - - - text',
    null,
    '2 2026-11-28T06:23:49Z vm app - - - text',
  ),
  unknown(
    'no PRI, indented: a continuation line, not a header',
    '  Oct 11 22:14:15 host su: text',
    null,
    '  Oct 11 22:14:15 host su: text',
  ),
  unknown(
    'no PRI, a month and a day but no clock',
    'May 12 was a Tuesday',
    null,
    'May 12 was a Tuesday',
  ),
  // Issue 14: impossible times are kept as sent, the fields after them read
  v3164('Sep 31: arrival time, time text kept', '<13>Sep 31 10:00:00 vm app: x', {
    pri: 13,
    time: null,
    invalidTimeText: 'Sep 31 10:00:00',
    hostname: 'vm',
    appName: 'app',
    procId: null,
    message: 'x',
  }),
  v3164('Feb 30', '<13>Feb 30 10:00:00 vm app: x', {
    pri: 13,
    time: null,
    invalidTimeText: 'Feb 30 10:00:00',
    hostname: 'vm',
    appName: 'app',
    procId: null,
    message: 'x',
  }),
  v3164('hour 25, Docker default shape', '<27>Nov  2 25:00:00 web1/599aea6725e3[29811]: err', {
    pri: 27,
    time: null,
    invalidTimeText: 'Nov  2 25:00:00',
    hostname: null,
    appName: 'web1/599aea6725e3',
    procId: '29811',
    message: 'err',
  }),
  v3164('minute 60 with a fraction', '<13>Nov 28 06:60:00.25 vm app: x', {
    pri: 13,
    time: null,
    invalidTimeText: 'Nov 28 06:60:00.25',
    hostname: 'vm',
    appName: 'app',
    procId: null,
    message: 'x',
  }),
  v3164('day 0', '<13>Nov 00 06:00:00 vm app: x', {
    pri: 13,
    time: null,
    invalidTimeText: 'Nov 00 06:00:00',
    hostname: 'vm',
    appName: 'app',
    procId: null,
    message: 'x',
  }),
  v3164('Cisco year and hour 24', '<189>Nov 28 2026 24:00:00 router1 %SYS-5-CONFIG_I: Configured', {
    pri: 189,
    time: null,
    invalidTimeText: 'Nov 28 2026 24:00:00',
    hostname: 'router1',
    appName: '%SYS-5-CONFIG_I',
    procId: null,
    message: 'Configured',
  }),
  v3164('rsyslog RFC 3339 stamp, Feb 30', '<13>2026-02-30T06:23:03+01:00 vm myapp: x', {
    pri: 13,
    time: null,
    invalidTimeText: '2026-02-30T06:23:03+01:00',
    hostname: 'vm',
    appName: 'myapp',
    procId: null,
    message: 'x',
  }),
  v3164('no PRI and Sep 31', 'Sep 31 10:00:00 host su: text', {
    pri: null,
    time: null,
    invalidTimeText: 'Sep 31 10:00:00',
    hostname: 'host',
    appName: 'su',
    procId: null,
    message: 'text',
  }),
  // Not syslog headers: kept whole
  unknown('PRI then plain text', '<13>hello there', 13, 'hello there'),
  unknown(
    'PRI over 191 is not a PRI',
    '<192>Nov 28 06:23:03 vm app: x',
    null,
    '<192>Nov 28 06:23:03 vm app: x',
  ),
  unknown('empty line', '', null, ''),
];

/** RFC 3339 UTC with nanoseconds. */
export function isoNano(sec: number, nano: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nano).padStart(9, '0')}Z`;
}

/** A parsed message in the vectors' terms. */
export function asExpected(m: SyslogMessage): Expected {
  return {
    pri: m.pri,
    format: m.format,
    time: m.timeFromMessage ? isoNano(m.tsSec, m.tsNano) : null,
    hostname: m.hostname,
    appName: m.appName,
    procId: m.procId,
    msgId: m.msgId,
    structuredData: m.structuredData,
    message: m.message,
    // Left out when null, so that only the vectors of impossible times name it.
    invalidTimeText: m.invalidTimeText ?? undefined,
  };
}

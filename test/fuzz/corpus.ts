/**
 * Seeds for the mutating fuzz properties: the real captures of test/fixtures
 * whole and cut into the frames
 * they hold, plus dictionaries of bytes that mean something to each decoder.
 */
import { readFileSync } from 'node:fs';
import { ForwardFramer } from '../../collector/forward/framer.js';
import { SyslogFramer } from '../../collector/syslog/framing.js';
import { FIXTURES_DIR } from '../../dev/fixtures.js';

const FIXTURES = `${FIXTURES_DIR}/`;
/** A capture by its path under test/fixtures. */
export const read = (name: string): Buffer => readFileSync(`${FIXTURES}${name}`);

/** Docker's fluentd driver (Message mode, acks, EventTime, partial lines, labels). */
export const FORWARD_CAPTURES: readonly Buffer[] = [
  'fluentd-default.bin',
  'fluentd-ack-subsecond.bin',
  'fluentd-partial.bin',
  'fluentd-tag-labels-env.bin',
  'fluentd-ack-race.bin',
].map((n) => read(`docker-20.10/${n}`));

/** Every request of every forward capture, one buffer each. */
export const FORWARD_FRAMES: readonly Buffer[] = FORWARD_CAPTURES.flatMap((c) =>
  new ForwardFramer(1 << 20).push(c).map((f) => Buffer.from(f)),
);

/** Format bytes that steer a msgpack decoder: bad byte, huge headers, EventTime, JSON. */
export const MSGPACK_TOKENS: readonly number[][] = [
  [0xc1],
  [0xc0],
  [0xdb, 0xff, 0xff, 0xff, 0xff],
  [0xdd, 0xff, 0xff, 0xff, 0xff],
  [0xdf, 0xff, 0xff, 0xff, 0xff],
  [0xc6, 0x00, 0x01, 0x00, 0x00],
  [0xd7, 0x00],
  [0xc7, 0x08, 0x00],
  [0xd7, 0xff],
  [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
  [0x93],
  [0x94],
  [0x81],
  [0xa3, 0x6c, 0x6f, 0x67], // "log"
  [0xa5, 0x63, 0x68, 0x75, 0x6e, 0x6b], // "chunk"
  [0xa9, 0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f], // "__proto__"
  [0x7b],
  [0x5b],
];

/** Syslog over TCP and TLS from Docker, and from util-linux logger (octet-counted or LF). */
export const SYSLOG_STREAM_FILES: readonly string[] = [
  'docker-20.10/syslog-tcp-default.bin',
  'docker-20.10/syslog-tcp-rfc3164.bin',
  'docker-20.10/syslog-tcp-rfc5424.bin',
  'docker-20.10/syslog-tcp-rfc5424micro.bin',
  'docker-20.10/syslog-tls-rfc5424.bin',
  'logger/tcp-rfc3164-octet.bin',
  'logger/tcp-rfc5424-lf.bin',
  'logger/tcp-rfc5424-octet-stdin.bin',
  'logger/tcp-rfc5424-octet.bin',
];
export const SYSLOG_STREAMS: readonly Buffer[] = SYSLOG_STREAM_FILES.map(read);

/** Every message of every capture: the TCP streams' frames and the UDP datagrams. */
export const SYSLOG_MESSAGES: readonly Buffer[] = [
  ...SYSLOG_STREAMS.flatMap((s) => {
    const framer = new SyslogFramer(64 * 1024);
    return [...framer.push(s), ...framer.flush()].map((f) => Buffer.from(f));
  }),
  ...[
    'docker-20.10/syslog-udp-default.bin',
    'docker-20.10/syslog-udp-rfc3164.bin',
    'docker-20.10/syslog-udp-rfc5424.bin',
    'docker-20.10/syslog-udp-rfc5424micro.bin',
  ].flatMap((n) =>
    read(n)
      .toString('latin1')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => Buffer.from(`${l}\n`, 'latin1')),
  ),
  ...['logger/udp-rfc3164.bin', 'logger/udp-rfc5424.bin'].map(read),
];

/** Bytes that steer RFC 6587 framing and the RFC 5424 / 3164 parsers. */
export const SYSLOG_TOKENS: readonly number[][] = [
  '\n',
  '\r\n',
  '\0',
  '\0<',
  ' ',
  '<',
  '>',
  '<13>',
  '<191>',
  '<192>',
  '1 ',
  '- ',
  '[',
  ']',
  '"',
  '\\',
  '=',
  ':',
  '[1]:',
  '99999999999 ',
  '4294967296 ',
  '0 ',
  '10 ',
  'Feb 29 ',
  '2026-11-28T06:23:49.123456789+14:00 ',
  '\ufeff',
].map((t) => [...Buffer.from(t)]);

/**
 * A parsed syslog message to a record (collector/syslog/record.ts): what issue 14 (times
 * that name no instant) and issue 18 (Docker's PRI is its stream) change, checked the way
 * a user sees it, through the query language's predicate.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery, toPredicate, type StoredRecordLike } from '../../../api/query/index.js';
import type { LogRecord } from '../../../core/record.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { syslogToRecord } from '../../../collector/syslog/record.js';
import { RECEIVED_AT } from '../../../dev/syslog-vectors.js';

const ARRIVAL_SEC = Math.floor(RECEIVED_AT / 1000);
const record = (line: string): LogRecord =>
  syslogToRecord(parseSyslog(line, { receivedAt: RECEIVED_AT, timezone: 'UTC' }), RECEIVED_AT);

function stored(r: LogRecord): StoredRecordLike {
  return {
    message: r.message,
    source: r.source,
    host: r.host,
    container_id: r.containerId,
    container_name: r.containerName,
    stream: r.stream,
    tag: r.tag,
    app: r.app,
    project: r.project,
    service: r.service,
    severity: r.severity,
    attrs: r.attrs,
  };
}

const matches = (query: string, line: string) =>
  toPredicate(parseQuery(query))(stored(record(line)));

describe('a time that names no instant (issue 14)', () => {
  it.each([
    ['RFC 3164, Sep 31', '<13>Sep 31 10:00:00 vm app[4]: x', 'Sep 31 10:00:00'],
    ['RFC 3164, hour 25, day padded', '<13>Nov  2 25:00:00 vm app[4]: x', 'Nov  2 25:00:00'],
    ['RFC 3164 without PRI, Feb 30', 'Feb 30 10:00:00 vm app[4]: x', 'Feb 30 10:00:00'],
    ['RFC 5424, 2026-02-30', '<14>1 2026-02-30T06:23:49Z vm app 4 - - x', '2026-02-30T06:23:49Z'],
    ['RFC 5424, text in TIMESTAMP', '<14>1 2026-yesterday vm app 4 - - x', '2026-yesterday'],
  ])(
    '%s: arrival time, the text in attrs.syslog_time_invalid, header read',
    (_name, line, text) => {
      const r = record(line);
      expect([r.tsSec, r.tsNano, r.host, r.app, r.message]).toEqual([
        ARRIVAL_SEC,
        0,
        'vm',
        'app',
        'x',
      ]);
      expect(r.attrs).toMatchObject({ pid: '4', syslog_time_invalid: text });
      expect(matches('attrs.syslog_time_invalid:*', line)).toBe(true);
    },
  );

  it.each([
    ['RFC 3164', '<13>Nov 28 06:23:03 vm app: x'],
    ['RFC 5424', '<14>1 2026-11-28T06:23:49Z vm app - - - x'],
    ['RFC 5424 NILVALUE: no time was sent, none is wrong', '<14>1 - vm app - - - x'],
    ['no header at all', 'just text'],
  ])('%s: no syslog_time_invalid', (_name, line) => {
    expect(record(line).attrs?.syslog_time_invalid).toBeUndefined();
    expect(matches('attrs.syslog_time_invalid:*', line)).toBe(false);
  });

  it('a JSON line cannot replace the time text with its own field of that name', () => {
    const r = record('<13>Sep 31 10:00:00 vm app: {"syslog_time_invalid":"no","a":1}');
    expect(r.attrs).toMatchObject({ syslog_time_invalid: 'Sep 31 10:00:00', a: 1 });
  });
});

describe('a line without PRI (issue 14)', () => {
  it('has no severity and no facility, and a level in the line still counts', () => {
    const r = record('Oct 11 22:14:15 host su: text');
    expect([r.severity, r.facility, r.host, r.app]).toEqual([null, null, 'host', 'su']);
    expect(record('Oct 11 22:14:15 host su: level=error x').severity).toBe(3);
  });
});

describe('Docker stderr is not an error by itself (issue 18)', () => {
  const STDERR = '<27>1 2026-11-28T06:23:49Z vm 2f6182904d20 29811 2f6182904d20 - hello stderr 1';
  it('level>=warn does not match "hello stderr 1"; stream:stderr does', () => {
    expect(matches('level>=warn', STDERR)).toBe(false);
    expect(matches('stream:stderr', STDERR)).toBe(true);
  });

  it('level>=warn matches a stderr line that says it is an error', () => {
    const line = STDERR.replace('hello stderr 1', '{"level":"error","msg":"boom"}');
    expect(matches('level>=warn', line)).toBe(true);
  });

  it('level>=warn still matches an err line from any other sender', () => {
    expect(matches('level>=warn', '<11>Nov 28 06:23:03 vm myapp: hello')).toBe(true);
  });
});

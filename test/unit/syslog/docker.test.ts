import { describe, expect, it } from 'vitest';
import { dockerFields } from '../../../collector/syslog/docker.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { syslogToRecord } from '../../../collector/syslog/record.js';
import { RECEIVED_AT } from '../../../dev/syslog-vectors.js';

const ID = '599aea6725e3';
const FULL = `${ID}${'0123456789abcdef'.repeat(3)}4b5c6d7e`.slice(0, 64);
const parse = (line: string) => parseSyslog(line, { receivedAt: RECEIVED_AT, timezone: 'UTC' });
const fields = (line: string) => dockerFields(parse(line));
const record = (line: string) => syslogToRecord(parse(line), RECEIVED_AT);

/** The same Docker message in each syslog-format, for a given priority and tag. */
function formats(pri: number, tag: string, msg = 'hello'): [string, string][] {
  return [
    ['default', `<${pri}>Nov 28 06:23:48 ${tag}[29811]: ${msg}`],
    ['rfc3164', `<${pri}>Nov 28 06:23:48 vm ${tag}[29811]: ${msg}`],
    ['rfc5424', `<${pri}>1 2026-11-28T06:23:48Z vm ${tag} 29811 ${tag} - ${msg}`],
    ['rfc5424micro', `<${pri}>1 2026-11-28T06:23:48.123456Z vm ${tag} 29811 ${tag} - ${msg}`],
  ];
}

describe('dockerFields', () => {
  describe.each([
    ['{{.ID}} (default)', ID, ID, null],
    ['{{.FullID}}', FULL, FULL, null],
    ['{{.Name}}/{{.ID}}', `web1/${ID}`, ID, 'web1'],
    ['{{.ImageName}}/{{.Name}}/{{.ID}}', `ghcr.io/acme/api:1.2/api-1/${ID}`, ID, 'api-1'],
    ['{{.ImageName}}/{{.ID}} with a tagged image: no name', `nginx:1.25/${ID}`, ID, null],
    ['{{.DaemonName}}/{{.ID}}', `docker/${ID}`, ID, 'docker'],
  ])('tag %s', (_template, tag, containerId, containerName) => {
    it.each(formats(30, tag))('%s, stdout', (_format, line) => {
      expect(fields(line)).toEqual({ tag, containerId, containerName, stream: 'stdout' });
    });
    it.each(formats(27, tag))('%s, stderr', (_format, line) => {
      expect(fields(line)?.stream).toBe('stderr');
    });
  });

  it('another facility (syslog-facility=local0) is still Docker when the tag holds an ID', () => {
    expect(fields(`<134>Nov 28 06:23:48 ${ID}[29811]: hello`)?.stream).toBe('stdout');
    expect(fields(`<131>1 2026-11-28T06:23:48Z vm ${ID} 29811 ${ID} - hello`)?.stream).toBe(
      'stderr',
    );
  });

  it('a tag without an ID is Docker only in RFC 5424 shape with the daemon facility', () => {
    expect(fields('<30>1 2026-11-28T06:23:48Z vm web1 29811 web1 - hello')).toEqual({
      tag: 'web1',
      containerId: null,
      containerName: null,
      stream: 'stdout',
    });
    expect(fields('<134>1 2026-11-28T06:23:48Z vm web1 29811 web1 - hello')).toBe(null);
    // dockerd's own log lines via syslog(3) look like this: not a container's.
    expect(fields('<30>Nov 28 06:23:48 dockerd[812]: time="..." level=info')).toBe(null);
  });

  it('other severities give no stream', () => {
    expect(fields(`<28>Nov 28 06:23:48 ${ID}[29811]: hello`)?.stream).toBe(null);
  });

  it.each([
    ['logger', '<13>Nov 28 06:23:03 vm myapp: hello'],
    [
      'logger rfc5424',
      '<13>1 2026-11-28T06:23:02.915574+00:00 vm myapp - - [timeQuality tzKnown="1"] hi',
    ],
    ['an ID-like tag without a pid', `<30>Nov 28 06:23:48 ${ID}: hello`],
    [
      'RFC 5424 with MSGID unlike APP-NAME',
      `<30>1 2026-11-28T06:23:48Z vm ${ID} 29811 other - hello`,
    ],
    ['a non-numeric pid', `<30>Nov 28 06:23:48 ${ID}[abc]: hello`],
    [
      'uppercase hex is not an ID Docker writes',
      `<30>Nov 28 06:23:48 ${ID.toUpperCase()}[1]: hello`,
    ],
    ['13 hex digits', `<30>Nov 28 06:23:48 ${ID}a[1]: hello`],
    ['no header', 'hello'],
  ])('not Docker: %s', (_name, line) => {
    expect(fields(line)).toBe(null);
  });
});

// Issue 18, item 1: Docker writes info (6) for stdout and err (3) for stderr whatever the
// line says, so the PRI gives the stream and the level comes from the line, else none.
describe("Docker records: the PRI is the stream, the level is the line's", () => {
  const seen = (line: string) => {
    const r = record(line);
    return { stream: r.stream, severity: r.severity, facility: r.facility };
  };

  describe.each([
    ['{{.ID}}', ID],
    ['{{.Name}}/{{.ID}}', `web1/${ID}`],
    ['{{.Name}} (rfc5424, daemon facility)', 'web1'],
  ])('tag %s', (template, tag) => {
    const each = (pri: number, msg?: string) =>
      formats(pri, tag, msg).filter(
        ([f]) => !template.includes('rfc5424') || f.startsWith('rfc5424'),
      );

    it.each(each(27, 'hello stderr 1'))('%s, stderr plain text: no severity', (_f, line) => {
      expect(seen(line)).toEqual({ stream: 'stderr', severity: null, facility: 3 });
    });
    it.each(each(30, 'hello stdout 1'))('%s, stdout plain text: no severity', (_f, line) => {
      expect(seen(line)).toEqual({ stream: 'stdout', severity: null, facility: 3 });
    });
    it.each(each(27, '{"level":"info","msg":"started"}'))(
      '%s, stderr JSON level info: info',
      (_f, line) => {
        expect(seen(line)).toEqual({ stream: 'stderr', severity: 6, facility: 3 });
      },
    );
    it.each(each(30, 'time=1 level=warn msg="slow query"'))(
      '%s, stdout logfmt level=warn: warning',
      (_f, line) => {
        expect(seen(line)).toEqual({ stream: 'stdout', severity: 4, facility: 3 });
      },
    );
    it.each(each(30, '{"level":50,"msg":"pino error"}'))(
      '%s, stdout pino level 50: err',
      (_f, line) => {
        expect(seen(line)).toEqual({ stream: 'stdout', severity: 3, facility: 3 });
      },
    );
  });

  it('JSON without a level, or a level no one names, gives no severity', () => {
    expect(seen(`<27>Nov 28 06:23:48 ${ID}[29811]: {"msg":"x"}`).severity).toBe(null);
    expect(seen(`<30>Nov 28 06:23:48 ${ID}[29811]: level=verbose msg=x`).severity).toBe(null);
  });

  it('syslog-facility=local0 is kept as the facility', () => {
    expect(seen(`<131>1 2026-11-28T06:23:48Z vm ${ID} 29811 ${ID} - oops`)).toEqual({
      stream: 'stderr',
      severity: null,
      facility: 16,
    });
  });

  it('a Docker-shaped message whose severity gave no stream keeps it as its level', () => {
    expect(seen(`<28>Nov 28 06:23:48 ${ID}[29811]: hello`)).toEqual({
      stream: null,
      severity: 4,
      facility: 3,
    });
  });

  it.each([
    ['logger', '<11>Nov 28 06:23:03 vm myapp: hello', 3, 1],
    ["dockerd's own line via syslog(3)", '<27>Nov 28 06:23:48 dockerd[812]: failed', 3, 3],
    ['a tag without an ID in RFC 3164', '<27>Nov 28 06:23:48 web1[29811]: hello', 3, 3],
    ['RFC 5424 with MSGID unlike APP-NAME', `<27>1 2026-11-28T06:23:48Z vm ${ID} 1 x - hi`, 3, 3],
    ['a line with a level still wins', '<11>Nov 28 06:23:03 vm myapp: level=debug x=1', 7, 1],
  ])(
    'not Docker, the PRI severity unless the line names a level: %s',
    (_name, line, severity, facility) => {
      expect(seen(line)).toEqual({ stream: null, severity, facility });
    },
  );
});

import { describe, expect, it } from 'vitest';
import { dockerFields } from '../../../collector/syslog/docker.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { RECEIVED_AT } from './vectors.js';

const ID = '599aea6725e3';
const FULL = `${ID}${'0123456789abcdef'.repeat(3)}4b5c6d7e`.slice(0, 64);
const fields = (line: string) =>
  dockerFields(parseSyslog(line, { receivedAt: RECEIVED_AT, timezone: 'UTC' }));

/** The same Docker message in each syslog-format, for a given priority and tag. */
function formats(pri: number, tag: string): [string, string][] {
  return [
    ['default', `<${pri}>Nov 28 06:23:48 ${tag}[29811]: hello`],
    ['rfc3164', `<${pri}>Nov 28 06:23:48 vm ${tag}[29811]: hello`],
    ['rfc5424', `<${pri}>1 2026-11-28T06:23:48Z vm ${tag} 29811 ${tag} - hello`],
    ['rfc5424micro', `<${pri}>1 2026-11-28T06:23:48.123456Z vm ${tag} 29811 ${tag} - hello`],
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

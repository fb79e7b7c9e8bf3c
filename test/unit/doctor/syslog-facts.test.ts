/**
 * Syslog traits from the real captures (Docker 20.10's syslog driver in every
 * syslog-format, util-linux logger 2.38) and from header variants (RFC 3164, RFC 5424).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  looksLikeDocker,
  syslogFacts,
  syslogSender,
  syslogTimeShape,
} from '../../../collector/doctor/syslog-facts.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { RECEIVED_AT, fixtureDatagrams } from '../../../dev/syslog-vectors.js';

const ctx = { receivedAt: RECEIVED_AT, timezone: 'UTC' };

function factsOf(line: Buffer | string) {
  const b = typeof line === 'string' ? Buffer.from(line) : line;
  const m = parseSyslog(b, ctx);
  return { m, facts: syslogFacts(b, m) };
}

describe('Docker 20.10 syslog driver captures, by syslog-format', () => {
  const cases: [string, Record<string, string>][] = [
    [
      'syslog-udp-default.bin',
      {
        format: 'rfc3164',
        hostname: 'no',
        time: 'seconds',
        year: 'no',
        zone: 'no',
        docker: 'yes',
        container_tag: 'id',
      },
    ],
    [
      'syslog-udp-rfc3164.bin',
      {
        format: 'rfc3164',
        hostname: 'yes',
        time: 'seconds',
        year: 'no',
        zone: 'no',
        docker: 'yes',
        container_tag: 'id',
      },
    ],
    [
      'syslog-udp-rfc5424.bin',
      {
        format: 'rfc5424',
        hostname: 'yes',
        time: 'seconds',
        year: 'yes',
        zone: 'yes',
        docker: 'yes',
        container_tag: 'id',
      },
    ],
    [
      'syslog-udp-rfc5424micro.bin',
      {
        format: 'rfc5424',
        hostname: 'yes',
        time: 'fraction',
        year: 'yes',
        zone: 'yes',
        docker: 'yes',
        container_tag: 'id',
      },
    ],
  ];
  for (const [file, expected] of cases) {
    it(file, () => {
      const all = fixtureDatagrams(`docker-20.10/${file}`);
      expect(all.length).toBeGreaterThan(0);
      for (const d of all) {
        const { m, facts } = factsOf(d);
        expect(facts).toEqual(expected);
        expect(syslogSender(m).sender).toMatch(/^id:[0-9a-f]{12}$/);
      }
    });
  }
});

describe('util-linux logger captures', () => {
  it('--rfc3164: hostname, but no year, zone or fraction; not Docker', () => {
    const [d] = fixtureDatagrams('logger/udp-rfc3164.bin');
    const { m, facts } = factsOf(d!);
    expect(facts).toEqual({
      format: 'rfc3164',
      hostname: 'yes',
      time: 'seconds',
      year: 'no',
      zone: 'no',
      docker: 'no',
      container_tag: undefined,
    });
    expect(syslogSender(m)).toMatchObject({ sender: 'app:myapp@vm', tag: 'myapp', host: 'vm' });
  });

  it('--rfc5424: everything', () => {
    const [d] = fixtureDatagrams('logger/udp-rfc5424.bin');
    expect(factsOf(d!).facts).toMatchObject({
      format: 'rfc5424',
      hostname: 'yes',
      time: 'fraction',
      year: 'yes',
      zone: 'yes',
      docker: 'no',
    });
  });
});

describe('header variants', () => {
  it('a tag {{.Name}}/{{.ID}} gives id and name', () => {
    const { m, facts } = factsOf('<30>Nov 28 06:23:47 web/4a638af11575[29811]: hi');
    expect(facts.container_tag).toBe('id-name');
    expect(syslogSender(m)).toMatchObject({
      sender: 'container:web',
      containerName: 'web',
      containerId: '4a638af11575',
    });
  });

  it("a tag without the ID: Docker's shape (daemon facility, numeric PID) but no container", () => {
    const { m, facts } = factsOf('<30>Nov 28 06:23:47 web[29811]: hi');
    expect(looksLikeDocker(m)).toBe(true);
    expect(facts).toMatchObject({ docker: 'yes', container_tag: 'none' });
    // The same line from another facility (logger -i, user.notice) is not Docker's.
    expect(factsOf('<13>Nov 28 06:23:47 web[29811]: hi').facts.docker).toBe('no');
  });

  it('time shapes', () => {
    const shape = (s: string) => syslogTimeShape(Buffer.from(s), parseSyslog(Buffer.from(s), ctx));
    expect(shape('<13>Nov 28 2026 06:23:47 vm app: x')).toEqual({
      present: true,
      year: true,
      fraction: false,
      zone: false,
    });
    expect(shape('<13>Nov  8 06:23:47.123 vm app: x')).toMatchObject({
      year: false,
      fraction: true,
    });
    expect(shape('<13>2026-11-28T06:23:03.1+01:00 vm app: x')).toEqual({
      present: true,
      year: true,
      fraction: true,
      zone: true,
    });
    expect(shape('<13> Nov 28 06:23:47 vm app: x')).toMatchObject({ present: true, year: false });
    expect(shape('<13>1 - vm app - - - x').present).toBe(false);
    expect(shape('<13>1 2026-11-28T06:23:03 vm app - - - x')).toMatchObject({ zone: false });
    expect(shape('no header at all').present).toBe(false);
  });

  it('a message with no header: format unknown, no time', () => {
    expect(factsOf('just text').facts).toEqual({
      format: 'unknown',
      hostname: 'no',
      time: 'none',
      year: undefined,
      zone: undefined,
      docker: 'no',
      container_tag: undefined,
    });
  });

  it('property: any bytes give facts from the vocabulary, never an exception', () => {
    const prefix = fc.constantFrom('', '<13>', '<30>1 ', '<30>Nov 28 ', '<191>2026-');
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 80 }), (p, tail) => {
        const b = Buffer.concat([Buffer.from(p), tail]);
        const m = parseSyslog(b, ctx);
        const f = syslogFacts(b, m);
        expect(['rfc5424', 'rfc3164', 'unknown']).toContain(f.format);
        expect(['fraction', 'seconds', 'none']).toContain(f.time);
        syslogSender(m);
      }),
    );
  });
});

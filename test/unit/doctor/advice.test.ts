/**
 * The doctor's rules: which findings each configuration gets, the exact lines to paste,
 * the latest-value-wins reading of stored traits, and the report's round trip through
 * JSON and the readers' guard.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACK_RACE_TITLE,
  adviseSender,
  buildReport,
  currentTraits,
  generalAdvice,
  type SenderState,
  type TraitSeen,
} from '../../../api/doctor/advice.js';
import { dockerRunLine, driverAddress } from '../../../api/doctor/fix-lines.js';
import { parseDoctorReport } from '../../../core/doctor/report.js';
import { TRAITS, type TraitName } from '../../../core/doctor/traits.js';
import { FLUENTD_OPTS } from '../../../core/docker-advice.js';

function state(
  source: 'forward' | 'syslog',
  traits: Record<string, string>,
  extra: Partial<SenderState> = {},
): SenderState {
  return {
    source,
    sender: 'container:web',
    containerId: 'a'.repeat(64),
    containerName: 'web',
    tag: 'aaaaaaaaaaaa',
    host: null,
    listener: source === 'forward' ? 'forward-tcp' : 'syslog-udp',
    address: source === 'forward' ? '127.0.0.1:24224' : '127.0.0.1:5514',
    events: 10,
    firstSeen: '2026-11-28T10:00:00.000000Z',
    lastSeen: '2026-11-28T10:05:00.000000Z',
    traits: Object.entries(traits).map(([trait, value]) => ({ trait, value, count: 1, lastAt: 1 })),
    ...extra,
  };
}

const ids = (s: SenderState) => adviseSender(s).findings.map((f) => f.id);

const DOCKER_DEFAULT_FLUENTD = {
  mode: 'message',
  ack: 'no',
  time: 'integer',
  docker: 'yes',
  compose: 'no',
  partial: 'no',
};

describe('currentTraits: the value seen last is the configuration now', () => {
  it('latest wins, then the most seen, then the first by name', () => {
    const seen: TraitSeen[] = [
      { trait: 'ack', value: 'no', count: 500, lastAt: 1_000 },
      { trait: 'ack', value: 'yes', count: 2, lastAt: 2_000 },
      { trait: 'time', value: 'integer', count: 1, lastAt: 5 },
      { trait: 'time', value: 'event-time', count: 3, lastAt: 5 },
      { trait: 'mode', value: 'packed', count: 1, lastAt: 5 },
      { trait: 'mode', value: 'message', count: 1, lastAt: 5 },
    ];
    expect(currentTraits(seen)).toEqual({ ack: 'yes', mode: 'message', time: 'event-time' });
    expect(currentTraits([...seen].reverse())).toEqual(currentTraits(seen));
  });
});

describe('forward rules', () => {
  const recommended = dockerRunLine(FLUENTD_OPTS);

  it("Docker's fluentd defaults: whole seconds, no Compose labels; no ack asked of Docker", () => {
    const s = adviseSender(state('forward', DOCKER_DEFAULT_FLUENTD));
    expect(s.findings.map((f) => f.id)).toEqual(['forward-seconds', 'forward-no-compose']);
    expect(s.docker).toBe(true);
    expect(s.label).toBe('web');
    const [seconds, compose] = s.findings;
    expect(seconds!.fix.docker_run).toBe('--log-opt fluentd-sub-second-precision=true');
    expect(compose!.fix.docker_run).toBe(
      '--log-opt labels=com.docker.compose.project,com.docker.compose.service',
    );
    // Both at once: what core/docker-advice.ts recommends.
    expect(s.fix!.docker_run).toBe(recommended);
    expect(s.fix!.compose).toBe(
      [
        'logging:',
        '  driver: fluentd',
        '  options:',
        '    fluentd-address: "127.0.0.1:24224"',
        '    fluentd-sub-second-precision: "true"',
        '    labels: "com.docker.compose.project,com.docker.compose.service"',
      ].join('\n'),
    );
  });

  it('a Docker sender with fluentd-request-ack: the ack race, fixed by the options without it', () => {
    const s = adviseSender(
      state('forward', {
        ...DOCKER_DEFAULT_FLUENTD,
        ack: 'yes',
        time: 'event-time',
        compose: 'yes',
      }),
    );
    expect(s.findings.map((f) => f.id)).toEqual(['forward-docker-ack-race']);
    const [race] = s.findings;
    expect(race!.severity).toBe('warning');
    expect(race!.title).toBe(ACK_RACE_TITLE);
    expect(race!.title).toBe(
      "Docker's fluentd driver with fluentd-request-ack resends chunks in a loop and loses " +
        'lines (its ack race): turn request-ack off',
    );
    expect(race!.why).not.toContain('Seen here');
    expect(race!.fix.docker_run).toBe(recommended);
    expect(JSON.parse(race!.fix.daemon_json)).toEqual({
      'log-driver': 'fluentd',
      'log-opts': { 'fluentd-address': '127.0.0.1:24224', ...Object.fromEntries(FLUENTD_OPTS) },
    });
    expect(s.fix!.compose).not.toContain('request-ack');
  });

  it('resent chunks seen on the wire make the ack race certain, and the warning says so', () => {
    const s = adviseSender(
      state('forward', { ...DOCKER_DEFAULT_FLUENTD, ack: 'yes', resent: 'yes' }),
    );
    expect(s.findings.map((f) => f.id)).toEqual([
      'forward-docker-ack-race',
      'forward-seconds',
      'forward-no-compose',
    ]);
    expect(s.findings[0]!.why).toMatch(/^Seen here: this container sent chunks again/);
    // The merged fix is the recommended set, each option once.
    expect(s.fix!.docker_run).toBe(recommended);
  });

  it('the recommended options (no request-ack, EventTime, Compose labels): no finding', () => {
    const s = adviseSender(
      state('forward', {
        ...DOCKER_DEFAULT_FLUENTD,
        time: 'event-time',
        compose: 'yes',
        resent: 'no',
      }),
    );
    expect(s.findings).toEqual([]);
    expect(s.fix).toBeNull();
  });

  it('fluent-logger without acks and with integer times: the client lines come with it', () => {
    const s = state(
      'forward',
      { mode: 'message', ack: 'no', time: 'integer', docker: 'no', compose: 'no' },
      {
        sender: 'tag:plain.app',
        containerId: null,
        containerName: null,
        tag: 'plain.app',
      },
    );
    const r = adviseSender(s);
    expect(r.findings.map((f) => f.id)).toEqual(['forward-no-ack', 'forward-seconds']);
    expect(r.label).toBe('plain.app');
    const [noAck] = r.findings;
    expect(noAck!.severity).toBe('warning');
    expect(noAck!.fix.clients).toContainEqual({
      label: 'fluent-logger (Node.js)',
      line: 'createFluentSender(tag, { requireAckResponse: true })',
    });
    // Only the clients' settings: no Docker option turns acks on safely.
    expect(noAck!.fix.docker_run).toBe('');
    expect(noAck!.fix.compose).not.toContain('request-ack');
    expect(noAck!.why).toContain('spool');
    expect(r.findings[1]!.fix.clients).toContainEqual({
      label: 'fluent-logger (Node.js)',
      line: 'logger.emit(label, record, FluentLogger.EventTime.now())',
    });
  });

  it('times that only say "now", float or unknown are not called whole seconds', () => {
    for (const time of ['now', 'float', 'unknown', 'subsecond', 'event-time'])
      expect(ids(state('forward', { ack: 'yes', time, docker: 'no' }))).toEqual([]);
  });
});

describe('syslog rules', () => {
  const dockerDefault = {
    format: 'rfc3164',
    hostname: 'no',
    time: 'seconds',
    year: 'no',
    zone: 'no',
    docker: 'yes',
    container_tag: 'id',
  };

  it("Docker's default syslog format: no hostname, year or fraction, and an ID-only tag", () => {
    const r = adviseSender(state('syslog', dockerDefault, { sender: 'id:4a638af11575' }));
    expect(r.findings.map((f) => f.id)).toEqual([
      'syslog-no-hostname',
      'syslog-no-year',
      'syslog-seconds',
      'syslog-tag-no-name',
    ]);
    const noHost = r.findings[0]!;
    expect(noHost.why).toContain("Docker's default syslog format");
    expect(noHost.fix.docker_run).toBe('--log-opt syslog-format=rfc5424micro');
    expect(noHost.fix.compose).toBe(
      [
        'logging:',
        '  driver: syslog',
        '  options:',
        '    syslog-address: "udp://127.0.0.1:5514"',
        '    syslog-format: "rfc5424micro"',
      ].join('\n'),
    );
    expect(r.findings[3]!.fix.docker_run).toBe("--log-opt 'tag={{.Name}}/{{.ID}}'");
    // The shared option appears once when all are applied together.
    expect(r.fix!.docker_run).toBe(
      "--log-opt syslog-format=rfc5424micro --log-opt 'tag={{.Name}}/{{.ID}}'",
    );
  });

  it('rfc5424micro with {{.Name}}/{{.ID}}: nothing to improve', () => {
    expect(
      ids(
        state('syslog', {
          ...dockerDefault,
          format: 'rfc5424',
          hostname: 'yes',
          time: 'fraction',
          year: 'yes',
          zone: 'yes',
          container_tag: 'id-name',
        }),
      ),
    ).toEqual([]);
  });

  it('rfc5424 (no micro): whole seconds only', () => {
    expect(
      ids(
        state('syslog', {
          ...dockerDefault,
          format: 'rfc5424',
          hostname: 'yes',
          year: 'yes',
          zone: 'yes',
        }),
      ),
    ).toEqual(['syslog-seconds', 'syslog-tag-no-name']);
  });

  it('logger --rfc3164: no year, whole seconds; the logger and rsyslog lines come with it', () => {
    const r = adviseSender(
      state(
        'syslog',
        {
          format: 'rfc3164',
          hostname: 'yes',
          time: 'seconds',
          year: 'no',
          zone: 'no',
          docker: 'no',
        },
        {
          sender: 'app:myapp@vm',
          containerId: null,
          containerName: null,
          tag: 'myapp',
          host: 'vm',
        },
      ),
    );
    expect(r.findings.map((f) => f.id)).toEqual(['syslog-no-year', 'syslog-seconds']);
    expect(r.label).toBe('myapp');
    expect(r.findings[0]!.fix.clients.map((c) => c.label)).toEqual([
      'util-linux logger',
      'rsyslog (omfwd)',
    ]);
  });

  it("Docker's shape with the ID left out of the tag", () => {
    expect(ids(state('syslog', { ...dockerDefault, container_tag: 'none' }))).toContain(
      'syslog-tag-no-container',
    );
  });

  it('a line with no header gets no header advice', () => {
    expect(
      ids(state('syslog', { format: 'unknown', hostname: 'no', time: 'none', docker: 'no' })),
    ).toEqual([]);
  });
});

describe('general advice: blocking mode is never on the wire', () => {
  it('shown once per Docker driver seen, at the newest sender’s address, as a choice', () => {
    const a = adviseSender(
      state('forward', DOCKER_DEFAULT_FLUENTD, { lastSeen: '2026-11-28T10:00:00Z' }),
    );
    const b = adviseSender(
      state('forward', DOCKER_DEFAULT_FLUENTD, {
        sender: 'container:api',
        address: '0.0.0.0:24225',
        lastSeen: '2026-11-28T11:00:00Z',
      }),
    );
    const g = generalAdvice([a, b]);
    expect(g.map((f) => f.id)).toEqual(['docker-blocking-mode']);
    expect(g[0]!.fix.docker_run).toBe(
      '--log-opt mode=non-blocking --log-opt max-buffer-size=4m --log-opt fluentd-async=true',
    );
    expect(g[0]!.fix.compose).toContain('fluentd-address: "<logharbor-host>:24225"');
    expect(g[0]!.why).toContain('cannot tell');
  });

  it('nothing when no Docker sender was seen; syslog gets no fluentd-async', () => {
    const logger = adviseSender(state('syslog', { docker: 'no' }));
    expect(generalAdvice([logger])).toEqual([]);
    const docker = adviseSender(state('syslog', { docker: 'yes' }));
    expect(generalAdvice([docker])[0]!.fix.docker_run).toBe(
      '--log-opt mode=non-blocking --log-opt max-buffer-size=4m',
    );
  });
});

describe('fix lines', () => {
  it('the driver address follows the listener the sender used', () => {
    expect(driverAddress('fluentd', 'forward-tcp', '127.0.0.1:24224')).toBe('127.0.0.1:24224');
    expect(driverAddress('fluentd', 'forward-unix', '/run/lh.sock')).toBe('unix:///run/lh.sock');
    expect(driverAddress('syslog', 'syslog-tcp', '0.0.0.0:5514')).toBe(
      'tcp://<logharbor-host>:5514',
    );
    expect(driverAddress('syslog', 'syslog-tls', '::1:6514')).toBe('tcp+tls://[::1]:6514');
    expect(driverAddress('syslog', 'syslog-unix-dgram', '/dev/lh')).toBe('unixgram:///dev/lh');
    expect(driverAddress('syslog', null, null)).toBe('tcp://<logharbor-host>:5514');
  });

  it('values a shell would change are single-quoted', () => {
    expect(dockerRunLine([['tag', "it's {{.Name}}"]])).toBe(`--log-opt 'tag=it'\\''s {{.Name}}'`);
    expect(dockerRunLine([['env', 'A,B']])).toBe('--log-opt env=A,B');
  });
});

const vocab = (name: TraitName) => fc.constantFrom(...TRAITS[name]);
const anyTraits = fc.record(
  Object.fromEntries((Object.keys(TRAITS) as TraitName[]).map((k) => [k, vocab(k)])),
  { requiredKeys: [] },
) as fc.Arbitrary<Record<string, string>>;

describe('properties over every trait combination', () => {
  it('every fix is complete: flags, a logging: block and a daemon.json of strings', () => {
    fc.assert(
      fc.property(fc.constantFrom('forward', 'syslog' as const), anyTraits, (source, traits) => {
        const r = adviseSender(state(source, traits));
        const driver = source === 'forward' ? 'fluentd' : 'syslog';
        for (const f of [...r.findings, ...(r.fix ? [{ fix: r.fix }] : [])]) {
          // No Docker option only where another client's setting is the fix.
          if (f.fix.docker_run === '') expect(f.fix.clients.length).toBeGreaterThan(0);
          else expect(f.fix.docker_run).toMatch(/^--log-opt \S+( --log-opt \S+)*$/);
          const json = JSON.parse(f.fix.daemon_json) as Record<string, unknown>;
          expect(json['log-driver']).toBe(driver);
          const opts = json['log-opts'] as Record<string, unknown>;
          expect(Object.values(opts).every((v) => typeof v === 'string')).toBe(true);
          expect(opts[`${driver}-address`]).toBeTypeOf('string');
          const lines = f.fix.compose.split('\n');
          expect(lines.slice(0, 3)).toEqual(['logging:', `  driver: ${driver}`, '  options:']);
          expect(lines).toHaveLength(3 + Object.keys(opts).length);
        }
        expect(r.fix === null).toBe(r.findings.length === 0);
      }),
    );
  });

  it('no fix ever asks Docker for fluentd-request-ack; a Docker sender asking for it is warned', () => {
    fc.assert(
      fc.property(anyTraits, (traits) => {
        const r = adviseSender(state('forward', traits));
        for (const f of [...r.findings, ...(r.fix ? [{ fix: r.fix }] : [])])
          for (const text of [f.fix.docker_run, f.fix.compose, f.fix.daemon_json])
            expect(text).not.toContain('fluentd-request-ack');
        const race = r.findings.some((f) => f.id === 'forward-docker-ack-race');
        expect(race).toBe(traits.docker === 'yes' && traits.ack === 'yes');
        if (traits.docker === 'yes')
          expect(r.findings.map((f) => f.id)).not.toContain('forward-no-ack');
      }),
    );
  });

  it('the report survives JSON and the readers’ guard unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('forward', 'syslog' as const), anyTraits), {
          maxLength: 5,
        }),
        (list) => {
          const report = buildReport(
            list.map(([source, traits], i) => state(source, traits, { sender: `s${i}` })),
            new Date(Date.UTC(2026, 10, 28)),
            new Date(Date.UTC(2026, 10, 27)),
          );
          expect(parseDoctorReport(JSON.parse(JSON.stringify(report)))).toEqual(report);
        },
      ),
    );
  });

  it('the guard refuses what is not a report and skips malformed findings', () => {
    expect(parseDoctorReport(null)).toBeNull();
    expect(parseDoctorReport({ senders: 'x' })).toBeNull();
    const r = parseDoctorReport({
      generated_at: 'now',
      since: 'then',
      senders: [
        {
          source: 'forward',
          sender: 'x',
          label: 'x',
          first_seen: 'a',
          last_seen: 'b',
          findings: [{ id: 1 }],
        },
        { source: 'ftp' },
      ],
      general: [{ id: 'g', severity: 'fatal', title: 't', why: 'w', fix: {} }],
    });
    expect(r?.senders).toHaveLength(1);
    expect(r?.senders[0]!.findings).toEqual([]);
    expect(r?.general).toEqual([]);
  });
});

/**
 * The driver doctor end to end (issue 7, item 6) against a real logharbor and PostgreSQL:
 * real clients send (npm fluent-logger without acks and with integer seconds, util-linux
 * `logger --rfc3164` over UDP, fluent-logger shaped as a well-configured Docker container,
 * the bytes Docker 20.10's syslog driver sent), and GET /api/doctor names exactly the
 * findings each deserves with the lines to paste; the CLI prints them; two collectors on
 * one database add up, and the newer configuration wins.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDoctorReport, type DoctorReport } from '../../../core/doctor/report.js';
import { DriverDoctor } from '../../../collector/doctor/doctor.js';
import { pruneTraits } from '../../../collector/doctor/store.js';
import type { Pool } from '../../../core/db/pool.js';
import type { Logger } from '../../../core/log.js';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import { silentLogger } from '../../../core/log.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { fixture, limits } from '../../support/msgpack-bytes.js';
import { runLogger } from '../../../dev/programs.js';
import { absent } from '../../support/skip.js';
import { rawClient } from '../../support/raw-client.js';
import { FakeContainer } from '../browser/viewer.js';
import {
  findingIds,
  sendDockerLike,
  sendPlainFluentLogger,
  sendUdp,
  senderOf,
  startDoctorApi,
  type DoctorApi,
} from './doctor-app.js';
import { fixtureDatagrams } from '../../../dev/syslog-vectors.js';

const TOKEN = 'doctor-test-token';
// Only the logger parts skip (or fail, on CI): the other senders need nothing installed.
const noLogger = absent('logger');
/** logger's RFC 3164 host stops at the first dot. */
const HOST3164 = hostname().split('.')[0]!;

describe('GET /api/doctor with real senders', () => {
  let h: Harness;
  let api: DoctorApi;
  let report: DoctorReport;

  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_API_TOKEN: TOKEN });
    api = await startDoctorApi(h);
    const udp = h.port('syslog-udp');

    await sendPlainFluentLogger(h.forwardPort, 'plain', 'app', ['no ack 1', 'no ack 2']);
    await sendDockerLike(h.forwardPort, { name: 'shop-web', project: 'shop', service: 'web' }, [
      'good 1',
      'good 2',
    ]);
    await sendDockerLike(h.forwardPort, { name: 'solo' }, ['solo 1']);
    // Docker-shaped, asking for acks (fluent-logger's requireAckResponse).
    const acked = new FakeContainer(h.forwardPort, {
      name: 'acked',
      project: 'shop',
      service: 'acked',
    });
    await acked.send(['acked 1']);
    acked.close();
    await sendUdp(udp, fixtureDatagrams('docker-20.10/syslog-udp-default.bin'));
    await sendUdp(udp, fixtureDatagrams('docker-20.10/syslog-udp-rfc5424micro.bin'));
    let expected = 2 + 3 + 1 + 6 + 6;
    if (!noLogger) {
      const r = await runLogger([
        '--rfc3164',
        '-d',
        '-n',
        '127.0.0.1',
        '-P',
        String(udp),
        '-t',
        'myapp',
        'hello from logger',
      ]);
      expect(r.code).toBe(0);
      expected += 1;
    }
    const rows = await h.waitForRows(expected);
    expect(rows).toHaveLength(expected);
    report = await api.report();
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('fluent-logger without acks, integer seconds: both findings with the exact lines', () => {
    const s = senderOf(report, 'tag:plain.app');
    expect(s).toMatchObject({ source: 'forward', docker: false, label: 'plain.app', events: 2 });
    expect(s.traits).toMatchObject({ mode: 'message', ack: 'no', time: 'integer', docker: 'no' });
    expect(findingIds(s)).toEqual(['forward-no-ack', 'forward-seconds']);
    const [ack, seconds] = s.findings;
    // Its client's setting only: Docker is never asked for acks.
    expect(ack!.fix.docker_run).toBe('');
    expect(ack!.fix.clients).toContainEqual({
      label: 'fluent-logger (Node.js)',
      line: 'createFluentSender(tag, { requireAckResponse: true })',
    });
    expect(seconds!.fix.docker_run).toBe('--log-opt fluentd-sub-second-precision=true');
    // The Compose block points at the listener the client used.
    expect(ack!.fix.compose).toContain(`fluentd-address: "127.0.0.1:${h.forwardPort}"`);
  });

  it('a Docker-like sender with the recommended options (EventTime, Compose labels, no acks): no finding', () => {
    const s = senderOf(report, 'container:shop-web');
    expect(s.traits).toMatchObject({
      ack: 'no',
      resent: 'no',
      time: 'event-time',
      docker: 'yes',
      compose: 'yes',
    });
    expect(s.findings).toEqual([]);
    expect(s.fix).toBeNull();
  });

  it('a Docker-like sender asking for acks: the ack-race warning, fixed by the options without them', () => {
    const s = senderOf(report, 'container:acked');
    expect(s.traits).toMatchObject({ ack: 'yes', docker: 'yes', compose: 'yes' });
    expect(findingIds(s)).toEqual(['forward-docker-ack-race']);
    expect(s.findings[0]!.severity).toBe('warning');
    expect(s.fix!.docker_run).toBe(
      '--log-opt fluentd-sub-second-precision=true ' +
        '--log-opt labels=com.docker.compose.project,com.docker.compose.service',
    );
    expect(s.fix!.compose).not.toContain('request-ack');
  });

  it('the same without Compose labels: only that finding', () => {
    const s = senderOf(report, 'container:solo');
    expect(findingIds(s)).toEqual(['forward-no-compose']);
    expect(s.findings[0]!.fix.docker_run).toBe(
      '--log-opt labels=com.docker.compose.project,com.docker.compose.service',
    );
  });

  it("Docker's default syslog format: no hostname, no year, whole seconds, ID-only tag", () => {
    const s = senderOf(report, 'id:4a638af11575');
    expect(s).toMatchObject({ source: 'syslog', docker: true, events: 6 });
    expect(findingIds(s)).toEqual([
      'syslog-no-hostname',
      'syslog-no-year',
      'syslog-seconds',
      'syslog-tag-no-name',
    ]);
    const noHost = s.findings[0]!;
    expect(noHost.fix.docker_run).toBe('--log-opt syslog-format=rfc5424micro');
    expect(noHost.fix.compose).toBe(
      [
        'logging:',
        '  driver: syslog',
        '  options:',
        `    syslog-address: "udp://127.0.0.1:${h.port('syslog-udp')}"`,
        '    syslog-format: "rfc5424micro"',
      ].join('\n'),
    );
    expect(JSON.parse(noHost.fix.daemon_json)).toEqual({
      'log-driver': 'syslog',
      'log-opts': {
        'syslog-address': `udp://127.0.0.1:${h.port('syslog-udp')}`,
        'syslog-format': 'rfc5424micro',
      },
    });
  });

  it('rfc5424micro: only the tag advice is left', () => {
    expect(findingIds(senderOf(report, 'id:f3a8176ff2b9'))).toEqual(['syslog-tag-no-name']);
  });

  it.skipIf(noLogger)(
    'logger --rfc3164 over UDP: no year, whole seconds; it sent a hostname',
    () => {
      const s = senderOf(report, `app:myapp@${HOST3164}`);
      expect(s).toMatchObject({ docker: false, listener: 'syslog-udp', events: 1 });
      expect(findingIds(s)).toEqual(['syslog-no-year', 'syslog-seconds']);
      expect(s.findings[0]!.fix.clients[0]).toEqual({
        label: 'util-linux logger',
        line: 'logger --rfc5424 -n <host> -P <port> ...',
      });
    },
  );

  it('blocking mode: general advice per Docker driver, worded as a choice', () => {
    expect(report.general.map((f) => f.id)).toEqual([
      'docker-blocking-mode',
      'docker-blocking-mode',
    ]);
    expect(report.general[0]!.fix.docker_run).toBe(
      '--log-opt mode=non-blocking --log-opt max-buffer-size=4m --log-opt fluentd-async=true',
    );
    expect(report.general[1]!.fix.docker_run).toBe(
      '--log-opt mode=non-blocking --log-opt max-buffer-size=4m',
    );
  });

  it('needs the API token like every /api route', async () => {
    const res = await fetch(`${api.url}/api/doctor`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${api.url}/api/doctor?since=yesterday-ish`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(bad.status).toBe(400);
  });

  it('`logharbor doctor` prints the findings and the lines to paste', async () => {
    // Four runs at once: each pays tsx's start-up.
    const [run, json, refused, short] = await Promise.all([
      cli(['doctor', '--all', '--url', api.url], { LOGHARBOR_API_TOKEN: TOKEN }),
      cli(['doctor', '--json', '--all', '--url', api.url], { LOGHARBOR_API_TOKEN: TOKEN }),
      cli(['doctor', '--url', api.url], {}),
      cli(['doctor', '--url', api.url], { LOGHARBOR_API_TOKEN: TOKEN }),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout.split('\n');
    expect(out[0]).toMatch(/^\d+ senders seen since .*, \d+ findings$/);
    expect(out).toContain(
      'forward plain.app (not Docker): 2 events, last seen ' +
        senderOf(report, 'tag:plain.app').last_seen,
    );
    expect(out).toContain(
      '  [warning] No acknowledgements: lines in flight can be lost (forward-no-ack)',
    );
    expect(out).toContain(
      '    fluent-logger (Node.js): createFluentSender(tag, { requireAckResponse: true })',
    );
    expect(run.stdout).not.toContain('--log-opt fluentd-request-ack');
    expect(out).toContain('    docker run --log-opt syslog-format=rfc5424micro');
    expect(out).toContain(
      "    docker run --log-opt syslog-format=rfc5424micro --log-opt 'tag={{.Name}}/{{.ID}}'",
    );
    expect(out).toContain(`          syslog-address: "udp://127.0.0.1:${h.port('syslog-udp')}"`);
    expect(run.stdout).toContain('shop-web'); // --all: nothing to improve, listed too
    expect(out).toContain('For every Docker container:');

    const parsed = parseDoctorReport(JSON.parse(json.stdout));
    expect(parsed?.senders.map((s) => s.sender)).toContain('container:shop-web');

    // Without --all (issue 18): each finding once with its senders, the lines to paste once.
    expect(short.code, short.stderr).toBe(0);
    const brief = short.stdout.split('\n');
    const findings = new Set(parsed!.senders.flatMap((s) => s.findings.map((f) => f.id)));
    const withFindings = parsed!.senders.filter((s) => s.findings.length > 0).length;
    expect(brief[0]).toMatch(
      new RegExp(
        `^${findings.size} findings? for ${withFindings} senders? \\(of ${parsed!.senders.length} seen since `,
      ),
    );
    for (const id of findings) expect(brief.filter((l) => l.includes(`(${id}): `))).toHaveLength(1);
    expect(brief).toContain(
      "    docker run --log-opt syslog-format=rfc5424micro --log-opt 'tag={{.Name}}/{{.ID}}'",
    );
    expect(brief.length).toBeLessThan(out.length);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('logharbor: LH_UNAUTHORIZED: missing or wrong API token\n');
  });
});

describe('several collectors on one database', () => {
  let h: Harness;
  let api: DoctorApi;

  beforeAll(async () => {
    h = await startHarness();
    api = await startDoctorApi(h);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  /** The Docker capture's requests, as a second collector's connection would see them. */
  function observe(doctor: DriverDoctor, file: string): number {
    const frames = new ForwardFramer(1 << 20).push(fixture(file));
    for (const f of frames)
      doctor.observer.observeForward(
        f,
        decodeRequest(f, 'msgpack', limits),
        'msgpack',
        'forward-tcp',
      );
    return frames.length;
  }

  it('counts add up, and the configuration seen last wins whichever collector saw it', async () => {
    // The other collector's clock, so that its second observation is strictly the latest
    // whatever the real clock does between two lines of this test.
    let now = Date.now();
    const other = new DriverDoctor(h.pool, silentLogger, {
      retentionMs: 86_400_000,
      addressOf: () => '10.0.0.2:24224',
      clock: () => now,
    });
    try {
      // This collector receives the default capture over TCP (container web1) ...
      const client = await rawClient(h.forwardPort);
      await client.write(fixture('fluentd-default.bin'));
      await h.waitForRows(6);
      client.end();
      // ... and another collector the same container's lines.
      const n = observe(other, 'fluentd-default.bin');
      await other.flush();
      let s = senderOf(await api.report(), 'container:web1');
      expect(s.events).toBe(6 + n);
      expect(findingIds(s)).toEqual(['forward-seconds', 'forward-no-compose']);

      // The container re-created with acks and sub-second times, seen by the other
      // collector 1 ms after anything either collector has stamped so far.
      now = Date.now() + 1;
      observe(other, 'fluentd-ack-subsecond.bin');
      await other.flush();
      s = senderOf(await api.report(), 'container:web1');
      expect(s.traits).toMatchObject({ ack: 'yes', time: 'event-time' });
      expect(findingIds(s)).toEqual(['forward-docker-ack-race', 'forward-no-compose']);
      expect(s.address).toBe('10.0.0.2:24224');
    } finally {
      await other.close();
    }
  });

  it('rows not seen for the retention period are pruned; a failed flush is logged, not thrown', async () => {
    await h.pool.query(
      `INSERT INTO driver_senders (source, sender, events, first_seen, last_seen)
       VALUES ('forward', 'container:gone', 1, now() - interval '9 days', now() - interval '8 days')`,
    );
    await h.pool.query(
      `INSERT INTO driver_traits (source, sender, trait, value, count, last_at)
       VALUES ('forward', 'container:gone', 'ack', 'no', 1, now() - interval '8 days'),
              ('forward', 'container:web1', 'mode', 'packed', 1, now() - interval '8 days')`,
    );
    await pruneTraits(h.pool, 7 * 86_400_000);
    const left = await h.pool.query(
      `SELECT sender, trait, value FROM driver_traits WHERE sender IN ('container:gone', 'container:web1')
        UNION ALL SELECT sender, 'row', '' FROM driver_senders WHERE sender = 'container:gone'`,
    );
    expect(left.rows.filter((r) => r.sender === 'container:gone')).toEqual([]);
    expect(left.rows).not.toContainEqual({
      sender: 'container:web1',
      trait: 'mode',
      value: 'packed',
    });
    expect(left.rows).toContainEqual({ sender: 'container:web1', trait: 'ack', value: 'yes' });

    const warnings: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => void warnings.push(msg) };
    const broken = { query: () => Promise.reject(new Error('connection refused')) };
    const d = new DriverDoctor(broken as unknown as Pool, log as unknown as Logger, {
      retentionMs: 1,
      addressOf: () => null,
    });
    observe(d, 'fluentd-default.bin');
    await expect(d.close()).resolves.toBeUndefined();
    expect(warnings).toEqual(['driver doctor: traits not saved']);
  });

  it('the tables stay keyed: one row per sender and per trait value', async () => {
    const r = await h.pool.query(
      `SELECT (SELECT count(*) FROM driver_senders WHERE sender = 'container:web1')::int AS senders,
              (SELECT count(*) FROM driver_traits WHERE sender = 'container:web1' AND trait = 'ack')::int AS acks`,
    );
    expect(r.rows[0]).toEqual({ senders: 1, acks: 2 });
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const clean = { ...process.env };
  delete clean.LOGHARBOR_API_TOKEN;
  delete clean.LOGHARBOR_API_TOKEN_FILE;
  const p = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, stdout, stderr })));
}

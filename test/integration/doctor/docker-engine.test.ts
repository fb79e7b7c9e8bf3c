/**
 * The doctor against a real Docker engine (test/support/docker.ts): a container with the
 * fluentd or syslog driver's defaults gets the findings those defaults deserve, and the
 * container run again with the `docker run` line the doctor printed, pasted as it is,
 * gets none: the advice is checked by Docker itself, not by us. With fluentd-request-ack
 * and both streams at once, Docker's ack race shows on the wire and the doctor names it;
 * its printed flags (core/docker-advice.ts) then store every line once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerRunLine } from '../../../api/doctor/fix-lines.js';
import { FLUENTD_OPTS } from '../../../core/docker-advice.js';
import { startDocker } from '../../support/docker.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { findingIds, senderOf, startDoctorApi, type DoctorApi } from './doctor-app.js';
import { storedRows } from '../../../dev/stored-rows.js';

const engine = await startDocker();
afterAll(() => engine?.stop());

/** The words of a `--log-opt ...` line as a POSIX shell splits them (plain or single-quoted). */
function shellWords(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:[^\s']+|'[^']*')+/g))
    out.push(m[0].replace(/'([^']*)'/g, '$1'));
  return out;
}

describe.runIf(engine)('the doctor and a real Docker engine', () => {
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

  const run = async (args: string[], line: string) => {
    const r = await engine!.run([
      '--rm',
      '--network',
      'none',
      ...args,
      engine!.image,
      'echo',
      line,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = await h.waitForRows(1, `message = '${line}'`);
    expect(rows).toHaveLength(1);
  };

  it('fluentd driver defaults: two findings, no ack asked; the printed flags clear them', async () => {
    const driver = [
      '--log-driver=fluentd',
      '--log-opt',
      `fluentd-address=127.0.0.1:${h.forwardPort}`,
    ];
    await run(['--name', 'dr-web', ...driver], 'fluentd before');
    const before = senderOf(await api.report(), 'container:dr-web');
    expect(findingIds(before)).toEqual(['forward-seconds', 'forward-no-compose']);
    expect(before.traits).toMatchObject({ mode: 'message', docker: 'yes', ack: 'no' });
    // The printed flags are the recommended options.
    expect(before.fix!.docker_run).toBe(dockerRunLine(FLUENTD_OPTS));

    const compose = [
      '--label',
      'com.docker.compose.project=shop',
      '--label',
      'com.docker.compose.service=web',
    ];
    await run(
      ['--name', 'dr-web', ...compose, ...driver, ...shellWords(before.fix!.docker_run)],
      'fluentd after',
    );
    const after = senderOf(await api.report(), 'container:dr-web');
    expect(after.traits).toMatchObject({
      ack: 'no',
      resent: 'no',
      time: 'event-time',
      compose: 'yes',
    });
    expect(after.findings).toEqual([]);
    const rows = await h.rows("message = 'fluentd after'");
    expect(rows[0]).toMatchObject({ project: 'shop', service: 'web' });
  });

  it('request-ack with both streams at once: the ack race is named; the printed flags store every line once', async () => {
    const both = 'for i in $(seq 1 200); do echo "out $i"; echo "err $i" >&2; done';
    const driver = [
      '--log-driver=fluentd',
      '--log-opt',
      `fluentd-address=127.0.0.1:${h.forwardPort}`,
    ];
    const compose = [
      '--label',
      'com.docker.compose.project=shop',
      '--label',
      'com.docker.compose.service=race',
    ];
    // A second engine of its own: in the race Docker's client has crashed dockerd
    // (README, "Why these options"), which must not take the other tests' engine along.
    const racy = await startDocker({ throwIfUnavailable: true });
    try {
      // It stalls for about 10 s, then exits having dropped most lines; or dockerd dies.
      await racy.run(
        [
          ...['--rm', '--network', 'none', '--name', 'dr-race', ...compose, ...driver],
          ...FLUENTD_OPTS.flatMap(([k, v]) => ['--log-opt', `${k}=${v}`]),
          ...['--log-opt', 'fluentd-request-ack=true', racy.image, 'sh', '-c', both],
        ],
        { timeoutMs: 60_000 },
      );
    } finally {
      await racy.stop();
    }
    const before = senderOf(await api.report(), 'container:dr-race');
    expect(before.traits).toMatchObject({ docker: 'yes', ack: 'yes', resent: 'yes' });
    expect(findingIds(before)).toEqual(['forward-docker-ack-race']);
    const race = before.findings[0]!;
    expect(race.severity).toBe('warning');
    expect(race.title).toMatch(/^Docker's fluentd driver with fluentd-request-ack resends/);
    expect(race.why).toMatch(/^Seen here: this container sent chunks again/);
    expect(race.fix.docker_run).toBe(dockerRunLine(FLUENTD_OPTS));

    // The same container with the flags printed, pasted as they are.
    const raced = await h.pool.query<{ id: string }>(
      `SELECT DISTINCT container_id AS id FROM ${await storedRows(h.pool)} WHERE container_name = 'dr-race'`,
    );
    const raceIds = raced.rows.map((x) => `'${x.id.replace(/[^0-9a-f]/g, '')}'`);
    const r = await engine!.run([
      ...['--rm', '--network', 'none', '--name', 'dr-race', ...compose, ...driver],
      ...shellWords(before.fix!.docker_run),
      ...[engine!.image, 'sh', '-c', both],
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Every line stored once (then the doctor has seen them: it looks before the spool).
    const rows = await h.waitForRows(
      400,
      `container_name = 'dr-race'` +
        (raceIds.length ? ` AND container_id NOT IN (${raceIds.join(', ')})` : ''),
    );
    const after = senderOf(await api.report(), 'container:dr-race');
    expect(after.traits).toMatchObject({ ack: 'no', resent: 'no', compose: 'yes' });
    expect(after.findings).toEqual([]);
    const lines = (stream: string) =>
      rows.filter((x) => x.stream === stream).map((x) => x.message as string);
    const expected = (p: string) => Array.from({ length: 200 }, (_, i) => `${p} ${i + 1}`);
    expect(lines('stdout')).toEqual(expected('out'));
    expect(lines('stderr')).toEqual(expected('err'));
  });

  it('the blocking-mode choice: Docker accepts the printed flags as they are', async () => {
    const general = (await api.report()).general.find((f) => f.fix.compose.includes('fluentd'));
    expect(general?.id).toBe('docker-blocking-mode');
    const driver = [
      '--log-driver=fluentd',
      '--log-opt',
      `fluentd-address=127.0.0.1:${h.forwardPort}`,
    ];
    await run(
      ['--name', 'dr-nb', ...driver, ...shellWords(general!.fix.docker_run)],
      'non-blocking',
    );
  });

  it('syslog driver defaults: no hostname, year or fraction; the printed flags clear them', async () => {
    const driver = [
      '--log-driver=syslog',
      '--log-opt',
      `syslog-address=udp://127.0.0.1:${h.port('syslog-udp')}`,
    ];
    await run(['--name', 'dr-sys', ...driver], 'syslog before');
    // Docker's default tag is the ID: the sender is known by it.
    const report = await api.report();
    const before = report.senders.find((s) => s.source === 'syslog' && s.events > 0)!;
    expect(findingIds(before)).toEqual([
      'syslog-no-hostname',
      'syslog-no-year',
      'syslog-seconds',
      'syslog-tag-no-name',
    ]);

    await run(
      ['--name', 'dr-sys', ...driver, ...shellWords(before.fix!.docker_run)],
      'syslog after',
    );
    const after = senderOf(await api.report(), 'container:dr-sys');
    expect(after.traits).toMatchObject({
      format: 'rfc5424',
      time: 'fraction',
      container_tag: 'id-name',
    });
    expect(after.findings).toEqual([]);
  });
});

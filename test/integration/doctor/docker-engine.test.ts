/**
 * The doctor against a real Docker engine (test/support/docker.ts): a container with the
 * fluentd or syslog driver's defaults gets the findings those defaults deserve, and the
 * container run again with the `docker run` line the doctor printed, pasted as it is,
 * gets none: the advice is checked by Docker itself, not by us.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDocker } from '../../support/docker.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { findingIds, senderOf, startDoctorApi, type DoctorApi } from './doctor-app.js';

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

  it('fluentd driver defaults: three findings; the printed flags clear them', async () => {
    const driver = [
      '--log-driver=fluentd',
      '--log-opt',
      `fluentd-address=127.0.0.1:${h.forwardPort}`,
    ];
    await run(['--name', 'dr-web', ...driver], 'fluentd before');
    const before = senderOf(await api.report(), 'container:dr-web');
    expect(findingIds(before)).toEqual(['forward-no-ack', 'forward-seconds', 'forward-no-compose']);
    expect(before.traits).toMatchObject({ mode: 'message', docker: 'yes' });

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
    expect(after.traits).toMatchObject({ ack: 'yes', time: 'event-time', compose: 'yes' });
    expect(after.findings).toEqual([]);
    const rows = await h.rows("message = 'fluentd after'");
    expect(rows[0]).toMatchObject({ project: 'shop', service: 'web' });
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

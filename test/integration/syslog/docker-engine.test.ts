/**
 * The real Docker Engine (Debian docker.io 20.10, private dockerd from
 * test/support/docker.ts): `docker run --log-driver=syslog` in every syslog-format over
 * udp://, tcp:// and tcp+tls:// into a running logharbor, and once with
 * `tag={{.Name}}/{{.ID}}`. Each container writes one stdout and one stderr line; the rows
 * must name the container (the 12-hex prefix of the id `--cidfile` gives), its stream,
 * dockerd's host and pid, and a time between the run's start and end.
 *
 * Skipped, loudly, only when startDocker() cannot start an engine here (it says why);
 * failed instead on CI (test/support/skip.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDocker } from '../../support/docker.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { makeTestCerts, type TestCerts } from '../../support/tls-cert.js';
import { DOCKER_FORMATS, type DockerFormat, type DockerTransport } from './docker-format.js';
import { row, storedRows, type Row } from './wire.js';

const engine = await startDocker();
afterAll(() => engine?.stop());

/** dockerd writes its pid next to its socket (test/support/docker.ts: --pidfile). */
function dockerdPid(): string {
  const sock = engine!.host.replace(/^unix:\/\//, '');
  return readFileSync(path.join(path.dirname(sock), 'docker.pid'), 'utf8').trim();
}

interface Run {
  format: DockerFormat;
  transport: DockerTransport;
  /** The full 64-hex id from --cidfile. */
  id: string;
  marker: string;
  name: string | null;
  startedMs: number;
  endedMs: number;
}

describe.runIf(engine)('Docker syslog driver into logharbor', () => {
  let h: Harness;
  let certs: TestCerts;
  let dir: string;
  beforeAll(async () => {
    certs = makeTestCerts();
    dir = mkdtempSync(path.join(tmpdir(), 'lh-cid-'));
    // dockerd writes its local time, the same zone as this process's.
    h = await startHarness({
      LOGHARBOR_SYSLOG_TIMEZONE: 'local',
      LOGHARBOR_TLS_CERT_FILE: certs.certFile,
      LOGHARBOR_TLS_KEY_FILE: certs.keyFile,
      LOGHARBOR_SYSLOG_TLS_ADDR: '127.0.0.1:0',
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(certs.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  function address(transport: DockerTransport): string {
    if (transport === 'udp') return `udp://127.0.0.1:${h.port('syslog-udp')}`;
    if (transport === 'tcp') return `tcp://127.0.0.1:${h.port('syslog-tcp')}`;
    return `tcp+tls://127.0.0.1:${h.port('syslog-tls')}`;
  }

  async function run(format: DockerFormat, transport: DockerTransport, tag?: string): Promise<Run> {
    const marker = randomBytes(4).toString('hex');
    const cidfile = path.join(dir, `${marker}.cid`);
    const name = tag ? `web-${marker}` : null;
    const args = [
      ...['--rm', '--network', 'none', '--cidfile', cidfile],
      ...(name ? ['--name', name] : []),
      ...['--log-driver=syslog', '--log-opt', `syslog-address=${address(transport)}`],
      ...(format === 'unset' ? [] : ['--log-opt', `syslog-format=${format}`]),
      ...(transport === 'tls' ? ['--log-opt', `syslog-tls-ca-cert=${certs.caFile}`] : []),
      ...(tag ? ['--log-opt', `tag=${tag}`] : []),
      engine!.image,
      ...['sh', '-c', `echo "out ${marker}"; echo "err ${marker}" >&2`],
    ];
    const startedMs = Date.now();
    const r = await engine!.run(args);
    const endedMs = Date.now();
    if (r.code !== 0)
      throw new Error(
        `docker run ${args.join(' ')}: exit ${r.code}\n${r.stderr}\n${(await engine!.log()).slice(-3000)}`,
      );
    return {
      format,
      transport,
      id: readFileSync(cidfile, 'utf8').trim(),
      marker,
      name,
      startedMs,
      endedMs,
    };
  }

  /** The two rows of a run: the time checked against the run, the rest compared whole. */
  async function expectRows(r: Run, tag: string): Promise<void> {
    const id12 = r.id.slice(0, 12);
    expect(r.id).toMatch(/^[0-9a-f]{64}$/);
    const rows = await storedRows(h, `container_id = '${id12}'`, 2);
    rows.sort((a, b) => (a.stream ?? '').localeCompare(b.stream ?? ''));
    const micro = r.format === 'rfc5424micro';
    for (const got of rows) {
      // Docker stamps each line itself: to the second (.000000) or the microsecond.
      expect(got.ts).toMatch(micro ? /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/ : /\.000000Z$/);
      const t = Date.parse(got.ts);
      expect(t).toBeGreaterThanOrEqual(Math.floor(r.startedMs / 1000) * 1000);
      expect(t).toBeLessThanOrEqual(r.endedMs);
    }
    const base = (stream: 'stdout' | 'stderr', ts: string): Row =>
      row({
        ts,
        host: r.format === 'unset' ? null : hostname(),
        app: tag,
        tag,
        container_id: id12,
        container_name: r.name,
        stream,
        // Docker's severity (info/err) is the stream; the echoed lines name no level.
        severity: null,
        facility: 3,
        message: `${stream === 'stdout' ? 'out' : 'err'} ${r.marker}`,
        attrs: { pid: dockerdPid(), ...(r.format.startsWith('rfc5424') ? { msgid: tag } : {}) },
      });
    expect(rows).toEqual([base('stderr', rows[0]!.ts), base('stdout', rows[1]!.ts)]);
  }

  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    it(`${transport === 'tls' ? 'tcp+tls' : transport}:// in every syslog-format`, async () => {
      const runs = await Promise.all(DOCKER_FORMATS.map((format) => run(format, transport)));
      for (const r of runs) await expectRows(r, r.id.slice(0, 12));
    });
  }

  it('tag={{.Name}}/{{.ID}} names the container', async () => {
    const r = await run('rfc5424micro', 'tcp', '{{.Name}}/{{.ID}}');
    await expectRows(r, `${r.name}/${r.id.slice(0, 12)}`);
  });
});

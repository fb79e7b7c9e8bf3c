/**
 * GET /api/containers with the Docker engine's state (issue 18, item 3), against the real
 * engine (a private dockerd, test/support/docker.ts): a container logging through the
 * fluentd driver is `running`, then `exited` with its finish time; one with
 * `--restart on-failure:2` that always fails ends `exited` after 2 restarts; one sending
 * through the syslog driver with the default tag (id only) gets the engine's name; a
 * container the engine no longer knows is hidden unless it logged in the range (or
 * all=1). Without the engine nothing changes.
 *
 * Skipped, loudly, only when startDocker() cannot start an engine here; failed instead on
 * CI (test/support/skip.ts).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { DockerState } from '../../../api/docker/state.js';
import { silentLogger } from '../../../core/log.js';
import { startDocker } from '../../support/docker.js';
import { startHarness, type Harness } from '../../support/harness.js';

const engine = await startDocker();
afterAll(() => engine?.stop());

interface Item {
  container_name: string | null;
  container_id: string | null;
  count_in_range: number | null;
  state: string | null;
  restarts: number | null;
  started_at: string | null;
  finished_at: string | null;
  docker_name: string | null;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + 30_000;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.runIf(engine)('container state from the Docker engine', () => {
  let h: Harness;
  let app: FastifyInstance;
  let bare: FastifyInstance;
  beforeAll(async () => {
    h = await startHarness();
    const docker = new DockerState(engine!.host.replace(/^unix:\/\//, ''), silentLogger, {
      cacheMs: 0,
    });
    const base = { pool: h.pool, telemetry: h.telemetry, log: silentLogger, apiToken: null };
    app = await buildApp({ ...base, docker });
    bare = await buildApp(base);
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await h?.close();
  });

  const list = async (qs: string, a = app) => {
    const r = await a.inject({ method: 'GET', url: `/api/containers${qs}` });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { containers: Item[]; docker: boolean };
  };
  const one = async (name: string, qs = '?from=1h&to=now') =>
    (await list(qs)).containers.find((c) => c.container_name === name || c.docker_name === name);

  const fluentd = (name: string, script: string, extra: string[] = []) =>
    engine!.run([
      ...['-d', '--network', 'none', '--name', name, ...extra],
      ...['--log-driver=fluentd', '--log-opt', `fluentd-address=127.0.0.1:${h.forwardPort}`],
      ...[engine!.image, 'sh', '-c', script],
    ]);

  it('running, then exited with its finish time', async () => {
    const r = await fluentd('lh-state', 'echo hello; sleep 4; echo bye');
    expect(r.code, r.stderr).toBe(0);
    await h.waitForRows(1, `container_name = 'lh-state'`);
    const running = await until(
      'running',
      () => one('lh-state'),
      (c) => c?.state === 'running',
    );
    expect(running).toMatchObject({ restarts: 0, finished_at: null, docker_name: 'lh-state' });
    expect(Date.parse(running!.started_at!)).toBeGreaterThan(Date.now() - 60_000);
    const exited = await until(
      'exited',
      () => one('lh-state'),
      (c) => c?.state === 'exited',
    );
    expect(Date.parse(exited!.finished_at!)).toBeGreaterThanOrEqual(
      Date.parse(running!.started_at!),
    );
    expect(exited!.count_in_range).toBe(2);
    expect((await list('?from=1h&to=now')).docker).toBe(true);
  });

  it('counts restarts under --restart on-failure:2', async () => {
    const r = await fluentd('lh-crash', 'echo boom; exit 1', ['--restart', 'on-failure:2']);
    expect(r.code, r.stderr).toBe(0);
    const done = await until(
      'two restarts, then exited',
      () => one('lh-crash'),
      (c) => c?.state === 'exited' && c.restarts === 2,
    );
    expect(done!.finished_at).not.toBeNull();
    expect((await h.waitForRows(3, `container_name = 'lh-crash'`)).length).toBe(3);
  });

  it('names a container known only by id (syslog driver, default tag)', async () => {
    const r = await engine!.run([
      ...['--network', 'none', '--name', 'lh-syslog', '--log-driver=syslog'],
      ...['--log-opt', `syslog-address=tcp://127.0.0.1:${h.port('syslog-tcp')}`],
      ...[engine!.image, 'echo', 'by id'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [row] = await h.waitForRows(1, `message = 'by id'`);
    expect(row!.container_name).toBeNull();
    const c = await until(
      'listed',
      () => one('lh-syslog'),
      (x) => x?.state === 'exited',
    );
    expect(c).toMatchObject({ container_name: null, docker_name: 'lh-syslog' });
    expect(c!.container_id).toBe(String(row!.container_id));
  });

  it('hides a container the engine no longer knows, unless it logged in the range', async () => {
    const future = `?from=${Date.now() + 3_600_000}&to=${Date.now() + 7_200_000}`;
    // Nothing logged in that range: only what the engine knows is listed.
    let names = (await list(future)).containers.map((c) => c.docker_name);
    expect(names).toEqual(expect.arrayContaining(['lh-state', 'lh-crash', 'lh-syslog']));
    expect((await list(future)).containers.every((c) => c.count_in_range === 0)).toBe(true);
    const rm = await engine!.docker(['rm', '-f', 'lh-state']);
    expect(rm.code, rm.stderr).toBe(0);
    names = (await list(future)).containers.map((c) => c.container_name);
    expect(names).not.toContain('lh-state');
    expect((await list(`${future}&all=1`)).containers.map((c) => c.container_name)).toContain(
      'lh-state',
    );
    // Gone from the engine but logged in the range: listed, without a state.
    expect(await one('lh-state')).toMatchObject({ state: null, restarts: null });
  });

  it('without the engine: no state, no error, the range alone decides', async () => {
    const r = await list('?from=1h&to=now', bare);
    expect(r.docker).toBe(false);
    expect(r.containers.length).toBeGreaterThan(0);
    expect(r.containers.every((c) => c.state === null && c.started_at === null)).toBe(true);
  });
});

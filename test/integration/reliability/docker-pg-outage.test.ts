/**
 * Issue 16, "Tests": PostgreSQL away for 60 s while a real container writes through
 * Docker's fluentd driver in its default blocking mode, with the options logharbor
 * recommends (core/docker-advice.ts). The spool takes what logharbor reads while the
 * store is away, so the container is not held and every line arrives once when
 * PostgreSQL is back. (How long the application's writes were held is a benchmark
 * figure, bench/sections/spool.ts; not a threshold here.)
 *
 * The outage is a cut TCP proxy between logharbor and the run's PostgreSQL (other test
 * files keep using the server): to logharbor it is a PostgreSQL that stopped answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUENTD_OPTS } from '../../../core/docker-advice.js';
import { silentLogger } from '../../../core/log.js';
import { startDocker } from '../../support/docker.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { startOutageProxy, until, type Outage } from '../syslog/outage.js';
import { storedRows } from '../../../dev/stored-rows.js';

const engine = await startDocker();

/** Iterations of the container's loop; each writes one stdout and one stderr line. */
const LOOPS = 1500;
/** The outage's length: the fault under test, not a wait for anything. */
const OUTAGE_MS = 60_000;

describe.runIf(engine)('a 60 s PostgreSQL outage under a real container', () => {
  let h: Harness;
  let outage: Outage;
  beforeAll(async () => {
    outage = await startOutageProxy();
    h = await startHarness({}, silentLogger, { databaseUrl: outage.databaseUrl });
  });
  afterAll(async () => {
    outage?.proxy.restore();
    await h?.close();
    await outage?.proxy.close();
    await engine?.stop();
  });

  it('stores every line once, both streams, blocking mode', { timeout: 240_000 }, async () => {
    const name = 'lh-outage';
    const script =
      `i=0; while [ $i -lt ${LOOPS} ]; do i=$((i+1)); ` +
      'echo "out $i"; echo "err $i" >&2; sleep 0.05; done';
    const container = engine!.run(
      [
        '--rm',
        '--network',
        'none',
        '--name',
        name,
        '--log-driver=fluentd',
        '--log-opt',
        `fluentd-address=127.0.0.1:${h.forwardPort}`,
        ...FLUENTD_OPTS.flatMap(([k, v]) => ['--log-opt', `${k}=${v}`]),
        engine!.image,
        'sh',
        '-c',
        script,
      ],
      { timeoutMs: 200_000 },
    );
    const count = async () =>
      Number(
        (
          await h.pool.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM ${await storedRows(h.pool)} WHERE container_name = $1`,
            [name],
          )
        ).rows[0]!.n,
      );
    await until('lines stored before the outage', async () => (await count()) >= 50, 60_000);

    outage.proxy.cut();
    const received = () => h.collector.sink.status().waiting;
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    // The container kept writing and logharbor kept taking its lines into the spool.
    expect(received()).toBeGreaterThan(0);
    expect(h.collector.sink.status().postgres_down_since).not.toBeNull();
    outage.proxy.restore();
    console.log(
      `outage ${Date.now() - cutAt} ms; ${received()} requests waited in the spool at its end`,
    );

    const exit = await container;
    expect(exit.code, exit.stderr).toBe(0);
    const rows = await h.waitForRows(2 * LOOPS, `container_name = '${name}'`, 120_000);
    const messages = rows.map((r) => r.message as string);
    expect(new Set(messages).size).toBe(messages.length); // nothing doubled
    expect(messages).toHaveLength(2 * LOOPS); // nothing lost
    const stream = (s: string) => rows.filter((r) => r.stream === s).map((r) => r.message);
    const nums = (prefix: string) => Array.from({ length: LOOPS }, (_, i) => `${prefix} ${i + 1}`);
    expect(stream('stdout')).toEqual(nums('out'));
    expect(stream('stderr')).toEqual(nums('err'));
  });
});

/**
 * Which options of Docker's fluentd log driver lose nothing, measured with the real engine
 * (issue 16, item 5): core/docker-advice.ts recommends what this shows lossless; README
 * ("Why these options") and docs/architecture.md ("Docker's fluentd driver") hold results.
 *
 *   npx tsx bench/docker-advice.ts [--runs 5] [--only ack,plain,...] [--wait 60]
 *                                  [--verbose] [--fresh-dockerd]
 *
 * A private dockerd (dev/docker.ts: Debian's docker.io, registry-free busybox),
 * a PostgreSQL of its own (core/db/embedded.ts, in a temporary directory) and a real
 * logharbor (dev/server.ts, the current sources) on a fixed forward port, so it can be
 * stopped and started again under the containers. Each run is a fresh container, most
 * writing both streams at once (the cases: bench/lib/docker-advice-cases.ts):
 *
 *   sh -c 'for i in $(seq 1 200); do echo "out $i"; echo "err $i" >&2; done'
 *
 * Per run: events logharbor received (its /metrics: what Docker delivered), rows stored
 * and distinct lines (decoded from the packs by dev/stored-rows.ts), resent chunks, time
 * from `docker run` to the last line stored and from the first line to the last, the
 * container's exit (or "hung" after --wait seconds), where lost lines were (between
 * others, or at the end), and what dockerd logged about the driver, its crash included.
 * Every run is printed, none is dropped; rows that come after a run was judged are
 * reported at the end. --verbose adds dockerd's driver messages and the lost lines;
 * --fresh-dockerd a new engine per case.
 *
 * The engine is dev/docker.ts, the one the tests prove (test/support/docker.ts wraps it).
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbedded } from '../core/db/embedded.js';
import { createPool, type Pool } from '../core/db/pool.js';
import { freePort } from '../dev/programs.js';
import { storedRows } from '../dev/stored-rows.js';
import { startServer, type BenchServer } from '../dev/server.js';
import { startDocker, type DockerEngine } from '../dev/docker.js';
import { BOTH_STREAMS, CASES, type Case } from './lib/docker-advice-cases.js';

interface RunResult extends Counts {
  /** Lines lost between others (middle) and after the last one stored (end), or null. */
  lost: { middle: number; end: number } | null;
  /** Events that reached logharbor during the run: what Docker delivered. */
  received: number;
  /** Resent chunks logharbor saw (and stored once) during the run. */
  resent: number;
  /** dockerd's log lines about the fluentd driver during the run, and the first. */
  driverErrors: number;
  firstError: string;
  /** ms from `docker run` to the last expected line stored; null: never all. */
  allMs: number | null;
  /** ms from `docker run` to the container's exit (null: still running: hung). */
  exitMs: number | null;
  runCode: number;
  runError: string;
  /** Still running after --wait (its `docker run` was killed). */
  hung: boolean;
  dockerdAlive: boolean;
  /** dockerd's panic, with the first frame in the fluentd client, or null. */
  panic: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Counts {
  stored: number;
  distinct: number;
  /** ms from the first line received to the last. */
  spanMs: number;
}

/** The container's stored lines, decoded from its packs into a table (dev/stored-rows.ts). */
function rowsOf(pool: Pool, name: string): Promise<string> {
  return storedRows(pool, { where: 'container_name = $1', values: [name] });
}

async function counts(pool: Pool, name: string): Promise<Counts> {
  const r = await pool.query<{ n: number; d: number; span: number | null }>(
    `SELECT count(*)::int AS n, count(DISTINCT (stream, message))::int AS d,
            extract(epoch FROM max(received_at) - min(received_at)) * 1000 AS span
       FROM ${await rowsOf(pool, name)} WHERE container_name = $1`,
    [name],
  );
  const row = r.rows[0]!;
  return { stored: row.n, distinct: row.d, spanMs: Number(row.span ?? 0) };
}

/**
 * Where the lines a run lost were: per stream, the line numbers (each line ends in its
 * number) missing below the highest one stored, and those missing above it.
 */
async function lostWhere(pool: Pool, name: string, perStream: Record<string, number>) {
  const r = await pool.query<{ stream: string; top: number | null; n: number }>(
    `SELECT stream, max(substring(message FROM '[0-9]+$')::int) AS top,
            count(DISTINCT message)::int AS n
       FROM ${await rowsOf(pool, name)} WHERE container_name = $1 GROUP BY stream`,
    [name],
  );
  let middle = 0;
  let end = 0;
  for (const [stream, want] of Object.entries(perStream)) {
    const row = r.rows.find((x) => x.stream === stream);
    const top = row?.top ?? 0;
    middle += top - (row?.n ?? 0);
    end += want - top;
  }
  return { middle, end };
}

/** A counter of logharbor's /metrics, summed over its labels (0 when it cannot be read). */
async function metric(server: BenchServer | null, name: string): Promise<number> {
  if (!server) return 0;
  const text = await fetch(`${server.http}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm')))
    sum += Number(m[1]);
  return sum;
}

/** Resent chunks logharbor had already received (it stores them once). */
const DUPLICATES = 'logharbor_duplicate_chunks_total';
/** Events logharbor read off the wire (resent chunks not counted again). */
const RECEIVED = 'logharbor_events_received_total';

class Bench {
  server: BenchServer | null = null;
  private engine: DockerEngine | null = null;
  private env: Record<string, string> = {};

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly forwardPort: number,
    private readonly waitMs: number,
    private readonly verbose: boolean,
  ) {}

  async dockerd(): Promise<DockerEngine> {
    if (this.engine) {
      const info = await this.engine.docker(['info', '--format', '{{.ServerVersion}}'], {
        timeoutMs: 10_000,
      });
      if (info.code === 0) return this.engine;
      await this.engine.stop().catch(() => undefined);
    }
    this.engine = await startDocker({ throwIfUnavailable: true });
    return this.engine;
  }

  async restartDockerd(): Promise<void> {
    await this.engine?.stop().catch(() => undefined);
    this.engine = null;
    await this.dockerd();
  }

  async logharbor(env: Record<string, string>): Promise<BenchServer> {
    const same = JSON.stringify(env) === JSON.stringify(this.env);
    if (this.server && same) return this.server;
    await this.stopLogharbor();
    this.env = env;
    this.server = await startServer({
      DATABASE_URL: this.databaseUrl,
      LOGHARBOR_FORWARD_ADDR: `127.0.0.1:${this.forwardPort}`,
      ...env,
    });
    return this.server;
  }

  async stopLogharbor(): Promise<void> {
    const s = this.server;
    this.server = null;
    await s?.stop();
  }

  async run(c: Case, name: string): Promise<RunResult> {
    const engine = await this.dockerd();
    await this.logharbor(c.env ?? {});
    const perStream = c.perStream ?? { stdout: 200, stderr: 200 };
    const expected = Object.values(perStream).reduce((a, b) => a + b, 0);
    const logBefore = (await engine.log()).length;
    let resentBefore = await metric(this.server, DUPLICATES);
    let receivedBefore = await metric(this.server, RECEIVED);
    if (c.downMs !== undefined && c.downAt === undefined) await this.stopLogharbor();
    const t0 = performance.now();
    // Attached, so that its return is the container's exit (with --rm, its removal too);
    // killed after --wait: the container hung.
    const st = {
      exitMs: null as number | null,
      runCode: null as number | null,
      runError: '',
      hung: false,
    };
    const waited = engine
      .run(
        [
          ...(c.rm === false ? [] : ['--rm']),
          ...['--network', 'none', '--name', name],
          ...['--label', 'com.docker.compose.project=advice'],
          ...['--label', `com.docker.compose.service=${c.id}`],
          '--log-driver=fluentd',
          ...['--log-opt', `fluentd-address=127.0.0.1:${this.forwardPort}`],
          ...c.opts.flatMap((o) => ['--log-opt', o]),
          engine.image,
          ...['sh', '-c', c.script ?? BOTH_STREAMS],
        ],
        { timeoutMs: this.waitMs },
      )
      .then((r) => {
        st.hung = r.stderr.includes('killed by SIGKILL');
        st.runCode = r.code;
        if (!st.hung) st.exitMs = performance.now() - t0;
        if (r.code !== 0 && !st.hung) st.runError = r.stderr.trim().split('\n')[0] ?? '';
      });
    if (c.downMs !== undefined) {
      if (c.downAt !== undefined) {
        await sleep(c.downAt);
        await this.stopLogharbor();
      }
      await sleep(c.downMs);
      await this.logharbor(c.env ?? {});
      resentBefore = 0;
      receivedBefore = 0;
    }
    let allMs: number | null = null;
    let last: Counts = { stored: 0, distinct: 0, spanMs: 0 };
    let lastChange = performance.now();
    const deadline = t0 + this.waitMs;
    for (;;) {
      const n = await counts(this.pool, name);
      const received = (await metric(this.server, RECEIVED)) - receivedBefore;
      if (n.stored !== last.stored) lastChange = performance.now();
      last = n;
      if (n.distinct >= expected && allMs === null) allMs = performance.now() - t0;
      const exited = st.runCode !== null;
      // Done: everything stored and the container gone; or the container gone, everything
      // logharbor received stored and nothing new for 3 s; or the bound.
      if (allMs !== null && exited) break;
      if (exited && n.stored >= received && performance.now() - lastChange > 3000) break;
      if (performance.now() > deadline) break;
      await sleep(100);
    }
    await waited;
    // A run that leaves resends looping shows them as rows beyond the expected ones:
    // look once more after a second.
    await sleep(1000);
    last = await counts(this.pool, name);
    const resent = (await metric(this.server, DUPLICATES)) - resentBefore;
    const received = (await metric(this.server, RECEIVED)) - receivedBefore;
    const dlog = (await engine.log()).slice(logBefore);
    // The dual-logging notice ("enabling local file cache") is not an error.
    const driverLines = dlog
      .split('\n')
      .filter((l) => /fluent/i.test(l) && !/local file cache/.test(l));
    const alive =
      (
        await engine.docker(['info', '--format', '{{.ServerVersion}}'], {
          timeoutMs: 10_000,
        })
      ).code === 0;
    if (alive) await engine.docker(['rm', '-f', name], { timeoutMs: 30_000 });
    else if (this.verbose)
      console.error(`  dockerd died; its log ends:\n${dlog.split('\n').slice(-40).join('\n')}`);
    if (this.verbose) {
      const kinds = new Map<string, number>();
      for (const l of driverLines) {
        const k = (/msg="((?:[^"\\]|\\.)*)"/.exec(l)?.[1] ?? l).replace(/[0-9a-f]{12,}|\d+/g, '#');
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      for (const [k, n] of kinds) console.error(`  dockerd ${n}x: ${k.slice(0, 300)}`);
    }
    const lost = last.distinct < expected ? await lostWhere(this.pool, name, perStream) : null;
    if (lost && this.verbose) {
      const got = await this.pool.query<{ stream: string; message: string }>(
        `SELECT DISTINCT stream, message FROM ${await rowsOf(this.pool, name)} WHERE container_name = $1`,
        [name],
      );
      const have = new Set(got.rows.map((x) => `${x.stream} ${x.message.replace(/\D+/g, '')}`));
      const missing: string[] = [];
      for (const [stream, n] of Object.entries(perStream))
        for (let i = 1; i <= n && missing.length < 12; i++)
          if (!have.has(`${stream} ${i}`)) missing.push(`${stream} ${i}`);
      console.error(`  ${name} lost (first 12): ${missing.join(', ')}`);
    }
    return {
      ...last,
      lost,
      received,
      resent,
      driverErrors: driverLines.length,
      firstError: (/msg="([^"]*)"/.exec(driverLines[0] ?? '')?.[1] ?? driverLines[0] ?? '').slice(
        0,
        120,
      ),
      allMs,
      exitMs: st.exitMs,
      runCode: st.runCode ?? -1,
      hung: st.hung,
      runError: st.runError,
      dockerdAlive: alive,
      panic: panicOf(dlog),
    };
  }

  async close(): Promise<void> {
    await this.stopLogharbor();
    await this.engine?.stop();
  }
}

/**
 * "panic: <reason> in <the fluentd client's frames>" from dockerd's log, or null. The
 * panic may follow the client's last message on the same line (no newline between).
 */
function panicOf(log: string): string | null {
  const lines = log.split('\n');
  const at = lines.findIndex((l) => /(^|[^\w])(panic|fatal error): /.test(l));
  if (at < 0) return null;
  const reason = /(?:panic|fatal error): .*/.exec(lines[at]!)![0].trim();
  const frames = lines
    .slice(at)
    .filter((l) => /fluent\.\(\*\w+\)\.\w+\(/.test(l))
    .slice(0, 2)
    .map((l) => /\(\*\w+\)\.\w+/.exec(l)![0]);
  return frames.length ? `${reason} in ${frames.join(' from ')}` : reason;
}

const sec = (x: number | null) => (x === null ? '-' : (x / 1000).toFixed(2));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      only: { type: 'string' },
      wait: { type: 'string', default: '60' },
      'fresh-dockerd': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  const waitMs = Number(values.wait) * 1000;
  const only = values.only?.split(',') ?? null;
  const cases = CASES.filter((c) => only === null || only.includes(c.id));
  const pgDir = mkdtempSync(path.join(tmpdir(), 'lh-advice-pg-'));
  const pg = await startEmbedded({ dataDir: pgDir });
  const pool = createPool(pg.url, { max: 2 });
  const bench = new Bench(pool, pg.url, await freePort('tcp'), waitMs, values.verbose);
  const engine = await bench.dockerd();
  const version = await engine.docker(['version', '--format', '{{.Server.Version}}']);
  console.log(`Docker Engine ${version.stdout.trim()}, ${runs} runs per case\n`);
  console.log(
    '| case | run | received | stored | distinct | resent chunks | all stored (s) | first to last (s) | container exit (s) | notes |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const stored = new Map<string, number>();
  try {
    for (const c of cases) {
      if (values['fresh-dockerd']) await bench.restartDockerd();
      for (let i = 1; i <= runs; i++) {
        const name = `adv-${c.id}-${i}`;
        const r = await bench.run(c, name);
        const notes: string[] = [];
        if (r.hung) notes.push(`hung: still running after ${waitMs / 1000} s`);
        else if (r.runCode !== 0) notes.push(`docker run exit ${r.runCode}: ${r.runError}`);
        if (r.stored > r.distinct) notes.push(`${r.stored - r.distinct} doubles`);
        if (r.lost && r.distinct > 0)
          notes.push(`lost ${r.lost.middle} between lines, ${r.lost.end} at the end`);
        if (r.panic !== null) notes.push(`dockerd panicked: ${r.panic}`);
        if (!r.dockerdAlive) notes.push('dockerd gone');
        if (r.driverErrors > 0)
          notes.push(`dockerd logged ${r.driverErrors} fluentd errors, first: ${r.firstError}`);
        console.log(
          `| ${c.id} | ${i} | ${r.received} | ${r.stored} | ${r.distinct} | ${r.resent} | ${sec(r.allMs)} | ${sec(r.spanMs)} | ${sec(r.exitMs)} | ${notes.join('; ')} |`,
        );
        stored.set(name, r.stored);
        if (!r.dockerdAlive) await bench.restartDockerd();
      }
    }
    // Rows that came after a run was judged: logharbor late, not Docker lossy.
    await sleep(10_000);
    const late: string[] = [];
    for (const [name, n] of stored) {
      const now = (await counts(pool, name)).stored;
      if (now !== n) late.push(`${name}: ${n} -> ${now}`);
    }
    console.log(`\nStored 10 s after the last run: ${late.length ? late.join(', ') : 'no change'}`);
  } finally {
    await bench.close();
    await pool.end();
    await pg.stop();
    rmSync(pgDir, { recursive: true, force: true });
  }
  console.log('\nCases:');
  for (const c of cases) console.log(`- ${c.id}: ${c.what}`);
}

await main();

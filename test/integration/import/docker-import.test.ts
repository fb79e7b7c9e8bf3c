/**
 * `logharbor import` (the real command, `node --import tsx cli/main.ts import`) against
 * files a real Docker engine wrote (test/support/docker.ts) and a running logharbor:
 *
 * - the same script run in a container with the fluentd driver (live, the recommended
 *   options) and in one with json-file (imported) gives the same rows, a 40 KiB line
 *   and a last line without a newline included; with the local driver, invalid UTF-8 too;
 * - rotated and gzipped files (max-size, max-file, compress) with 100 KB lines cut across
 *   a rotation: every line once, whole;
 * - importing twice, and again with --no-state: nothing stored twice;
 * - a torn line in a truncated copy is not imported until whole;
 * - an import stopped by SIGINT and one killed with SIGKILL resume: nothing lost or doubled;
 * - names, Compose labels, env and the json-file tag from config.v2.json and the entries;
 * - the driver doctor does not take the import for a container asking for acks.
 *
 * Skipped (loudly, by startDocker) only where dockerd cannot start; failed instead on CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUENTD_OPTS } from '../../../core/docker-advice.js';
import { storedRows } from '../../../dev/stored-rows.js';
import { startDocker } from '../../support/docker.js';
import { startHarness, type Harness } from '../../support/harness.js';

const engine = await startDocker();
const ROOT = path.resolve(import.meta.dirname, '../../..');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function finish(p: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

describe.runIf(engine)(
  'logharbor import: logs a real Docker engine wrote',
  { timeout: 180_000 },
  () => {
    let h: Harness;
    let dir: string;
    let containers: string;
    const state = () => path.join(dir, 'state.json');

    beforeAll(async () => {
      h = await startHarness({ LOGHARBOR_PARTIAL_TIMEOUT: '300ms' });
      dir = mkdtempSync(path.join(tmpdir(), 'lh-import-it-'));
      const root = await engine!.docker(['info', '--format', '{{.DockerRootDir}}']);
      containers = path.join(root.stdout.trim(), 'containers');
    });
    afterAll(async () => {
      await h?.close();
      await engine?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const start = (args: string[], env: Record<string, string> = {}) =>
      spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'cli/main.ts',
          'import',
          '--forward',
          `127.0.0.1:${h.forwardPort}`,
          ...args,
        ],
        {
          cwd: ROOT,
          env: { ...process.env, NO_COLOR: '1', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    const importRun = async (args: string[]) => {
      const r = await finish(start(['--state', state(), ...args]));
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      return r;
    };

    async function run(name: string, opts: string[], script: string): Promise<string> {
      const r = await engine!.run([
        '--network',
        'none',
        '--name',
        name,
        '--label',
        'com.docker.compose.project=shop',
        '--label',
        `com.docker.compose.service=${name}`,
        '--label',
        'not.sent=1',
        ...opts,
        engine!.image,
        'sh',
        '-c',
        script,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return (await engine!.docker(['inspect', '--format', '{{.ID}}', name])).stdout.trim();
    }
    const live = (name: string, script: string, extra: string[] = []) =>
      run(
        name,
        [
          '--log-driver=fluentd',
          '--log-opt',
          `fluentd-address=127.0.0.1:${h.forwardPort}`,
          ...FLUENTD_OPTS.flatMap(([k, v]) => ['--log-opt', `${k}=${v}`]),
          ...extra,
        ],
        script,
      );
    const count = async (where: string) => {
      await h.stored();
      const rows = await storedRows(h.pool);
      return (await h.pool.query(`SELECT count(*)::int AS n FROM ${rows} WHERE ${where}`)).rows[0]
        .n as number;
    };
    let probes = 0;
    /**
     * Sends the first part of a line that never ends and waits until logharbor stores it
     * (at LOGHARBOR_PARTIAL_TIMEOUT): every part held before it has been stored by then.
     */
    const flushPartials = async () => {
      const name = `probe-${++probes}`;
      const record = {
        container_id: 'f'.repeat(64),
        container_name: `/${name}`,
        source: 'stdout',
        log: 'probe',
        partial_message: 'true',
        partial_id: name,
        partial_ordinal: '1',
        partial_last: 'false',
      };
      const socket = net.connect(h.forwardPort, '127.0.0.1');
      const acked = new Promise((resolve, reject) => {
        socket.once('data', resolve);
        socket.once('error', reject);
      });
      socket.write(
        new Packr({ useRecords: false }).pack([
          name,
          Math.floor(Date.now() / 1000),
          record,
          { chunk: name },
        ]),
      );
      await acked;
      socket.destroy();
      expect(await h.waitForRows(1, `container_name = '${name}'`)).toHaveLength(1);
    };
    /** A row as it would compare across two containers: what comes from the line and the labels. */
    const shape = (r: Record<string, unknown>) => ({
      message: r.message,
      stream: r.stream,
      severity: r.severity,
      source: r.source,
      host: r.host,
      project: r.project,
      service: (r.service as string).replace(/-(live|json|local)$/, ''),
      attrs: JSON.stringify(
        Object.fromEntries(
          Object.entries((r.attrs as Record<string, unknown>) ?? {})
            .map(([k, v]) => [
              k,
              k === 'com.docker.compose.service' ? String(v).replace(/-(live|json|local)$/, '') : v,
            ])
            .sort(),
        ),
      ),
      subsecond: (r.ts as Date).getTime() % 1000 !== 0 || r.ts_ns !== 0,
    });
    const byMessage = (a: { message: unknown }, b: { message: unknown }) =>
      String(a.message).localeCompare(String(b.message));

    const SCRIPT =
      'echo hello; echo err >&2; for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done; ' +
      'head -c 40000 /dev/zero | tr "\\0" x; echo; echo \'{"level":"warn","msg":"a json line"}\'; ' +
      'printf "caf\\303\\251 \\342\\234\\223\\n"; printf "no newline at exit"';

    it('json-file: the same rows as the fluentd driver stores live (names, Compose labels, parts joined, the unfinished last line)', async () => {
      await live('app-live', SCRIPT);
      const id = await run('app-json', [], SCRIPT);
      const liveRows = await h.waitForRows(12, "container_name = 'app-live'");
      expect(liveRows).toHaveLength(12);
      const r = await importRun(['--container', 'app-json', containers]);
      expect(r.stdout).toMatch(/imported 12 lines/);
      const rows = await h.waitForRows(12, "container_name = 'app-json'");
      expect(rows).toHaveLength(12);
      expect(rows.map(shape).sort(byMessage)).toEqual(liveRows.map(shape).sort(byMessage));
      for (const row of rows) {
        expect(row).toMatchObject({
          container_id: id,
          tag: id.slice(0, 12),
          project: 'shop',
          service: 'app-json',
        });
        expect((row.attrs as Record<string, unknown>)['not.sent']).toBeUndefined();
      }
      expect(rows.find((x) => (x.message as string).startsWith('xxx'))!.attrs).toMatchObject({
        partial_parts: 3,
      });
      expect(rows.find((x) => x.message === 'no newline at exit')!.attrs).toMatchObject({
        partial_parts: 1,
        partial_unfinished: true,
      });
      // Order within a stream is the container's.
      expect(
        rows
          .filter((x) => x.stream === 'stdout')
          .map((x) => x.message)
          .slice(0, 4),
      ).toEqual(['hello', 'out 1', 'out 2', 'out 3']);
    });

    it('local driver: the same rows as live, byte for byte (invalid UTF-8 kept in attrs.raw_base64)', async () => {
      const script = `${SCRIPT.replace(/; printf "no newline at exit"$/, '')}; printf "bad \\377 byte\\n"; printf "no newline at exit"`;
      await live('bin-live', script);
      await run('bin-local', ['--log-driver=local', '--log-opt', 'max-size=20k'], script);
      const liveRows = await h.waitForRows(13, "container_name = 'bin-live'");
      expect(liveRows).toHaveLength(13);
      await importRun(['--container', 'bin-local', containers]);
      const rows = await h.waitForRows(13, "container_name = 'bin-local'");
      expect(rows.map(shape).sort(byMessage)).toEqual(liveRows.map(shape).sort(byMessage));
      expect(rows.find((x) => (x.message as string).startsWith('bad'))!.attrs).toMatchObject({
        raw_base64: Buffer.from('bad \xff byte', 'latin1').toString('base64'),
      });
    });

    it('rotated and gzipped json-file logs, 100 KB lines cut across rotations: every line once, whole', async () => {
      const id = await run(
        'rotated',
        ['--log-opt', 'max-size=20k', '--log-opt', 'max-file=40', '--log-opt', 'compress=true'],
        'for i in $(seq 1 1500); do echo "line $i"; if [ $((i % 500)) = 0 ]; then head -c 100000 /dev/zero | tr "\\0" y; echo; fi; done',
      );
      const files = readdirSync(path.join(containers, id)).filter((f) => f.includes('-json.log'));
      expect(files.filter((f) => f.endsWith('.gz')).length).toBeGreaterThan(10);
      // A line's parts do end up in two files.
      const straddles = files
        .filter((f) => /\.\d+(\.gz)?$/.test(f))
        .some((f) => {
          const raw = readFileSync(path.join(containers, id, f));
          const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString().trimEnd().split('\n');
          return !(JSON.parse(text.at(-1)!) as { log: string }).log.endsWith('\n');
        });
      expect(straddles).toBe(true);
      const r = await importRun(['--container', 'rotated', path.join(containers, id)]);
      expect(r.stdout).toMatch(/imported 1,503 lines/);
      const rows = await h.waitForRows(1503, "container_name = 'rotated'");
      expect(rows).toHaveLength(1503);
      const lines = rows.filter((x) => (x.message as string).startsWith('line '));
      expect(lines.map((x) => x.message)).toEqual(
        Array.from({ length: 1500 }, (_, i) => `line ${i + 1}`),
      );
      const long = rows.filter((x) => (x.message as string).startsWith('y'));
      expect(long.map((x) => x.message)).toEqual(Array(3).fill('y'.repeat(100_000)));
      for (const x of long) expect(x.attrs).toMatchObject({ partial_parts: 7 });
      expect(await count("container_name = 'rotated' AND attrs ? 'partial_unfinished'")).toBe(0);
    });

    it('imported twice, and again without the state: nothing stored twice', async () => {
      const before = await count("container_name IN ('rotated', 'app-json')");
      const again = await importRun([
        '--container',
        'rotated',
        '--container',
        'app-json',
        containers,
      ]);
      expect(again.stdout).toMatch(/imported 0 lines/);
      const all = await importRun([
        '--no-state',
        '--container',
        'rotated',
        '--container',
        'app-json',
        containers,
      ]);
      expect(all.stdout).toMatch(/imported 1,515 lines/);
      // Had the unfinished line's part reached the joiner again, it would be stored at its
      // partial timeout: a part sent after it expires after it, so once that one is stored
      // the other would be too.
      await flushPartials();
      expect(await count("container_name IN ('rotated', 'app-json')")).toBe(before);
    });

    it('a torn last line in a truncated copy is not imported until it is whole', async () => {
      const id = await run('torn', [], 'for i in $(seq 1 50); do echo "torn line $i"; done');
      const copy = path.join(dir, 'copy');
      rmSync(copy, { recursive: true, force: true });
      (await import('node:fs')).mkdirSync(copy);
      const log = path.join(containers, id, `${id}-json.log`);
      copyFileSync(log, path.join(copy, `${id}-json.log`));
      copyFileSync(path.join(containers, id, 'config.v2.json'), path.join(copy, 'config.v2.json'));
      const text = readFileSync(log, 'utf8');
      const at = text.indexOf('torn line 30');
      truncateSync(path.join(copy, `${id}-json.log`), at); // mid-line
      const r = await importRun([path.join(copy, `${id}-json.log`)]);
      expect(r.stdout).toMatch(/imported 29 lines/);
      expect(r.stdout).toMatch(/a torn last line, not imported/);
      expect(await count("container_name = 'torn'")).toBe(29);
      const rest = await importRun(['--container', 'torn', containers]);
      expect(rest.stdout).toMatch(/imported 21 lines/);
      const rows = await h.waitForRows(50, "container_name = 'torn'");
      expect(rows.map((x) => x.message)).toEqual(
        Array.from({ length: 50 }, (_, i) => `torn line ${i + 1}`),
      );
    });

    it('stopped with SIGINT, then killed with SIGKILL: each run resumes, nothing lost or doubled', async () => {
      const n = 200_000;
      const id = await run('big', [], `seq 1 ${n}`);
      const log = path.join(containers, id, `${id}-json.log`);
      const size = (await import('node:fs')).statSync(log).size;
      const offset = () => {
        try {
          const s = JSON.parse(readFileSync(state(), 'utf8')) as {
            files: Record<string, { offset: number; path: string }>;
          };
          return Object.values(s.files).find((f) => f.path === log)?.offset ?? 0;
        } catch {
          return 0;
        }
      };
      const stopWhen = async (p: ChildProcess, past: number, signal: NodeJS.Signals) => {
        const done = finish(p);
        for (let i = 0; i < 3000 && offset() <= past; i++)
          await new Promise((r) => setTimeout(r, 10));
        p.kill(signal);
        return done;
      };
      // Slowed down (--rate) so that it can be stopped mid-way.
      const first = await stopWhen(
        start(['--state', state(), '--rate', '40000', '--container', 'big', containers]),
        0,
        'SIGINT',
      );
      expect(first.code, first.stderr).toBe(130);
      expect(first.stdout).toMatch(
        /^interrupted: imported [\s\S]*\nrun the same command again to resume\n$/,
      );
      const afterFirst = offset();
      expect(afterFirst).toBeGreaterThan(0);
      expect(afterFirst).toBeLessThan(size);
      const second = await stopWhen(
        start(['--state', state(), '--rate', '40000', '--container', 'big', containers]),
        afterFirst,
        'SIGKILL',
      );
      expect(second.signal).toBe('SIGKILL');
      const afterSecond = offset();
      expect(afterSecond).toBeGreaterThan(afterFirst);
      expect(afterSecond).toBeLessThan(size);
      expect(existsSync(`${state()}.lock`)).toBe(true); // left by the killed run
      await importRun(['--container', 'big', containers]);
      expect(offset()).toBe(size);
      await h.stored(60_000);
      const r = await h.pool.query(
        `SELECT count(*)::int AS n, count(DISTINCT message)::int AS d, min(message::int) AS lo, max(message::int) AS hi FROM ${await storedRows(h.pool)} WHERE container_name = 'big'`,
      );
      expect(r.rows[0]).toEqual({ n, d: n, lo: 1, hi: n });
    });

    it('json-file tag, labels and env options; --env adds what the fluentd env= option would', async () => {
      await run(
        'tagged',
        ['-e', 'DEPLOY_ENV=prod', '--log-opt', 'tag={{.Name}}', '--log-opt', 'env=DEPLOY_ENV'],
        'echo tagged',
      );
      await run('with-env', ['-e', 'REGION=eu'], 'echo env');
      await importRun([
        '--container',
        'tagged',
        '--container',
        'with-env',
        '--env',
        'REGION',
        containers,
      ]);
      const [tagged] = await h.waitForRows(1, "container_name = 'tagged'");
      expect(tagged).toMatchObject({ tag: 'tagged', message: 'tagged' });
      expect(tagged!.attrs).toMatchObject({
        DEPLOY_ENV: 'prod',
        'com.docker.compose.project': 'shop',
      });
      expect((tagged!.attrs as Record<string, unknown>).tag).toBeUndefined();
      const [env] = await h.waitForRows(1, "container_name = 'with-env'");
      expect(env!.attrs).toMatchObject({ REGION: 'eu' });
    });

    it('the driver doctor does not count the import as a sender', async () => {
      await h.collector.doctor.flush();
      const r = await h.pool.query<{ sender: string }>(
        'SELECT sender FROM driver_senders ORDER BY sender',
      );
      const senders = r.rows.map((x) => x.sender);
      expect(senders).toContain('container:app-live');
      expect(senders.filter((s) => /app-json|rotated|torn|big|bin-local|tagged/.test(s))).toEqual(
        [],
      );
    });
  },
);

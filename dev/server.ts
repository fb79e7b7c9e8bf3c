/**
 * A real logharbor process for benchmarks: `node <build>/cli/main.js serve` (the current
 * sources, bench/lib/build.ts), every listener on a free port, against the DATABASE_URL
 * given in `env` or else a fresh embedded PostgreSQL in a temporary directory. Its memory
 * is read from /proc; LOGHARBOR_BENCH_NODE_ARGS adds node flags (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile the ingest path).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, buildLogharbor } from './build.js';
import { cpuSecondsOf, resetPeak, statusMb } from './proc.js';

export interface BenchServer {
  proc: ChildProcess;
  http: string;
  ports: Record<string, number>;
  databaseUrl: string | null;
  /** Peak resident set size since start or the last resetPeak(), MB (VmHWM). */
  peakRssMb(): number;
  /** Starts a new peak (Linux: writing 5 to clear_refs resets VmHWM). */
  resetPeak(): void;
  rssMb(): number;
  /** User + system CPU seconds the process has used. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

let entry: Promise<string> | null = null;

export async function startServer(env: Record<string, string> = {}): Promise<BenchServer> {
  entry ??= buildLogharbor();
  const main = await entry;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-bench-'));
  const nodeArgs = process.env.LOGHARBOR_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, main, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOGHARBOR_DATA_DIR: dataDir,
      LOGHARBOR_HTTP_ADDR: '127.0.0.1:0',
      LOGHARBOR_FORWARD_ADDR: '127.0.0.1:0',
      LOGHARBOR_SYSLOG_UDP_ADDR: '127.0.0.1:0',
      LOGHARBOR_SYSLOG_TCP_ADDR: '127.0.0.1:0',
      LOGHARBOR_LOG_LEVEL: 'warn',
      // The benchmark's own searches and tail clients are not abuse.
      LOGHARBOR_API_RATE_LIMIT: '0',
      // As `npm start` and the image run it (package.json, Dockerfile).
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ports: Record<string, number> = {};
  let http = '';
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.once('exit', (code) =>
      reject(new Error(`logharbor exited (${code}) before it was ready:\n${out}`)),
    );
    const onData = (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/^ {2}([\w-]+): (\S+):(\d+)$/gm)) ports[m[1]!] = Number(m[3]);
      const web = /web and API: (http:\/\/\S+)\//.exec(out);
      if (web) http = web[1]!;
      if (!out.includes('Send a container')) return;
      // Ready: from now on its log (warnings and worse) goes to our stderr.
      proc.stdout!.off('data', onData);
      proc.stdout!.on('data', (l: Buffer) => process.stderr.write(`logharbor: ${l.toString()}`));
      resolve();
    };
    proc.stdout!.on('data', onData);
  });
  // Never leave a logharbor behind when the benchmark dies.
  const kill = () => void proc.kill('SIGKILL');
  process.once('exit', kill);
  proc.once('exit', () => process.off('exit', kill));
  const pid = proc.pid!;
  return {
    proc,
    http,
    ports,
    databaseUrl: env.DATABASE_URL ?? null,
    peakRssMb: () => statusMb(pid, 'VmHWM'),
    resetPeak: () => resetPeak(pid),
    rssMb: () => statusMb(pid, 'VmRSS'),
    cpuSeconds: () => cpuSecondsOf(pid),
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

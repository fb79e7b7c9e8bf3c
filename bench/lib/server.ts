/**
 * A real logharbor process for benchmarks: `node bin/logharbor.js serve` on a fresh
 * embedded PostgreSQL in a temporary directory, every listener on a free port; its peak
 * resident memory is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchServer {
  proc: ChildProcess;
  http: string;
  ports: Record<string, number>;
  databaseUrl: string | null;
  /** Peak resident set size so far, MB (VmHWM). */
  peakRssMb(): number;
  rssMb(): number;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

function status(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return m ? Number(m[1]) / 1024 : 0;
}

export async function startServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-bench-'));
  const nodeArgs = process.env.LOGHARBOR_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(
    process.execPath,
    [...nodeArgs, path.join(ROOT, 'bin/logharbor.js'), 'serve'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        LOGHARBOR_DATA_DIR: dataDir,
        LOGHARBOR_HTTP_ADDR: '127.0.0.1:0',
        LOGHARBOR_FORWARD_ADDR: '127.0.0.1:0',
        LOGHARBOR_SYSLOG_UDP_ADDR: '127.0.0.1:0',
        LOGHARBOR_SYSLOG_TCP_ADDR: '127.0.0.1:0',
        LOGHARBOR_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const ports: Record<string, number> = {};
  let http = '';
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.once('exit', (code) =>
      reject(new Error(`logharbor exited (${code}) before it was ready:\n${out}`)),
    );
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/^ {2}([\w-]+): (\S+):(\d+)$/gm)) ports[m[1]!] = Number(m[3]);
      const web = /web and API: (http:\/\/\S+)\//.exec(out);
      if (web) http = web[1]!;
      if (out.includes('Send a container')) resolve();
    });
  });
  return {
    proc,
    http,
    ports,
    databaseUrl: env.DATABASE_URL ?? null,
    peakRssMb: () => status(proc.pid!, 'VmHWM'),
    rssMb: () => status(proc.pid!, 'VmRSS'),
    async stop() {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One logharbor process in a single role (`serve`, `collector` or `api`), run from the
 * sources (`node --import tsx cli/main.ts <role>`) against the DATABASE_URL in `env`,
 * every listener on a free port. Resolves once it prints where it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';

export interface RoleProcess {
  proc: ChildProcess;
  /** `http://127.0.0.1:<port>` for the API roles, else ''. */
  http: string;
  /** Bound ports by listener name (forward-tcp, syslog-tcp, ...). */
  ports: Record<string, number>;
  /** Everything it wrote to stderr (its JSON log). */
  log(): string;
  stop(): Promise<void>;
}

export async function startRole(
  role: 'serve' | 'collector' | 'api',
  env: Record<string, string>,
): Promise<RoleProcess> {
  // Each process its own data directory: a collector's spool is its own (a lock keeps two
  // off one directory).
  const dataDir = mkdtempSync(path.join(tmpdir(), `lh-${role}-`));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', role], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      LOGHARBOR_DATA_DIR: dataDir,
      LOGHARBOR_SPOOL_SEGMENT_BYTES: '4MB',
      LOGHARBOR_HTTP_ADDR: role === 'collector' ? 'off' : '127.0.0.1:0',
      LOGHARBOR_FORWARD_ADDR: role === 'api' ? 'off' : '127.0.0.1:0',
      LOGHARBOR_SYSLOG_UDP_ADDR: 'off',
      LOGHARBOR_SYSLOG_TCP_ADDR: role === 'api' ? 'off' : '127.0.0.1:0',
      LOGHARBOR_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const ports: Record<string, number> = {};
  let http = '';
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) =>
      reject(new Error(`logharbor ${role} exited (${code}) before it was ready:\n${out}\n${err}`));
    proc.once('exit', onExit);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/^ {2}([\w-]+): (\S+):(\d+)$/gm)) ports[m[1]!] = Number(m[3]);
      const web = /web and API: (http:\/\/\S+)\//.exec(out);
      if (web) http = web[1]!;
      const ready = role === 'collector' ? 'forward-tcp' in ports : http !== '';
      if (out.includes('is running') && ready) {
        proc.off('exit', onExit);
        resolve();
      }
    });
  });
  return {
    proc,
    http,
    ports,
    log: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      if (!env.LOGHARBOR_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

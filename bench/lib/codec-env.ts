/**
 * What bench/codecs.ts compares against and where it ran: `gzip -9` and `zstd -19` (the
 * Debian programs, one core) of the raw corpus sample as one file, kept beside the sample
 * (same file, same tool version: the same figure), and the machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { ROOT } from '../../dev/build.js';
import { which } from '../../dev/programs.js';

export interface Reference {
  tool: string;
  version: string;
  bytes: number;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return '';
  }
}

function version(cmd: string): string {
  const out = execFileSync(cmd, ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return /v?(\d+\.\d+(\.\d+)?)/.exec(out)?.[1] ?? '?';
}

function packedBytes(cmd: string, args: string[], file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(bytes) : reject(new Error(`${cmd} exited ${code}`)),
    );
  });
}

/** gzip -9 and zstd -19 of `file`; a missing program gives a note instead. */
export async function references(
  file: string,
  log: (s: string) => void,
): Promise<(Reference | string)[]> {
  const cacheFile = `${file}.compressed.json`;
  const cache: Reference[] = existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Reference[])
    : [];
  const out: (Reference | string)[] = [];
  for (const [tool, args] of [
    ['gzip', ['-9', '-c']],
    ['zstd', ['-19', '-T1', '-c', '-q']],
  ] as const) {
    if (!which(tool)) {
      out.push(`${tool} not installed (apt-get install -y ${tool}): no ${tool} figure`);
      continue;
    }
    const v = version(tool);
    const name = `${tool} ${args[0]}`;
    let r = cache.find((c) => c.tool === name && c.version === v);
    if (!r) {
      log(`${name} of ${file} ...`);
      r = { tool: name, version: v, bytes: await packedBytes(tool, [...args], file) };
      cache.push(r);
      writeFileSync(cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
    }
    out.push(r);
  }
  return out;
}

export function machineLines(zstdImpl: string): string[] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? '?';
  const head = sh('git', ['-C', ROOT, 'log', '-1', '--format=%h %cI']);
  return [
    `- CPU: ${model}, ${os.cpus().length} cores; RAM ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()}`,
    `- Node ${process.version} (zlib ${process.versions.zlib}, brotli ${process.versions.brotli ?? '?'}); ${zstdImpl}; ${
      which('zstd') ? sh('zstd', ['--version']).replace(/\s+/g, ' ') : 'zstd program not installed'
    }; gzip ${which('gzip') ? version('gzip') : 'not installed'}`,
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}; load average at start: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    `- Code: ${head ? `commit ${head.replace(' ', ' (')})` : 'not a git checkout'}`,
  ];
}

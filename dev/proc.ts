/**
 * Memory and CPU time from /proc. Memory: VmRSS and VmHWM (the peak) of a process.
 * CPU time, to say where an ingest run's cycles went on a shared machine:
 * logharbor, PostgreSQL (the postmaster, its live backends, and the backends that have
 * exited, which the kernel adds to the postmaster's cutime/cstime when it reaps them),
 * and the load generator (this process).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const TICK = 100; // USER_HZ: clock ticks per second on Linux

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, ...]. */
function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // the process is gone
  }
}

/** utime + stime of one process, seconds (fields 14 and 15 of stat; 11 and 12 here). */
export function cpuSecondsOf(pid: number, withReapedChildren = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  const own = Number(f[11]) + Number(f[12]);
  return (withReapedChildren ? own + Number(f[13]) + Number(f[14]) : own) / TICK;
}

/** The postmaster and every process it started, seconds. */
export function postgresCpuSeconds(postmasterPid: number): number {
  let total = cpuSecondsOf(postmasterPid, true);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === postmasterPid) total += cpuSecondsOf(Number(name));
  }
  return total;
}

/** This process (the load generator), seconds. */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), MB; 0 when the process is gone. */
export function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts a new VmHWM for the process (Linux: writing 5 to clear_refs resets it). */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Busy and total CPU seconds of the whole machine so far (first line of /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  return { busy: (total - idle) / TICK, total: total / TICK };
}

/**
 * CPU seconds of this process and every child it has reaped (their children included,
 * once they reaped them): after the run, everything the benchmark started.
 */
export function treeCpuSeconds(): number {
  return cpuSecondsOf(process.pid, true);
}

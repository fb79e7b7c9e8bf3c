/**
 * `logharbor import [paths...]`: the logs Docker already has (json-file and local driver
 * files, rotated and gzipped ones included) sent to a running logharbor as a forward
 * client, so they take the path live lines take (spool, normalization, partial-line
 * joining) and look as they would have arriving through the fluentd driver with the
 * recommended options (core/docker-advice.ts). Importing again stores nothing twice (the
 * state file, then the chunk ids); an interrupted import resumes where logharbor's acks
 * stopped. See importer.ts for how requests are cut, state.ts for the state.
 */
import { hostname } from 'node:os';
import { FLUENTD_OPTS } from '../../core/docker-advice.js';
import { discover, DEFAULT_CONTAINERS_DIR, mayGrow } from './discover.js';
import { identityOf } from './file-source.js';
import { ForwardClient, parseTarget, targetText } from './forward-client.js';
import { Importer, newTally, type PlannedFile, type PlannedSet, type Tally } from './importer.js';
import {
  formatBytes,
  formatDuration,
  Progress,
  progressMode,
  type ProgressOut,
} from './progress.js';
import { defaultStatePath, ImportState, stateKey } from './state.js';

export interface ImportOptions {
  forward?: string;
  /** A path, or false for `--no-state`. */
  state?: string | false;
  labels?: string;
  env?: string;
  container?: string[];
  rate?: string;
  window?: string;
  dryRun?: boolean;
  quiet?: boolean;
}

export interface ImportIO {
  /** Results (stdout). */
  out(line: string): void;
  /** Progress and notes (stderr). */
  err: ProgressOut;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export interface ImportResult {
  /** The forward address imported into. */
  where: string;
  tally: Tally;
  interrupted: boolean;
  elapsedMs: number;
}

const RECOMMENDED_LABELS = FLUENTD_OPTS.find(([k]) => k === 'labels')?.[1] ?? '';
export const DEFAULT_LABELS = RECOMMENDED_LABELS;

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function positiveInt(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1)) throw new Error(`${flag}: expected a whole number, got ${v}`);
  return n;
}

/** The shared key as the collector reads it: LOGHARBOR_SHARED_KEY or the file LOGHARBOR_SHARED_KEY_FILE names. */
async function sharedKey(env: NodeJS.ProcessEnv): Promise<string | null> {
  const { readFile } = await import('node:fs/promises');
  if (env.LOGHARBOR_SHARED_KEY && env.LOGHARBOR_SHARED_KEY_FILE)
    throw new Error('set either LOGHARBOR_SHARED_KEY or LOGHARBOR_SHARED_KEY_FILE, not both');
  if (env.LOGHARBOR_SHARED_KEY) return env.LOGHARBOR_SHARED_KEY;
  if (!env.LOGHARBOR_SHARED_KEY_FILE) return null;
  return (await readFile(env.LOGHARBOR_SHARED_KEY_FILE, 'utf8')).replace(/\r?\n$/, '');
}

/**
 * `--rate`: at most `perSec` lines a second, in whole requests. A request continuing a line
 * the previous one left open is counted but not held back: logharbor joins a line's parts
 * only within LOGHARBOR_PARTIAL_TIMEOUT.
 */
function pacer(perSec: number | null): (lines: number, wait: boolean) => Promise<void> {
  if (perSec === null) return () => Promise.resolve();
  let next = performance.now();
  return async (lines, wait) => {
    const now = performance.now();
    if (wait && next > now) await new Promise((r) => setTimeout(r, next - now));
    next = Math.max(next, performance.now()) + (lines / perSec) * 1000;
  };
}

function matches(c: { id: string; name: string | null }, wanted: string[]): boolean {
  if (wanted.length === 0) return true;
  const name = c.name?.replace(/^\//, '') ?? null;
  return wanted.some((w) => w === name || (w.length >= 4 && c.id.startsWith(w)));
}

export async function runImport(
  paths: string[],
  o: ImportOptions,
  io: ImportIO,
): Promise<ImportResult> {
  const target = parseTarget(o.forward ?? (io.env.LOGHARBOR_FORWARD_ADDR || '127.0.0.1:24224'));
  const where = targetText(target);
  const labels = list(o.labels ?? DEFAULT_LABELS);
  const env = list(o.env);
  const rate = o.rate === undefined ? null : positiveInt('--rate', o.rate, 1);
  const window = positiveInt('--window', o.window, 4);
  const key = await sharedKey(io.env);

  const given = paths.length > 0 ? paths : [DEFAULT_CONTAINERS_DIR];
  const found = await discover(given);
  const sets = found.sets.filter((s) => matches(s.container, o.container ?? []));
  // Nothing to import at all is a mistake in the command (a path, a name), not a success.
  if (found.sets.length === 0) {
    const why = found.problems.length > 0 ? `: ${found.problems.join('; ')}` : '';
    const hint = found.problems.some((p) => p.endsWith('EACCES'))
      ? ' (Docker keeps its logs readable by root only: run it with sudo)'
      : '';
    throw new Error(`no Docker log files found in ${given.join(', ')}${why}${hint}`);
  }
  if (sets.length === 0)
    throw new Error(`no container named ${(o.container ?? []).join(', ')} in ${given.join(', ')}`);
  const progress = new Progress(io.err, {
    mode: progressMode(io.err, io.env, o.quiet === true),
    plainEveryMs: 2000,
  });
  for (const p of found.problems) progress.note(`logharbor import: ${p}`);

  const state = new ImportState(o.state === false ? null : (o.state ?? defaultStatePath(io.env)));
  state.open();
  try {
    const plan = await planSets(sets, state, where);
    progress.total = plan.total;
    if (o.dryRun) {
      printPlan(plan.sets, io.out);
      return { where, tally: newTally(), interrupted: false, elapsedMs: 0 };
    }
    const tally = newTally();
    const client = new ForwardClient({
      target,
      sharedKey: key,
      hostname: hostname(),
      window,
      ackTimeoutMs: 60_000,
      maxAttempts: 8,
      onReconnect: (why) => progress.note(`logharbor import: ${why}; reconnecting to ${where}`),
    });
    if (plan.total > 0 || plan.sets.some((s) => s.files.some((f) => !f.skip)))
      await client.connect();
    const saver = setInterval(() => state.save(), 1000);
    const importer = new Importer({
      client,
      state,
      progress,
      tally,
      labels,
      env,
      pace: pacer(rate),
      stopped: () => io.signal.aborted,
    });
    try {
      for (const p of plan.sets) {
        if (io.signal.aborted) break;
        await importer.importSet(p);
      }
      if (!io.signal.aborted) await client.drain();
      else {
        // Acks of what was sent before the stop still count (bounded).
        const waited = client.drain().catch(() => undefined);
        await Promise.race([waited, new Promise((r) => setTimeout(r, 10_000).unref())]);
      }
    } finally {
      clearInterval(saver);
      client.close();
    }
    progress.done();
    return { where, tally, interrupted: io.signal.aborted, elapsedMs: progress.elapsedMs };
  } finally {
    state.close();
  }
}

export async function planSets(
  sets: Awaited<ReturnType<typeof discover>>['sets'],
  state: ImportState,
  where: string,
): Promise<{ sets: PlannedSet[]; total: number }> {
  const out: PlannedSet[] = [];
  let total = 0;
  for (const set of sets) {
    const files: PlannedFile[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < set.files.length; i++) {
      const file = set.files[i]!;
      const first = await identityOf(file, set.container.id).catch(() => null);
      if (first === null) continue; // no whole entry yet: nothing to import in it
      // Files that begin with equal entries (parts of one long line of repeated text)
      // are told apart by their order.
      const n = seen.get(first) ?? 0;
      seen.set(first, n + 1);
      const identity = n === 0 ? first : `${first}#${n}`;
      const key = stateKey(where, set.container.id, identity);
      const st = state.get(key);
      const from = st?.offset ?? 0;
      const skip =
        st !== null && (st.complete || (!file.gzip && !mayGrow(set, i) && from >= file.size));
      if (!skip) total += Math.max(0, file.estimate - from);
      files.push({ file, identity, key, from, open: st ? st.open : null, skip });
    }
    // Nothing more will come after the last file: its container stopped and its newest
    // log is part of the set (even when it holds no whole entry).
    const closes = set.container.running === false && set.files.some((f) => f.rotation === 0);
    if (files.length > 0) out.push({ set, files, closes });
  }
  return { sets: out, total };
}

function printPlan(sets: PlannedSet[], out: (s: string) => void): void {
  for (const p of sets) {
    const c = p.set.container;
    const name = c.name?.replace(/^\//, '') ?? '(no config.v2.json)';
    const compose = [c.labels['com.docker.compose.project'], c.labels['com.docker.compose.service']]
      .filter(Boolean)
      .join('/');
    out(
      `${name} ${c.id.slice(0, 12)} ${p.set.format}${c.image ? ` image ${c.image}` : ''}${compose ? ` compose ${compose}` : ''}${c.running === null ? '' : c.running ? ' running' : ' stopped'}`,
    );
    for (const f of p.files) {
      const left = Math.max(0, f.file.estimate - f.from);
      out(
        `  ${f.file.path}  ${f.skip ? 'imported' : f.from > 0 ? `${formatBytes(left)} left of ${formatBytes(f.file.estimate)}` : formatBytes(f.file.estimate)}`,
      );
    }
  }
}

/** The closing lines: what was imported, at what rate, and what was not. */
export function summary(r: ImportResult): string[] {
  const t = r.tally;
  const secs = Math.max(r.elapsedMs, 1) / 1000;
  const lines: string[] = [];
  lines.push(
    `${r.interrupted ? 'interrupted: ' : ''}imported ${t.lines.toLocaleString('en-US')} lines (${formatBytes(t.bytes)}) into ${r.where} in ${formatDuration(r.elapsedMs)}: ${Math.round(t.lines / secs).toLocaleString('en-US')} lines/s, ${formatBytes(Math.round(t.bytes / secs))}/s`,
  );
  for (const [name, c] of t.perContainer) {
    if (c.lines === 0) continue; // imported before, or nothing new in it
    lines.push(
      `  ${name}: ${c.lines.toLocaleString('en-US')} lines, ${formatBytes(c.bytes)} from ${c.files} file${c.files === 1 ? '' : 's'}`,
    );
  }
  if (t.unfinished > 0)
    lines.push(
      `${t.unfinished} line(s) cut off when their container stopped: stored marked partial_unfinished`,
    );
  if (t.heldBytes > 0)
    lines.push(
      `${formatBytes(t.heldBytes)} at the end of logs still being written held back: the next import takes them once whole`,
    );
  for (const x of t.torn) lines.push(x);
  if (t.bad > 0) {
    lines.push(`${t.bad} entr${t.bad === 1 ? 'y' : 'ies'} skipped, not Docker log entries:`);
    for (const x of t.badExamples) lines.push(`  ${x}`);
  }
  if (r.interrupted) lines.push('run the same command again to resume');
  return lines;
}

/**
 * Summaries the writer keeps beside the rows, in the same transaction as each batch:
 * the container list (migrations 002 and 010) and per-minute counts per severity, overall
 * and per container (008 and 010: named, or known only by id), so the container list and
 * the histograms without a filter, of containers, of levels and by level or container
 * never scan `logs`.
 * Each is one statement of the batch's closing query (core/db/sql-text.ts says why SQL
 * text).
 *
 * A container is a row with its name when one is known, else a row with only its id
 * (Docker's syslog driver with its default tag `{{.ID}}` sends no name): a record adds
 * to the one or the other, nothing more. Which id-only row belongs to which named one is
 * decided when the list is read (api/routes/containers.ts: on Docker's short id), so the
 * writer pays nothing for it.
 *
 * The per-minute counts follow the rows' columns exactly (a record without a name is
 * counted under its id however the list shows it), as the histogram compares them with
 * what a search of the same container finds.
 */
import { intLit, msLit, textLit } from '../../core/db/sql-text.js';
import type { Committed } from '../../core/tail-commits.js';

/** Severity stored in `severity_minutes` for a record without one (migration 010). */
export const NO_SEVERITY = -1;

interface Seen {
  id: string | null;
  project: string | null;
  service: string | null;
  host: string | null;
  n: number;
  last: number;
}

function add(seen: Map<string, Seen>, key: string, r: Committed['record']): void {
  const c = seen.get(key);
  if (c) {
    c.n++;
    c.last = Math.max(c.last, r.receivedAt);
    c.id = r.containerId ?? c.id;
    c.project ??= r.project;
    c.service ??= r.service;
    c.host ??= r.host;
  } else {
    seen.set(key, {
      id: r.containerId,
      project: r.project,
      service: r.service,
      host: r.host,
      n: 1,
      last: r.receivedAt,
    });
  }
}

/**
 * The container list (migrations 002 and 010): an upsert of the named rows and one of the
 * id-only rows, or '' when no record names or identifies a container. Keys are sorted so
 * two writers lock rows in the same order (no deadlock).
 */
export function containersSql(committed: Committed[]): string {
  const named = new Map<string, Seen>();
  const unnamed = new Map<string, Seen>();
  for (const { record: r } of committed) {
    if (r.containerName !== null) add(named, r.containerName, r);
    else if (r.containerId !== null) add(unnamed, r.containerId, r);
  }
  const out: string[] = [];
  const rows = (m: Map<string, Seen>, name: (key: string) => string | null) =>
    [...m.keys()].sort().map((key) => {
      const c = m.get(key)!;
      const at = msLit(c.last);
      return `(${textLit(name(key))}, ${textLit(c.id)}, ${textLit(c.project)}, ${textLit(c.service)}, ${textLit(c.host)}, ${intLit(c.n)}, ${at}, ${at})`;
    });
  const update = `project = coalesce(excluded.project, c.project),
       service = coalesce(excluded.service, c.service),
       host = coalesce(excluded.host, c.host),
       count = c.count + excluded.count,
       last_seen = greatest(c.last_seen, excluded.last_seen)`;
  if (named.size > 0) {
    out.push(`INSERT INTO containers AS c (container_name, container_id, project, service, host, count, first_seen, last_seen)
     VALUES ${rows(named, (name) => name).join(', ')}
     ON CONFLICT (container_name) DO UPDATE SET
       container_id = coalesce(excluded.container_id, c.container_id),
       ${update}`);
  }
  if (unnamed.size > 0) {
    out.push(`INSERT INTO containers AS c (container_name, container_id, project, service, host, count, first_seen, last_seen)
     VALUES ${rows(unnamed, () => null).join(', ')}
     ON CONFLICT (container_id) WHERE container_name IS NULL DO UPDATE SET
       ${update}`);
  }
  return out.join(';\n');
}

/** Records per minute (epoch seconds) and severity (NO_SEVERITY for none). */
type Tally = Map<number, Map<number, number>>;

function tally(t: Tally, minute: number, severity: number): void {
  let bySeverity = t.get(minute);
  if (!bySeverity) t.set(minute, (bySeverity = new Map()));
  bySeverity.set(severity, (bySeverity.get(severity) ?? 0) + 1);
}

function tallyOf<K>(m: Map<K, Tally>, key: K): Tally {
  let t = m.get(key);
  if (!t) m.set(key, (t = new Map()));
  return t;
}

const byNumber = (a: number, b: number) => a - b;

/** `(key..., minute, severity, n)` rows in (minute, severity) order. */
function rows(t: Tally, key: string): string[] {
  return [...t.keys()].sort(byNumber).flatMap((minute) => {
    const bySeverity = t.get(minute)!;
    return [...bySeverity.keys()]
      .sort(byNumber)
      .map((s) => `(${key}${msLit(minute * 1000)}, ${intLit(s)}, ${intLit(bySeverity.get(s)!)})`);
  });
}

/** Rows of every key, keys sorted. */
function keyedRows(m: Map<string, Tally>): string[] {
  return [...m.keys()].sort().flatMap((k) => rows(m.get(k)!, `${textLit(k)}, `));
}

/**
 * Per-minute counts per severity (migration 010): overall (their sum over severities is
 * what log_minutes of 004 held; it is no longer written, so a batch writes no more
 * statements than before), per named container (008, per severity since 010) and per id
 * of records without a name (010): up to three upserts. Rows in key order so two writers
 * lock them in the same order (no deadlock).
 */
export function minutesSql(committed: Committed[]): string {
  const all: Tally = new Map();
  const perName = new Map<string, Tally>();
  const perId = new Map<string, Tally>();
  for (const { record } of committed) {
    const minute = Math.floor(record.tsSec / 60) * 60;
    const severity = record.severity ?? NO_SEVERITY;
    tally(all, minute, severity);
    if (record.containerName !== null)
      tally(tallyOf(perName, record.containerName), minute, severity);
    else if (record.containerId !== null)
      tally(tallyOf(perId, record.containerId), minute, severity);
  }
  const out = [
    `INSERT INTO severity_minutes AS m (minute, severity, n) VALUES ${rows(all, '').join(', ')}
     ON CONFLICT (minute, severity) DO UPDATE SET n = m.n + excluded.n`,
  ];
  if (perName.size > 0) {
    out.push(`INSERT INTO container_minutes AS m (container_name, minute, severity, n) VALUES ${keyedRows(perName).join(', ')}
     ON CONFLICT (container_name, minute, severity) DO UPDATE SET n = m.n + excluded.n`);
  }
  if (perId.size > 0) {
    out.push(`INSERT INTO unnamed_container_minutes AS m (container_id, minute, severity, n) VALUES ${keyedRows(perId).join(', ')}
     ON CONFLICT (container_id, minute, severity) DO UPDATE SET n = m.n + excluded.n`);
  }
  return out.join(';\n');
}

/**
 * `logharbor doctor` without `--all` (issue 18): one line per finding with how many
 * senders have it and a few of their names, then the lines to paste, once per distinct
 * set of them (senders with the same changes at the same address share one block), then
 * the advice for every Docker container in two lines. 30 containers with the same two
 * findings print about 30 lines, not 30 copies of the same explanation; `--all` keeps the
 * per-sender detail with the reasons (cli/doctor.ts).
 *
 *   2 findings for 30 senders (of 31 seen since 2026-11-27T10:06:00.000Z)
 *
 *   [info] Times in whole seconds (forward-seconds): 30 senders: web-00, web-01, web-02 and 27 more
 *   ...
 *   To fix (every change each sender needs, at once):
 *     for 30 Docker senders through forward-tcp 127.0.0.1:24224 (web-00, web-01, ...):
 *       docker run --log-opt ...
 *       compose: ...
 *
 * Names came off the wire: everything printed goes through cleanMessage.
 */
import type { DoctorReport, DoctorSender, Finding, Fix } from '../core/doctor/report.js';
import { cleanMessage, type Style } from './output.js';

/** Sender names shown per line before "and N more". */
const NAMES_SHOWN = 3;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function names(senders: readonly DoctorSender[], safe: (s: string) => string): string {
  const shown = senders.slice(0, NAMES_SHOWN).map((s) => safe(s.label));
  const rest = senders.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

function paintSeverity(f: Finding, style: Style): string {
  if (!style.color) return f.severity;
  return `\x1b[${f.severity === 'warning' ? '33' : '36'}m${f.severity}\x1b[0m`;
}

function block(title: string, text: string, safe: (s: string) => string): string[] {
  return [`    ${title}`, ...text.split('\n').map((l) => `      ${safe(l)}`)];
}

/** Senders grouped by `key`, in the order each group was first met. */
function groupBy<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  return [...groups.values()];
}

/** The listener a sender used and its address, e.g. `syslog-udp 127.0.0.1:5514`. */
function through(s: DoctorSender): string {
  return [s.listener, s.address].filter((x) => x !== null).join(' ') || 'logharbor';
}

/** The lines to paste for senders that share the same changes. */
function fixLines(group: DoctorSender[], safe: (s: string) => string): string[] {
  const s = group[0]!;
  const fix: Fix = s.fix!;
  const who = names(group, safe);
  if (s.docker) {
    const out = [
      `  for ${plural(group.length, 'Docker sender')} through ${safe(through(s))} (${who}):`,
    ];
    if (fix.docker_run !== '') out.push(`    docker run ${safe(fix.docker_run)}`);
    out.push(
      ...block('compose:', fix.compose, safe),
      ...block('daemon.json (new containers, after restarting dockerd):', fix.daemon_json, safe),
    );
    return out;
  }
  const out = [
    `  for ${plural(group.length, 'sender')} that ${group.length === 1 ? 'is' : 'are'} not Docker (${who}):`,
  ];
  for (const c of fix.clients) out.push(`    ${safe(c.label)}: ${safe(c.line)}`);
  if (fix.docker_run !== '') out.push(`    from Docker: docker run ${safe(fix.docker_run)}`);
  return out;
}

export function formatDoctorSummary(r: DoctorReport, style: Style): string[] {
  const safe = (s: string) => cleanMessage(s, { color: false });
  const withFindings = r.senders.filter((s) => s.findings.length > 0);
  // One line per finding (by id, in the order first met), with its senders.
  const byFinding = new Map<string, { f: Finding; senders: DoctorSender[] }>();
  for (const s of withFindings) {
    for (const f of s.findings) {
      const g = byFinding.get(f.id);
      if (g) g.senders.push(s);
      else byFinding.set(f.id, { f, senders: [s] });
    }
  }
  const out = [
    `${plural(byFinding.size, 'finding')} for ${plural(withFindings.length, 'sender')} ` +
      `(of ${r.senders.length} seen since ${safe(r.since)})`,
  ];
  if (byFinding.size > 0) out.push('');
  for (const { f, senders } of byFinding.values()) {
    out.push(
      `[${paintSeverity(f, style)}] ${safe(f.title)} (${safe(f.id)}): ` +
        `${plural(senders.length, 'sender')}: ${names(senders, safe)}`,
    );
  }
  // The lines to paste, once per distinct set: same changes, same address.
  const fixable = withFindings.filter((s) => s.fix !== null);
  if (fixable.length > 0) out.push('', 'To fix (every change each sender needs, at once):');
  const key = (s: DoctorSender) =>
    JSON.stringify([
      s.docker,
      s.fix!.docker_run,
      s.fix!.compose,
      s.fix!.daemon_json,
      s.fix!.clients,
    ]);
  for (const group of groupBy(fixable, key)) out.push(...fixLines(group, safe));
  const quiet = r.senders.length - withFindings.length;
  const detail = '`logharbor doctor --all` shows each sender with the reasons';
  out.push(
    '',
    quiet > 0 ? `${plural(quiet, 'more sender')} with nothing to improve; ${detail}` : `${detail}.`,
  );
  if (r.general.length > 0)
    out.push('', 'For every Docker container (a trade-off; --all explains it):');
  for (const f of r.general) {
    out.push(`  [${paintSeverity(f, style)}] ${safe(f.title)} (${safe(f.id)})`);
    if (f.fix.docker_run !== '') out.push(`    docker run ${safe(f.fix.docker_run)}`);
  }
  return out;
}

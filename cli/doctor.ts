/**
 * `logharbor doctor`: GET /api/doctor from a running logharbor and print a summary
 * (cli/doctor-summary.ts: each finding once with its senders, the lines to paste once),
 * or with `--all`, per sender, what to improve in its logging setup with the lines to
 * paste: per finding the `--log-opt` flags (or another client's setting), per Docker
 * sender one Compose `logging:` block and one daemon.json with every change; then the
 * advice that applies to every Docker container. `--json` prints the answer as it came.
 *
 * Names and tags came off the wire: every printed string goes through cleanMessage, so a
 * hostile tag cannot move the cursor or retitle the terminal.
 */
import type { DoctorReport, DoctorSender, Finding, Fix } from '../core/doctor/report.js';
import { parseDoctorReport } from '../core/doctor/report.js';
import { formatDoctorSummary } from './doctor-summary.js';
import { cleanMessage, type Style } from './output.js';
import { getJson, resolveRemote } from './remote.js';

export interface DoctorOptions {
  since?: string;
  all?: boolean;
  json?: boolean;
  url: string;
  token?: string;
}

const WIDTH = 96;

function wrap(text: string, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      out.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(indent + line);
  return out;
}

function block(title: string, text: string, indent: string, safe: (s: string) => string): string[] {
  return [`${indent}${title}`, ...text.split('\n').map((l) => `${indent}  ${safe(l)}`)];
}

/** A Compose block and a daemon.json: the whole driver configuration, printed once per sender. */
function configLines(fix: Fix, indent: string, safe: (s: string) => string): string[] {
  return [
    ...block('compose:', fix.compose, indent, safe),
    ...block(
      'daemon.json (new containers, after restarting dockerd):',
      fix.daemon_json,
      indent,
      safe,
    ),
  ];
}

/** One finding: what, why, and the flags (or another client's setting) that fix it. */
function findingLines(
  f: Finding,
  docker: boolean,
  style: Style,
  safe: (s: string) => string,
): string[] {
  const painted = style.color
    ? `\x1b[${f.severity === 'warning' ? '33' : '36'}m${f.severity}\x1b[0m`
    : f.severity;
  const clients = docker ? [] : f.fix.clients.map((c) => `    ${safe(c.label)}: ${safe(c.line)}`);
  return [
    `  [${painted}] ${safe(f.title)} (${safe(f.id)})`,
    ...wrap(safe(f.why), '    '),
    // A sender that is not Docker is most likely one of the other clients: those lines first.
    ...clients,
    // A finding for other clients only (no Docker option: forward-no-ack) has no such line.
    ...(f.fix.docker_run === ''
      ? []
      : [`    ${clients.length > 0 ? 'from Docker: ' : ''}docker run ${safe(f.fix.docker_run)}`]),
  ];
}

function senderHeading(s: DoctorSender, safe: (x: string) => string): string {
  const who = s.docker ? 'Docker' : 'not Docker';
  const id =
    s.container_id && s.container_id !== s.label ? `, id ${s.container_id.slice(0, 12)}` : '';
  const events = `${s.events} event${s.events === 1 ? '' : 's'}`;
  return `${s.source} ${safe(s.label)} (${who}${safe(id)}): ${events}, last seen ${safe(s.last_seen)}`;
}

/** The report as terminal lines. */
export function formatDoctor(r: DoctorReport, o: { all?: boolean }, style: Style): string[] {
  const safe = (s: string) => cleanMessage(s, { color: false });
  const findings = r.senders.reduce((n, s) => n + s.findings.length, 0);
  const out = [
    `${r.senders.length} sender${r.senders.length === 1 ? '' : 's'} seen since ${safe(r.since)}, ` +
      `${findings} finding${findings === 1 ? '' : 's'}`,
  ];
  for (const s of r.senders) {
    if (s.findings.length === 0 && !o.all) continue;
    out.push('', senderHeading(s, safe));
    if (s.findings.length === 0) out.push('  nothing to improve');
    for (const f of s.findings) out.push(...findingLines(f, s.docker, style, safe));
    if (s.fix && s.docker) {
      const what = s.findings.length > 1 ? 'every change above' : 'the change above';
      out.push(`  with ${what}:`, `    docker run ${safe(s.fix.docker_run)}`);
      out.push(...configLines(s.fix, '    ', safe));
    }
  }
  const quiet = r.senders.filter((s) => s.findings.length === 0).length;
  if (quiet > 0 && !o.all) out.push('', `${quiet} more with nothing to improve (--all lists them)`);
  if (r.general.length > 0) out.push('', 'For every Docker container:');
  for (const f of r.general)
    out.push(...findingLines(f, true, style, safe), ...configLines(f.fix, '    ', safe));
  return out;
}

export async function doctor(
  o: DoctorOptions,
  write: (line: string) => void,
  style: Style,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const remote = resolveRemote(o, env);
  const body = await getJson(remote, '/api/doctor', { since: o.since }, '');
  if (o.json) {
    write(JSON.stringify(body));
    return;
  }
  const report = parseDoctorReport(body);
  if (!report) throw new Error('the server sent a doctor answer this command does not understand');
  // Short by default (one line per finding, the lines to paste once); --all: per sender.
  const lines = o.all ? formatDoctor(report, o, style) : formatDoctorSummary(report, style);
  for (const line of lines) write(line);
}

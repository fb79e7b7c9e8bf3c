/**
 * What GET /api/doctor answers, and the runtime guard its readers (the CLI, the page) use
 * on it: nothing that comes over HTTP is cast. Pure, no Node or DOM imports, so the
 * page's bundle can include it.
 *
 *   { generated_at, since, senders: [{ source, sender, docker, container_id, ..., traits,
 *     findings: [{ id, severity, title, why, fix }], fix }], general: [finding] }
 *
 * A `fix` holds the exact lines to paste: the `--log-opt` flags to add to `docker run`, a
 * Compose `logging:` block, a daemon.json, and the settings of other clients.
 */
import { factsFrom, type Facts } from './traits.js';

export type Severity = 'warning' | 'info';

export interface ClientLine {
  /** The client, e.g. "fluent-logger (Node.js)". */
  label: string;
  line: string;
}

export interface Fix {
  /** `--log-opt name=value` flags to add to `docker run`. */
  docker_run: string;
  /** A Compose service's `logging:` block (driver, address and options). */
  compose: string;
  /** /etc/docker/daemon.json for every new container. */
  daemon_json: string;
  /** The same change in other clients than Docker. */
  clients: ClientLine[];
}

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  fix: Fix;
}

export interface DoctorSender {
  source: 'forward' | 'syslog';
  sender: string;
  /** What to call it: container name, else id, tag, app or host. */
  label: string;
  docker: boolean;
  container_id: string | null;
  container_name: string | null;
  tag: string | null;
  host: string | null;
  listener: string | null;
  address: string | null;
  events: number;
  first_seen: string;
  last_seen: string;
  /** Each trait's current (latest) value. */
  traits: Facts;
  findings: Finding[];
  /** Every finding's Docker options together; null without findings. */
  fix: Fix | null;
}

export interface DoctorReport {
  generated_at: string;
  /** Senders last seen at or after this time are listed. */
  since: string;
  senders: DoctorSender[];
  /** Advice for every Docker sender that the wire cannot show (blocking mode). */
  general: Finding[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';
const optStr = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function parseFix(v: unknown): Fix | null {
  if (!isObj(v) || !str(v.docker_run) || !str(v.compose) || !str(v.daemon_json)) return null;
  const clients: ClientLine[] = [];
  if (Array.isArray(v.clients))
    for (const c of v.clients)
      if (isObj(c) && str(c.label) && str(c.line)) clients.push({ label: c.label, line: c.line });
  return { docker_run: v.docker_run, compose: v.compose, daemon_json: v.daemon_json, clients };
}

function parseFinding(v: unknown): Finding | null {
  if (!isObj(v) || !str(v.id) || !str(v.title) || !str(v.why)) return null;
  if (v.severity !== 'warning' && v.severity !== 'info') return null;
  const fix = parseFix(v.fix);
  if (!fix) return null;
  return { id: v.id, severity: v.severity, title: v.title, why: v.why, fix };
}

function parseFindings(v: unknown): Finding[] {
  if (!Array.isArray(v)) return [];
  return v.map(parseFinding).filter((f): f is Finding => f !== null);
}

function parseSender(v: unknown): DoctorSender | null {
  if (!isObj(v) || !str(v.sender) || !str(v.label)) return null;
  if (v.source !== 'forward' && v.source !== 'syslog') return null;
  if (!str(v.first_seen) || !str(v.last_seen)) return null;
  const traits = isObj(v.traits) ? factsFrom(Object.entries(v.traits)) : {};
  return {
    source: v.source,
    sender: v.sender,
    label: v.label,
    docker: v.docker === true,
    container_id: optStr(v.container_id),
    container_name: optStr(v.container_name),
    tag: optStr(v.tag),
    host: optStr(v.host),
    listener: optStr(v.listener),
    address: optStr(v.address),
    events: typeof v.events === 'number' && Number.isFinite(v.events) ? v.events : 0,
    first_seen: v.first_seen,
    last_seen: v.last_seen,
    traits,
    findings: parseFindings(v.findings),
    fix: v.fix === null ? null : parseFix(v.fix),
  };
}

/** The report, or null when `v` is not one; malformed senders and findings are skipped. */
export function parseDoctorReport(v: unknown): DoctorReport | null {
  if (!isObj(v) || !Array.isArray(v.senders) || !str(v.generated_at) || !str(v.since)) return null;
  return {
    generated_at: v.generated_at,
    since: v.since,
    senders: v.senders.map(parseSender).filter((s): s is DoctorSender => s !== null),
    general: parseFindings(v.general),
  };
}

/**
 * The driver doctor's rules (issue 7, item 6): a sender's current traits (the value of
 * each trait seen last, core/doctor/traits.ts) in, findings with the lines to paste
 * out. Pure.
 *
 * Each rule fires only on what the wire showed. Docker's `mode` (blocking or not) never
 * reaches the wire, so it is not a finding about a sender: it is general advice, shown
 * whenever a Docker sender was seen, and worded as the trade-off it is.
 */
import { buildFix, driverAddress, type Driver, type LogOpt } from './fix-lines.js';
import type {
  ClientLine,
  DoctorReport,
  DoctorSender,
  Finding,
  Fix,
  Severity,
} from '../../core/doctor/report.js';
import { factsFrom, type Facts } from '../../core/doctor/traits.js';
import { FLUENTD_OPTS } from '../../core/docker-advice.js';

export interface TraitSeen {
  trait: string;
  value: string;
  count: number;
  /** ms since the epoch. */
  lastAt: number;
}

/** A sender as stored (migration 005). */
export interface SenderState {
  source: 'forward' | 'syslog';
  sender: string;
  containerId: string | null;
  containerName: string | null;
  tag: string | null;
  host: string | null;
  listener: string | null;
  address: string | null;
  events: number;
  firstSeen: string;
  lastSeen: string;
  traits: TraitSeen[];
}

/** Typed by the vocabulary: a rule reading a trait or value that does not exist does not compile. */
type Traits = Facts;

/** Each trait's value seen last (then the most often, then the first by name): the current configuration. */
export function currentTraits(seen: readonly TraitSeen[]): Traits {
  const best = new Map<string, TraitSeen>();
  for (const t of seen) {
    const b = best.get(t.trait);
    const wins =
      !b ||
      t.lastAt > b.lastAt ||
      (t.lastAt === b.lastAt && (t.count > b.count || (t.count === b.count && t.value < b.value)));
    if (wins) best.set(t.trait, t);
  }
  const sorted = [...best.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return factsFrom(sorted.map(([k, v]) => [k, v.value] as const));
}

interface Rule {
  id: string;
  source: 'forward' | 'syslog';
  severity: Severity;
  applies(t: Traits): boolean;
  title: string;
  why(t: Traits): string;
  opts: readonly LogOpt[];
  clients: readonly ClientLine[];
}

const SYSLOG_FORMAT: readonly LogOpt[] = [['syslog-format', 'rfc5424micro']];
const SYSLOG_CLIENTS: readonly ClientLine[] = [
  { label: 'util-linux logger', line: 'logger --rfc5424 -n <host> -P <port> ...' },
  { label: 'rsyslog (omfwd)', line: 'template="RSYSLOG_SyslogProtocol23Format"' },
];
const NAME_TAG: readonly LogOpt[] = [['tag', '{{.Name}}/{{.ID}}']];

/** The ack race, in a few words, for the rule and its tests. */
export const ACK_RACE_TITLE =
  "Docker's fluentd driver with fluentd-request-ack resends chunks in a loop and loses lines " +
  '(its ack race): turn request-ack off';

const RULES: readonly Rule[] = [
  {
    // Measured with Docker 20.10 (README, "Why these options"): with request-ack, a
    // container writing stdout and stderr at once had 30-65 of its 400 lines stored.
    id: 'forward-docker-ack-race',
    source: 'forward',
    severity: 'warning',
    applies: (t) => t.docker === 'yes' && t.ack === 'yes',
    title: ACK_RACE_TITLE,
    why: (t) =>
      (t.resent === 'yes'
        ? 'Seen here: this container sent chunks again that logharbor had already received ' +
          '(each was stored once). '
        : '') +
      "This container's fluentd driver asks for acks (fluentd-request-ack=true). Docker's " +
      'client sends stdout and stderr from two goroutines on one connection and each reads ' +
      '"its" ack: when both streams write at once one reads the other\'s ack, both resend in a ' +
      "loop, the container's writes stall, and the lines still unsent when it stops are " +
      'dropped (dockerd logs "Logger already closed"); it has crashed dockerd too. No answer ' +
      'from logharbor avoids it. Without request-ack every line arrived, and logharbor keeps ' +
      'what it reads in its spool before anything else, so the ack buys nothing here. ' +
      'Re-create the container with these options (and drop fluentd-request-ack from its ' +
      'Compose logging: block or daemon.json).',
    opts: FLUENTD_OPTS,
    clients: [],
  },
  {
    // Not Docker: fluent-logger, Fluent Bit and Fluentd read each ack on the request's own
    // path, keep what is unacked and resend it, and logharbor stores a resent chunk once.
    id: 'forward-no-ack',
    source: 'forward',
    severity: 'warning',
    applies: (t) => t.ack === 'no' && t.docker !== 'yes',
    title: 'No acknowledgements: lines in flight can be lost',
    why: () =>
      'Requests arrive without option.chunk, so logharbor cannot acknowledge them and the ' +
      'sender never learns whether a line was kept: what is in flight when logharbor or its ' +
      'host dies hard (sent, but not yet read into its spool) or when the connection drops is ' +
      'lost without notice. With acks the sender keeps a request until logharbor has it in ' +
      'its spool and resends it otherwise (a resent chunk is stored once). Not for Docker: ' +
      "its fluentd driver's acks lose lines.",
    opts: [],
    clients: [
      {
        label: 'fluent-logger (Node.js)',
        line: 'createFluentSender(tag, { requireAckResponse: true })',
      },
      { label: 'Fluent Bit ([OUTPUT] forward)', line: 'Require_ack_response true' },
      { label: 'Fluentd (out_forward)', line: 'require_ack_response true' },
    ],
  },
  {
    id: 'forward-seconds',
    source: 'forward',
    severity: 'info',
    applies: (t) => t.time === 'integer',
    title: 'Times in whole seconds',
    why: () =>
      'Event times arrive as integer seconds: lines written within one second share one time, ' +
      'so their sub-second time is lost and lines of two containers within a second cannot be ' +
      'put in order. EventTime (Forward Protocol v1) carries nanoseconds.',
    opts: [['fluentd-sub-second-precision', 'true']],
    clients: [
      {
        label: 'fluent-logger (Node.js)',
        line: 'logger.emit(label, record, FluentLogger.EventTime.now())',
      },
      { label: 'Fluent Bit ([OUTPUT] forward)', line: 'Time_as_Integer off' },
      { label: 'Fluentd (out_forward)', line: 'time_as_integer false' },
    ],
  },
  {
    id: 'forward-no-compose',
    source: 'forward',
    severity: 'info',
    applies: (t) => t.docker === 'yes' && t.compose === 'no',
    title: 'No Compose project or service',
    why: () =>
      'Docker sends a container label only when the labels log-opt names it, so these records ' +
      'carry no com.docker.compose.project or com.docker.compose.service: logharbor cannot ' +
      'group the container under its Compose project and project: or service: queries miss ' +
      'it. Ignore this for a container not run by Compose; if you already set labels, add ' +
      'these two to your list.',
    opts: [['labels', 'com.docker.compose.project,com.docker.compose.service']],
    clients: [],
  },
  {
    id: 'syslog-no-hostname',
    source: 'syslog',
    severity: 'warning',
    applies: (t) => t.hostname === 'no' && t.format !== 'unknown',
    title: 'No hostname',
    why: (t) =>
      (t.docker === 'yes'
        ? "Docker's default syslog format (syslog-format unset) sends no HOSTNAME"
        : 'These messages carry no HOSTNAME') +
      ', so lines from several hosts cannot be told apart and host: queries miss them. ' +
      'RFC 5424 always has a HOSTNAME field.',
    opts: SYSLOG_FORMAT,
    clients: SYSLOG_CLIENTS,
  },
  {
    id: 'syslog-no-year',
    source: 'syslog',
    severity: 'warning',
    applies: (t) => t.year === 'no',
    title: 'Timestamps without a year or time zone',
    why: () =>
      'RFC 3164 timestamps ("Nov 28 06:23:47") have no year and no zone: logharbor guesses the ' +
      'year from the arrival time and reads the time in LOGHARBOR_SYSLOG_TIMEZONE, so a sender ' +
      'in another zone, or a line delayed across New Year, is stored at the wrong time. ' +
      'RFC 5424 timestamps carry both.',
    opts: SYSLOG_FORMAT,
    clients: SYSLOG_CLIENTS,
  },
  {
    id: 'syslog-seconds',
    source: 'syslog',
    severity: 'info',
    applies: (t) => t.time === 'seconds',
    title: 'Times in whole seconds',
    why: () =>
      'Timestamps have no fraction: lines written within one second share one time, so lines ' +
      'of two containers within a second cannot be put in order. rfc5424micro sends ' +
      'microseconds.',
    opts: SYSLOG_FORMAT,
    clients: SYSLOG_CLIENTS,
  },
  {
    id: 'syslog-tag-no-container',
    source: 'syslog',
    severity: 'warning',
    applies: (t) => t.docker === 'yes' && t.container_tag === 'none',
    title: 'The tag does not name the container',
    why: () =>
      "These look like Docker's syslog driver (daemon facility, dockerd's PID) but the tag " +
      'log-opt leaves the container ID out, so logharbor cannot tell which container wrote ' +
      'them and container: queries miss them. {{.Name}}/{{.ID}} gives both name and ID.',
    opts: NAME_TAG,
    clients: [],
  },
  {
    id: 'syslog-tag-no-name',
    source: 'syslog',
    severity: 'info',
    applies: (t) => t.container_tag === 'id',
    title: 'The tag holds the container ID only',
    why: () =>
      "Docker's default tag is {{.ID}}: these lines have no container name, and a re-created " +
      'container shows up under a new ID. With {{.Name}}/{{.ID}} logharbor reads both.',
    opts: NAME_TAG,
    clients: [],
  },
];

const DRIVER: Record<SenderState['source'], Driver> = { forward: 'fluentd', syslog: 'syslog' };

export function senderLabel(
  s: Pick<SenderState, 'containerName' | 'containerId' | 'tag' | 'host' | 'sender'>,
): string {
  return s.containerName ?? s.containerId ?? s.tag ?? s.host ?? s.sender;
}

/** Options of several findings as one set (first value of a name wins). */
function mergeFixes(driver: Driver, address: string, rules: readonly Rule[]): Fix {
  const opts = new Map<string, string>();
  const clients = new Map<string, ClientLine>();
  for (const r of rules) {
    for (const [k, v] of r.opts) if (!opts.has(k)) opts.set(k, v);
    for (const c of r.clients) clients.set(`${c.label}\u0000${c.line}`, c);
  }
  return buildFix(driver, address, [...opts.entries()], [...clients.values()]);
}

export function adviseSender(s: SenderState): DoctorSender {
  const traits = currentTraits(s.traits);
  const driver = DRIVER[s.source];
  const address = driverAddress(driver, s.listener, s.address);
  const fired = RULES.filter((r) => r.source === s.source && r.applies(traits));
  return {
    source: s.source,
    sender: s.sender,
    label: senderLabel(s),
    docker: traits.docker === 'yes',
    container_id: s.containerId,
    container_name: s.containerName,
    tag: s.tag,
    host: s.host,
    listener: s.listener,
    address: s.address,
    events: s.events,
    first_seen: s.firstSeen,
    last_seen: s.lastSeen,
    traits,
    findings: fired.map((r) => ({
      id: r.id,
      severity: r.severity,
      title: r.title,
      why: r.why(traits),
      fix: buildFix(driver, address, r.opts, r.clients),
    })),
    fix: fired.length > 0 ? mergeFixes(driver, address, fired) : null,
  };
}

const BLOCKING_OPTS: Record<Driver, readonly LogOpt[]> = {
  fluentd: [
    ['mode', 'non-blocking'],
    ['max-buffer-size', '4m'],
    ['fluentd-async', 'true'],
  ],
  syslog: [
    ['mode', 'non-blocking'],
    ['max-buffer-size', '4m'],
  ],
};

function blockingAdvice(driver: Driver, address: string): Finding {
  const start =
    driver === 'fluentd'
      ? ' With the fluentd driver a container also fails to start while logharbor is ' +
        'unreachable; fluentd-async=true lets it start and connect later, but drops the ' +
        'lines still unsent when the container exits (all of them if logharbor was still ' +
        'down), which is why it is not in the recommended options.'
      : '';
  return {
    id: 'docker-blocking-mode',
    severity: 'info',
    title: `Blocking or non-blocking (${driver} driver): choose what a slow logharbor does to your containers`,
    why:
      "Docker's default, mode=blocking, makes a container's writes to stdout and stderr wait " +
      'whenever the log driver cannot deliver, for instance while logharbor restarts or its ' +
      'spool is full: the lines wait, but the application stalls.' +
      start +
      ' mode=non-blocking keeps the application running and holds lines in a memory buffer ' +
      '(max-buffer-size), dropping lines when it fills. Which is right depends on whether a ' +
      'stalled application or lost lines hurts you more. This setting never reaches the ' +
      'wire, so logharbor cannot tell which one you use: it is shown for every Docker driver seen.',
    fix: buildFix(driver, address, BLOCKING_OPTS[driver]),
  };
}

/** Advice that no sender's traits can show: per Docker driver seen, at its newest sender's address. */
export function generalAdvice(senders: readonly DoctorSender[]): Finding[] {
  const out: Finding[] = [];
  for (const source of ['forward', 'syslog'] as const) {
    const newest = senders
      .filter((s) => s.source === source && s.docker)
      .sort((a, b) => (a.last_seen < b.last_seen ? 1 : -1))[0];
    if (!newest) continue;
    const driver = DRIVER[source];
    out.push(blockingAdvice(driver, driverAddress(driver, newest.listener, newest.address)));
  }
  return out;
}

export function buildReport(states: readonly SenderState[], now: Date, since: Date): DoctorReport {
  const senders = states.map(adviseSender);
  return {
    generated_at: now.toISOString(),
    since: since.toISOString(),
    senders,
    general: generalAdvice(senders),
  };
}

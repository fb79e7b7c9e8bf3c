/**
 * The driver doctor's vocabulary (issue 7, item 6): what logharbor can tell, from the
 * bytes that arrive, about how a sender's log driver is configured. A *trait* is one such
 * fact with a value from a small fixed set; the collector counts (trait, value) pairs per
 * sender (aggregator.ts), every collector adds its counts to one table (store.ts,
 * migration 005), and the API turns each sender's latest values into advice
 * (api/doctor/advice.ts).
 *
 * Values come only from these sets, so what one sender can make the collector hold is
 * bounded by the vocabulary, whatever it sends.
 */

export const TRAITS = {
  /** Forward Protocol v1 "Event Modes": Docker's fluentd driver always sends Message. */
  mode: ['message', 'forward', 'packed', 'compressed'],
  /** Forward: whether the request carried `option.chunk`, asking for an ack. */
  ack: ['yes', 'no'],
  /**
   * Forward: whether the sender sent a chunk id again that it had sent shortly before (a
   * resend: the client did not read the ack it expected). `no` for a request without a
   * chunk. Docker's fluentd driver with fluentd-request-ack does this in a loop when
   * stdout and stderr write at once (its ack race, docs/architecture.md).
   */
  resent: ['yes', 'no'],
  /**
   * Forward: how the first event's time was encoded (Forward Protocol v1, "EventTime Ext
   * Format"): `integer` is whole seconds (Docker without fluentd-sub-second-precision);
   * `now` is nil or 0 ("stamp it on arrival"); `subsecond`/`unknown` where the format byte
   * cannot be read (gzip payload, JSON connection) and only the decoded nanoseconds tell.
   * Syslog: `fraction` or `seconds` from the timestamp's text, `none` without one.
   */
  time: [
    'event-time',
    'integer',
    'float',
    'now',
    'subsecond',
    'unknown',
    'fraction',
    'seconds',
    'none',
  ],
  /** Whether the sender is Docker: forward records with container_id and container_name, or
   * a syslog message in the shape of Docker's syslog driver (collector/syslog/docker.ts). */
  docker: ['yes', 'no'],
  /** Forward: com.docker.compose.project or .service in the record (the `labels` log-opt). */
  compose: ['yes', 'no'],
  /** Forward: Docker's partial-line metadata (partial_message) was seen. */
  partial: ['yes', 'no'],
  /** Syslog: the header format (collector/syslog/parse.ts). */
  format: ['rfc5424', 'rfc3164', 'unknown'],
  /** Syslog: whether HOSTNAME was sent (RFC 3164 section 4.1.2 lets it be left out). */
  hostname: ['yes', 'no'],
  /** Syslog: whether the timestamp carries a year (RFC 3164's "Mmm dd hh:mm:ss" does not). */
  year: ['yes', 'no'],
  /** Syslog: whether the timestamp carries a zone or offset. */
  zone: ['yes', 'no'],
  /** Syslog from Docker: what the `tag` log-opt put in the tag (id-name: {{.Name}}/{{.ID}}). */
  container_tag: ['id-name', 'id', 'none'],
} as const satisfies Record<string, readonly string[]>;

export type TraitName = keyof typeof TRAITS;
export type TraitValue<T extends TraitName> = (typeof TRAITS)[T][number];

/** A sender's traits as derived from one request or message. */
export type Facts = { [T in TraitName]?: TraitValue<T> };

export function isTrait(name: string): name is TraitName {
  return Object.hasOwn(TRAITS, name);
}

export function isTraitValue<T extends TraitName>(name: T, value: string): value is TraitValue<T> {
  return (TRAITS[name] as readonly string[]).includes(value);
}

/** The known (trait, value) pairs of `entries`, as Facts; anything outside the vocabulary is left out. */
export function factsFrom(entries: Iterable<readonly [string, unknown]>): Facts {
  const out: Record<string, string> = {};
  for (const [k, v] of entries)
    if (typeof v === 'string' && isTrait(k) && isTraitValue(k, v)) out[k] = v;
  return out as Facts;
}

export type SenderSource = 'forward' | 'syslog';

/**
 * Who sent something, as far as the wire says. `sender` is the key the counts are kept
 * under: `container:<name>`, `id:<container id>`, `tag:<forward tag>`, `app:<app>@<host>`,
 * `host:<host>` or `unknown`. A container keeps its key across re-creation when it keeps
 * its name, so a fixed configuration replaces the old traits (latest value wins).
 */
export interface SenderIdentity {
  source: SenderSource;
  sender: string;
  containerId: string | null;
  containerName: string | null;
  tag: string | null;
  host: string | null;
}

/** The longest text kept in an identity field (tags and names are short; the wire is not trusted). */
export const MAX_IDENTITY_CHARS = 256;

export function clip(s: string | null): string | null {
  if (s === null) return null;
  // Lone surrogates and NUL are not storable in PostgreSQL text; names never need them.
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '').toWellFormed();
  return clean.length > MAX_IDENTITY_CHARS ? clean.slice(0, MAX_IDENTITY_CHARS) : clean;
}

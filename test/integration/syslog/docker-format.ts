/**
 * The bytes Docker's syslog driver (moby daemon/logger/syslog with srslog, 20.10) puts on
 * the wire, written independently of the collector so tests can send them byte for byte:
 *
 *   unset        <PRI>Jan _2 15:04:05 TAG[PID]: MSG\n                    (srslog UnixFormatter)
 *   rfc3164      <PRI>Jan _2 15:04:05 HOST TAG[PID]: MSG\n               (RFC3164Formatter)
 *   rfc5424      <PRI>1 2006-01-02T15:04:05Z07:00 HOST TAG PID TAG - MSG\n
 *   rfc5424micro <PRI>1 2006-01-02T15:04:05.000000Z07:00 HOST TAG PID TAG - MSG\n
 *
 * Times are dockerd's local time (Go layouts above: "_2" pads the day with a space,
 * "Z07:00" is "Z" at offset zero). Over tcp+tls the rfc5424 formats are octet-counted
 * (RFC5425MessageLengthFramer), the count including the LF; everything else is LF-framed.
 * A container line is cut into pieces of 16384 bytes (daemon/logger/copier.go), each sent
 * as its own message.
 */

export type DockerFormat = 'unset' | 'rfc3164' | 'rfc5424' | 'rfc5424micro';
export type DockerTransport = 'udp' | 'tcp' | 'tls';

export const DOCKER_FORMATS: DockerFormat[] = ['unset', 'rfc3164', 'rfc5424', 'rfc5424micro'];
export const DOCKER_SPLIT = 16384;

export interface DockerSender {
  /** dockerd's zone (an IANA name), in which it writes its times. */
  zone: string;
  host: string;
  pid: number;
  tag: string;
  format: DockerFormat;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Wall-clock fields of `ms` in `zone`, and the zone's offset from UTC in minutes. */
function wall(
  ms: number,
  zone: string,
): { y: number; mo: number; d: number; h: number; mi: number; s: number; offsetMin: number } {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(ms)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const [y, mo, d, h, mi, s] = [p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!];
  const offsetMin = Math.round(
    (Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000) / 60_000,
  );
  return { y, mo, d, h, mi, s, offsetMin };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** Go's time.Stamp, "Jan _2 15:04:05". */
function stamp(ms: number, zone: string): string {
  const w = wall(ms, zone);
  return `${MONTHS[w.mo - 1]} ${String(w.d).padStart(2, ' ')} ${two(w.h)}:${two(w.mi)}:${two(w.s)}`;
}

/** Go's RFC 3339 layouts; non-null `micros` is written as the ".000000" fraction. */
function rfc3339(ms: number, zone: string, micros: number | null): string {
  const w = wall(ms, zone);
  const frac = micros === null ? '' : `.${String(micros).padStart(6, '0')}`;
  const off = Math.abs(w.offsetMin);
  const zoneText =
    w.offsetMin === 0
      ? 'Z'
      : `${w.offsetMin < 0 ? '-' : '+'}${two(Math.floor(off / 60))}:${two(off % 60)}`;
  return `${w.y}-${two(w.mo)}-${two(w.d)}T${two(w.h)}:${two(w.mi)}:${two(w.s)}${frac}${zoneText}`;
}

/**
 * One message as Docker writes it, with its trailing LF. `atMs` is whole milliseconds;
 * `micros` (0..999999) is the microsecond fraction rfc5424micro shows.
 */
export function dockerMessage(
  s: DockerSender,
  stream: 'stdout' | 'stderr',
  atMs: number,
  micros: number,
  text: Buffer,
): Buffer {
  // Facility daemon (3); severity info (6) for stdout, err (3) for stderr.
  const pri = 3 * 8 + (stream === 'stdout' ? 6 : 3);
  let header: string;
  switch (s.format) {
    case 'unset':
      header = `<${pri}>${stamp(atMs, s.zone)} ${s.tag}[${s.pid}]: `;
      break;
    case 'rfc3164':
      header = `<${pri}>${stamp(atMs, s.zone)} ${s.host} ${s.tag}[${s.pid}]: `;
      break;
    default: {
      const time = rfc3339(atMs, s.zone, s.format === 'rfc5424micro' ? micros : null);
      header = `<${pri}>1 ${time} ${s.host} ${s.tag} ${s.pid} ${s.tag} - `;
    }
  }
  return Buffer.concat([Buffer.from(header), text, Buffer.from('\n')]);
}

/** How `message` goes on a stream transport: octet-counted only for rfc5424* over tcp+tls. */
export function dockerFrame(
  format: DockerFormat,
  transport: DockerTransport,
  message: Buffer,
): Buffer {
  if (transport === 'tls' && format.startsWith('rfc5424')) {
    return Buffer.concat([Buffer.from(`${message.length} `), message]);
  }
  return message;
}

/** A container line cut as Docker's copier cuts it: pieces of 16384 bytes, the rest last. */
export function dockerSplit(line: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < line.length; i += DOCKER_SPLIT)
    parts.push(line.subarray(i, i + DOCKER_SPLIT));
  return parts;
}
